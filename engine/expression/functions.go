package expression

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/shopspring/decimal"
)

// The functions implementers know from CRM platforms: ISBLANK, IF, CASE,
// TEXT, DATEDIFF, ROUND, … They are spelled in upper case, take blanks
// (nil) without failing, and do decimal arithmetic exactly. Each is a
// function value in crmFuncs; this file holds what they share: parameter
// kinds, the checks of a call and their messages, and their registration
// with expr-lang.
//
// A call is checked twice. expr-lang's checker calls validate, which
// refuses a wrong number of arguments (located at the call) and gives the
// type of the result; an argument of the wrong type is located more
// precisely by the patcher, which sees the argument's node (see
// patcher.function).

// argKind is what a parameter accepts.
type argKind int

const (
	argAny    argKind = iota + 1 // any value
	argText                      // a string
	argNumber                    // a decimal or a Go number
	argWhole                     // a whole number (an integer, or a decimal checked at run time)
	argDate                      // a time.Time
	argList                      // a list
	argBool                      // a boolean
	argOrder                     // a number or a date (MIN, MAX)
	argScalar                    // a text, number, boolean, date or duration (TEXT)
	argSized                     // a text or a list (LEN)
	argField                     // the name of a field of the record
)

// param is a parameter of a function: its name in messages and its kind.
type param struct {
	name string
	kind argKind
}

// crmFunc is a function of the language.
type crmFunc struct {
	name   string
	params []param
	// optional is how many trailing params may be left out.
	optional int
	// variadic makes the last param repeat: at least once, any number of
	// times.
	variadic bool
	// even requires an even number of arguments, at least len(params), the
	// middle ones repeating in pairs and the last one apart (CASE).
	even bool
	// sig overrides the signature written in messages.
	sig string
	// listHint adds to a type error that a list is searched with INCLUDES.
	listHint bool
	// record marks the functions of record changes (ISNEW, ISCHANGED,
	// PRIORVALUE), refused where there is no record (default values).
	record bool
	// metered functions build strings: the patcher passes them the run's
	// string budget as first argument.
	metered bool
	// result is the type of a call's value for its argument types (nil
	// types are unknown); nil means the function always returns out.
	result func(args []reflect.Type) reflect.Type
	out    reflect.Type
	// run evaluates a call of f; m is the run's string budget, nil unless
	// the function is metered.
	run func(f *crmFunc, m *meter, args []any) (any, error)
}

// signature is how the function is called, for messages:
// ROUND(number, places?), MAX(value, …).
func (f *crmFunc) signature() string {
	if f.sig != "" {
		return f.sig
	}
	names := make([]string, len(f.params))
	for i, p := range f.params {
		names[i] = p.name
		if i >= len(f.params)-f.optional {
			names[i] += "?"
		}
	}
	if f.variadic {
		names = append(names, "…")
	}
	return f.name + "(" + strings.Join(names, ", ") + ")"
}

// checkArity returns why n arguments do not fit the function, or nil.
func (f *crmFunc) checkArity(n int) error {
	most, least := len(f.params), len(f.params)-f.optional
	switch {
	case f.even && (n < most || n%2 != 0):
		return fmt.Errorf("%s takes an even number of arguments, at least %d, not %d", f.signature(), most, n)
	case f.variadic && n < least:
		return fmt.Errorf("%s takes at least %s, not %d", f.signature(), arguments(least), n)
	case f.variadic || f.even:
		return nil
	case n >= least && n <= most:
		return nil
	case least == most:
		return fmt.Errorf("%s takes %s, not %d", f.signature(), arguments(most), n)
	}
	return fmt.Errorf("%s takes %d or %s, not %d", f.signature(), least, arguments(most), n)
}

func arguments(n int) string {
	if n == 1 {
		return "1 argument"
	}
	return fmt.Sprintf("%d arguments", n)
}

// paramAt is the parameter that the i-th of n arguments fills.
func (f *crmFunc) paramAt(i, n int) param {
	switch {
	case f.even:
		// CASE(value, match, result, …, else)
		switch {
		case i == 0:
			return f.params[0]
		case i == n-1:
			return f.params[3]
		case i%2 == 1:
			return f.params[1]
		}
		return f.params[2]
	case i < len(f.params):
		return f.params[i]
	}
	return f.params[len(f.params)-1]
}

// resultType is the type of a call with arguments of the given types.
func (f *crmFunc) resultType(args []reflect.Type) reflect.Type {
	if f.result == nil {
		return f.out
	}
	return f.result(args)
}

// fits reports whether a value of static type t may fill a parameter of
// kind k. Unknown types (interface{}, nil) fit every kind: their value is
// checked at run time.
func fitsKind(k argKind, t reflect.Type) bool {
	if t == nil || t.Kind() == reflect.Interface {
		return true
	}
	switch k {
	case argText:
		return t.Kind() == reflect.String
	case argNumber:
		return t == decimalType || numeric(t)
	case argWhole:
		return t == decimalType || (numeric(t) && t.Kind() < reflect.Float32)
	case argDate:
		return t == timeType
	case argList:
		return t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	case argBool:
		return t.Kind() == reflect.Bool
	case argOrder:
		return t == decimalType || numeric(t) || t == timeType
	case argScalar:
		switch t.Kind() {
		case reflect.String, reflect.Bool:
			return true
		}
		return t == decimalType || numeric(t) || t == timeType || t == durationType
	case argSized:
		return t.Kind() == reflect.String || t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	}
	return true
}

// kindName says what a parameter kind accepts, for messages.
func kindName(k argKind) string {
	switch k {
	case argText:
		return "a text"
	case argNumber:
		return "a number"
	case argWhole:
		return "a whole number"
	case argDate:
		return "a date"
	case argList:
		return "a list"
	case argBool:
		return "a condition (true or false)"
	case argOrder:
		return "a number or a date"
	case argScalar:
		return "a text, a number, a boolean or a date"
	case argSized:
		return "a text or a list"
	case argField:
		return "the name of a field of the record"
	}
	return "a value"
}

// argError says why an argument of type t does not fit p.
func (f *crmFunc) argError(p param, t reflect.Type) string {
	msg := fmt.Sprintf("%s: %s must be %s, not %s", f.signature(), p.name, kindName(p.kind), describeValue(t))
	if f.listHint && t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		msg += " (use INCLUDES(list, value) to find a value in a list)"
	}
	return msg
}

// describeValue names the type of a value for messages; like describe, with
// text for strings, as the functions call them.
func describeValue(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	if t.Kind() == reflect.String {
		return "a text"
	}
	return describe(t)
}

// validate is the Validate of the function's registration: a wrong number
// of arguments is an error; argument types are checked by the patcher.
func (f *crmFunc) validate(args []reflect.Type) (reflect.Type, error) {
	if err := f.checkArity(len(args)); err != nil {
		return anyType, err
	}
	return f.resultType(args), nil
}

// internalName is the name of the function the patcher calls instead of a
// metered or record function: the same name behind '#', which no
// expression can write.
func (f *crmFunc) internalName() string { return "#" + f.name }

// crmFuncs are the CRM functions by name, from the lists of the
// functions_*.go files and context.go.
var crmFuncs = byName(recordFuncs, textFuncs, dateFuncs, numberFuncs, logicFuncs)

// byName indexes lists of functions; it panics on a duplicate name, a bug.
func byName(lists ...[]*crmFunc) map[string]*crmFunc {
	m := map[string]*crmFunc{}
	for _, l := range lists {
		for _, f := range l {
			if _, dup := m[f.name]; dup {
				panic("expression: function defined twice: " + f.name)
			}
			m[f.name] = f
		}
	}
	return m
}

// crmOptions registers the CRM functions with expr-lang: the name an
// expression calls, and for metered and record functions the internal
// name the patcher rewrites calls to, whose leading extra arguments (the
// budget, the record context, the field name) are not the user's.
func crmOptions() []expr.Option {
	opts := make([]expr.Option, 0, 2*len(crmFuncs))
	for _, f := range crmFuncs {
		opts = append(opts, func(c *conf.Config) {
			c.Functions[f.name] = &builtin.Function{
				Name: f.name,
				Func: func(args ...any) (any, error) {
					if err := f.checkArity(len(args)); err != nil {
						return nil, err
					}
					return f.run(f, nil, args)
				},
				Validate: f.validate,
			}
		})
	}
	return opts
}

// internalOption registers an internal function whose result has the type
// result returns for its arguments.
func internalOption(name string, run func(args ...any) (any, error), result func(args []reflect.Type) reflect.Type) expr.Option {
	return func(c *conf.Config) {
		c.Functions[name] = &builtin.Function{
			Name: name,
			Func: run,
			Validate: func(args []reflect.Type) (reflect.Type, error) {
				return result(args), nil
			},
		}
	}
}

// meteredOptions registers the internal versions of the metered functions:
// #NAME(#meter, args…).
func meteredOptions() []expr.Option {
	var opts []expr.Option
	for _, f := range crmFuncs {
		if !f.metered {
			continue
		}
		opts = append(opts, internalOption(f.internalName(), func(args ...any) (any, error) {
			if len(args) < 1 {
				return nil, fmt.Errorf("%s: missing budget", f.name)
			}
			if err := f.checkArity(len(args) - 1); err != nil {
				return nil, err
			}
			return f.run(f, meterArg(args[0]), args[1:])
		}, func(args []reflect.Type) reflect.Type {
			if len(args) < 1 {
				return anyType
			}
			return f.resultType(args[1:])
		}))
	}
	return opts
}

// typeOrAny is t, or interface{} for a nil type.
func typeOrAny(t reflect.Type) reflect.Type {
	if t == nil {
		return anyType
	}
	return t
}

// Reading arguments at run time. A value whose static type was unknown is
// checked here, with the same words as at compile time.

// wrongArg is the run-time error of the i-th of args that does not fit its
// parameter.
func (f *crmFunc) wrongArg(args []any, i int) error {
	return errors.New(f.argError(f.paramAt(i, len(args)), reflect.TypeOf(args[i])))
}

// textArg reads a text argument; nil reads as the empty text.
func (f *crmFunc) textArg(args []any, i int) (string, error) {
	switch v := args[i].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", f.wrongArg(args, i)
}

// numberArg reads a number argument as a decimal; blank reports nil.
func (f *crmFunc) numberArg(args []any, i int) (d decimal.Decimal, blank bool, err error) {
	if args[i] == nil {
		return d, true, nil
	}
	if _, isBool := args[i].(bool); !isBool {
		if d, ok := AsDecimal(args[i]); ok {
			d, err = bounded(d)
			return d, false, err
		}
	}
	return d, false, f.wrongArg(args, i)
}

// wholeArg reads a whole number between -limit and limit; blank reports
// nil.
func (f *crmFunc) wholeArg(args []any, i int, limit int64) (n int64, blank bool, err error) {
	d, blank, err := f.numberArg(args, i)
	if blank || err != nil {
		return 0, blank, err
	}
	if !d.IsInteger() {
		return 0, false, fmt.Errorf("%s: %s must be a whole number, not %s", f.signature(), f.paramAt(i, len(args)).name, d)
	}
	if d.Abs().GreaterThan(decimal.NewFromInt(limit)) {
		return 0, false, fmt.Errorf("%s: %s must be between %d and %d, not %s", f.signature(), f.paramAt(i, len(args)).name, -limit, limit, d)
	}
	return d.IntPart(), false, nil
}

// dateArg reads a date argument in UTC; blank reports nil.
func (f *crmFunc) dateArg(args []any, i int) (t time.Time, blank bool, err error) {
	switch v := args[i].(type) {
	case nil:
		return t, true, nil
	case time.Time:
		return v.UTC(), false, nil
	}
	return t, false, f.wrongArg(args, i)
}
