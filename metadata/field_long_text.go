package metadata

import "reflect"

func init() { RegisterFieldType(LongTextType{}) }

// Limits of a long_text field's max_length, in characters.
const (
	DefaultLongTextMaxLength = 32768
	MaxLongTextMaxLength     = 131072
)

// LongTextType is multi-line text (notes, descriptions) with a generous
// maximum length.
type LongTextType struct{}

var _ FieldType = LongTextType{}

// Name implements FieldType.
func (LongTextType) Name() string { return "long_text" }

// Kind implements FieldType.
func (LongTextType) Kind(*Field) Kind { return KindText }

// ValidateSettings implements FieldType.
func (LongTextType) ValidateSettings(f *Field, _ *Model) []Problem {
	return validateTextSettings(f, 1, MaxLongTextMaxLength)
}

// Normalize implements FieldType.
func (LongTextType) Normalize(f *Field, v any) (any, *ValueError) {
	return normalizeText(f, v, DefaultLongTextMaxLength)
}

// ExprType implements FieldType.
func (LongTextType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (LongTextType) JSONSchema(f *Field) map[string]any {
	return map[string]any{"type": "string", "maxLength": maxLength(f, DefaultLongTextMaxLength)}
}
