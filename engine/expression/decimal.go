package expression

import (
	"errors"
	"fmt"
	"math"
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Decimal arithmetic. Values of decimal fields are decimal.Decimal, and every
// operator between a decimal and a number (another decimal, an integer or a
// float) is exact: it never goes through float64. A float operand is first
// turned into the shortest decimal that prints as the same float, so the
// literal 0.15 is exactly 0.15.
const (
	// DivisionScale is the number of digits after the point of a decimal
	// quotient, rounded half away from zero (decimal.DivisionPrecision).
	DivisionScale = 16
	// MaxDecimalScale bounds the digits after the point of a decimal result;
	// a product with more is rounded to this many.
	MaxDecimalScale = 32
	// MaxDecimalDigits bounds the digits before the point of a decimal
	// result; a larger result is an error (ErrDecimalRange).
	MaxDecimalDigits = 64
)

var decimalType = reflect.TypeFor[decimal.Decimal]()

// maxExponent bounds the exponent of a decimal parsed from text, so that no
// rescaling can build a number with millions of digits.
const maxExponent = 1000

// AsDecimal converts a number of an expression's result (a decimal.Decimal,
// any Go integer, a finite float or a json.Number) to a decimal; a float
// becomes the shortest decimal that prints as it (0.15 is exactly 0.15).
// It is metadata.DecimalOf, the one conversion of computed numbers.
func AsDecimal(v any) (decimal.Decimal, bool) { return metadata.DecimalOf(v) }

// bounded returns d rounded to MaxDecimalScale places, or ErrDecimalRange.
// Every decimal result goes through it, so no run can build a huge number.
func bounded(d decimal.Decimal) (decimal.Decimal, error) {
	if d.Exponent() < -MaxDecimalScale {
		d = d.Round(MaxDecimalScale)
	}
	if d.NumDigits()+int(d.Exponent()) > MaxDecimalDigits {
		return decimal.Decimal{}, ErrDecimalRange
	}
	return d, nil
}

// operands converts both operands of a decimal operator, refusing anything
// that is not a number.
func operands(op string, a, b any) (x, y decimal.Decimal, err error) {
	x, okx := AsDecimal(a)
	y, oky := AsDecimal(b)
	if !okx || !oky {
		return x, y, invalid(a, op, b)
	}
	if x, err = bounded(x); err != nil {
		return x, y, err
	}
	y, err = bounded(y)
	return x, y, err
}

func invalid(a any, op string, b any) error {
	return fmt.Errorf("invalid operation: %T %s %T", a, op, b)
}

// decArith applies an arithmetic operator to two decimal operands.
func decArith(op string, a, b any) (any, error) {
	x, y, err := operands(op, a, b)
	if err != nil {
		return nil, err
	}
	var r decimal.Decimal
	switch op {
	case "+":
		r = x.Add(y)
	case "-":
		r = x.Sub(y)
	case "*":
		r = x.Mul(y)
	case "/":
		if y.IsZero() {
			return nil, ErrDivisionByZero
		}
		r = x.DivRound(y, DivisionScale)
	case "%":
		if y.IsZero() {
			return nil, ErrDivisionByZero
		}
		r = x.Mod(y)
	default:
		return nil, fmt.Errorf("unknown operator %s", op)
	}
	return bounded(r)
}

// decCompare applies a comparison operator to two decimal operands. Equality
// with nil is false (and nil == nil is true); an ordering with nil is false,
// as in SQL, so that a rule on an empty field does not fail. Equality with a
// value that is not a number is false.
func decCompare(op string, a, b any) (bool, error) {
	if a == nil || b == nil {
		switch op {
		case "==":
			return a == nil && b == nil, nil
		case "!=":
			return a != nil || b != nil, nil
		}
		return false, nil
	}
	x, y, err := operands(op, a, b)
	if err != nil {
		if errors.Is(err, ErrDecimalRange) {
			return false, err
		}
		if op == "==" || op == "!=" {
			return op == "!=", nil
		}
		return false, err
	}
	c := x.Cmp(y)
	switch op {
	case "==":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	case ">=":
		return c >= 0, nil
	}
	return false, fmt.Errorf("unknown operator %s", op)
}

// decNeg negates a decimal.
func decNeg(a any) (any, error) {
	x, ok := AsDecimal(a)
	if !ok {
		return nil, fmt.Errorf("invalid operation: -%T", a)
	}
	x, err := bounded(x)
	if err != nil {
		return nil, err
	}
	return x.Neg(), nil
}

// decIn reports whether the decimal a equals an element of the list b.
func decIn(a, b any) (bool, error) {
	if a == nil {
		return false, nil
	}
	v := reflect.ValueOf(b)
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if eq, _ := decCompare("==", a, k.Interface()); eq {
				return true, nil
			}
		}
		return false, nil
	default:
		if b == nil {
			return false, nil
		}
		return false, fmt.Errorf("operator in not defined on %T", b)
	}
	for i := 0; i < v.Len(); i++ {
		if eq, _ := decCompare("==", a, v.Index(i).Interface()); eq {
			return true, nil
		}
	}
	return false, nil
}

// Rounding functions that take decimals as well as numbers: abs(x),
// ceil(x), floor(x) and round(x) / round(x, places). On a decimal they are
// exact and return a decimal; round rounds half away from zero (2.345 → 2.35,
// -2.345 → -2.35). On a float or an integer they behave as expr-lang's
// builtins (ceil, floor and round return a float).
var roundingFuncs = []*builtin.Function{
	{
		Name: "abs",
		Func: func(args ...any) (any, error) {
			if err := wantArgs("abs", args, 1); err != nil {
				return nil, err
			}
			if d, ok := args[0].(decimal.Decimal); ok {
				return d.Abs(), nil
			}
			return builtin.Abs(args[0]), nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			return validateRounding("abs", args, 1, true)
		},
	},
	{
		Name: "ceil",
		Func: func(args ...any) (any, error) {
			if err := wantArgs("ceil", args, 1); err != nil {
				return nil, err
			}
			if d, ok := args[0].(decimal.Decimal); ok {
				return d.Ceil(), nil
			}
			return builtin.Ceil(args[0]), nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			return validateRounding("ceil", args, 1, false)
		},
	},
	{
		Name: "floor",
		Func: func(args ...any) (any, error) {
			if err := wantArgs("floor", args, 1); err != nil {
				return nil, err
			}
			if d, ok := args[0].(decimal.Decimal); ok {
				return d.Floor(), nil
			}
			return builtin.Floor(args[0]), nil
		},
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			return validateRounding("floor", args, 1, false)
		},
	},
	{
		Name: "round",
		Func: round,
		Validate: func(args []reflect.Type) (reflect.Type, error) {
			return validateRounding("round", args, 2, false)
		},
	},
}

// round is round(x) and round(x, places).
func round(args ...any) (any, error) {
	if len(args) != 1 && len(args) != 2 {
		return nil, fmt.Errorf("invalid number of arguments for round (expected 1 or 2, got %d)", len(args))
	}
	places := 0
	if len(args) == 2 {
		p, ok := args[1].(int)
		if !ok {
			return nil, fmt.Errorf("invalid argument for round (places must be an integer, not %T)", args[1])
		}
		if p < -MaxDecimalDigits || p > MaxDecimalScale {
			return nil, fmt.Errorf("invalid argument for round (places must be between %d and %d, not %d)", -MaxDecimalDigits, MaxDecimalScale, p)
		}
		places = p
	}
	if d, ok := args[0].(decimal.Decimal); ok {
		return bounded(d.Round(int32(places)))
	}
	if places == 0 {
		return builtin.Round(args[0]), nil
	}
	f, ok := builtin.Float(args[0]).(float64)
	if !ok {
		return nil, fmt.Errorf("invalid argument for round (type %T)", args[0])
	}
	scale := math.Pow10(places)
	return math.Round(f*scale) / scale, nil
}

// validateRounding types a call of a rounding function: a decimal gives a
// decimal; a number gives the same number for abs and a float otherwise.
func validateRounding(name string, args []reflect.Type, maxArgs int, keepType bool) (reflect.Type, error) {
	if len(args) < 1 || len(args) > maxArgs {
		if maxArgs == 1 {
			return anyType, fmt.Errorf("invalid number of arguments (expected 1, got %d)", len(args))
		}
		return anyType, fmt.Errorf("invalid number of arguments (expected 1 or %d, got %d)", maxArgs, len(args))
	}
	if len(args) == 2 && !(numeric(args[1]) && args[1].Kind() < reflect.Float32) && args[1].Kind() != reflect.Interface {
		return anyType, fmt.Errorf("invalid argument for %s (places must be an integer, not %s)", name, args[1])
	}
	switch t := args[0]; {
	case t == decimalType:
		return decimalType, nil
	case t.Kind() == reflect.Interface:
		return anyType, nil
	case numeric(t) && keepType:
		return t, nil
	case numeric(t):
		return reflect.TypeFor[float64](), nil
	}
	return anyType, fmt.Errorf("invalid argument for %s (type %s)", name, args[0])
}

// roundingOptions registers the rounding functions.
func roundingOptions() []expr.Option {
	opts := make([]expr.Option, len(roundingFuncs))
	for i, f := range roundingFuncs {
		opts[i] = func(c *conf.Config) { c.Functions[f.Name] = f }
	}
	return opts
}
