package metadata

import "reflect"

func init() { RegisterFieldType(BooleanType{}) }

// BooleanType is a yes/no value: JSON true or false, nothing else.
type BooleanType struct{}

var _ FieldType = BooleanType{}

// Name implements FieldType.
func (BooleanType) Name() string { return "boolean" }

// Kind implements FieldType.
func (BooleanType) Kind(*Field) Kind { return KindBool }

// ValidateSettings implements FieldType. A unique boolean would allow two
// records at most, so unique is refused.
func (BooleanType) ValidateSettings(f *Field, _ *Model) []Problem {
	return append(onlySettings(f), refuseAttrs(f, "a yes/no field cannot be unique", "unique")...)
}

// Normalize implements FieldType.
func (BooleanType) Normalize(_ *Field, v any) (any, *ValueError) {
	b, ok := v.(bool)
	if !ok {
		return nil, Invalid(CodeInvalidType, "expected true or false, got %s", jsonTypeName(v))
	}
	return b, nil
}

// ExprType implements FieldType.
func (BooleanType) ExprType(*Field) reflect.Type { return reflect.TypeFor[bool]() }

// JSONSchema implements FieldType.
func (BooleanType) JSONSchema(*Field) map[string]any { return map[string]any{"type": "boolean"} }
