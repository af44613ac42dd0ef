package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
)

// ObjectDescription is an object as the describe endpoints answer it, with
// labels in the caller's language.
type ObjectDescription struct {
	ID           string             `json:"id"`
	Name         string             `json:"name"`
	Label        string             `json:"label"`
	PluralLabel  string             `json:"plural_label"`
	Description  string             `json:"description,omitempty"`
	NameField    string             `json:"name_field,omitempty"`
	Fields       []FieldDescription `json:"fields,omitempty"`
	SystemFields []string           `json:"system_fields,omitempty"`
	// RecordTypes are the object's record types; a record's type is its
	// record_type system field, chosen at create.
	RecordTypes []RecordTypeDescription `json:"record_types,omitempty"`
}

// RecordTypeDescription is a record type as describe answers it. Default
// marks the type records get when created without one (the type marked
// default, else the first active one).
type RecordTypeDescription struct {
	Name        string                                 `json:"name"`
	Label       string                                 `json:"label"`
	Description string                                 `json:"description,omitempty"`
	Default     bool                                   `json:"default"`
	Active      bool                                   `json:"active"`
	Picklists   map[string]metadata.RecordTypePicklist `json:"picklists,omitempty"`
}

// FieldDescription is a field as describe answers it.
type FieldDescription struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Label    string `json:"label"`
	HelpText string `json:"help_text,omitempty"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
	Unique   bool   `json:"unique"`
	ReadOnly bool   `json:"read_only"`
	Default  string `json:"default,omitempty"`
	// Controller and Dependencies make a dependent picklist: the values
	// allowed for each value of the controlling field.
	Controller   string                `json:"controller,omitempty"`
	Dependencies map[string][]string   `json:"dependencies,omitempty"`
	Settings     *metadata.Settings    `json:"settings,omitempty"`
	Values       []PicklistDescription `json:"values,omitempty"`
	Schema       map[string]any        `json:"schema"`
}

// PicklistDescription is one picklist choice with its label.
type PicklistDescription struct {
	Value   string `json:"value"`
	Label   string `json:"label"`
	Active  bool   `json:"active"`
	Default bool   `json:"default,omitempty"`
}

// labelOr returns the text in the caller's language, or a label made from
// the API name when the metadata has none ("close_date" → "Close date").
func labelOr(t metadata.Text, langs []string, name string) string {
	if s := t.In(langs); s != "" {
		return s
	}
	return humanize(name)
}

func humanize(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// describeObject describes o in the caller's languages, with its fields
// when withFields. With acc, fields the role may not read are left out and
// those it may not edit are read-only; nil describes every field as it is.
func describeObject(o *metadata.Object, acc *compiled.Access, langs []string, withFields bool) ObjectDescription {
	d := ObjectDescription{
		ID:          o.ID,
		Name:        o.Name,
		Label:       labelOr(o.Label, langs, o.Name),
		PluralLabel: pluralLabel(o, langs),
		Description: o.Description.In(langs),
		NameField:   o.NameField,
	}
	if !withFields {
		return d
	}
	d.SystemFields = []string{compiled.ColID, compiled.ColCreatedAt, compiled.ColCreatedBy, compiled.ColUpdatedAt, compiled.ColUpdatedBy, compiled.ColOwnerID, compiled.ColVersion, compiled.ColRecordType}
	d.RecordTypes = describeRecordTypes(o, langs)
	for _, f := range o.Fields {
		if acc != nil && !acc.CanRead(f.Name) {
			continue
		}
		fd := FieldDescription{
			ID:       f.ID,
			Name:     f.Name,
			Label:    labelOr(f.Label, langs, f.Name),
			HelpText: f.HelpText.In(langs),
			Type:     f.Type,
			Required: f.Required,
			Unique:   f.IsUnique(),
			ReadOnly: f.IsGenerated() || acc != nil && !acc.CanEdit(f.Name),
			Default:  f.Default,
			Schema:   f.TypeOf().JSONSchema(f),

			Controller:   f.Controller,
			Dependencies: f.Settings.Dependencies,
		}
		settings := f.Settings
		settings.Values, settings.Dependencies = nil, nil
		if len(setSettingsOf(settings)) > 0 {
			fd.Settings = &settings
		}
		for _, v := range f.Settings.Values {
			fd.Values = append(fd.Values, PicklistDescription{Value: v.Value, Label: labelOr(v.Label, langs, v.Value), Active: v.IsActive(), Default: v.Default})
		}
		d.Fields = append(d.Fields, fd)
	}
	return d
}

func describeRecordTypes(o *metadata.Object, langs []string) []RecordTypeDescription {
	def := o.DefaultRecordType()
	var out []RecordTypeDescription
	for _, rt := range o.RecordTypes {
		out = append(out, RecordTypeDescription{
			Name:        rt.Name,
			Label:       labelOr(rt.Label, langs, rt.Name),
			Description: rt.Description.In(langs),
			Default:     rt == def,
			Active:      rt.IsActive(),
			Picklists:   rt.Picklists,
		})
	}
	return out
}

func pluralLabel(o *metadata.Object, langs []string) string {
	if s := o.PluralLabel.In(langs); s != "" {
		return s
	}
	return labelOr(o.Label, langs, o.Name)
}

func setSettingsOf(s metadata.Settings) []string {
	var out []string
	if s.MaxLength != 0 || s.Precision != 0 || s.Scale != nil || s.Target != "" || s.OnDelete != "" || s.Format != "" || s.Start != 0 ||
		s.Expression != "" || s.ResultType != "" {
		out = append(out, "set")
	}
	return out
}

func (s *Server) listObjects(c *fiber.Ctx) error {
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	langs := languages(c)
	out := make([]ObjectDescription, 0, len(rev.Objects()))
	for _, o := range rev.Objects() {
		// Objects the caller's role may not read do not exist for it.
		if acc := accessTo(c, rev, o); acc.Read {
			out = append(out, describeObject(o.Meta, acc, langs, false))
		}
	}
	c.Set(fiber.HeaderContentLanguage, contentLanguage(langs))
	return c.JSON(fiber.Map{"revision": rev.Number, "objects": out})
}

func (s *Server) describe(c *fiber.Ctx) error {
	_, obj, err := s.object(c)
	if err != nil {
		return err
	}
	langs := languages(c)
	c.Set(fiber.HeaderContentLanguage, contentLanguage(langs))
	return c.JSON(describeObject(obj.Meta, accessOf(c), langs, true))
}

func contentLanguage(langs []string) string {
	if len(langs) == 0 {
		return metadata.DefaultLanguage
	}
	return langs[0]
}
