// Package metadata holds Mosaic's model of a tenant's customization: objects,
// fields and their types, decoded from JSON or YAML documents, validated
// against the JSON Schemas in schemas/ and by semantic checks, and compared
// revision to revision. It imports no database and no HTTP code.
package metadata

import (
	"time"
)

// Model is the whole metadata of one tenant at one revision.
type Model struct {
	Objects []*Object `json:"objects"`
}

// Object is a business object: one table, one REST resource.
type Object struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	PluralLabel Text   `json:"plural_label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// NameField is the API name of the field that names a record (shown in
	// lookups and titles). Empty means the record id is its name.
	NameField string   `json:"name_field,omitempty"`
	Fields    []*Field `json:"fields,omitempty"`
}

// Field is one typed attribute of an object: one column.
type Field struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name"`
	Label    Text   `json:"label,omitempty"`
	HelpText Text   `json:"help_text,omitempty"`
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
	Unique   bool   `json:"unique,omitempty"`
	// Default is an expression evaluated when a record is created without a
	// value for the field.
	Default  string   `json:"default,omitempty"`
	Settings Settings `json:"settings,omitzero"`
}

// Settings are the type-specific settings of a field. Each field type reads
// the ones that concern it and refuses the others.
type Settings struct {
	// MaxLength bounds text-like fields, in characters.
	MaxLength int `json:"max_length,omitempty"`
	// Precision is the total number of digits of number, currency and percent
	// fields; Scale the digits after the decimal point.
	Precision int  `json:"precision,omitempty"`
	Scale     *int `json:"scale,omitempty"`
	// Values are the choices of picklist and multi-picklist fields.
	Values []PicklistValue `json:"values,omitempty"`
	// Target is the API name of the object a lookup points at; OnDelete says
	// what happens to this record when the target is deleted.
	Target   string `json:"target,omitempty"`
	OnDelete string `json:"on_delete,omitempty"`
	// Format is the display format of an auto-number, e.g. "INV-{0000}";
	// Start is its first number.
	Format string `json:"format,omitempty"`
	Start  int64  `json:"start,omitempty"`
}

// PicklistValue is one choice of a picklist.
type PicklistValue struct {
	Value   string `json:"value"`
	Label   Text   `json:"label,omitempty"`
	Active  *bool  `json:"active,omitempty"`
	Default bool   `json:"default,omitempty"`
}

// IsActive reports whether the value may be chosen on new writes.
func (v PicklistValue) IsActive() bool { return v.Active == nil || *v.Active }

// On-delete behaviours of lookup fields.
const (
	OnDeleteRestrict = "restrict"
	OnDeleteSetNull  = "set_null"
	OnDeleteCascade  = "cascade"
)

// Revision is one saved state of a tenant's metadata.
type Revision struct {
	Number    int       `json:"revision"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	Summary   string    `json:"summary"`
	Model     *Model    `json:"-"`
}

// Object returns the object with the given API name, or nil.
func (m *Model) Object(name string) *Object {
	for _, o := range m.Objects {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// ObjectByID returns the object with the given stable id, or nil.
func (m *Model) ObjectByID(id string) *Object {
	for _, o := range m.Objects {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// Field returns the field with the given API name, or nil.
func (o *Object) Field(name string) *Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// FieldByID returns the field with the given stable id, or nil.
func (o *Object) FieldByID(id string) *Field {
	for _, f := range o.Fields {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Clone returns a deep copy of the model, so a change can be prepared without
// touching the revision that requests are using.
func (m *Model) Clone() *Model {
	out := &Model{Objects: make([]*Object, len(m.Objects))}
	for i, o := range m.Objects {
		out.Objects[i] = o.Clone()
	}
	return out
}

// Clone returns a deep copy of the object.
func (o *Object) Clone() *Object {
	c := *o
	c.Label = o.Label.clone()
	c.PluralLabel = o.PluralLabel.clone()
	c.Description = o.Description.clone()
	c.Fields = make([]*Field, len(o.Fields))
	for i, f := range o.Fields {
		c.Fields[i] = f.Clone()
	}
	return &c
}

// Clone returns a deep copy of the field.
func (f *Field) Clone() *Field {
	c := *f
	c.Label = f.Label.clone()
	c.HelpText = f.HelpText.clone()
	if f.Settings.Scale != nil {
		s := *f.Settings.Scale
		c.Settings.Scale = &s
	}
	if f.Settings.Values != nil {
		c.Settings.Values = make([]PicklistValue, len(f.Settings.Values))
		for i, v := range f.Settings.Values {
			v.Label = v.Label.clone()
			if v.Active != nil {
				a := *v.Active
				v.Active = &a
			}
			c.Settings.Values[i] = v
		}
	}
	return &c
}

func (t Text) clone() Text {
	if t == nil {
		return nil
	}
	c := make(Text, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}
