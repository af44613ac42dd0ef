package metadata

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/shopspring/decimal"
)

func init() { RegisterFieldType(RollupType{}) }

// Roll-up functions.
const (
	RollupCount = "count"
	RollupSum   = "sum"
	RollupMin   = "min"
	RollupMax   = "max"
)

// RollupType is a roll-up summary: on a parent object, the count, sum,
// minimum or maximum (settings.function) of a field (settings.field) of the
// records of a child object (settings.child) whose lookup settings.lookup
// points at the parent record, counting only the children for which the
// optional expression settings.filter is true. The platform stores the value
// and keeps it exact as children are written; it cannot be written.
//
// A count is a whole number (precision 18, scale 0). A sum, minimum or
// maximum has the kind of the child field, and for numbers its scale with
// precision 18: a sum needs a number, currency or percent field (or a
// roll-up or formula of one), a minimum or maximum also takes a date or
// datetime field. The sum of no children is 0; their minimum and maximum are
// empty. The child object may be the parent object itself (a lookup to its
// own kind, such as an account's parent account).
type RollupType struct{}

var (
	_ FieldType   = RollupType{}
	_ Generated   = RollupType{}
	_ DecimalType = RollupType{}
	_ Encoder     = RollupType{}
	_ Computed    = RollupType{}
)

// RollupPrecision is the precision of roll-ups of numbers: sums of many
// children need more digits than each child, so they get all the digits a
// decimal column has.
const RollupPrecision = MaxDecimalPrecision

// rollupShape is what a roll-up's value looks like, worked out from its
// child field by Model.ResolveRollups: the kind and, for numbers, the scale.
// ok is false until then, or when the child field does not resolve.
type rollupShape struct {
	ok    bool
	kind  Kind
	scale int
}

// Name implements FieldType.
func (RollupType) Name() string { return "rollup" }

// Kind implements FieldType: KindDecimal for a count, else the kind of the
// child field. A roll-up that ResolveRollups has not resolved (the model was
// built by hand, or does not validate) reads as a whole decimal.
func (RollupType) Kind(f *Field) Kind {
	if f.rollup.ok {
		return f.rollup.kind
	}
	return KindDecimal
}

// PrecisionScale implements DecimalType: precision 18 and the child field's
// scale (0 for a count).
func (RollupType) PrecisionScale(f *Field) (int, int) {
	if f.rollup.ok {
		return RollupPrecision, f.rollup.scale
	}
	return RollupPrecision, 0
}

// Generated implements Generated: the platform computes the value.
func (RollupType) Generated() bool { return true }

// ValidateSettings implements FieldType. It checks the function, the child
// object, that the lookup is a lookup of the child pointing at the roll-up's
// own object, and that the field fits the function. The filter is compiled
// against the child's columns when the revision is compiled. When m is nil
// only the presence of the settings is checked.
func (RollupType) ValidateSettings(f *Field, m *Model) []Problem {
	ps := onlySettings(f, "child", "lookup", "function", "field", "filter")
	ps = append(ps, refuseAttrs(f, "the platform computes it", "required", "unique", "default")...)
	s := f.Settings
	fn := s.Function
	switch fn {
	case "":
		ps = append(ps, problemf("settings.function", ProblemInvalidSetting, "a rollup field needs settings.function: %q, %q, %q or %q", RollupCount, RollupSum, RollupMin, RollupMax))
	case RollupCount, RollupSum, RollupMin, RollupMax:
	default:
		ps = append(ps, problemf("settings.function", ProblemInvalidSetting, "function must be %q, %q, %q or %q, not %q", RollupCount, RollupSum, RollupMin, RollupMax, truncateForMessage(fn)))
		fn = ""
	}
	if s.Child == "" {
		ps = append(ps, problemf("settings.child", ProblemInvalidSetting, "a rollup field needs settings.child, the object whose records it summarizes"))
	}
	if s.Lookup == "" {
		ps = append(ps, problemf("settings.lookup", ProblemInvalidSetting, "a rollup field needs settings.lookup, the lookup field of the child that points at this object"))
	}
	switch {
	case fn == RollupCount && s.Field != "":
		ps = append(ps, problemf("settings.field", ProblemInvalidSetting, "a count counts child records and takes no field; leave settings.field out"))
	case fn != RollupCount && fn != "" && s.Field == "":
		ps = append(ps, problemf("settings.field", ProblemInvalidSetting, "a %s needs settings.field, the field of the child it summarizes", fn))
	}
	if m == nil || s.Child == "" {
		return ps
	}
	child := m.Object(s.Child)
	if child == nil {
		return append(ps, problemf("settings.child", ProblemUnknownTarget, "rollup child %q is not an object", s.Child))
	}
	if s.Lookup != "" {
		lf := child.Field(s.Lookup)
		owner := m.objectOf(f)
		switch {
		case lf == nil:
			ps = append(ps, problemf("settings.lookup", ProblemUnknownField, "object %q has no field %q", child.Name, s.Lookup))
		case lf.Type != "lookup":
			ps = append(ps, problemf("settings.lookup", ProblemInvalidSetting, "field %s.%s is %s %s field, not a lookup", child.Name, lf.Name, article(lf.Type), lf.Type))
		case owner != nil && lf.Settings.Target != owner.Name:
			ps = append(ps, problemf("settings.lookup", ProblemInvalidSetting, "lookup %s.%s points at %q, not at %q, the object of this rollup", child.Name, lf.Name, lf.Settings.Target, owner.Name))
		}
	}
	if fn == "" || fn == RollupCount || s.Field == "" {
		return ps
	}
	cf := child.Field(s.Field)
	if cf == nil {
		return append(ps, problemf("settings.field", ProblemUnknownField, "object %q has no field %q", child.Name, s.Field))
	}
	if cf == f {
		return append(ps, problemf("settings.field", ProblemInvalidSetting, "a rollup cannot summarize itself"))
	}
	if chain := rollupCycle(m, f); chain != nil {
		return append(ps, problemf("settings.field", ProblemInvalidSetting, "rollups summarize each other in a cycle: %s", strings.Join(chain, " → ")))
	}
	if _, known := LookupFieldType(cf.Type); !known {
		return ps // reported at the child field
	}
	switch k := cf.Kind(); {
	case fn == RollupSum && k != KindDecimal:
		ps = append(ps, problemf("settings.field", ProblemInvalidSetting, "sum needs a number, currency or percent field; %s.%s is %s %s field", child.Name, cf.Name, article(cf.Type), cf.Type))
	case k != KindDecimal && k != KindDate && k != KindDateTime:
		ps = append(ps, problemf("settings.field", ProblemInvalidSetting, "%s needs a number, currency, percent, date or datetime field; %s.%s is %s %s field", fn, child.Name, cf.Name, article(cf.Type), cf.Type))
	}
	return ps
}

// Normalize implements FieldType: a roll-up is never written.
func (RollupType) Normalize(*Field, any) (any, *ValueError) {
	return nil, Invalid(CodeReadOnly, "is a roll-up summary computed from child records and cannot be set")
}

// ResultField implements Computed: a field of the type the values are,
// named like the roll-up: a number of precision 18 at the child field's
// scale, a date or a datetime.
func (t RollupType) ResultField(f *Field) *Field {
	r := &Field{ID: f.ID, Name: f.Name, Label: f.Label, HelpText: f.HelpText}
	switch t.Kind(f) {
	case KindDate:
		r.Type = "date"
	case KindDateTime:
		r.Type = "datetime"
	default:
		p, s := t.PrecisionScale(f)
		r.Type = "number"
		r.Settings.Precision, r.Settings.Scale = p, &s
	}
	return r
}

// ExprType implements FieldType: a decimal, or a time for dates and
// instants.
func (t RollupType) ExprType(f *Field) reflect.Type {
	r := t.ResultField(f)
	return r.TypeOf().ExprType(r)
}

// JSONSchema implements FieldType: the schema of the values' type,
// read-only.
func (t RollupType) JSONSchema(f *Field) map[string]any {
	r := t.ResultField(f)
	s := r.TypeOf().JSONSchema(r)
	s["readOnly"] = true
	return s
}

// EncodeJSON implements Encoder: like the number (with the roll-up's
// scale), date or datetime the value is. It allocates no field, as reads
// call it for every value.
func (t RollupType) EncodeJSON(f *Field, v any) any {
	switch t.Kind(f) {
	case KindDate:
		return DateType{}.EncodeJSON(f, v)
	case KindDateTime:
		return DateTimeType{}.EncodeJSON(f, v)
	}
	d, ok := v.(decimal.Decimal)
	if !ok {
		return v
	}
	_, scale := t.PrecisionScale(f)
	return json.Number(d.StringFixed(int32(scale)))
}

// ResolveRollups works out the kind and scale of every roll-up of the model
// from its child field (roll-ups of roll-ups in turn). Validate and
// compiled.Compile call it; code that builds a model by hand and reads the
// kind of its roll-ups before either must call it. A roll-up whose child
// field does not resolve is left reading as a whole decimal, and Validate
// reports why.
func (m *Model) ResolveRollups() {
	state := map[*Field]resolveState{}
	for _, o := range m.Objects {
		for _, f := range o.Fields {
			if f.Type == "rollup" {
				m.resolveRollup(f, state)
			}
		}
	}
}

// resolveState is how far ResolveRollups is with a roll-up.
type resolveState int

const (
	unresolved resolveState = iota
	resolving
	resolved
)

// resolveRollup sets f's shape, resolving a roll-up it summarizes first. A
// roll-up met again while it is being resolved is part of a cycle: it stays
// unresolved, and so does every roll-up of the cycle.
func (m *Model) resolveRollup(f *Field, state map[*Field]resolveState) {
	if state[f] != unresolved {
		return
	}
	state[f] = resolving
	defer func() { state[f] = resolved }()
	f.rollup = rollupShape{}
	s := f.Settings
	if s.Function == RollupCount {
		f.rollup = rollupShape{ok: true, kind: KindDecimal}
		return
	}
	child := m.Object(s.Child)
	if child == nil || s.Field == "" {
		return
	}
	cf := child.Field(s.Field)
	if cf == nil {
		return
	}
	t, ok := LookupFieldType(cf.Type)
	if !ok {
		return
	}
	if cf.Type == "rollup" {
		m.resolveRollup(cf, state)
		if !cf.rollup.ok {
			return
		}
	}
	switch k := t.Kind(cf); k {
	case KindDecimal:
		scale := 0
		if d, ok := t.(DecimalType); ok {
			_, scale = d.PrecisionScale(cf)
		}
		f.rollup = rollupShape{ok: true, kind: k, scale: scale}
	case KindDate, KindDateTime:
		f.rollup = rollupShape{ok: true, kind: k}
	}
}

// rollupCycle returns the roll-ups along the chain of child fields from f
// back to f when the chain is a cycle, else nil.
func rollupCycle(m *Model, f *Field) []string {
	owner := m.objectOf(f)
	if owner == nil {
		return nil
	}
	chain := []string{owner.Name + "." + f.Name}
	seen := map[*Field]bool{f: true}
	cur := f
	for cur.Type == "rollup" && cur.Settings.Function != RollupCount {
		child := m.Object(cur.Settings.Child)
		if child == nil {
			return nil
		}
		next := child.Field(cur.Settings.Field)
		if next == nil {
			return nil
		}
		chain = append(chain, child.Name+"."+next.Name)
		if next == f {
			return chain
		}
		if seen[next] {
			return nil // a cycle not through f, reported at its own fields
		}
		seen[next] = true
		cur = next
	}
	return nil
}

// objectOf returns the object that holds the field f (the same pointer), or
// nil.
func (m *Model) objectOf(f *Field) *Object {
	for _, o := range m.Objects {
		for _, g := range o.Fields {
			if g == f {
				return o
			}
		}
	}
	return nil
}
