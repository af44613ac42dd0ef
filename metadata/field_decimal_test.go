package metadata

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestCurrencyNormalize(t *testing.T) {
	f := &Field{Name: "amount", Type: "currency", Settings: Settings{Precision: 10}}
	runNormCases(t, f, []normCase{
		{"json number", json.Number("12.5"), dec("12.50"), ""},
		{"string", "12.50", dec("12.50"), ""},
		{"string with spaces", " 12.50 ", dec("12.50"), ""},
		{"trailing zeros beyond scale", "12.5000", dec("12.50"), ""},
		{"negative", json.Number("-0.01"), dec("-0.01"), ""},
		{"plus sign", "+3", dec("3.00"), ""},
		{"leading point", ".5", dec("0.50"), ""},
		{"zero", json.Number("0"), dec("0.00"), ""},
		{"negative zero", "-0.00", dec("0.00"), ""},
		{"int", 7, dec("7.00"), ""},
		{"int64", int64(-7), dec("-7.00"), ""},
		{"float64", 0.25, dec("0.25"), ""},
		{"decimal", dec("99.9"), dec("99.90"), ""},
		{"max integer digits", "99999999.99", dec("99999999.99"), ""},
		{"leading zeros", "00000000000000000000001.5", dec("1.50"), ""},
		{"json exponent", json.Number("1e3"), dec("1000.00"), ""},
		{"json negative exponent", json.Number("125e-2"), dec("1.25"), ""},
		{"too many places", "1.005", nil, CodeOutOfRange},
		{"float with binary noise", floatSum(0.1, 0.2), nil, CodeOutOfRange},
		{"too many integer digits", "100000000", nil, CodeOutOfRange},
		{"huge string", strings.Repeat("9", 100000), nil, CodeOutOfRange},
		{"huge fraction", "0." + strings.Repeat("1", 100000), nil, CodeOutOfRange},
		{"huge exponent", json.Number("1e999999999999999999"), nil, CodeOutOfRange},
		{"tiny exponent", json.Number("1e-999999999999999999"), nil, CodeOutOfRange},
		{"zero with huge exponent", json.Number("0e999999999999"), dec("0.00"), ""},
		{"huge decimal", decimal.New(1, 1000000000), nil, CodeOutOfRange},
		{"string exponent", "1e3", nil, CodeInvalidFormat},
		{"thousands separator", "1,000.00", nil, CodeInvalidFormat},
		{"empty string", "", nil, CodeInvalidFormat},
		{"just a point", ".", nil, CodeInvalidFormat},
		{"just a sign", "-", nil, CodeInvalidFormat},
		{"words", "twelve", nil, CodeInvalidFormat},
		{"hex", "0x10", nil, CodeInvalidFormat},
		{"bad json number", json.Number("1..2"), nil, CodeInvalidFormat},
		{"NaN", nanFloat(), nil, CodeInvalidFormat},
		{"boolean", true, nil, CodeInvalidType},
		{"array", []any{json.Number("1")}, nil, CodeInvalidType},
	})
}

// floatSum adds at run time, as an expression would (constants are exact).
func floatSum(a, b float64) float64 { return a + b }

func nanFloat() float64 {
	zero := 0.0
	return zero / zero
}

func TestDecimalMessages(t *testing.T) {
	cur := &Field{Type: "currency"}
	_, verr := cur.TypeOf().Normalize(cur, "1.005")
	require.NotNil(t, verr)
	assert.Equal(t, "has 3 decimal places; at most 2 are allowed", verr.Message)

	num := &Field{Type: "number", Settings: Settings{Precision: 4}}
	_, verr = num.TypeOf().Normalize(num, "1.5")
	require.NotNil(t, verr)
	assert.Equal(t, "must be a whole number; it has 1 decimal places", verr.Message)
	_, verr = num.TypeOf().Normalize(num, "12345")
	require.NotNil(t, verr)
	assert.Equal(t, "is too large: it has 5 digits before the decimal point; at most 4 are allowed", verr.Message)
}

func TestDecimalDefaults(t *testing.T) {
	for _, c := range []struct {
		typ         string
		settings    Settings
		prec, scale int
	}{
		{"number", Settings{}, 18, 0},
		{"currency", Settings{}, 18, 2},
		{"percent", Settings{}, 18, 2},
		{"currency", Settings{Precision: 12, Scale: ptr(4)}, 12, 4},
		{"number", Settings{Scale: ptr(0)}, 18, 0},
	} {
		f := &Field{Type: c.typ, Settings: c.settings}
		p, s := f.TypeOf().(DecimalType).PrecisionScale(f)
		assert.Equal(t, c.prec, p, c.typ)
		assert.Equal(t, c.scale, s, c.typ)
	}
}

func TestDecimalFullPrecision(t *testing.T) {
	f := &Field{Type: "number"}
	got, verr := f.TypeOf().Normalize(f, json.Number("-999999999999999999"))
	require.Nil(t, verr)
	assert.Equal(t, "-999999999999999999", got.(decimal.Decimal).String())
	_, verr = f.TypeOf().Normalize(f, json.Number("1000000000000000000"))
	require.NotNil(t, verr)
	assert.Equal(t, CodeOutOfRange, verr.Code)

	// precision == scale: only a fraction fits.
	g := &Field{Type: "percent", Settings: Settings{Precision: 2, Scale: ptr(2)}}
	got, verr = g.TypeOf().Normalize(g, "0.99")
	require.Nil(t, verr)
	assert.Equal(t, "0.99", got.(decimal.Decimal).String())
	_, verr = g.TypeOf().Normalize(g, "1")
	require.NotNil(t, verr)
	assert.Equal(t, CodeOutOfRange, verr.Code)
}

func TestDecimalSettings(t *testing.T) {
	for _, c := range []struct {
		name     string
		typ      string
		settings Settings
		paths    []string
	}{
		{"defaults", "currency", Settings{}, nil},
		{"precision and scale", "number", Settings{Precision: 10, Scale: ptr(3)}, nil},
		{"scale equals precision", "percent", Settings{Precision: 4, Scale: ptr(4)}, nil},
		{"precision too large", "number", Settings{Precision: 19}, []string{"settings.precision"}},
		{"precision negative", "number", Settings{Precision: -1}, []string{"settings.precision"}},
		{"scale negative", "number", Settings{Scale: ptr(-1)}, []string{"settings.scale"}},
		{"scale above precision", "number", Settings{Precision: 4, Scale: ptr(5)}, []string{"settings.scale"}},
		{"default scale above precision", "currency", Settings{Precision: 1}, []string{"settings.scale"}},
		{"text setting", "currency", Settings{MaxLength: 5}, []string{"settings.max_length"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &Field{Name: "n", Type: c.typ, Settings: c.settings}
			assert.Equal(t, c.paths, problemPaths(f.TypeOf().ValidateSettings(f, nil)))
		})
	}
}

func TestDecimalEncodeJSON(t *testing.T) {
	f := &Field{Type: "currency"}
	v, verr := f.TypeOf().Normalize(f, json.Number("12.5"))
	require.Nil(t, verr)
	out := f.TypeOf().(Encoder).EncodeJSON(f, v)
	assert.Equal(t, json.Number("12.50"), out)
	b, err := json.Marshal(map[string]any{"amount": out})
	require.NoError(t, err)
	assert.JSONEq(t, `{"amount": 12.50}`, string(b))
	assert.Equal(t, `{"amount":12.50}`, string(b), "money is written exactly")

	// A decimal from elsewhere (the database) is written at the field's scale.
	assert.Equal(t, json.Number("3.00"), f.TypeOf().(Encoder).EncodeJSON(f, dec("3")))
	assert.Equal(t, "x", f.TypeOf().(Encoder).EncodeJSON(f, "x"))
}

func TestDecimalJSONSchema(t *testing.T) {
	f := &Field{Type: "currency", Settings: Settings{Precision: 6}}
	s := f.TypeOf().JSONSchema(f)
	for _, ok := range []any{json.Number("9999.99"), "9999.99", "-0.5", "1.50000", json.Number("-9999.99"), ".5"} {
		assertFitsSchema(t, s, ok)
	}
	for _, bad := range []any{json.Number("10000"), "10000", "1.001", json.Number("1.001"), "1e3", true, "."} {
		assertNotFitsSchema(t, s, bad)
	}
}

func problemPaths(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Path)
	}
	return out
}
