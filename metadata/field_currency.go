package metadata

import (
	"reflect"

	"github.com/shopspring/decimal"
)

func init() { RegisterFieldType(CurrencyType{}) }

// CurrencyType is an amount of money: an exact decimal with two places by
// default. The currency itself is not part of the value.
type CurrencyType struct{}

var (
	_ FieldType   = CurrencyType{}
	_ DecimalType = CurrencyType{}
	_ Encoder     = CurrencyType{}
)

// DefaultCurrencyScale is the scale of a currency field without a scale setting.
const DefaultCurrencyScale = 2

// Name implements FieldType.
func (CurrencyType) Name() string { return "currency" }

// Kind implements FieldType.
func (CurrencyType) Kind(*Field) Kind { return KindDecimal }

// PrecisionScale implements DecimalType.
func (CurrencyType) PrecisionScale(f *Field) (int, int) {
	return decimalPrecisionScale(f, DefaultCurrencyScale)
}

// ValidateSettings implements FieldType.
func (CurrencyType) ValidateSettings(f *Field, _ *Model) []Problem {
	return validateDecimalSettings(f, DefaultCurrencyScale)
}

// Normalize implements FieldType.
func (CurrencyType) Normalize(f *Field, v any) (any, *ValueError) {
	return normalizeDecimal(f, v, DefaultCurrencyScale)
}

// ExprType implements FieldType.
func (CurrencyType) ExprType(*Field) reflect.Type { return reflect.TypeFor[decimal.Decimal]() }

// JSONSchema implements FieldType.
func (CurrencyType) JSONSchema(f *Field) map[string]any {
	return decimalJSONSchema(f, DefaultCurrencyScale)
}

// EncodeJSON implements Encoder.
func (CurrencyType) EncodeJSON(f *Field, v any) any {
	return encodeDecimal(f, v, DefaultCurrencyScale)
}
