package expression

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
)

// logicFuncs are IF and CASE. The patcher rewrites them to conditional
// expressions, so that only the chosen result is evaluated:
// IF(quantity > 0, amount / quantity, 0) never divides by zero. Their run
// functions are only there for completeness.
var logicFuncs = []*crmFunc{
	{
		name: "IF", params: []param{{"condition", argBool}, {"then", argAny}, {"else", argAny}},
		result: func(args []reflect.Type) reflect.Type { return commonType(args[1:]) },
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			c, err := truth(a[0])
			if err != nil {
				return nil, err
			}
			if c {
				return a[1], nil
			}
			return a[2], nil
		},
	},
	{
		name: "CASE", even: true, sig: "CASE(value, match, result, …, else)",
		params: []param{{"value", argAny}, {"match", argAny}, {"result", argAny}, {"else", argAny}},
		result: func(args []reflect.Type) reflect.Type {
			results := []reflect.Type{args[len(args)-1]}
			for i := 2; i < len(args)-1; i += 2 {
				results = append(results, args[i])
			}
			return commonType(results)
		},
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			for i := 1; i+1 < len(a); i += 2 {
				if eq, err := dynamic(nil, "==", a[0], a[i]); err == nil && eq == true {
					return a[i+1], nil
				}
			}
			return a[len(a)-1], nil
		},
	},
}

// commonType is the type of a value that is one of values of the given
// types: their type when they agree (nil literals aside), a decimal when
// they are numbers and one is a decimal, unknown otherwise.
func commonType(types []reflect.Type) reflect.Type {
	var out reflect.Type
	dec := false
	for _, t := range types {
		if t == nil || t.Kind() == reflect.Interface {
			continue
		}
		dec = dec || t == decimalType
		switch {
		case out == nil:
			out = t
		case out == t:
		case (out == decimalType || numeric(out)) && (t == decimalType || numeric(t)):
			out = decimalType
		default:
			return anyType
		}
	}
	if out == nil {
		return anyType
	}
	if numeric(out) && dec {
		return decimalType
	}
	return out
}

// truth reads a condition: nil is false, as a blank checkbox is unchecked.
func truth(v any) (bool, error) {
	switch b := v.(type) {
	case nil:
		return false, nil
	case bool:
		return b, nil
	}
	return false, &caseError{fmt.Sprintf("expected a condition (true or false), not %s", describeValue(reflect.TypeOf(v))), ErrNotCondition}
}

// Internal functions of conditions: #bool(x) reads x as a condition and
// #not(x) negates it, nil being false, so that !flag is true and flag &&
// … is false when the boolean field flag is blank.
const (
	fnBool = "#bool"
	fnNot  = "#not"
)

// logicOptions registers the internal functions of conditions.
func logicOptions() []expr.Option {
	return []expr.Option{
		expr.Function(fnBool, func(p ...any) (any, error) {
			if err := wantArgs(fnBool, p, 1); err != nil {
				return nil, err
			}
			return truth(p[0])
		}, new(func(...any) bool)),
		expr.Function(fnNot, func(p ...any) (any, error) {
			if err := wantArgs(fnNot, p, 1); err != nil {
				return nil, err
			}
			b, err := truth(p[0])
			return !b, err
		}, new(func(...any) bool)),
	}
}
