package metadata

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func formula(result, expr string) *Field {
	return &Field{Name: "f", Type: "formula", Settings: Settings{ResultType: result, Expression: expr}}
}

func TestFormulaSettings(t *testing.T) {
	withScale := func(f *Field, p int, s *int) *Field {
		f.Settings.Precision, f.Settings.Scale = p, s
		return f
	}
	tests := []struct {
		name  string
		field *Field
		want  []Problem
	}{
		{"number", formula("number", "1"), nil},
		{"currency with precision and scale", withScale(formula("currency", "1"), 10, ptr(4)), nil},
		{"no expression", formula("text", " "), []Problem{{"settings.expression", ProblemInvalidSetting, `a formula field needs settings.expression, e.g. "amount * 0.15"`}}},
		{"no result type", formula("", "1"), []Problem{{"settings.result_type", ProblemInvalidSetting, "a formula field needs settings.result_type, one of text, number, currency, percent, date, datetime, boolean"}}},
		{"unknown result type", formula("money", "1"), []Problem{{"settings.result_type", ProblemInvalidSetting, `result_type must be one of text, number, currency, percent, date, datetime, boolean, not "money"`}}},
		{"scale of a text", withScale(formula("text", "name"), 0, ptr(2)), []Problem{{"settings.scale", ProblemInvalidSetting, `setting "scale" applies to formulas with a number, currency or percent result, not text`}}},
		{"precision of a date", withScale(formula("date", "d"), 5, nil), []Problem{{"settings.precision", ProblemInvalidSetting, `setting "precision" applies to formulas with a number, currency or percent result, not date`}}},
		{"scale above precision", withScale(formula("percent", "1"), 3, ptr(4)), []Problem{{"settings.scale", ProblemInvalidSetting, "scale 4 is more than precision 3: a number cannot have more digits after the point than in all"}}},
		{"precision too large", withScale(formula("number", "1"), 19, nil), []Problem{{"settings.precision", ProblemInvalidSetting, "precision must be between 1 and 18 digits, not 19"}}},
		{"required, unique, default", func() *Field {
			f := formula("text", "name")
			f.Required, f.Unique, f.Default = true, true, `"x"`
			return f
		}(), []Problem{
			{"required", ProblemInvalidSetting, `"required" does not apply to formula fields: the platform computes it`},
			{"unique", ProblemInvalidSetting, `"unique" does not apply to formula fields: the platform computes it`},
			{"default", ProblemInvalidSetting, `"default" does not apply to formula fields: the platform computes it`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, FormulaType{}.ValidateSettings(tt.field, nil))
		})
	}
}

func TestFormulaResultTypes(t *testing.T) {
	tests := []struct {
		result    string
		kind      Kind
		expr      reflect.Type
		precision int
		scale     int
	}{
		{"text", KindText, reflect.TypeFor[string](), 18, 0},
		{"number", KindDecimal, reflect.TypeFor[decimal.Decimal](), 18, 0},
		{"currency", KindDecimal, reflect.TypeFor[decimal.Decimal](), 18, 2},
		{"percent", KindDecimal, reflect.TypeFor[decimal.Decimal](), 18, 2},
		{"date", KindDate, reflect.TypeFor[time.Time](), 18, 0},
		{"datetime", KindDateTime, reflect.TypeFor[time.Time](), 18, 0},
		{"boolean", KindBool, reflect.TypeFor[bool](), 18, 0},
	}
	for _, tt := range tests {
		t.Run(tt.result, func(t *testing.T) {
			f := formula(tt.result, "x")
			assert.Equal(t, tt.kind, f.Kind())
			assert.Equal(t, tt.expr, f.TypeOf().ExprType(f))
			p, s := FormulaType{}.PrecisionScale(f)
			assert.Equal(t, []int{tt.precision, tt.scale}, []int{p, s})
			assert.True(t, f.IsGenerated())
			assert.Equal(t, true, f.TypeOf().JSONSchema(f)["readOnly"])
			vf := f.ValueField()
			assert.NotEqual(t, "formula", vf.Type)
			assert.Equal(t, tt.kind, vf.Kind())
		})
	}
	f := formula("currency", "x")
	assert.Equal(t, "12.50", string(FormulaType{}.EncodeJSON(f, decimal.RequireFromString("12.5")).(interface{ String() string }).String()))
	assert.Equal(t, "2026-03-01", FormulaType{}.EncodeJSON(formula("date", "x"), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)))
	plain := &Field{Name: "n", Type: "number"}
	assert.Same(t, plain, plain.ValueField(), "a field that is not computed describes its own values")
}

func TestFormulaValue(t *testing.T) {
	dec := decimal.RequireFromString
	scaled := func(result string, p, s int) *Field {
		f := formula(result, "x")
		f.Settings.Precision, f.Settings.Scale = p, ptr(s)
		return f
	}
	tests := []struct {
		name  string
		field *Field
		in    any
		want  any
		code  string
	}{
		{"nil", formula("currency", "x"), nil, nil, ""},
		{"rounded half away from zero", formula("currency", "x"), dec("0.125"), dec("0.13"), ""},
		{"negative rounded away from zero", formula("currency", "x"), dec("-0.125"), dec("-0.13"), ""},
		{"rounded down", formula("currency", "x"), dec("155.01549"), dec("155.02"), ""},
		{"exact kept at the scale", formula("currency", "x"), dec("150.015"), dec("150.02"), ""},
		{"whole number", formula("number", "x"), 7, dec("7"), ""},
		{"int64", formula("number", "x"), int64(-3), dec("-3"), ""},
		{"float", scaled("number", 10, 3), 0.1, dec("0.100"), ""},
		{"scale 4 percent", scaled("percent", 8, 4), dec("12.345678"), dec("12.3457"), ""},
		{"too large for the precision", scaled("number", 3, 0), dec("1000"), nil, CodeOutOfRange},
		{"text for a number", formula("number", "x"), "12", nil, CodeInvalidType},
		{"text", formula("text", "x"), "hello", "hello", ""},
		{"number for a text", formula("text", "x"), 12, nil, CodeInvalidType},
		{"long text", formula("text", "x"), strings.Repeat("a", DefaultLongTextMaxLength+1), nil, CodeTooLong},
		{"boolean", formula("boolean", "x"), true, true, ""},
		{"text for a boolean", formula("boolean", "x"), "true", nil, CodeInvalidType},
		{"date of a time", formula("date", "x"), time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), ""},
		{"datetime truncated", formula("datetime", "x"), time.Date(2026, 3, 1, 8, 0, 0, 1500, time.UTC), time.Date(2026, 3, 1, 8, 0, 0, 1000, time.UTC), ""},
		{"text for a date", formula("date", "x"), "2026-03-01", nil, CodeInvalidType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, verr := FormulaValue(tt.field, tt.in)
			if tt.code != "" {
				require.NotNil(t, verr, "got %v", got)
				assert.Equal(t, tt.code, verr.Code, verr.Message)
				return
			}
			require.Nil(t, verr)
			sameValue(t, tt.want, got)
		})
	}
}

// readsChecker is a FormulaChecker that reports the reads it is given per
// field, and refuses the expression "bad".
type readsChecker struct {
	reads map[string][]string
}

func (readsChecker) CheckDefault(*Model, *Object, *Field) error { return nil }
func (readsChecker) CheckRule(*Model, *Object, *Rule) error     { return nil }
func (c readsChecker) CheckFormula(_ *Model, o *Object, f *Field) ([]string, error) {
	if f.Settings.Expression == "bad" {
		return nil, errors.New("unknown name bad (1:1)")
	}
	return c.reads[o.Name+"."+f.Name], nil
}

// formulaModel: a line looks up a deal, a deal an account, an account a
// region; each holds formulas named after what they read.
func formulaModel() *Model {
	f := func(name string) *Field {
		fl := formula("text", name)
		fl.Name = name
		return fl
	}
	lookup := func(name, target string) *Field {
		return &Field{Name: name, Type: "lookup", Settings: Settings{Target: target}}
	}
	text := func(name string) *Field { return &Field{Name: name, Type: "text"} }
	return &Model{Objects: []*Object{
		{Name: "region", Fields: []*Field{text("name"), f("r1")}},
		{Name: "account", Fields: []*Field{text("name"), lookup("region", "region"), f("a1"), f("a2")}},
		{Name: "deal", Fields: []*Field{text("name"), lookup("account", "account"), f("d1"), f("d2")}},
		{Name: "line", Fields: []*Field{text("name"), lookup("deal", "deal"), f("l1")}},
	}}
}

func TestValidateFormulas(t *testing.T) {
	tests := []struct {
		name  string
		reads map[string][]string
		want  []Problem
	}{
		{"no cycle", map[string][]string{
			"deal.d1": {"name", "d2", "account.a1", "account.region.r1"},
			"deal.d2": {"account.region.name"},
		}, nil},
		{"itself", map[string][]string{"deal.d1": {"d1"}}, []Problem{
			{"objects.deal.fields.d1.settings.expression", ProblemInvalidExpr, `formula "d1" depends on itself: d1 → d1`},
		}},
		{"two formulas", map[string][]string{"deal.d1": {"d2"}, "deal.d2": {"name", "d1"}}, []Problem{
			{"objects.deal.fields.d1.settings.expression", ProblemInvalidExpr, `formula "d1" depends on itself: d1 → d2 → d1`},
		}},
		{"across records", map[string][]string{"deal.d1": {"account.a1"}, "account.a1": {"a2"}, "account.a2": {"region.r1"}, "region.r1": {"name"}, "line.l1": {"deal.d1"}}, nil},
		{"three levels", map[string][]string{"line.l1": {"deal.d1"}, "deal.d1": {"account.a1"}, "account.a1": {"region.r1"}, "region.r1": {"name"}, "deal.d2": {"account.region.name"}}, nil},
		{"levels across records", map[string][]string{
			"line.l1": {"deal.d1"}, "deal.d1": {"account.a1"}, "account.a1": {"region.r1"}, "region.r1": {"name"},
			"account.a2": {"region.name"}, "deal.d2": {"account.a2"},
		}, nil},
		{"bad expression", map[string][]string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := formulaModel()
			ps := validateFormulas(m, readsChecker{tt.reads})
			assert.Equal(t, tt.want, ps)
		})
	}

	// Four levels: line reads deal's formula that reads account's formula
	// that reads region's formula that reads another record.
	m := formulaModel()
	m.Objects = append(m.Objects, &Object{Name: "zone", Fields: []*Field{{Name: "name", Type: "text"}}})
	m.Object("region").Fields = append(m.Object("region").Fields, &Field{Name: "zone", Type: "lookup", Settings: Settings{Target: "zone"}})
	reads := map[string][]string{"line.l1": {"deal.d1"}, "deal.d1": {"account.a1"}, "account.a1": {"region.r1"}, "region.r1": {"zone.name"}}
	assert.Equal(t, []Problem{{"objects.line.fields.l1.settings.expression", ProblemInvalidExpr,
		`formula "l1" depends on formulas of looked-up records 4 levels deep; at most 3 are allowed`}}, validateFormulas(m, readsChecker{reads}))
	reads["region.r1"] = []string{"name"}
	assert.Empty(t, validateFormulas(m, readsChecker{reads}), "three levels")

	// A cycle across objects names them.
	m = formulaModel()
	m.Object("account").Fields = append(m.Object("account").Fields, &Field{Name: "deal", Type: "lookup", Settings: Settings{Target: "deal"}})
	reads = map[string][]string{"deal.d1": {"account.a1"}, "account.a1": {"deal.d1"}}
	assert.Equal(t, []Problem{{"objects.account.fields.a1.settings.expression", ProblemInvalidExpr,
		`formula "a1" depends on itself: account.a1 → deal.d1 → account.a1`}}, validateFormulas(m, readsChecker{reads}))

	// A cycle through a roll-up: account.a1 reads account.total, the sum of
	// deal.d1, which reads account.a1.
	m = formulaModel()
	m.Object("account").Fields = append(m.Object("account").Fields, &Field{Name: "total", Type: "rollup",
		Settings: Settings{Child: "deal", Lookup: "account", Function: "sum", Field: "d1"}})
	reads = map[string][]string{"account.a1": {"total"}, "deal.d1": {"account.a1"}}
	assert.Equal(t, []Problem{{"objects.account.fields.a1.settings.expression", ProblemInvalidExpr,
		`formula "a1" depends on itself: account.a1 → deal.d1 → account.a1`}}, validateFormulas(m, readsChecker{reads}))

	// Compile errors are problems of the expression; Validate runs it all.
	m = formulaModel()
	m.Object("deal").Field("d2").Settings.Expression = "bad"
	ps := Validate(m, readsChecker{map[string][]string{}})
	assert.Equal(t, Problems{{"objects.deal.fields.d2.settings.expression", ProblemInvalidExpr, "unknown name bad (1:1)"}}, ps)
	assert.Empty(t, Validate(formulaModel(), nil), "without a checker formulas are not compiled")
}
