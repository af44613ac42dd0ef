package metadata

import (
	"encoding/json"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Limits of the precision (total digits) of number, currency and percent
// fields. 18 digits fit an int64, which the SQLite store relies on.
const (
	MaxDecimalPrecision     = 18
	DefaultDecimalPrecision = 18
)

// decimalText is a decimal in text: sign, digits, optional fraction and
// (in JSON numbers only) an exponent. At least one digit is checked apart.
var decimalText = regexp.MustCompile(`^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$`)

// maxDecimalExp bounds exponents while counting digits, so that sums of
// lengths and exponents cannot overflow; anything this large is refused.
const maxDecimalExp = 1 << 40

// decimalParts is a decimal as digits × 10^exp with no leading or trailing
// zeros in digits ("" for zero), so counting digits never builds the number.
type decimalParts struct {
	neg    bool
	digits string
	exp    int64
}

// parseDecimalText splits decimal text into parts; allowExp admits an
// exponent ("1e3"), as JSON numbers may have one.
func parseDecimalText(s string, allowExp bool) (decimalParts, bool) {
	m := decimalText.FindStringSubmatch(s)
	if m == nil || m[2]+m[3] == "" || (m[4] != "" && !allowExp) {
		return decimalParts{}, false
	}
	var exp int64
	if m[4] != "" {
		e, err := strconv.ParseInt(m[4], 10, 64)
		if err != nil || e > maxDecimalExp || e < -maxDecimalExp {
			e = maxDecimalExp
			if strings.HasPrefix(m[4], "-") {
				e = -maxDecimalExp
			}
		}
		exp = e
	}
	p := decimalParts{neg: m[1] == "-", digits: m[2] + m[3], exp: exp - int64(len(m[3]))}
	return p.trim(), true
}

// partsOf returns the parts of a decimal.Decimal without printing it (a
// huge exponent would print a huge string).
func partsOf(d decimal.Decimal) decimalParts {
	p := decimalParts{
		neg:    d.Sign() < 0,
		digits: new(big.Int).Abs(d.Coefficient()).String(),
		exp:    int64(d.Exponent()),
	}
	return p.trim()
}

// trim drops leading and trailing zeros of the digits.
func (p decimalParts) trim() decimalParts {
	p.digits = strings.TrimLeft(p.digits, "0")
	n := len(p.digits)
	p.digits = strings.TrimRight(p.digits, "0")
	p.exp += int64(n - len(p.digits))
	if p.digits == "" {
		return decimalParts{}
	}
	return p
}

// places is the number of digits after the decimal point.
func (p decimalParts) places() int64 { return max(0, -p.exp) }

// intDigits is the number of digits before the decimal point.
func (p decimalParts) intDigits() int64 { return max(0, int64(len(p.digits))+p.exp) }

// decimalPrecisionScale returns the field's precision and scale with the
// type's defaults applied.
func decimalPrecisionScale(f *Field, defScale int) (int, int) {
	p := f.Settings.Precision
	if p == 0 {
		p = DefaultDecimalPrecision
	}
	return p, f.ScaleOr(defScale)
}

// validateDecimalSettings allows precision 1..18 and scale 0..precision.
func validateDecimalSettings(f *Field, defScale int) []Problem {
	ps := onlySettings(f, "precision", "scale")
	p, s := decimalPrecisionScale(f, defScale)
	if p < 1 || p > MaxDecimalPrecision {
		return append(ps, problemf("settings.precision", ProblemInvalidSetting, "precision must be between 1 and %d digits, not %d", MaxDecimalPrecision, p))
	}
	switch {
	case s < 0:
		ps = append(ps, problemf("settings.scale", ProblemInvalidSetting, "scale cannot be negative (%d)", s))
	case s > p && f.Settings.Scale == nil:
		ps = append(ps, problemf("settings.scale", ProblemInvalidSetting, "the default scale of a %s field is %d, more than its precision %d: set scale too", f.Type, s, p))
	case s > p:
		ps = append(ps, problemf("settings.scale", ProblemInvalidSetting, "scale %d is more than precision %d: a number cannot have more digits after the point than in all", s, p))
	}
	return ps
}

// normalizeDecimal turns v into a decimal.Decimal that fits the field, at
// exactly the field's scale. Too many decimal places are refused, never
// rounded.
func normalizeDecimal(f *Field, v any, defScale int) (any, *ValueError) {
	var parts decimalParts
	switch n := v.(type) {
	case decimal.Decimal:
		parts = partsOf(n)
	case json.Number:
		p, ok := parseDecimalText(string(n), true)
		if !ok {
			return nil, Invalid(CodeInvalidFormat, "%q is not a number", truncateForMessage(string(n)))
		}
		parts = p
	case string:
		s := strings.TrimSpace(n)
		p, ok := parseDecimalText(s, false)
		if !ok {
			return nil, Invalid(CodeInvalidFormat, "%q is not a number like 1234.56 (no thousands separators or exponents)", truncateForMessage(s))
		}
		parts = p
	case int:
		parts, _ = parseDecimalText(strconv.FormatInt(int64(n), 10), false)
	case int64:
		parts, _ = parseDecimalText(strconv.FormatInt(n, 10), false)
	case int32:
		parts, _ = parseDecimalText(strconv.FormatInt(int64(n), 10), false)
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, Invalid(CodeInvalidFormat, "is not a finite number")
		}
		parts = partsOf(decimal.NewFromFloat(n))
	default:
		return nil, Invalid(CodeInvalidType, "expected a number, got %s", jsonTypeName(v))
	}
	prec, scale := decimalPrecisionScale(f, defScale)
	if places := parts.places(); places > int64(scale) {
		if scale == 0 {
			return nil, Invalid(CodeOutOfRange, "must be a whole number; it has %s decimal places", countText(places))
		}
		return nil, Invalid(CodeOutOfRange, "has %s decimal places; at most %d are allowed", countText(places), scale)
	}
	if digits, limit := parts.intDigits(), int64(prec-scale); digits > limit {
		return nil, Invalid(CodeOutOfRange, "is too large: it has %s digits before the decimal point; at most %d are allowed", countText(digits), limit)
	}
	return parts.decimal(scale), nil
}

// countText prints a digit count, capping absurd ones from huge exponents.
func countText(n int64) string {
	if n >= maxDecimalExp/2 {
		return "too many"
	}
	return strconv.FormatInt(n, 10)
}

// decimal builds the value at the given scale. The parts have already been
// checked to fit, so the digits are few.
func (p decimalParts) decimal(scale int) decimal.Decimal {
	if p.digits == "" {
		return decimal.New(0, -int32(scale))
	}
	coef, _ := new(big.Int).SetString(p.digits, 10)
	if p.neg {
		coef.Neg(coef)
	}
	shift := p.exp + int64(scale)
	coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(shift), nil))
	return decimal.NewFromBigInt(coef, -int32(scale))
}

// decimalJSONSchema describes a value of the field: a JSON number, or a
// string holding one, within the precision and scale.
func decimalJSONSchema(f *Field, defScale int) map[string]any {
	p, s := decimalPrecisionScale(f, defScale)
	if p < 1 || p > MaxDecimalPrecision || s < 0 || s > p {
		return map[string]any{"type": []any{"number", "string"}}
	}
	limit := json.Number("1" + strings.Repeat("0", p-s))
	step := json.Number("1")
	if s > 0 {
		step = json.Number("0." + strings.Repeat("0", s-1) + "1")
	}
	intPart, frac, fracOnly := `0+`, `0*`, `0+`
	if p-s > 0 {
		intPart = `0*[0-9]{1,` + strconv.Itoa(p-s) + `}`
	}
	if s > 0 {
		frac = `[0-9]{0,` + strconv.Itoa(s) + `}0*`
		fracOnly = `[0-9]{1,` + strconv.Itoa(s) + `}0*|0+`
	}
	return map[string]any{
		"type":             []any{"number", "string"},
		"exclusiveMaximum": limit,
		"exclusiveMinimum": json.Number("-" + string(limit)),
		"multipleOf":       step,
		"pattern":          `^[+-]?(` + intPart + `(\.` + frac + `)?|\.(` + fracOnly + `))$`,
	}
}

// encodeDecimal writes a decimal as an exact JSON number with the field's
// scale, e.g. 12.50 for a currency.
func encodeDecimal(f *Field, v any, defScale int) any {
	d, ok := v.(decimal.Decimal)
	if !ok {
		return v
	}
	_, s := decimalPrecisionScale(f, defScale)
	return json.Number(d.StringFixed(int32(s)))
}
