package expression

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/shopspring/decimal"
)

// The record-change context: what ISNEW(), ISCHANGED(field) and
// PRIORVALUE(field) read. A validation rule, a formula or an approval
// criterion runs on the record as the write would store it (its fields are
// the Vars); the context says whether the write creates the record and, on
// an update, what was stored before.

// recordKey is the hidden variable that carries a run's record context. Like
// meterKey it cannot be written in an expression.
const recordKey = "#record"

// recordState is the record context of a run.
type recordState struct {
	isNew bool
	prior map[string]any
}

// ForCreate marks a run as part of creating a record: ISNEW() is true,
// ISCHANGED(f) is false and PRIORVALUE(f) is nil for every field. It
// returns v, changed.
func (v Vars) ForCreate() Vars {
	v[recordKey] = &recordState{isNew: true}
	return v
}

// ForUpdate marks a run as part of updating a record: prior holds the
// values stored before this write, canonical and keyed by field name like
// the Vars (a missing field reads as nil), and the Vars hold the record as
// the write would store it, stored values merged with the changes. Then
// ISNEW() is false, ISCHANGED(f) compares v[f] with prior[f], and
// PRIORVALUE(f) is prior[f]. prior is read, never changed, and may be shared
// by runs. ForUpdate returns v, changed.
func (v Vars) ForUpdate(prior map[string]any) Vars {
	v[recordKey] = &recordState{prior: prior}
	return v
}

// WithFields copies the fields of a record into v: every key of record
// except those that name special variables ($…) or hidden ones. It returns
// v, changed.
func (v Vars) WithFields(record map[string]any) Vars {
	for name, value := range record {
		if strings.HasPrefix(name, "$") || strings.HasPrefix(name, "#") {
			continue
		}
		v[name] = value
	}
	return v
}

// stateArg is the record context passed to a record function, or an error
// when the caller gave none.
func stateArg(name string, v any) (*recordState, error) {
	s, _ := v.(*recordState)
	if s == nil {
		return nil, fmt.Errorf("%w: %s needs to know whether the record is new and what was stored (Vars.ForCreate or Vars.ForUpdate)", ErrNoRecord, name)
	}
	return s, nil
}

// recordFunc runs a record function that was not rewritten by the patcher,
// which never happens for a compiled program.
func recordFunc(name string) func(*crmFunc, *meter, []any) (any, error) {
	return func(*crmFunc, *meter, []any) (any, error) {
		return nil, fmt.Errorf("%s can only be used in expressions on records", name)
	}
}

// recordFuncs are ISNEW(), ISCHANGED(field) and PRIORVALUE(field). The
// patcher rewrites their calls to the internal functions below.
var recordFuncs = []*crmFunc{
	{name: "ISNEW", record: true, out: boolType, run: recordFunc("ISNEW")},
	{
		name: "ISCHANGED", record: true, out: boolType, run: recordFunc("ISCHANGED"),
		params: []param{{"field", argField}},
	},
	{
		name: "PRIORVALUE", record: true, run: recordFunc("PRIORVALUE"),
		params: []param{{"field", argField}},
		result: func(args []reflect.Type) reflect.Type { return typeOrAny(args[0]) },
	},
}

// Internal names of the record functions: #ISNEW(#record),
// #ISCHANGED(#record, "field", field) and #PRIORVALUE(#record, "field",
// field). The field's current value is an argument of PRIORVALUE too, only
// so that the type check gives the call the field's type.
const (
	fnIsNew      = "#ISNEW"
	fnIsChanged  = "#ISCHANGED"
	fnPriorValue = "#PRIORVALUE"
)

// recordOptions registers the internal record functions.
func recordOptions() []expr.Option {
	return []expr.Option{
		internalOption(fnIsNew, func(args ...any) (any, error) {
			if err := wantArgs(fnIsNew, args, 1); err != nil {
				return nil, err
			}
			s, err := stateArg("ISNEW", args[0])
			if err != nil {
				return nil, err
			}
			return s.isNew, nil
		}, func([]reflect.Type) reflect.Type { return boolType }),
		internalOption(fnIsChanged, func(args ...any) (any, error) {
			if err := wantArgs(fnIsChanged, args, 3); err != nil {
				return nil, err
			}
			s, err := stateArg("ISCHANGED", args[0])
			if err != nil {
				return nil, err
			}
			if s.isNew {
				return false, nil
			}
			name, _ := args[1].(string)
			return !sameValue(s.prior[name], args[2]), nil
		}, func([]reflect.Type) reflect.Type { return boolType }),
		internalOption(fnPriorValue, func(args ...any) (any, error) {
			if err := wantArgs(fnPriorValue, args, 3); err != nil {
				return nil, err
			}
			s, err := stateArg("PRIORVALUE", args[0])
			if err != nil {
				return nil, err
			}
			name, _ := args[1].(string)
			return s.prior[name], nil
		}, func(args []reflect.Type) reflect.Type {
			if len(args) != 3 {
				return anyType
			}
			return typeOrAny(args[2])
		}),
	}
}

// isBlank reports whether v is blank: nil, the empty text or an empty
// list. Zero and false are values, not blanks.
func isBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case *decimal.Decimal:
		return x == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return rv.Len() == 0
	case reflect.Pointer:
		return rv.IsNil()
	}
	return false
}

// sameValue reports whether a stored value and a new one are the same for
// ISCHANGED, as field history compares them: blanks are all the same (nil,
// "" and an empty list), decimals compare by value (1.5 and 1.50 are the
// same), times by instant, lists by their elements in any order (the
// choices of a multi-picklist).
func sameValue(a, b any) bool {
	if isBlank(a) || isBlank(b) {
		return isBlank(a) && isBlank(b)
	}
	if isDecimalValue(a) || isDecimalValue(b) {
		x, okx := AsDecimal(a)
		y, oky := AsDecimal(b)
		return okx && oky && x.Equal(y)
	}
	if x, ok := a.(time.Time); ok {
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	if xs, ok := listValues(a); ok {
		ys, ok := listValues(b)
		return ok && sameElements(xs, ys)
	}
	return runtime.Equal(a, b)
}

// listValues returns the elements of a list value.
func listValues(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// sameElements reports whether two lists hold the same elements, each as
// many times, in any order.
func sameElements(xs, ys []any) bool {
	if len(xs) != len(ys) {
		return false
	}
	counts := make(map[string]int, len(xs))
	texts := true
	for _, x := range xs {
		s, ok := x.(string)
		texts = texts && ok
		counts[s]++
	}
	if texts {
		for _, y := range ys {
			s, ok := y.(string)
			if !ok || counts[s] == 0 {
				return false
			}
			counts[s]--
		}
		return true
	}
	used := make([]bool, len(ys))
next:
	for _, x := range xs {
		for j, y := range ys {
			if !used[j] && sameValue(x, y) {
				used[j] = true
				continue next
			}
		}
		return false
	}
	return true
}
