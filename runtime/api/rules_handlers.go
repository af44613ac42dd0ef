package api

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/engine/filter"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

func (s *Server) routeRules(r fiber.Router) {
	r.Put("/objects/:object", s.replaceObject)
	r.Post("/objects/:object/rules", s.addRule)
	r.Patch("/objects/:object/rules/:rule", s.patchRule)
	r.Delete("/objects/:object/rules/:rule", s.deleteRule)
	r.Post("/expressions/check", s.checkExpression)
}

// replaceObject replaces an object's whole document (fields, rules, record
// types, tracked fields). Fields keep their stable ids when the document
// gives them or, failing that, by name; fields missing from the document are
// deleted (with ?confirm=true when they hold data).
func (s *Server) replaceObject(c *fiber.Ctx) error {
	name := c.Params("object")
	if err := checkJSON(c); err != nil {
		return err
	}
	doc, err := metadata.DecodeObject(c.Body())
	if err != nil {
		return err
	}
	return s.change(c, fiber.StatusOK, "replace object "+name, doc.Name, func(m *metadata.Model) error {
		for i, o := range m.Objects {
			if o.Name != name {
				continue
			}
			doc.ID = o.ID
			for _, f := range doc.Fields {
				if f.ID != "" && o.FieldByID(f.ID) == nil {
					return metadata.Problems{{Path: "fields." + f.Name + ".id", Code: metadata.ProblemUnknownField,
						Message: fmt.Sprintf("object %q has no field with id %q", name, f.ID)}}
				}
				if f.ID == "" {
					if old := o.Field(f.Name); old != nil {
						f.ID = old.ID
					}
				}
			}
			if doc.Name != name {
				renameLookupTargets(m, name, doc.Name)
			}
			m.Objects[i] = doc
			return nil
		}
		return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", name)
	})
}

// renameLookupTargets makes lookups follow an object to its new name.
func renameLookupTargets(m *metadata.Model, from, to string) {
	for _, other := range m.Objects {
		for _, f := range other.Fields {
			if f.Type == "lookup" && f.Settings.Target == from {
				f.Settings.Target = to
			}
		}
	}
}

func decodeRule(body []byte) (*metadata.Rule, error) {
	var r metadata.Rule
	if err := decodeStrict(body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Server) addRule(c *fiber.Ctx) error {
	name := c.Params("object")
	r, err := decodeRule(c.Body())
	if err != nil {
		return err
	}
	r.ID = ""
	return s.change(c, fiber.StatusCreated, fmt.Sprintf("add rule %s.%s", name, r.Name), name, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", name)
		}
		o.Rules = append(o.Rules, r)
		return nil
	})
}

// patchRule merges the body into the rule's document.
func (s *Server) patchRule(c *fiber.Ctx) error {
	objName, ruleName := c.Params("object"), c.Params("rule")
	patch, err := decodeObject(c.Body())
	if err != nil {
		return err
	}
	return s.change(c, fiber.StatusOK, fmt.Sprintf("change rule %s.%s", objName, ruleName), objName, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", objName)
		}
		for i, r := range o.Rules {
			if r.Name != ruleName {
				continue
			}
			body, err := mergePatch(r, patch)
			if err != nil {
				return err
			}
			nr, err := decodeRule(body)
			if err != nil {
				return err
			}
			nr.ID = r.ID
			o.Rules[i] = nr
			return nil
		}
		return problem(fiber.StatusNotFound, CodeNotFound, "object %q has no rule %q", objName, ruleName)
	})
}

func (s *Server) deleteRule(c *fiber.Ctx) error {
	objName, ruleName := c.Params("object"), c.Params("rule")
	return s.change(c, fiber.StatusOK, fmt.Sprintf("delete rule %s.%s", objName, ruleName), objName, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", objName)
		}
		for i, r := range o.Rules {
			if r.Name == ruleName {
				o.Rules = append(o.Rules[:i], o.Rules[i+1:]...)
				return nil
			}
		}
		return problem(fiber.StatusNotFound, CodeNotFound, "object %q has no rule %q", objName, ruleName)
	})
}

// expressionCheck is the body of POST /expressions/check.
type expressionCheck struct {
	// Object is the object whose record the expression reads.
	Object string `json:"object"`
	// Expression is the source to check.
	Expression string `json:"expression"`
	// Kind is "rule" (a boolean over the record, the default), "default"
	// (no record fields) or "filter" (a list filter).
	Kind string `json:"kind"`
}

// checkExpression compiles an expression as the metadata would and answers
// {"ok": true, "type": …} or a 422 problem with the located, caret-pointed
// message, so editors can check an expression as it is typed.
func (s *Server) checkExpression(c *fiber.Ctx) error {
	var req expressionCheck
	if err := decodeStrict(c.Body(), &req); err != nil {
		return err
	}
	rev, obj, err := s.objectNamed(c, req.Object)
	if err != nil {
		return err
	}
	invalid := func(err error) error {
		p := problem(fiber.StatusUnprocessableEntity, CodeInvalidExpression, "%s", err.Error())
		p.Errors = []ProblemItem{{Field: "expression", Code: metadata.ProblemInvalidExpr, Message: err.Error()}}
		return p
	}
	switch req.Kind {
	case "", "rule":
		// A rule may read any field, hidden or not: only roles that see
		// every field may check one.
		if err := requireSeesEverything(c); err != nil {
			return err
		}
		r := &metadata.Rule{Name: "check", Condition: req.Expression}
		if err := (expression.Checker{}).CheckRule(rev.Model, obj.Meta, r); err != nil {
			return invalid(err)
		}
	case "default":
		if _, err := expression.Compile(req.Expression, expression.DefaultsEnv()); err != nil {
			return invalid(err)
		}
	case "filter":
		if _, err := filter.Translate(req.Expression, records.VisibleFilterColumns(obj, accessOf(c)), filter.Options{Dialect: rev.Dialect}); err != nil {
			return invalid(err)
		}
	default:
		return problem(fiber.StatusUnprocessableEntity, CodeValidation, "kind must be rule, default or filter, not %q", req.Kind)
	}
	return c.JSON(fiber.Map{"ok": true})
}
