package metadata

import (
	"encoding/json"
	"math"
	"reflect"

	"github.com/shopspring/decimal"
)

// maxDecimalExponent bounds the exponent of a decimal parsed from text, so
// that no rescaling can build a number with millions of digits.
const maxDecimalExponent = 1000

// DecimalOf converts a number computed by an expression (a formula's result,
// a default value) (a decimal.Decimal,
// any Go integer, a finite float or a json.Number) to a decimal; a float
// becomes the shortest decimal that prints as it (0.15 is exactly 0.15).
// Callers use it to store a numeric result into a decimal field; it is the
// one conversion of computed numbers, used by formulas and the expression
// engine alike.
func DecimalOf(v any) (decimal.Decimal, bool) {
	switch n := v.(type) {
	case decimal.Decimal:
		return n, true
	case *decimal.Decimal:
		if n == nil {
			return decimal.Decimal{}, false
		}
		return *n, true
	case int:
		return decimal.NewFromInt(int64(n)), true
	case int8:
		return decimal.NewFromInt(int64(n)), true
	case int16:
		return decimal.NewFromInt(int64(n)), true
	case int32:
		return decimal.NewFromInt(int64(n)), true
	case int64:
		return decimal.NewFromInt(n), true
	case uint:
		return decimal.NewFromUint64(uint64(n)), true
	case uint8:
		return decimal.NewFromInt(int64(n)), true
	case uint16:
		return decimal.NewFromInt(int64(n)), true
	case uint32:
		return decimal.NewFromInt(int64(n)), true
	case uint64:
		return decimal.NewFromUint64(n), true
	case float32:
		return decimalFromFloat(float64(n))
	case float64:
		return decimalFromFloat(n)
	case json.Number:
		d, err := decimal.NewFromString(string(n))
		if err != nil || d.Exponent() < -maxDecimalExponent || d.Exponent() > maxDecimalExponent {
			return decimal.Decimal{}, false
		}
		return d, true
	}
	// Named number types, such as time.Month.
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return decimal.NewFromInt(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return decimal.NewFromUint64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return decimalFromFloat(rv.Float())
	}
	return decimal.Decimal{}, false
}

func decimalFromFloat(f float64) (decimal.Decimal, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal.Decimal{}, false
	}
	return decimal.NewFromFloat(f), true
}
