package metadata

import (
	"reflect"

	"github.com/shopspring/decimal"
)

func init() { RegisterFieldType(NumberType{}) }

// NumberType is an exact decimal number (a quantity, a measure), whole by
// default.
type NumberType struct{}

var (
	_ FieldType   = NumberType{}
	_ DecimalType = NumberType{}
	_ Encoder     = NumberType{}
)

// DefaultNumberScale is the scale of a number field without a scale setting.
const DefaultNumberScale = 0

// Name implements FieldType.
func (NumberType) Name() string { return "number" }

// Kind implements FieldType.
func (NumberType) Kind(*Field) Kind { return KindDecimal }

// PrecisionScale implements DecimalType.
func (NumberType) PrecisionScale(f *Field) (int, int) {
	return decimalPrecisionScale(f, DefaultNumberScale)
}

// ValidateSettings implements FieldType.
func (NumberType) ValidateSettings(f *Field, _ *Model) []Problem {
	return validateDecimalSettings(f, DefaultNumberScale)
}

// Normalize implements FieldType.
func (NumberType) Normalize(f *Field, v any) (any, *ValueError) {
	return normalizeDecimal(f, v, DefaultNumberScale)
}

// ExprType implements FieldType.
func (NumberType) ExprType(*Field) reflect.Type { return reflect.TypeFor[decimal.Decimal]() }

// JSONSchema implements FieldType.
func (NumberType) JSONSchema(f *Field) map[string]any {
	return decimalJSONSchema(f, DefaultNumberScale)
}

// EncodeJSON implements Encoder.
func (NumberType) EncodeJSON(f *Field, v any) any { return encodeDecimal(f, v, DefaultNumberScale) }
