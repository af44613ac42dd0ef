package metadata

import (
	"reflect"

	"github.com/shopspring/decimal"
)

func init() { RegisterFieldType(PercentType{}) }

// PercentType is a percentage written as shown to people: 12.5 means 12.5 %,
// not 0.125. It is an exact decimal with two places by default.
type PercentType struct{}

var (
	_ FieldType   = PercentType{}
	_ DecimalType = PercentType{}
	_ Encoder     = PercentType{}
)

// DefaultPercentScale is the scale of a percent field without a scale setting.
const DefaultPercentScale = 2

// Name implements FieldType.
func (PercentType) Name() string { return "percent" }

// Kind implements FieldType.
func (PercentType) Kind(*Field) Kind { return KindDecimal }

// PrecisionScale implements DecimalType.
func (PercentType) PrecisionScale(f *Field) (int, int) {
	return decimalPrecisionScale(f, DefaultPercentScale)
}

// ValidateSettings implements FieldType.
func (PercentType) ValidateSettings(f *Field, _ *Model) []Problem {
	return validateDecimalSettings(f, DefaultPercentScale)
}

// Normalize implements FieldType.
func (PercentType) Normalize(f *Field, v any) (any, *ValueError) {
	return normalizeDecimal(f, v, DefaultPercentScale)
}

// ExprType implements FieldType.
func (PercentType) ExprType(*Field) reflect.Type { return reflect.TypeFor[decimal.Decimal]() }

// JSONSchema implements FieldType.
func (PercentType) JSONSchema(f *Field) map[string]any {
	return decimalJSONSchema(f, DefaultPercentScale)
}

// EncodeJSON implements Encoder.
func (PercentType) EncodeJSON(f *Field, v any) any {
	return encodeDecimal(f, v, DefaultPercentScale)
}
