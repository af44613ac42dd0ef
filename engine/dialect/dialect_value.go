package dialect

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

func asString(v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case []byte:
		return string(s), nil
	}
	return "", fmt.Errorf("dialect: want a string, got %T", v)
}

func asInt64(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case float64:
		// The range is checked before converting: out of range, int64(n)
		// is implementation-defined (it saturates on arm64, so 2^63 would
		// pass the round-trip check there as MaxInt64).
		if n != math.Trunc(n) || n < math.MinInt64 || n >= math.MaxInt64 {
			return 0, fmt.Errorf("dialect: %v is not a whole number in range", n)
		}
		return int64(n), nil
	}
	return 0, fmt.Errorf("dialect: want an integer, got %T", v)
}

func asDecimal(v any) (decimal.Decimal, error) {
	switch d := v.(type) {
	case decimal.Decimal:
		return d, nil
	case string:
		return decimal.NewFromString(d)
	case []byte:
		return decimal.NewFromString(string(d))
	case json.Number:
		return decimal.NewFromString(string(d))
	case int64:
		return decimal.NewFromInt(d), nil
	case int:
		return decimal.NewFromInt(int64(d)), nil
	}
	return decimal.Decimal{}, fmt.Errorf("dialect: want a decimal, got %T", v)
}
