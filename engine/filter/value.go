package filter

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// litKind is the kind of a value written in a filter.
type litKind int

const (
	litString litKind = iota + 1
	litNumber
	litBool
	litNil
	litTime
)

// value is a value of a filter: a literal, $now, $today or a member of
// $user. Numbers are json.Number, so that decimals stay exact.
type value struct {
	kind litKind
	v    any
	// user is set for members of $user, which may be empty: an empty or
	// malformed one matches nothing rather than failing.
	user bool
}

// operand is one side of a comparison: a column or a value.
type operand struct {
	node ast.Node
	col  *Column
	val  value
}

// operand reads a column or a value.
func (t *translator) operand(n ast.Node) (operand, error) {
	if err := t.count(n); err != nil {
		return operand{}, err
	}
	return t.operandOf(n)
}

func (t *translator) operandOf(n ast.Node) (operand, error) {
	o := operand{node: n}
	switch n := n.(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case expression.VarNow:
			o.val = value{kind: litTime, v: t.now}
			return o, nil
		case expression.VarToday:
			o.val = value{kind: litTime, v: t.today}
			return o, nil
		case expression.VarUser:
			return o, t.fail(n, ErrType, "use $user.id, $user.role or $user.manager")
		}
		c, ok := t.cols.Column(n.Value)
		if !ok {
			return o, t.fail(n, ErrUnknownField, "unknown field %q", n.Value)
		}
		o.col = &c
		return o, nil
	case *ast.MemberNode:
		id, isIdent := n.Node.(*ast.IdentifierNode)
		prop, isStr := n.Property.(*ast.StringNode)
		if isIdent && id.Value == expression.VarUser && isStr {
			u := t.opt.User
			o.val = value{kind: litString, user: true}
			switch prop.Value {
			case "id":
				o.val.v = u.ID
			case "role":
				o.val.v = u.Role
			case "manager":
				o.val.v = u.Manager
			default:
				return o, t.fail(n, ErrUnknownField, "unknown member %q of $user (use id, role or manager)", prop.Value)
			}
			return o, nil
		}
		return o, t.fail(n, ErrUnsupported, "only fields of the object and $user.id, $user.role and $user.manager can be used in filters")
	case *ast.StringNode:
		o.val = value{kind: litString, v: n.Value}
		return o, nil
	case *ast.IntegerNode:
		o.val = value{kind: litNumber, v: json.Number(strconv.Itoa(n.Value))}
		return o, nil
	case *ast.FloatNode:
		o.val = value{kind: litNumber, v: json.Number(strconv.FormatFloat(n.Value, 'f', -1, 64))}
		return o, nil
	case *ast.UnaryNode:
		if n.Operator == "-" || n.Operator == "+" {
			inner, err := t.operand(n.Node)
			if err != nil {
				return o, err
			}
			if inner.col == nil && inner.val.kind == litNumber {
				num := string(inner.val.v.(json.Number))
				if n.Operator == "-" {
					if rest, ok := strings.CutPrefix(num, "-"); ok {
						num = rest
					} else if num != "0" {
						num = "-" + num
					}
				}
				o.val = value{kind: litNumber, v: json.Number(num)}
				return o, nil
			}
			return o, t.fail(n, ErrUnsupported, "operator %q is not supported in filters", n.Operator)
		}
	case *ast.BoolNode:
		o.val = value{kind: litBool, v: n.Value}
		return o, nil
	case *ast.NilNode:
		o.val = value{kind: litNil}
		return o, nil
	case *ast.ArrayNode:
		return o, t.fail(n, ErrUnsupported, "a list can only follow in")
	case *ast.BinaryNode:
		switch n.Operator {
		case "==", "!=", "<", "<=", ">", ">=", "in", "contains", "startsWith", "endsWith", "&&", "and", "||", "or":
			return o, t.fail(n, ErrType, "a condition cannot be compared with a value")
		}
		return o, t.fail(n, ErrUnsupported, "operator %q is not supported in filters", n.Operator)
	case *ast.BuiltinNode:
		return o, t.fail(n, ErrUnsupported, "function %s is not supported in filters", n.Name)
	case *ast.CallNode:
		return o, t.fail(n, ErrUnsupported, "function calls are not supported here")
	}
	return o, t.fail(n, ErrUnsupported, "expected a field or a value")
}

// compatible reports whether a value of kind lit may be compared with a
// column of kind k.
func compatible(k metadata.Kind, lit litKind) bool {
	switch k {
	case metadata.KindText, metadata.KindID:
		return lit == litString
	case metadata.KindDecimal, metadata.KindInteger:
		return lit == litNumber
	case metadata.KindBool:
		return lit == litBool
	case metadata.KindDate, metadata.KindDateTime:
		return lit == litString || lit == litTime
	}
	return false
}

func describeValue(v value) string {
	switch v.kind {
	case litString:
		return "a string"
	case litNumber:
		return "a number"
	case litBool:
		return "a boolean"
	case litTime:
		return "a date"
	}
	return "nil"
}

// maxExponent bounds the exponent of a number literal.
const maxExponent = 1000

// fit converts the value v compared with op to column c into the
// parameter of the comparison: the canonical value of the column (through
// the field type when there is a field), converted by the dialect. A
// number with more decimals than the column keeps (a time of day for a
// date column) can never be equal to a stored value: it is moved to the
// stored value that gives the same result for an ordering, and reported
// impossible for an equality.
func (t *translator) fit(c Column, op string, v value, at ast.Node) (arg any, impossible bool, err error) {
	k := c.Type.Kind
	if !compatible(k, v.kind) {
		return nil, false, t.fail(at, ErrType, "cannot compare %s with %s", describeColumn(c), describeValue(v))
	}
	var canon any
	switch k {
	case metadata.KindDecimal, metadata.KindInteger:
		d, perr := decimal.NewFromString(string(v.v.(json.Number)))
		if perr != nil || d.Exponent() > maxExponent || d.Exponent() < -maxExponent {
			return nil, false, t.fail(at, ErrValue, "%s is not a number filters can use", v.v)
		}
		scale := 0
		if k == metadata.KindDecimal {
			scale = c.Type.Scale
		}
		d, impossible := onGrid(d, int32(scale), op)
		if impossible {
			return nil, true, nil
		}
		switch {
		case c.Field != nil:
			canon, err = t.normalize(c, json.Number(d.String()), v, at)
		case k == metadata.KindDecimal:
			canon = d
		case !d.BigInt().IsInt64():
			err = t.fail(at, ErrValue, "%s is out of range for %s", d, describeColumn(c))
		default:
			canon = d.IntPart()
		}
	case metadata.KindDate, metadata.KindDateTime:
		var in any
		if tm, isTime := v.v.(time.Time); isTime {
			tm = tm.UTC()
			if k == metadata.KindDate {
				var impossible bool
				if tm, impossible = onDay(tm, op); impossible {
					return nil, true, nil
				}
			}
			in = tm
		} else {
			in = v.v.(string)
			// A date alone stands for its midnight UTC on datetime
			// columns too.
			if tm, perr := time.Parse(metadata.DateLayout, v.v.(string)); perr == nil && k == metadata.KindDateTime {
				in = tm
			}
		}
		if c.Field != nil {
			canon, err = t.normalize(c, in, v, at)
		} else {
			canon, err = t.systemTime(c, in, at)
		}
	case metadata.KindID:
		s := v.v.(string)
		if c.Field != nil {
			norm, err := t.normalize(c, s, v, at)
			if err != nil {
				return nil, v.user, ignoreIf(v.user, err)
			}
			if ns, ok := norm.(string); ok {
				s = ns
			}
		}
		id, perr := uuid.Parse(s)
		if perr != nil {
			if v.user {
				return nil, true, nil
			}
			return nil, false, t.fail(at, ErrValue, "%q is not a valid id", s)
		}
		canon = id.String()
	case metadata.KindText:
		if c.Field != nil {
			canon, err = t.normalize(c, v.v, v, at)
			if err != nil && v.user {
				return nil, true, nil
			}
		} else {
			canon = v.v
		}
	default: // KindBool
		canon = v.v
	}
	if err != nil {
		return nil, false, err
	}
	arg, aerr := t.opt.Dialect.Arg(c.Type, canon)
	if aerr != nil {
		return nil, false, t.fail(at, ErrValue, "invalid value for %s: %v", describeColumn(c), aerr)
	}
	return arg, false, nil
}

func ignoreIf(ignore bool, err error) error {
	if ignore {
		return nil
	}
	return err
}

// normalize converts a value through the field's type.
func (t *translator) normalize(c Column, in any, v value, at ast.Node) (any, error) {
	out, ve := normalize(c.Field, in)
	if ve != nil {
		return nil, t.fail(at, ErrValue, "invalid value for field %q: %s", c.Name, ve.Message)
	}
	return out, nil
}

// normalize converts a value for comparison with a field through the
// field's type (Normalize). Two refusals of Normalize are about writing, not
// comparing, and are overridden: a generated field (auto-number) cannot be
// set but can be compared with a string, and an inactive choice of a
// picklist can no longer be chosen but old records still hold it. An
// unregistered type or a panicking one is an error, never a panic.
func normalize(f *metadata.Field, v any) (out any, ve *metadata.ValueError) {
	ft, ok := metadata.LookupFieldType(f.Type)
	if !ok {
		return nil, metadata.Invalid(metadata.CodeInvalidType, "field type %q is not registered", f.Type)
	}
	if _, computed := ft.(metadata.Computed); computed {
		// A formula is compared as a value of its result type.
		f = f.ValueField()
		ft = f.TypeOf()
	}
	defer func() {
		if r := recover(); r != nil {
			out, ve = nil, metadata.Invalid(metadata.CodeInvalidType, "value could not be converted")
		}
	}()
	out, ve = ft.Normalize(f, v)
	if ve == nil {
		return out, nil
	}
	switch ve.Code {
	case metadata.CodeReadOnly:
		if s, ok := v.(string); ok && ft.Kind(f) == metadata.KindText {
			return s, nil
		}
	case metadata.CodeInvalidChoice:
		if allChoices(f, v) {
			return v, nil
		}
	}
	return nil, ve
}

// allChoices reports whether v (a string or a list of strings) holds only
// values of the field's choices, active or not.
func allChoices(f *metadata.Field, v any) bool {
	has := func(s string) bool {
		for _, pv := range f.Settings.Values {
			if pv.Value == s {
				return true
			}
		}
		return false
	}
	switch l := v.(type) {
	case string:
		return has(l)
	case []any:
		for _, e := range l {
			if s, ok := e.(string); !ok || !has(s) {
				return false
			}
		}
		return len(l) > 0
	}
	return false
}

// systemTime converts a value for a date or datetime system column:
// $now/$today, "YYYY-MM-DD", or (for datetime) RFC 3339.
func (t *translator) systemTime(c Column, in any, at ast.Node) (any, error) {
	if tm, ok := in.(time.Time); ok {
		return tm, nil
	}
	s := in.(string)
	if tm, err := time.Parse(metadata.DateLayout, s); err == nil {
		return tm, nil
	}
	if c.Type.Kind == metadata.KindDateTime {
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return tm.UTC().Truncate(time.Microsecond), nil
		}
		return nil, t.fail(at, ErrValue, "%q is not a date (YYYY-MM-DD) or a date and time (RFC 3339)", s)
	}
	return nil, t.fail(at, ErrValue, "%q is not a date in the form YYYY-MM-DD", s)
}

// onGrid moves d to the grid of numbers with scale decimals for the
// operator op, or reports that no number of the grid can satisfy op
// (== and != with a number off the grid).
func onGrid(d decimal.Decimal, scale int32, op string) (decimal.Decimal, bool) {
	if d.Equal(d.Truncate(scale)) {
		return d, false
	}
	switch op {
	case "<", ">=":
		return d.RoundCeil(scale), false
	case "<=", ">":
		return d.RoundFloor(scale), false
	}
	return d, true
}

// onDay is onGrid for dates: an instant within a day, compared with a date.
func onDay(tm time.Time, op string) (time.Time, bool) {
	day := time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC)
	if tm.Equal(day) {
		return day, false
	}
	switch op {
	case "<", ">=":
		return day.AddDate(0, 0, 1), false
	case "<=", ">":
		return day, false
	}
	return tm, true
}
