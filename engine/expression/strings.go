package expression

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// stringFunc is a string function that charges the run's string budget. Users
// call it by name with the signatures in types; the patcher rewrites the
// call to the internal "#name" with the meter as first argument.
type stringFunc struct {
	name  string
	types []any
	run   func(m *meter, args []any) (any, error)
}

// result is the type of the function's value: a list for split, a string
// for the others.
func (f stringFunc) result() any {
	if f.name == "split" {
		return new(func(...any) []string)
	}
	return new(func(...any) string)
}

var stringFuncs = []stringFunc{
	{"upper", []any{new(func(string) string)}, func(m *meter, a []any) (any, error) {
		return mapString(m, a, strings.ToUpper)
	}},
	{"lower", []any{new(func(string) string)}, func(m *meter, a []any) (any, error) {
		return mapString(m, a, strings.ToLower)
	}},
	{"trim", []any{new(func(string) string), new(func(string, string) string)}, func(m *meter, a []any) (any, error) {
		if len(a) == 1 {
			return mapString(m, a, strings.TrimSpace)
		}
		return trimWith(m, a, strings.Trim)
	}},
	{"trimPrefix", []any{new(func(string) string), new(func(string, string) string)}, func(m *meter, a []any) (any, error) {
		return trimWith(m, a, strings.TrimPrefix)
	}},
	{"trimSuffix", []any{new(func(string) string), new(func(string, string) string)}, func(m *meter, a []any) (any, error) {
		return trimWith(m, a, strings.TrimSuffix)
	}},
	{"string", []any{new(func(any) string)}, func(m *meter, a []any) (any, error) {
		return toString(m, a)
	}},
	{"join", []any{
		new(func([]string) string), new(func([]string, string) string),
		new(func([]any) string), new(func([]any, string) string),
	}, join},
	{"replace", []any{new(func(string, string, string) string)}, replace},
	{"split", []any{new(func(string, string) []string), new(func(string, string, int) []string)}, split},
}

func strArgs(name string, args []any, min, max int) ([]string, error) {
	if len(args) < min || len(args) > max {
		return nil, fmt.Errorf("invalid number of arguments for %s (expected %d to %d, got %d)", name, min, max, len(args))
	}
	out := make([]string, len(args))
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("invalid argument for %s (expected string, got %T)", name, a)
		}
		out[i] = s
	}
	return out, nil
}

func mapString(m *meter, args []any, f func(string) string) (any, error) {
	s, err := strArgs("string function", args, 1, 1)
	if err != nil {
		return nil, err
	}
	// Case mapping can grow a string by half at most.
	if err := m.take(len(s[0]) + len(s[0])/2); err != nil {
		return nil, err
	}
	return f(s[0]), nil
}

func trimWith(m *meter, args []any, f func(string, string) string) (any, error) {
	s, err := strArgs("trim", args, 1, 2)
	if err != nil {
		return nil, err
	}
	if len(s) == 1 {
		s = append(s, " ")
	}
	if err := m.take(len(s[0])); err != nil {
		return nil, err
	}
	return f(s[0], s[1]), nil
}

// toString formats a scalar: strings, booleans, numbers, decimals and
// times (RFC 3339). Lists and maps are refused: their text has no bound.
func toString(m *meter, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("invalid number of arguments for string (expected 1, got %d)", len(args))
	}
	var out string
	switch v := args[0].(type) {
	case nil:
		out = "<nil>"
	case string:
		return v, nil
	case decimal.Decimal:
		out = v.String()
	case time.Time:
		out = v.Format(time.RFC3339Nano)
	case time.Duration:
		out = v.String()
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		out = fmt.Sprint(v)
	default:
		return nil, fmt.Errorf("string: cannot format %T", v)
	}
	if err := m.take(len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

func join(m *meter, args []any) (any, error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, fmt.Errorf("invalid number of arguments for join (expected 1 or 2, got %d)", len(args))
	}
	glue := ""
	if len(args) == 2 {
		g, ok := args[1].(string)
		if !ok {
			return nil, fmt.Errorf("invalid argument for join (expected string, got %T)", args[1])
		}
		glue = g
	}
	var parts []string
	switch l := args[0].(type) {
	case []string:
		parts = l
	case []any:
		parts = make([]string, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("invalid argument for join (expected a list of strings, got %T)", e)
			}
			parts[i] = s
		}
	case nil:
		return "", nil
	default:
		return nil, fmt.Errorf("invalid argument for join (expected a list of strings, got %T)", args[0])
	}
	n := 0
	for i, p := range parts {
		if i > 0 {
			n += len(glue)
		}
		n += len(p)
		if n > MaxStringBytes {
			break
		}
	}
	if err := m.take(n); err != nil {
		return nil, err
	}
	return strings.Join(parts, glue), nil
}

func replace(m *meter, args []any) (any, error) {
	s, err := strArgs("replace", args, 3, 3)
	if err != nil {
		return nil, err
	}
	count := strings.Count(s[0], s[1])
	grow := len(s[2]) - len(s[1])
	if grow > 0 && count > MaxStringBytes/grow {
		return nil, m.take(MaxStringBytes + 1)
	}
	if err := m.take(len(s[0]) + count*max(grow, 0)); err != nil {
		return nil, err
	}
	return strings.ReplaceAll(s[0], s[1], s[2]), nil
}

func split(m *meter, args []any) (any, error) {
	if len(args) == 3 {
		n, ok := args[2].(int)
		if !ok {
			return nil, fmt.Errorf("invalid argument for split (expected int, got %T)", args[2])
		}
		s, err := strArgs("split", args[:2], 2, 2)
		if err != nil {
			return nil, err
		}
		if err := chargeSplit(m, s[0], s[1]); err != nil {
			return nil, err
		}
		return strings.SplitN(s[0], s[1], n), nil
	}
	s, err := strArgs("split", args, 2, 2)
	if err != nil {
		return nil, err
	}
	if err := chargeSplit(m, s[0], s[1]); err != nil {
		return nil, err
	}
	return strings.Split(s[0], s[1]), nil
}

// chargeSplit charges the list a split builds: a string header per part.
func chargeSplit(m *meter, s, sep string) error {
	parts := utf8.RuneCountInString(s)
	if sep != "" {
		parts = strings.Count(s, sep) + 1
	}
	return m.take(16 * parts)
}

// concat is + between two strings; a blank (nil) text reads as "", so that
// first_name + " " + last_name works when a name is blank.
func concat(m *meter, a, b any) (any, error) {
	if a == nil {
		a = ""
	}
	if b == nil {
		b = ""
	}
	x, okx := a.(string)
	y, oky := b.(string)
	if !okx || !oky {
		return nil, invalid(a, "+", b)
	}
	if err := m.take(len(x) + len(y)); err != nil {
		return nil, err
	}
	return x + y, nil
}

// matches is the matches operator with a pattern known only at run time;
// compiling it is charged to the budget.
func matches(m *meter, a, b any) (any, error) {
	if a == nil {
		// As with a literal pattern: a blank text matches nothing.
		return false, nil
	}
	s, oks := a.(string)
	p, okp := b.(string)
	if !oks || !okp {
		return nil, invalid(a, "matches", b)
	}
	if err := m.take(len(s) + 8*len(p)); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	return re.MatchString(s), nil
}

// stringFuncByName finds a metered string function.
func stringFuncByName(name string) (stringFunc, bool) {
	for _, f := range stringFuncs {
		if f.name == name {
			return f, true
		}
	}
	return stringFunc{}, false
}
