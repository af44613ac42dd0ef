package expression

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/shopspring/decimal"
)

// builtins are expr-lang's builtin functions an expression may call. The
// others are left out because they copy or build collections and strings
// outside the VM's memory budget (repeat, toJSON, sort, concat, …), read the
// clock ($now replaces now()) or load time zones from disk (timezone); abs,
// ceil, floor and round are replaced by versions that take decimals.
var builtins = []string{
	"all", "none", "any", "one", "filter", "map", "find", "findIndex",
	"findLast", "findLastIndex", "count", "sum", "reduce",
	"len", "type", "int", "float",
	"indexOf", "lastIndexOf", "hasPrefix", "hasSuffix",
	"max", "min", "mean", "duration", "date", "first", "last", "get",
	"bitand", "bitor", "bitxor", "bitnand", "bitnot", "bitshl", "bitshr", "bitushr",
}

// refusedPredicates are builtins the parser always recognises; the patcher
// refuses them.
var refusedPredicates = map[string]bool{"groupBy": true, "sortBy": true}

// toDecimal is the decimal(x) function: a decimal from a string or number.
func toDecimal(args ...any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("invalid number of arguments for decimal (expected 1, got %d)", len(args))
	}
	var (
		d  decimal.Decimal
		ok bool
	)
	if s, isStr := args[0].(string); isStr {
		var err error
		d, err = decimal.NewFromString(s)
		if err != nil {
			return nil, fmt.Errorf("decimal: %q is not a number", s)
		}
		ok = d.Exponent() >= -maxExponent && d.Exponent() <= maxExponent
	} else {
		d, ok = AsDecimal(args[0])
	}
	if !ok {
		return nil, fmt.Errorf("decimal: cannot convert %T to a decimal", args[0])
	}
	return bounded(d)
}

// Names of the internal functions the patcher calls. They start with '#' so
// that no expression can name them. Each declares the type of its result
// (func(...any) T) for the type check that follows the patcher.
const (
	fnConcat  = "#concat"
	fnMatches = "#matches"
	fnNeg     = "#neg"  // dynamic unary minus
	fnDecNeg  = "#dneg" // unary minus of a decimal
	fnDecIn   = "#din"  // decimal in list
	fnTick    = "#tick" // one iteration of a loop; its value is nil
)

// dynName is the internal function for op when an operand's type is only
// known at run time (for + its first argument is the meter); decName when
// one operand is a decimal.
func dynName(op string) string { return "#" + op }
func decName(op string) string { return "#d" + op }

var (
	arithOps   = []string{"+", "-", "*", "/", "%"}
	compareOps = []string{"==", "!=", "<", "<=", ">", ">="}
)

// dynamic applies op when the operand types are only known at run time, or
// may be nil: decimal arithmetic when either is a decimal, string
// concatenation charged to the budget, and expr-lang's own operators
// otherwise. An ordering (<, <=, >, >=) with nil is false.
func dynamic(m *meter, op string, a, b any) (any, error) {
	if (a == nil || b == nil) && isCompare(op) && op != "==" && op != "!=" {
		// An ordering with nil is false, as in SQL.
		return false, nil
	}
	if isDecimalValue(a) || isDecimalValue(b) {
		if isCompare(op) {
			return decCompare(op, a, b)
		}
		return decArith(op, a, b)
	}
	switch op {
	case "+":
		if _, ok := a.(string); ok {
			if _, ok := b.(string); ok {
				return concat(m, a, b)
			}
		}
		return runtime.Add(a, b), nil
	case "-":
		return runtime.Subtract(a, b), nil
	case "*":
		return runtime.Multiply(a, b), nil
	case "/":
		return runtime.Divide(a, b), nil
	case "%":
		return runtime.Modulo(a, b), nil
	case "==":
		return runtime.Equal(a, b), nil
	case "!=":
		return !runtime.Equal(a, b), nil
	case "<":
		return runtime.Less(a, b), nil
	case "<=":
		return runtime.LessOrEqual(a, b), nil
	case ">":
		return runtime.More(a, b), nil
	case ">=":
		return runtime.MoreOrEqual(a, b), nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

func isCompare(op string) bool {
	for _, c := range compareOps {
		if c == op {
			return true
		}
	}
	return false
}

func isDecimalValue(v any) bool {
	switch v.(type) {
	case decimal.Decimal, *decimal.Decimal:
		return true
	}
	return false
}

func wantArgs(name string, params []any, n int) error {
	if len(params) != n {
		return fmt.Errorf("%s: expected %d arguments, got %d", name, n, len(params))
	}
	return nil
}

// functionOptions registers the functions of the language with expr-lang.
func functionOptions() []expr.Option {
	opts := []expr.Option{expr.DisableAllBuiltins()}
	for _, b := range builtins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	for _, f := range stringFuncs {
		name := f.name
		run := f.run
		opts = append(opts,
			// The user-visible name only gives the checker its signatures;
			// the patcher replaces every call of it.
			expr.Function(name, func(...any) (any, error) {
				return nil, fmt.Errorf("%s cannot be used as a value", name)
			}, f.types...),
			expr.Function("#"+name, func(params ...any) (any, error) {
				if len(params) < 1 {
					return nil, fmt.Errorf("%s: missing budget", name)
				}
				return run(meterArg(params[0]), params[1:])
			}, f.result()),
		)
	}
	opts = append(opts, roundingOptions()...)
	opts = append(opts, crmOptions()...)
	opts = append(opts, meteredOptions()...)
	opts = append(opts, recordOptions()...)
	opts = append(opts, textOptions()...)
	opts = append(opts, logicOptions()...)
	opts = append(opts,
		expr.Function("decimal", toDecimal, new(func(any) decimal.Decimal)),
		expr.Function(fnConcat, func(p ...any) (any, error) {
			if err := wantArgs(fnConcat, p, 3); err != nil {
				return nil, err
			}
			return concat(meterArg(p[0]), p[1], p[2])
		}, new(func(...any) string)),
		expr.Function(fnMatches, func(p ...any) (any, error) {
			if err := wantArgs(fnMatches, p, 3); err != nil {
				return nil, err
			}
			return matches(meterArg(p[0]), p[1], p[2])
		}, new(func(...any) bool)),
		expr.Function(fnNeg, func(p ...any) (any, error) {
			if err := wantArgs(fnNeg, p, 1); err != nil {
				return nil, err
			}
			if isDecimalValue(p[0]) {
				return decNeg(p[0])
			}
			return runtime.Negate(p[0]), nil
		}),
		expr.Function(fnDecNeg, func(p ...any) (any, error) {
			if err := wantArgs(fnDecNeg, p, 1); err != nil {
				return nil, err
			}
			return decNeg(p[0])
		}, new(func(...any) decimal.Decimal)),
		expr.Function(fnTick, func(p ...any) (any, error) {
			if err := wantArgs(fnTick, p, 1); err != nil {
				return nil, err
			}
			return nil, meterArg(p[0]).tick()
		}),
		expr.Function(fnDecIn, func(p ...any) (any, error) {
			if err := wantArgs(fnDecIn, p, 2); err != nil {
				return nil, err
			}
			return decIn(p[0], p[1])
		}, new(func(...any) bool)),
	)
	for _, op := range append(append([]string{}, arithOps...), compareOps...) {
		dyn, dec := dynName(op), decName(op)
		compare := isCompare(op)
		dynType, decType := any(new(func(...any) any)), any(new(func(...any) decimal.Decimal))
		if compare {
			dynType, decType = new(func(...any) bool), new(func(...any) bool)
		}
		opts = append(opts,
			expr.Function(dyn, func(p ...any) (any, error) {
				if op == "+" {
					// Only + may build a string: it alone takes the meter.
					if err := wantArgs(dyn, p, 3); err != nil {
						return nil, err
					}
					return dynamic(meterArg(p[0]), op, p[1], p[2])
				}
				if err := wantArgs(dyn, p, 2); err != nil {
					return nil, err
				}
				return dynamic(nil, op, p[0], p[1])
			}, dynType),
			expr.Function(dec, func(p ...any) (any, error) {
				if err := wantArgs(dec, p, 2); err != nil {
					return nil, err
				}
				if compare {
					return decCompare(op, p[0], p[1])
				}
				return decArith(op, p[0], p[1])
			}, decType),
		)
	}
	return opts
}

// callable are the names an expression may call.
var callable = func() map[string]bool {
	m := map[string]bool{"decimal": true}
	for _, f := range roundingFuncs {
		m[f.Name] = true
	}
	for _, f := range stringFuncs {
		m[f.name] = true
	}
	return m
}()

// timeMethods are the methods of time.Time and time.Duration an expression
// may call. Formatting is left out: a layout has no bound on its output.
var timeMethods = map[reflect.Type]map[string]bool{
	timeType: set("Year", "Month", "Day", "Hour", "Minute", "Second", "Nanosecond",
		"Weekday", "YearDay", "Unix", "UnixMilli", "Before", "After", "Equal", "Compare",
		"IsZero", "Add", "AddDate", "Sub", "Truncate", "UTC"),
	durationType: set("Hours", "Minutes", "Seconds", "Milliseconds",
		"Abs", "Round", "Truncate"),
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
