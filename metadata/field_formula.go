package metadata

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

func init() { RegisterFieldType(FormulaType{}) }

// FormulaType is a read-only field whose value is an expression
// (settings.expression) over the record's own fields and over fields of the
// records it looks up (account.industry, up to three lookups deep), with a
// declared result type (settings.result_type: text, number, currency,
// percent, date, datetime or boolean). Decimal results take
// settings.precision and settings.scale, with the defaults of the field type
// of the same name.
//
// The value is stored in the field's column: the platform computes it on
// every write of the record, and again whenever a record it reads through a
// lookup changes, so filters and sorts use it like any stored column.
type FormulaType struct{}

var (
	_ FieldType   = FormulaType{}
	_ Generated   = FormulaType{}
	_ DecimalType = FormulaType{}
	_ Encoder     = FormulaType{}
	_ Computed    = FormulaType{}
)

// FormulaResultTypes are the result types a formula may declare, in the
// order documents list them.
var FormulaResultTypes = []string{"text", "number", "currency", "percent", "date", "datetime", "boolean"}

// formulaValueTypes maps a result type to the field type whose values the
// formula holds. Text results are long text: a formula may build more than
// a text field's default 255 characters.
var formulaValueTypes = map[string]string{
	"text":     "long_text",
	"number":   "number",
	"currency": "currency",
	"percent":  "percent",
	"date":     "date",
	"datetime": "datetime",
	"boolean":  "boolean",
}

// formulaDefaultScales are the default scales of decimal results.
var formulaDefaultScales = map[string]int{
	"number":   DefaultNumberScale,
	"currency": DefaultCurrencyScale,
	"percent":  DefaultPercentScale,
}

// Name implements FieldType.
func (FormulaType) Name() string { return "formula" }

// Generated implements Generated: the platform computes the value.
func (FormulaType) Generated() bool { return true }

// ResultField implements Computed: a field of the formula's result type
// with its precision and scale, named like the formula. An unknown result
// type (refused by ValidateSettings) gives a long text field.
func (FormulaType) ResultField(f *Field) *Field {
	typ, ok := formulaValueTypes[f.Settings.ResultType]
	if !ok {
		typ = "long_text"
	}
	r := &Field{ID: f.ID, Name: f.Name, Label: f.Label, Type: typ}
	if typ == "number" || typ == "currency" || typ == "percent" {
		r.Settings.Precision = f.Settings.Precision
		r.Settings.Scale = f.Settings.Scale
	}
	return r
}

func (t FormulaType) result(f *Field) (*Field, FieldType) {
	r := t.ResultField(f)
	return r, r.TypeOf()
}

// Kind implements FieldType: the kind of the result type.
func (t FormulaType) Kind(f *Field) Kind {
	r, rt := t.result(f)
	return rt.Kind(r)
}

// PrecisionScale implements DecimalType, for decimal results.
func (t FormulaType) PrecisionScale(f *Field) (int, int) {
	r, rt := t.result(f)
	if d, ok := rt.(DecimalType); ok {
		return d.PrecisionScale(r)
	}
	return DefaultDecimalPrecision, 0
}

// ValidateSettings implements FieldType. expression and result_type are
// required; precision and scale apply to number, currency and percent
// results only; required, unique and default are refused. The expression
// itself is compiled by the ExpressionChecker (see FormulaChecker).
func (t FormulaType) ValidateSettings(f *Field, _ *Model) []Problem {
	ps := onlySettings(f, "expression", "result_type", "precision", "scale")
	ps = append(ps, refuseAttrs(f, "the platform computes it", "required", "unique", "default")...)
	if strings.TrimSpace(f.Settings.Expression) == "" {
		ps = append(ps, problemf("settings.expression", ProblemInvalidSetting, "a formula field needs settings.expression, e.g. \"amount * 0.15\""))
	}
	typ, ok := formulaValueTypes[f.Settings.ResultType]
	switch {
	case f.Settings.ResultType == "":
		return append(ps, problemf("settings.result_type", ProblemInvalidSetting, "a formula field needs settings.result_type, one of %s", strings.Join(FormulaResultTypes, ", ")))
	case !ok:
		return append(ps, problemf("settings.result_type", ProblemInvalidSetting, "result_type must be one of %s, not %q", strings.Join(FormulaResultTypes, ", "), f.Settings.ResultType))
	}
	if typ != "number" && typ != "currency" && typ != "percent" {
		for _, s := range []string{"precision", "scale"} {
			if (s == "precision" && f.Settings.Precision != 0) || (s == "scale" && f.Settings.Scale != nil) {
				ps = append(ps, problemf("settings."+s, ProblemInvalidSetting, "setting %q applies to formulas with a number, currency or percent result, not %s", s, f.Settings.ResultType))
			}
		}
		return ps
	}
	r, _ := t.result(f)
	return append(ps, validateDecimalSettings(r, formulaDefaultScales[typ])...)
}

// Normalize implements FieldType: a formula is never written.
func (FormulaType) Normalize(*Field, any) (any, *ValueError) {
	return nil, Invalid(CodeReadOnly, "is computed by its formula and cannot be set")
}

// ExprType implements FieldType: the type of the result type.
func (t FormulaType) ExprType(f *Field) reflect.Type {
	r, rt := t.result(f)
	return rt.ExprType(r)
}

// JSONSchema implements FieldType: the result type's schema, read-only.
func (t FormulaType) JSONSchema(f *Field) map[string]any {
	r, rt := t.result(f)
	s := rt.JSONSchema(r)
	out := make(map[string]any, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	out["readOnly"] = true
	return out
}

// EncodeJSON implements Encoder, as the result type writes its values.
func (t FormulaType) EncodeJSON(f *Field, v any) any {
	r, rt := t.result(f)
	if enc, ok := rt.(Encoder); ok {
		return enc.EncodeJSON(r, v)
	}
	return v
}

// FormulaValue turns the value of a formula's expression into the field's
// canonical value (nil stays nil). A decimal result is rounded to the
// field's scale, half away from zero (0.125 → 0.13, -0.125 → -0.13): the
// value is computed, not typed by someone, so rounding it to the declared
// scale is what is asked. A value that does not fit the result type — a
// text for a number, a number too large for the precision, a text too long
// — is an error.
func FormulaValue(f *Field, v any) (any, *ValueError) {
	if v == nil {
		return nil, nil
	}
	r := FormulaType{}.ResultField(f)
	rt := r.TypeOf()
	switch rt.Kind(r) {
	case KindDecimal:
		d, ok := DecimalOf(v)
		if !ok {
			return nil, Invalid(CodeInvalidType, "the formula gave %s, not a number", describeFormulaValue(v))
		}
		_, scale := FormulaType{}.PrecisionScale(f)
		return rt.Normalize(r, d.Round(int32(scale)))
	case KindText:
		if _, ok := v.(string); !ok {
			return nil, Invalid(CodeInvalidType, "the formula gave %s, not a text", describeFormulaValue(v))
		}
	case KindBool:
		if _, ok := v.(bool); !ok {
			return nil, Invalid(CodeInvalidType, "the formula gave %s, not true or false", describeFormulaValue(v))
		}
	case KindDate, KindDateTime:
		if _, ok := v.(time.Time); !ok {
			return nil, Invalid(CodeInvalidType, "the formula gave %s, not a date", describeFormulaValue(v))
		}
	}
	return rt.Normalize(r, v)
}

func describeFormulaValue(v any) string {
	switch v.(type) {
	case string:
		return "a text"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date"
	case decimal.Decimal, int, int64, int32, float64:
		return "a number"
	}
	return fmt.Sprintf("a value of type %T", v)
}

// FormulaChecker is implemented by an ExpressionChecker that compiles
// formulas. Validate uses it when the checker given implements it.
type FormulaChecker interface {
	// CheckFormula compiles the expression of formula field f of object o
	// and checks that its value fits the result type. It returns what the
	// formula reads: the names of o's own fields and system columns, and
	// the lookup paths ("account.industry") it reads through lookups.
	CheckFormula(m *Model, o *Object, f *Field) (reads []string, err error)
}

// MaxFormulaLevels is how many formulas a change may have to recompute one
// after the other across records: a formula that reads (through a lookup)
// a formula of another record that reads a formula of a third one that
// reads a fourth record is three levels deep. Deeper chains are refused.
const MaxFormulaLevels = 3

// formulaNode is a formula field of an object, in the dependency graph of
// formulas.
type formulaNode struct {
	obj   *Object
	field *Field
}

// formulaEdge is a formula read by another one: cross is true when it is
// read through a lookup (a field of another record).
type formulaEdge struct {
	to    formulaNode
	cross bool
}

// validateFormulas compiles every formula of the model with check and
// refuses formulas that depend on themselves, directly or through other
// formulas of the same or of looked-up records, and chains of formulas
// across records more than MaxFormulaLevels deep.
func validateFormulas(m *Model, check ExpressionChecker) []Problem {
	fc, ok := check.(FormulaChecker)
	if !ok {
		return nil
	}
	var ps []Problem
	var nodes []formulaNode
	edges := map[formulaNode][]formulaEdge{}
	// level is the number of lookups crossed to the deepest record a
	// formula depends on: 1 for a formula that reads a plain field of a
	// looked-up record.
	level := map[formulaNode]int{}
	for _, o := range m.Objects {
		for _, f := range o.Fields {
			if f.Type != "formula" || strings.TrimSpace(f.Settings.Expression) == "" {
				continue
			}
			if _, ok := formulaValueTypes[f.Settings.ResultType]; !ok {
				continue
			}
			reads, err := fc.CheckFormula(m, o, f)
			if err != nil {
				ps = append(ps, problemf(formulaPath(o, f), ProblemInvalidExpr, "%s", err.Error()))
				continue
			}
			n := formulaNode{o, f}
			nodes = append(nodes, n)
			for _, r := range reads {
				to, cross := resolveRead(m, o, r)
				switch {
				case to.field != nil && to.field.Type == "formula":
					edges[n] = append(edges[n], formulaEdge{to: to, cross: cross})
				case to.field != nil && to.field.Type == "rollup":
					// A roll-up of a formula field makes the formula a
					// dependency: account.f reading account.total (the sum of
					// opportunity.g) depends on opportunity.g.
					if child := m.Object(to.field.Settings.Child); child != nil {
						if cf := child.Field(to.field.Settings.Field); cf != nil && cf.Type == "formula" {
							edges[n] = append(edges[n], formulaEdge{to: formulaNode{child, cf}, cross: true})
						}
					}
				case strings.Contains(r, "."):
					level[n] = 1
				}
			}
		}
	}
	// Depth-first search: a formula met again while it is being visited
	// closes a cycle.
	const (
		visiting = 1
		done     = 2
	)
	state := map[formulaNode]int{}
	reported := map[formulaNode]bool{}
	var stack []formulaNode
	var visit func(n formulaNode) bool
	visit = func(n formulaNode) bool {
		switch state[n] {
		case done:
			return true
		case visiting:
			i := len(stack) - 1
			for i > 0 && stack[i] != n {
				i--
			}
			cycle := append(append([]formulaNode(nil), stack[i:]...), n)
			if !reported[n] {
				for _, c := range cycle {
					reported[c] = true
				}
				ps = append(ps, problemf(formulaPath(n.obj, n.field), ProblemInvalidExpr, "formula %q depends on itself: %s", n.field.Name, cycleText(cycle)))
			}
			return false
		}
		state[n] = visiting
		stack = append(stack, n)
		ok := true
		for _, e := range edges[n] {
			if !visit(e.to) {
				ok = false
				continue
			}
			l := level[e.to]
			if e.cross {
				l++
			}
			level[n] = max(level[n], l)
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		return ok
	}
	for _, n := range nodes {
		if visit(n) && level[n] > MaxFormulaLevels && !reported[n] {
			reported[n] = true
			ps = append(ps, problemf(formulaPath(n.obj, n.field), ProblemInvalidExpr,
				"formula %q depends on formulas of looked-up records %d levels deep; at most %d are allowed", n.field.Name, level[n], MaxFormulaLevels))
		}
	}
	return ps
}

func formulaPath(o *Object, f *Field) string {
	return "objects." + o.Name + ".fields." + f.Name + ".settings.expression"
}

// resolveRead finds the field a formula of o reads: one of o's own fields,
// or the field at the end of a lookup path (cross is then true). The zero
// node is returned for system columns and anything not found.
func resolveRead(m *Model, o *Object, read string) (node formulaNode, cross bool) {
	parts := strings.Split(read, ".")
	cur := o
	for i, name := range parts {
		f := cur.Field(name)
		if f == nil {
			return formulaNode{}, false
		}
		if i == len(parts)-1 {
			return formulaNode{cur, f}, len(parts) > 1
		}
		if f.Type != "lookup" {
			return formulaNode{}, false
		}
		if cur = m.Object(f.Settings.Target); cur == nil {
			return formulaNode{}, false
		}
	}
	return formulaNode{}, false
}

// cycleText writes a cycle of formulas as a → b → a, naming the object of
// each formula when the cycle crosses objects.
func cycleText(cycle []formulaNode) string {
	cross := false
	for _, n := range cycle {
		cross = cross || n.obj != cycle[0].obj
	}
	parts := make([]string, len(cycle))
	for i, n := range cycle {
		parts[i] = n.field.Name
		if cross {
			parts[i] = n.obj.Name + "." + n.field.Name
		}
	}
	return strings.Join(parts, " → ")
}
