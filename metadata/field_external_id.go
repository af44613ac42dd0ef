package metadata

import (
	"reflect"
	"regexp"
)

func init() { RegisterFieldType(ExternalIDType{}) }

// DefaultExternalIDMaxLength is the max length of an external_id field
// without settings, and the most it may be set to.
const DefaultExternalIDMaxLength = 255

// externalIDPattern is the shape of an external id: letters, digits and
// . _ : - /, so ids of other systems fit ("SAP:4711", "crm/acc-12").
var externalIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:\-/]+$`)

// ExternalIDType is a record's id in another system, used to match records
// on import and integration. Its values are always unique.
type ExternalIDType struct{}

var (
	_ FieldType    = ExternalIDType{}
	_ AlwaysUnique = ExternalIDType{}
)

// Name implements FieldType.
func (ExternalIDType) Name() string { return "external_id" }

// Kind implements FieldType.
func (ExternalIDType) Kind(*Field) Kind { return KindText }

// AlwaysUnique implements AlwaysUnique: two records never share an external id.
func (ExternalIDType) AlwaysUnique() bool { return true }

// ValidateSettings implements FieldType.
func (ExternalIDType) ValidateSettings(f *Field, _ *Model) []Problem {
	return validateTextSettings(f, 1, DefaultExternalIDMaxLength)
}

// Normalize implements FieldType.
func (ExternalIDType) Normalize(f *Field, v any) (any, *ValueError) {
	s, err := normalizeText(f, v, DefaultExternalIDMaxLength)
	if err != nil {
		return nil, err
	}
	if !externalIDPattern.MatchString(s) {
		return nil, Invalid(CodeInvalidFormat, "%q is not an external id: use only letters, digits and . _ : - /", s)
	}
	return s, nil
}

// ExprType implements FieldType.
func (ExternalIDType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (ExternalIDType) JSONSchema(f *Field) map[string]any {
	return map[string]any{
		"type":      "string",
		"minLength": 1,
		"maxLength": maxLength(f, DefaultExternalIDMaxLength),
		"pattern":   externalIDPattern.String(),
	}
}
