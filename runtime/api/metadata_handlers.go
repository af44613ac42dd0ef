package api

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
)

func (s *Server) routeMetadata(r fiber.Router) {
	r.Get("/objects", s.listObjects)
	r.Post("/objects", s.createObject)
	r.Get("/objects/:object", s.describe)
	r.Patch("/objects/:object", s.patchObject)
	r.Delete("/objects/:object", s.deleteObject)
	r.Post("/objects/:object/fields", s.addField)
	r.Patch("/objects/:object/fields/:field", s.patchField)
	r.Delete("/objects/:object/fields/:field", s.deleteField)
	r.Get("/metadata", s.getModel)
	r.Get("/metadata/revisions", s.listRevisions)
}

// change runs a metadata change from a request, honouring ?confirm= and
// ?dry_run=, and answers with the new revision and what changed.
//
// Only administrators change metadata: every metadata write goes through
// here, so the check cannot be skipped by a new route.
func (s *Server) change(c *fiber.Ctx, status int, summary string, object string, mutate func(m *metadata.Model) error) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	confirm, err := boolQuery(c, "confirm")
	if err != nil {
		return err
	}
	dry, err := boolQuery(c, "dry_run")
	if err != nil {
		return err
	}
	res, err := s.catalog.Change(c.UserContext(), tenantOf(c), catalog.ChangeOptions{
		Actor: actorOf(c).ID, Summary: summary, ConfirmDataLoss: confirm, DryRun: dry,
	}, mutate)
	if err != nil {
		return err
	}
	if !dry {
		s.auditMetadataChange(c, summary, object, res)
	}
	out := fiber.Map{"revision": res.Revision.Number, "changes": res.Changes, "dry_run": dry}
	if o, ok := res.Revision.Object(object); ok && !dry {
		out["object"] = describeObject(o.Meta, nil, languages(c), true)
	}
	if dry {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(out)
}

// checkJSON answers malformed JSON bodies with 400 before the metadata
// decoder (which also takes YAML) reports schema problems.
func checkJSON(c *fiber.Ctx) error {
	if isYAML(c) {
		return nil
	}
	_, err := decodeObject(c.Body())
	return err
}

func isYAML(c *fiber.Ctx) bool {
	ct := string(c.Request().Header.ContentType())
	return strings.Contains(ct, "yaml")
}

func (s *Server) createObject(c *fiber.Ctx) error {
	if err := checkJSON(c); err != nil {
		return err
	}
	obj, err := metadata.DecodeObject(c.Body())
	if err != nil {
		return err
	}
	obj.ID = ""
	for _, f := range obj.Fields {
		f.ID = ""
	}
	return s.change(c, fiber.StatusCreated, "create object "+obj.Name, obj.Name, func(m *metadata.Model) error {
		if m.Object(obj.Name) != nil {
			return metadata.Problems{{Path: "objects." + obj.Name + ".name", Code: metadata.ProblemDuplicate, Message: fmt.Sprintf("object %q already exists", obj.Name)}}
		}
		m.Objects = append(m.Objects, obj)
		return nil
	})
}

// objectPatch is the body of PATCH /objects/{object}: the properties to change.
type objectPatch struct {
	Name        *string        `json:"name"`
	Label       *metadata.Text `json:"label"`
	PluralLabel *metadata.Text `json:"plural_label"`
	Description *metadata.Text `json:"description"`
	NameField   *string        `json:"name_field"`
	// RecordTypes replaces the object's record types ([] removes them).
	RecordTypes *[]*metadata.RecordType `json:"record_types"`
	// TrackHistory replaces the list of fields whose changes are recorded.
	TrackHistory *[]string `json:"track_history"`
	// Sharing sets the object's organization-wide default ("" for the
	// default, public_read_write).
	Sharing *string `json:"sharing"`
	// SharingRules replaces the object's sharing rules ([] removes them).
	SharingRules *[]*metadata.SharingRule `json:"sharing_rules"`
	// Layout replaces the object's layout (null: the default layout).
	Layout json.RawMessage `json:"layout"`
	// ListViews replaces the object's shared list views ([] removes them).
	ListViews *[]*metadata.ListView `json:"list_views"`
}

func (s *Server) patchObject(c *fiber.Ctx) error {
	name := c.Params("object")
	var p objectPatch
	if err := decodeStrict(c.Body(), &p); err != nil {
		return err
	}
	target := name
	if p.Name != nil {
		target = *p.Name
	}
	return s.change(c, fiber.StatusOK, "change object "+name, target, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", name)
		}
		if p.Name != nil && *p.Name != name {
			if m.Object(*p.Name) != nil {
				return metadata.Problems{{Path: "objects." + name + ".name", Code: metadata.ProblemDuplicate, Message: fmt.Sprintf("object %q already exists", *p.Name)}}
			}
			// Lookups follow the object they point at.
			for _, other := range m.Objects {
				for _, f := range other.Fields {
					if f.Type == "lookup" && f.Settings.Target == name {
						f.Settings.Target = *p.Name
					}
				}
			}
			o.Name = *p.Name
		}
		if p.Label != nil {
			o.Label = *p.Label
		}
		if p.PluralLabel != nil {
			o.PluralLabel = *p.PluralLabel
		}
		if p.Description != nil {
			o.Description = *p.Description
		}
		if p.NameField != nil {
			o.NameField = *p.NameField
		}
		if p.TrackHistory != nil {
			o.TrackHistory = *p.TrackHistory
		}
		if p.RecordTypes != nil {
			o.RecordTypes = *p.RecordTypes
		}
		if p.Sharing != nil {
			o.Sharing = *p.Sharing
		}
		if p.SharingRules != nil {
			o.SharingRules = *p.SharingRules
		}
		if len(p.Layout) > 0 {
			var l *metadata.Layout
			if err := json.Unmarshal(p.Layout, &l); err != nil {
				return problem(fiber.StatusUnprocessableEntity, CodeValidation, "layout must be {\"sections\": [...]} or null: %v", err)
			}
			o.Layout = l
		}
		if p.ListViews != nil {
			o.ListViews = *p.ListViews
		}
		return nil
	})
}

func (s *Server) deleteObject(c *fiber.Ctx) error {
	name := c.Params("object")
	return s.change(c, fiber.StatusOK, "delete object "+name, "", func(m *metadata.Model) error {
		// Lookups of other objects would be left pointing at nothing: name
		// them, rather than report their targets as unknown.
		var refs metadata.Problems
		for _, o := range m.Objects {
			for _, f := range o.Fields {
				if o.Name != name && f.Type == "lookup" && f.Settings.Target == name {
					refs = append(refs, metadata.Problem{Path: "objects." + o.Name + ".fields." + f.Name, Code: metadata.ProblemReferenced,
						Message: fmt.Sprintf("lookup %s.%s points at %q; delete that field or point it elsewhere first", o.Name, f.Name, name)})
				}
			}
		}
		for i, o := range m.Objects {
			if o.Name == name {
				if len(refs) > 0 {
					return refs
				}
				m.Objects = append(m.Objects[:i], m.Objects[i+1:]...)
				return nil
			}
		}
		return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", name)
	})
}

func (s *Server) addField(c *fiber.Ctx) error {
	name := c.Params("object")
	if err := checkJSON(c); err != nil {
		return err
	}
	f, err := metadata.DecodeField(c.Body())
	if err != nil {
		return err
	}
	f.ID = ""
	return s.change(c, fiber.StatusCreated, fmt.Sprintf("add field %s.%s", name, f.Name), name, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", name)
		}
		o.Fields = append(o.Fields, f)
		return nil
	})
}

// patchField merges the body into the field's document and decodes the
// result, so a patch is validated exactly like a whole field.
func (s *Server) patchField(c *fiber.Ctx) error {
	objName, fieldName := c.Params("object"), c.Params("field")
	patch, err := decodeObject(c.Body())
	if err != nil {
		return err
	}
	if _, ok := patch["id"]; ok {
		return metadata.Problems{{Path: "id", Code: metadata.ProblemSchema, Message: "a field's id cannot be changed"}}
	}
	return s.change(c, fiber.StatusOK, fmt.Sprintf("change field %s.%s", objName, fieldName), objName, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", objName)
		}
		for i, f := range o.Fields {
			if f.Name != fieldName {
				continue
			}
			body, err := mergePatch(f, patch)
			if err != nil {
				return err
			}
			nf, err := metadata.DecodeField(body)
			if err != nil {
				return err
			}
			nf.ID = f.ID
			// References by name follow a rename.
			o.RenameFieldReferences(fieldName, nf.Name)
			o.Fields[i] = nf
			return nil
		}
		return problem(fiber.StatusNotFound, CodeUnknownField, "object %q has no field %q", objName, fieldName)
	})
}

func (s *Server) deleteField(c *fiber.Ctx) error {
	objName, fieldName := c.Params("object"), c.Params("field")
	return s.change(c, fiber.StatusOK, fmt.Sprintf("delete field %s.%s", objName, fieldName), objName, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", objName)
		}
		for i, f := range o.Fields {
			if f.Name == fieldName {
				if deps := o.Dependents(fieldName); len(deps) > 0 {
					var ps metadata.Problems
					for _, d := range deps {
						ps = append(ps, metadata.Problem{Path: "objects." + objName + ".fields." + d.Name + ".controller", Code: metadata.ProblemReferenced,
							Message: fmt.Sprintf("field %q controls %q; remove that field's controller and dependencies, or delete it, first", fieldName, d.Name)})
					}
					return ps
				}
				o.Fields = append(o.Fields[:i], o.Fields[i+1:]...)
				o.DropFieldReferences(fieldName)
				return nil
			}
		}
		return problem(fiber.StatusNotFound, CodeUnknownField, "object %q has no field %q", objName, fieldName)
	})
}

func (s *Server) getModel(c *fiber.Ctx) error {
	if err := requireSeesEverything(c); err != nil {
		return err
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"revision": rev.Number, "model": rev.Model})
}

func (s *Server) listRevisions(c *fiber.Ctx) error {
	if err := requireSeesEverything(c); err != nil {
		return err
	}
	revs, err := s.catalog.Revisions(c.UserContext(), tenantOf(c), 100)
	if err != nil {
		return err
	}
	type revisionJSON struct {
		Revision  int    `json:"revision"`
		CreatedAt string `json:"created_at"`
		CreatedBy string `json:"created_by"`
		Summary   string `json:"summary"`
	}
	out := make([]revisionJSON, len(revs))
	for i, r := range revs {
		out[i] = revisionJSON{Revision: r.Number, CreatedAt: r.CreatedAt.UTC().Format(metadata.DateTimeLayout), CreatedBy: r.CreatedBy, Summary: r.Summary}
	}
	return c.JSON(fiber.Map{"revisions": out})
}

// decodeStrict decodes a JSON body into v, refusing unknown members.
func decodeStrict(body []byte, v any) error {
	if _, err := decodeObject(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytesReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problem(fiber.StatusUnprocessableEntity, CodeInvalidMetadata, "%v", err)
	}
	return nil
}

// mergePatch overlays the members of patch on the JSON document of doc and
// returns the merged document without its id, to be decoded and validated
// like a whole document.
func mergePatch(doc any, patch map[string]any) ([]byte, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var merged map[string]any
	if err := json.Unmarshal(data, &merged); err != nil {
		return nil, err
	}
	for k, v := range patch {
		merged[k] = v
	}
	delete(merged, "id")
	return json.Marshal(merged)
}
