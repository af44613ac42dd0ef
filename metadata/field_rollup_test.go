package metadata

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	conformanceCases["rollup"] = conformance{
		Field{Type: "rollup", Settings: Settings{Child: "line", Lookup: "order", Function: RollupCount}},
		nil, []string{"child", "lookup", "function", "field", "filter"},
	}
	conformanceModel.Objects = append(conformanceModel.Objects, &Object{Name: "line", Fields: []*Field{
		{Name: "order", Type: "lookup", Settings: Settings{Target: "account"}},
		{Name: "amount", Type: "currency"},
	}})
}

// rollupModel is an account with opportunities and sub-accounts, and the
// roll-ups given on the account.
func rollupModel(rollups ...*Field) *Model {
	account := &Object{Name: "account", Fields: []*Field{
		{Name: "name", Type: "text"},
		{Name: "parent", Type: "lookup", Settings: Settings{Target: "account", OnDelete: OnDeleteSetNull}},
	}}
	account.Fields = append(account.Fields, rollups...)
	return &Model{Objects: []*Object{
		account,
		{Name: "opportunity", Fields: []*Field{
			{Name: "title", Type: "text"},
			{Name: "amount", Type: "currency"},
			{Name: "quantity", Type: "number", Settings: Settings{Scale: ptr(3)}},
			{Name: "close", Type: "date"},
			{Name: "seen", Type: "datetime"},
			{Name: "won", Type: "boolean"},
			{Name: "account", Type: "lookup", Settings: Settings{Target: "account", OnDelete: OnDeleteCascade}},
			{Name: "partner", Type: "lookup", Settings: Settings{Target: "partner"}},
		}},
		{Name: "partner", Fields: []*Field{{Name: "name", Type: "text"}}},
	}}
}

func rollup(name, child, lookup, function, field string) *Field {
	return &Field{Name: name, Type: "rollup", Settings: Settings{Child: child, Lookup: lookup, Function: function, Field: field}}
}

func TestRollupValid(t *testing.T) {
	count := rollup("deals", "opportunity", "account", RollupCount, "")
	count.Settings.Filter = `won`
	sum := rollup("total", "opportunity", "account", RollupSum, "amount")
	qty := rollup("units", "opportunity", "account", RollupSum, "quantity")
	first := rollup("first_close", "opportunity", "account", RollupMin, "close")
	last := rollup("last_seen", "opportunity", "account", RollupMax, "seen")
	subs := rollup("subsidiaries", "account", "parent", RollupCount, "")
	group := rollup("group_total", "account", "parent", RollupSum, "total")
	m := rollupModel(count, sum, qty, first, last, subs, group)
	require.Empty(t, Validate(m, nil))

	for _, c := range []struct {
		f     *Field
		kind  Kind
		scale int
		typ   reflect.Type
	}{
		{count, KindDecimal, 0, reflect.TypeFor[decimal.Decimal]()},
		{sum, KindDecimal, 2, reflect.TypeFor[decimal.Decimal]()},
		{qty, KindDecimal, 3, reflect.TypeFor[decimal.Decimal]()},
		{first, KindDate, 0, reflect.TypeFor[time.Time]()},
		{last, KindDateTime, 0, reflect.TypeFor[time.Time]()},
		{subs, KindDecimal, 0, reflect.TypeFor[decimal.Decimal]()},
		{group, KindDecimal, 2, reflect.TypeFor[decimal.Decimal]()},
	} {
		assert.Equal(t, c.kind, c.f.Kind(), c.f.Name)
		assert.Equal(t, c.typ, c.f.TypeOf().ExprType(c.f), c.f.Name)
		assert.True(t, c.f.IsGenerated(), c.f.Name)
		if c.kind == KindDecimal {
			p, s := RollupType{}.PrecisionScale(c.f)
			assert.Equal(t, RollupPrecision, p, c.f.Name)
			assert.Equal(t, c.scale, s, c.f.Name)
		}
		assert.Equal(t, true, c.f.TypeOf().JSONSchema(c.f)["readOnly"], c.f.Name)
	}

	// Filters and cursors compare values through a field of the values'
	// type.
	vf := sum.ValueField()
	assert.Equal(t, "number", vf.Type)
	assert.Equal(t, "total", vf.Name)
	assert.Equal(t, 18, vf.Settings.Precision)
	assert.Equal(t, 2, *vf.Settings.Scale)
	v, verr := vf.TypeOf().Normalize(vf, "12.5")
	require.Nil(t, verr)
	assert.Equal(t, "12.50", v.(decimal.Decimal).StringFixed(2))
	assert.Equal(t, "date", first.ValueField().Type)
	assert.Equal(t, "datetime", last.ValueField().Type)

	// A value is shaped like the child field's.
	assert.Equal(t, json.Number("12.50"), RollupType{}.EncodeJSON(sum, decimal.RequireFromString("12.5")))
	assert.Equal(t, json.Number("7"), RollupType{}.EncodeJSON(count, decimal.NewFromInt(7)))
	assert.Equal(t, "2026-01-31", RollupType{}.EncodeJSON(first, time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)))
	assert.Nil(t, RollupType{}.EncodeJSON(sum, nil))

	// The resolution survives a clone, and a change of the child field's
	// scale follows at the next resolution without touching the clone's
	// source.
	next := m.Clone()
	nsum := next.Object("account").Field("total")
	_, s := RollupType{}.PrecisionScale(nsum)
	assert.Equal(t, 2, s)
	next.Object("opportunity").Field("amount").Settings.Scale = ptr(4)
	require.Empty(t, Validate(next, nil))
	_, s = RollupType{}.PrecisionScale(nsum)
	assert.Equal(t, 4, s)
	_, s = RollupType{}.PrecisionScale(next.Object("account").Field("group_total"))
	assert.Equal(t, 4, s, "a roll-up of a roll-up follows too")
	_, s = RollupType{}.PrecisionScale(sum)
	assert.Equal(t, 2, s)

	// The shape is never part of a document.
	doc, err := json.Marshal(sum)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"total","type":"rollup","settings":{"child":"opportunity","lookup":"account","function":"sum","field":"amount"}}`, string(doc))
}

func TestRollupInvalid(t *testing.T) {
	base := "objects.account.fields.r."
	for _, c := range []struct {
		name    string
		field   *Field
		extra   func(m *Model)
		path    string
		code    string
		message string
	}{
		{"no function", rollup("r", "opportunity", "account", "", ""), nil,
			"settings.function", ProblemInvalidSetting, `a rollup field needs settings.function: "count", "sum", "min" or "max"`},
		{"unknown function", rollup("r", "opportunity", "account", "avg", "amount"), nil,
			"settings.function", ProblemInvalidSetting, `function must be "count", "sum", "min" or "max", not "avg"`},
		{"no child", rollup("r", "", "account", RollupCount, ""), nil,
			"settings.child", ProblemInvalidSetting, "a rollup field needs settings.child, the object whose records it summarizes"},
		{"unknown child", rollup("r", "invoice", "account", RollupCount, ""), nil,
			"settings.child", ProblemUnknownTarget, `rollup child "invoice" is not an object`},
		{"no lookup", rollup("r", "opportunity", "", RollupCount, ""), nil,
			"settings.lookup", ProblemInvalidSetting, "a rollup field needs settings.lookup, the lookup field of the child that points at this object"},
		{"unknown lookup", rollup("r", "opportunity", "acct", RollupCount, ""), nil,
			"settings.lookup", ProblemUnknownField, `object "opportunity" has no field "acct"`},
		{"lookup is not a lookup", rollup("r", "opportunity", "title", RollupCount, ""), nil,
			"settings.lookup", ProblemInvalidSetting, "field opportunity.title is a text field, not a lookup"},
		{"lookup points elsewhere", rollup("r", "opportunity", "partner", RollupCount, ""), nil,
			"settings.lookup", ProblemInvalidSetting, `lookup opportunity.partner points at "partner", not at "account", the object of this rollup`},
		{"count with a field", rollup("r", "opportunity", "account", RollupCount, "amount"), nil,
			"settings.field", ProblemInvalidSetting, "a count counts child records and takes no field; leave settings.field out"},
		{"sum without a field", rollup("r", "opportunity", "account", RollupSum, ""), nil,
			"settings.field", ProblemInvalidSetting, "a sum needs settings.field, the field of the child it summarizes"},
		{"unknown field", rollup("r", "opportunity", "account", RollupSum, "price"), nil,
			"settings.field", ProblemUnknownField, `object "opportunity" has no field "price"`},
		{"sum of a date", rollup("r", "opportunity", "account", RollupSum, "close"), nil,
			"settings.field", ProblemInvalidSetting, "sum needs a number, currency or percent field; opportunity.close is a date field"},
		{"max of a boolean", rollup("r", "opportunity", "account", RollupMax, "won"), nil,
			"settings.field", ProblemInvalidSetting, "max needs a number, currency, percent, date or datetime field; opportunity.won is a boolean field"},
		{"min of a text", rollup("r", "opportunity", "account", RollupMin, "title"), nil,
			"settings.field", ProblemInvalidSetting, "min needs a number, currency, percent, date or datetime field; opportunity.title is a text field"},
		{"itself", rollup("r", "account", "parent", RollupSum, "r"), nil,
			"settings.field", ProblemInvalidSetting, "a rollup cannot summarize itself"},
		{"cycle", rollup("r", "account", "parent", RollupSum, "s"), func(m *Model) {
			m.Object("account").Fields = append(m.Object("account").Fields, rollup("s", "account", "parent", RollupMax, "r"))
		}, "settings.field", ProblemInvalidSetting, "rollups summarize each other in a cycle: account.r → account.s → account.r"},
		{"required", func() *Field {
			f := rollup("r", "opportunity", "account", RollupCount, "")
			f.Required = true
			return f
		}(), nil, "required", ProblemInvalidSetting, `"required" does not apply to rollup fields: the platform computes it`},
		{"default", func() *Field {
			f := rollup("r", "opportunity", "account", RollupCount, "")
			f.Default = "1"
			return f
		}(), nil, "default", ProblemInvalidSetting, `"default" does not apply to rollup fields: the platform computes it`},
		{"scale", func() *Field {
			f := rollup("r", "opportunity", "account", RollupSum, "amount")
			f.Settings.Scale = ptr(4)
			return f
		}(), nil, "settings.scale", ProblemInvalidSetting, `setting "scale" does not apply to a rollup field`},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := rollupModel(c.field)
			if c.extra != nil {
				c.extra(m)
			}
			ps := Validate(m, nil)
			assert.Contains(t, ps, Problem{Path: base + c.path, Code: c.code, Message: c.message})
		})
	}
}

func TestRollupUnresolved(t *testing.T) {
	// A roll-up that was never resolved, or whose child field is missing,
	// reads as a whole decimal rather than failing.
	f := rollup("r", "opportunity", "account", RollupMax, "close")
	assert.Equal(t, KindDecimal, f.Kind())
	m := rollupModel(f)
	m.ResolveRollups()
	assert.Equal(t, KindDate, f.Kind())
	m.Object("opportunity").Fields = m.Object("opportunity").Fields[:1]
	m.ResolveRollups()
	assert.Equal(t, KindDecimal, f.Kind())
}

func TestFollowRollupReferences(t *testing.T) {
	withIDs := func(m *Model) *Model {
		for _, o := range m.Objects {
			o.ID = "o-" + o.Name
			for _, f := range o.Fields {
				f.ID = o.ID + "-" + f.Name
			}
		}
		return m
	}
	prev := withIDs(rollupModel(rollup("total", "opportunity", "account", RollupSum, "amount")))

	t.Run("renames follow", func(t *testing.T) {
		next := prev.Clone()
		opp := next.Object("opportunity")
		opp.Name = "deal"
		opp.Field("account").Name = "customer"
		opp.Field("amount").Name = "value"
		require.Empty(t, next.FollowRollupReferences(prev))
		s := next.Object("account").Field("total").Settings
		assert.Equal(t, "deal", s.Child)
		assert.Equal(t, "customer", s.Lookup)
		assert.Equal(t, "value", s.Field)
		assert.Empty(t, Validate(next, nil))
	})

	t.Run("names that resolve are kept", func(t *testing.T) {
		next := prev.Clone()
		next.Object("account").Field("total").Settings.Field = "quantity"
		require.Empty(t, next.FollowRollupReferences(prev))
		assert.Equal(t, "quantity", next.Object("account").Field("total").Settings.Field)
	})

	t.Run("deleting a used field is refused", func(t *testing.T) {
		next := prev.Clone()
		opp := next.Object("opportunity")
		var kept []*Field
		for _, f := range opp.Fields {
			if f.Name != "amount" && f.Name != "account" {
				kept = append(kept, f)
			}
		}
		opp.Fields = kept
		assert.Equal(t, Problems{
			{Path: "objects.account.fields.total.settings.lookup", Code: ProblemReferenced,
				Message: "field opportunity.account is the lookup of rollup account.total; delete or change that rollup first"},
			{Path: "objects.account.fields.total.settings.field", Code: ProblemReferenced,
				Message: "field opportunity.amount is the field of rollup account.total; delete or change that rollup first"},
		}, next.FollowRollupReferences(prev))
	})

	t.Run("deleting the child object is refused", func(t *testing.T) {
		next := prev.Clone()
		next.Objects = []*Object{next.Object("account"), next.Object("partner")}
		assert.Equal(t, Problems{{Path: "objects.account.fields.total.settings.child", Code: ProblemReferenced,
			Message: `object "opportunity" is summarized by rollup account.total; delete or change that rollup first`}},
			next.FollowRollupReferences(prev))
	})
}
