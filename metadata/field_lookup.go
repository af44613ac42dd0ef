package metadata

import (
	"reflect"

	"github.com/google/uuid"
)

func init() { RegisterFieldType(LookupType{}) }

// LookupType is a reference to a record of another object (settings.target):
// a foreign key. Its canonical value is the target record's id as a
// lower-case UUID. What happens when the target record is deleted is
// settings.on_delete: restrict (the default), set_null or cascade.
type LookupType struct{}

var _ FieldType = LookupType{}

// Name implements FieldType.
func (LookupType) Name() string { return "lookup" }

// Kind implements FieldType.
func (LookupType) Kind(*Field) Kind { return KindID }

// ValidateSettings implements FieldType. The target must be an object of m
// (when m is nil, only its presence is checked).
func (LookupType) ValidateSettings(f *Field, m *Model) []Problem {
	ps := onlySettings(f, "target", "on_delete")
	switch t := f.Settings.Target; {
	case t == "":
		ps = append(ps, problemf("settings.target", ProblemInvalidSetting, "a lookup field needs settings.target, the object it points at"))
	case m != nil && m.Object(t) == nil:
		ps = append(ps, problemf("settings.target", ProblemUnknownTarget, "lookup target %q is not an object", t))
	}
	switch od := f.Settings.OnDelete; od {
	case "", OnDeleteRestrict, OnDeleteCascade:
	case OnDeleteSetNull:
		if f.Required {
			ps = append(ps, problemf("settings.on_delete", ProblemInvalidSetting, "on_delete %q cannot be used on a required field: the field could not be emptied; use %q or %q", od, OnDeleteRestrict, OnDeleteCascade))
		}
	default:
		ps = append(ps, problemf("settings.on_delete", ProblemInvalidSetting, "on_delete must be %q, %q or %q, not %q", OnDeleteRestrict, OnDeleteSetNull, OnDeleteCascade, od))
	}
	return ps
}

// Normalize implements FieldType. It accepts a UUID in any form uuid.Parse
// knows and returns its lower-case hyphenated form.
func (LookupType) Normalize(_ *Field, v any) (any, *ValueError) {
	s, ok := v.(string)
	if !ok {
		return nil, Invalid(CodeInvalidType, "expected a record id as a string, got %s", jsonTypeName(v))
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return nil, Invalid(CodeInvalidFormat, "%q is not a record id (a UUID such as 7c9e6679-7425-40de-944b-e07fc1f90ae7)", truncateForMessage(s))
	}
	return id.String(), nil
}

// ExprType implements FieldType.
func (LookupType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (LookupType) JSONSchema(*Field) map[string]any {
	return map[string]any{
		"type":    "string",
		"format":  "uuid",
		"pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
	}
}

// OnDeleteOrDefault returns what happens to a record when the record its
// lookup field points at is deleted: settings.on_delete, or
// OnDeleteRestrict when it is not set.
func (f *Field) OnDeleteOrDefault() string {
	if f.Settings.OnDelete == "" {
		return OnDeleteRestrict
	}
	return f.Settings.OnDelete
}
