package expression

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/metadata"
)

// MaxPatternLen bounds the pattern of REGEX, in bytes.
const MaxPatternLen = 1024

// textFuncs are the functions of blanks and texts. A blank text (nil) reads
// as the empty text.
var textFuncs = []*crmFunc{
	{
		name: "ISBLANK", params: []param{{"value", argAny}}, out: boolType,
		run: func(_ *crmFunc, _ *meter, a []any) (any, error) { return isBlank(a[0]), nil },
	},
	{
		name: "TEXT", params: []param{{"value", argScalar}}, out: stringType, metered: true,
		run: textOf,
	},
	{
		name: "VALUE", params: []param{{"text", argText}}, out: decimalType,
		run: valueOf,
	},
	{
		name: "LEN", params: []param{{"text", argSized}}, out: reflect.TypeFor[int](),
		run: lengthOf,
	},
	{
		name: "LOWER", params: []param{{"text", argText}}, out: stringType, metered: true,
		run: func(f *crmFunc, m *meter, a []any) (any, error) { return changeCase(f, m, a, strings.ToLower) },
	},
	{
		name: "UPPER", params: []param{{"text", argText}}, out: stringType, metered: true,
		run: func(f *crmFunc, m *meter, a []any) (any, error) { return changeCase(f, m, a, strings.ToUpper) },
	},
	{
		// TRIM builds no string: the result shares the argument's bytes.
		name: "TRIM", params: []param{{"text", argText}}, out: stringType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			s, err := f.textArg(a, 0)
			return strings.TrimSpace(s), err
		},
	},
	{
		name: "CONTAINS", params: []param{{"text", argText}, {"part", argText}}, out: boolType, listHint: true,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) { return textTest(f, a, strings.Contains) },
	},
	{
		name: "BEGINS", params: []param{{"text", argText}, {"prefix", argText}}, out: boolType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) { return textTest(f, a, strings.HasPrefix) },
	},
	{
		name: "REGEX", params: []param{{"text", argText}, {"pattern", argText}}, out: boolType,
		run: func(f *crmFunc, m *meter, a []any) (any, error) { return regex(f, m, a[0], a[1]) },
	},
	{
		name: "INCLUDES", params: []param{{"list", argList}, {"value", argText}}, out: boolType,
		run: includes,
	},
}

// textOf is TEXT(value): a decimal in plain notation (no exponent, no
// trailing zeros), a date as YYYY-MM-DD (an instant other than midnight UTC
// in RFC 3339, in UTC), a boolean as true or false, nil as "".
func textOf(f *crmFunc, m *meter, a []any) (any, error) {
	var out string
	switch v := a[0].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		out = strconv.FormatBool(v)
	case decimal.Decimal:
		out = v.String()
	case time.Time:
		v = v.UTC()
		if v.Equal(v.Truncate(24 * time.Hour)) {
			out = v.Format(metadata.DateLayout)
		} else {
			out = v.Format(time.RFC3339Nano)
		}
	case time.Duration:
		out = v.String()
	case float32, float64:
		d, ok := AsDecimal(v)
		if !ok {
			return nil, fmt.Errorf("TEXT(value): cannot format %v", v)
		}
		out = d.String()
	default:
		d, ok := AsDecimal(v)
		if !ok {
			return nil, f.wrongArg(a, 0)
		}
		out = d.String()
	}
	if err := m.take(len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// valueOf is VALUE(text): the decimal a text spells, spaces around it
// ignored; blank for a blank text, an error for any other text.
func valueOf(f *crmFunc, _ *meter, a []any) (any, error) {
	s, err := f.textArg(a, 0)
	if err != nil {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil || d.Exponent() < -maxExponent || d.Exponent() > maxExponent {
		return nil, fmt.Errorf("VALUE(text): %q is not a number", shorten(s))
	}
	return bounded(d)
}

// lengthOf is LEN(text): its characters (not bytes); of a list, its
// elements; 0 for a blank.
func lengthOf(f *crmFunc, _ *meter, a []any) (any, error) {
	switch v := a[0].(type) {
	case nil:
		return 0, nil
	case string:
		return utf8.RuneCountInString(v), nil
	case []string:
		return len(v), nil
	case []any:
		return len(v), nil
	}
	if rv := reflect.ValueOf(a[0]); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		return rv.Len(), nil
	}
	return nil, f.wrongArg(a, 0)
}

// changeCase is LOWER and UPPER.
func changeCase(f *crmFunc, m *meter, a []any, change func(string) string) (any, error) {
	s, err := f.textArg(a, 0)
	if err != nil {
		return nil, err
	}
	// Case mapping can grow a string by half at most.
	if err := m.take(len(s) + len(s)/2); err != nil {
		return nil, err
	}
	return change(s), nil
}

// textTest is CONTAINS and BEGINS.
func textTest(f *crmFunc, a []any, test func(s, part string) bool) (any, error) {
	s, err := f.textArg(a, 0)
	if err != nil {
		return nil, err
	}
	part, err := f.textArg(a, 1)
	if err != nil {
		return nil, err
	}
	return test(s, part), nil
}

// compilePattern compiles a REGEX pattern to match whole texts. The pattern
// is checked alone first: wrapped, a pattern such as a)|(b would pass.
func compilePattern(p string) (*regexp.Regexp, error) {
	if len(p) > MaxPatternLen {
		return nil, fmt.Errorf("REGEX(text, pattern): the pattern is longer than %d bytes", MaxPatternLen)
	}
	if _, err := regexp.Compile(p); err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("REGEX(text, pattern): invalid pattern: %s: `%s`", se.Code, se.Expr)
		}
		return nil, fmt.Errorf("REGEX(text, pattern): invalid pattern: %w", err)
	}
	return regexp.Compile(`^(?:` + p + `)$`)
}

// regex is REGEX(text, pattern): whether the whole text matches the
// pattern. pattern is a compiled pattern (a literal, compiled with the
// expression) or a text, compiled here and charged to the budget.
func regex(f *crmFunc, m *meter, text, pattern any) (any, error) {
	s, err := f.textArg([]any{text, pattern}, 0)
	if err != nil {
		return nil, err
	}
	re, ok := pattern.(*regexp.Regexp)
	if !ok {
		p, err := f.textArg([]any{text, pattern}, 1)
		if err != nil {
			return nil, err
		}
		if len(p) > MaxPatternLen {
			return nil, fmt.Errorf("REGEX(text, pattern): the pattern is longer than %d bytes", MaxPatternLen)
		}
		if err := m.take(len(s) + 8*len(p)); err != nil {
			return nil, err
		}
		if re, err = compilePattern(p); err != nil {
			return nil, err
		}
	}
	return re.MatchString(s), nil
}

// includes is INCLUDES(list, value): whether the list holds the value;
// false when either is blank.
func includes(f *crmFunc, _ *meter, a []any) (any, error) {
	v, err := f.textArg(a, 1)
	if err != nil || a[1] == nil {
		return false, err
	}
	switch l := a[0].(type) {
	case nil:
		return false, nil
	case []string:
		for _, e := range l {
			if e == v {
				return true, nil
			}
		}
		return false, nil
	}
	items, ok := listValues(a[0])
	if !ok {
		return nil, f.wrongArg(a, 0)
	}
	for _, e := range items {
		if s, ok := e.(string); ok && s == v {
			return true, nil
		}
	}
	return false, nil
}

// fnRegex is REGEX after the patcher: #REGEX(text, compiled) for a literal
// pattern, #REGEX(#meter, text, pattern) otherwise.
const fnRegex = "#REGEX"

// textOptions registers the internal text functions.
func textOptions() []expr.Option {
	return []expr.Option{
		internalOption(fnRegex, func(args ...any) (any, error) {
			switch len(args) {
			case 2:
				return regex(crmFuncs["REGEX"], nil, args[0], args[1])
			case 3:
				return regex(crmFuncs["REGEX"], meterArg(args[0]), args[1], args[2])
			}
			return nil, fmt.Errorf("%s: expected 2 or 3 arguments, got %d", fnRegex, len(args))
		}, func([]reflect.Type) reflect.Type { return boolType }),
	}
}
