package expression

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
)

// pathModel: an opportunity looks up an account, which looks up its parent
// account and a region.
func pathModel() *metadata.Model {
	lookup := func(name, target string) *metadata.Field {
		return &metadata.Field{Name: name, Type: "lookup", Settings: metadata.Settings{Target: target}}
	}
	return &metadata.Model{Objects: []*metadata.Object{
		{Name: "region", Fields: []*metadata.Field{{Name: "name", Type: "text"}}},
		{Name: "account", Fields: []*metadata.Field{
			{Name: "name", Type: "text"},
			{Name: "industry", Type: "text"},
			{Name: "revenue", Type: "currency"},
			{Name: "founded", Type: "date"},
			lookup("parent", "account"),
			lookup("region", "region"),
			{Name: "label", Type: "formula", Settings: metadata.Settings{ResultType: "text", Expression: "name"}},
		}},
		{Name: "opportunity", Fields: []*metadata.Field{
			{Name: "name", Type: "text"},
			{Name: "amount", Type: "currency", Settings: metadata.Settings{Scale: scale(2)}},
			lookup("account", "account"),
		}},
	}}
}

func TestPaths(t *testing.T) {
	m := pathModel()
	opp := m.Object("opportunity")
	vars := func() Vars {
		v := NewVars(day(2026, 3, 1), User{ID: "u1"})
		v["name"] = "Big deal"
		v["amount"] = dec("1000.00")
		v["account"] = "acc-1"
		v["account.industry"] = "Tech"
		v["account.revenue"] = dec("2500.50")
		v["account.founded"] = day(1999, 5, 1)
		v["account.owner_id"] = "u1"
		v["account.label"] = "Acme"
		v["account.parent"] = "acc-0"
		v["account.parent.parent.industry"] = "Holding"
		v["account.parent.region.name"] = "North"
		return v.ForCreate()
	}
	tests := []struct {
		src    string
		want   any
		paths  []string
		fields []string
	}{
		{`account.industry`, "Tech", []string{"account.industry"}, nil},
		{`account`, "acc-1", nil, []string{"account"}},
		{`account.industry == "Tech" && amount > 500`, true, []string{"account.industry"}, []string{"amount"}},
		{`round(amount / account.revenue * 100, 2)`, dec("39.99"), []string{"account.revenue"}, []string{"amount"}},
		{`account.owner_id == $user.id`, true, []string{"account.owner_id"}, nil},
		{`account.founded.Year()`, 1999, []string{"account.founded"}, nil},
		{`upper(account.label) + " / " + name`, "ACME / Big deal", []string{"account.label"}, []string{"name"}},
		{`account?.industry`, "Tech", []string{"account.industry"}, nil},
		{`account.parent.parent.industry`, "Holding", []string{"account.parent.parent.industry"}, nil},
		{`account.parent.region.name ?? "none"`, "North", []string{"account.parent.region.name"}, nil},
		{`ISBLANK(account.region)`, true, []string{"account.region"}, nil},
		{`account.parent == nil`, false, []string{"account.parent"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Compile(tt.src, NewModelEnv(m, opp))
			require.NoError(t, err)
			assert.Equal(t, tt.paths, p.Paths())
			assert.Equal(t, tt.fields, p.Fields())
			got, err := p.Run(vars())
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprint(tt.want), fmt.Sprint(got))
		})
	}
}

// A path whose lookup is empty reads nil, with nil's one meaning.
func TestPathBlank(t *testing.T) {
	m := pathModel()
	p, err := CompileCondition(`account.industry == "Tech" || account.revenue > 10`, NewModelEnv(m, m.Object("opportunity")))
	require.NoError(t, err)
	ok, err := p.RunCondition(NewVars(day(2026, 3, 1), User{}).ForCreate())
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestPathErrors(t *testing.T) {
	m := pathModel()
	opp := m.Object("opportunity")
	tests := []struct {
		src  string
		want string
	}{
		{`account.industy`, "object \"account\" has no field \"industy\" (1:9)\n | account.industy\n | ........^"},
		{`amount > 0 && account.parent.nme == "x"`, "object \"account\" has no field \"nme\" (1:30)\n | amount > 0 && account.parent.nme == \"x\"\n | .............................^"},
		{`account.parent.parent.parent.industry`, "account.parent.parent.parent.industry follows 4 lookups; a path may follow at most 3 (1:30)\n | account.parent.parent.parent.industry\n | .............................^"},
		{`account.industry + 1`, "invalid operation: + (mismatched types string and int) (1:18)\n | account.industry + 1\n | .................^"},
		{`account.industry.size`, "type string has no field size (1:18)\n | account.industry.size\n | .................^"},
		{`ISCHANGED(account.industry)`, "ISCHANGED(field): account.industry is a field of a looked-up record; ISCHANGED reads the record's own fields only (1:11)\n | ISCHANGED(account.industry)\n | ..........^"},
		{`name.industry`, "type string has no field industry (1:6)\n | name.industry\n | .....^"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Compile(tt.src, NewModelEnv(m, opp))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
	// Without a model, a path is not known: the lookup is a text.
	_, err := Compile(`account.industry`, NewEnv(opp))
	require.Error(t, err)
	_, err = Compile(`account.industry`, NewModelEnv(nil, opp))
	require.Error(t, err)
}

func TestFormulaEnv(t *testing.T) {
	m := pathModel()
	opp := m.Object("opportunity")
	for _, src := range []string{`$today`, `$now`, `$user.id`, `TODAY()`, `NOW()`, `ISNEW()`, `ISCHANGED(amount)`, `PRIORVALUE(amount)`} {
		t.Run(src, func(t *testing.T) {
			_, err := Compile(src, NewFormulaEnv(m, opp))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "cannot be used in a formula: its value is stored, and recomputed only when the record or a record it reads changes (1:1)")
		})
	}
	p, err := Compile(`amount * 0.15`, NewFormulaEnv(m, opp))
	require.NoError(t, err)
	got, err := p.Run(Vars{"amount": dec("10.10")})
	require.NoError(t, err)
	assert.Equal(t, "1.515", fmt.Sprint(got))
}

func TestCheckFormula(t *testing.T) {
	m := pathModel()
	opp := m.Object("opportunity")
	f := func(result, src string) *metadata.Field {
		return &metadata.Field{Name: "f", Type: "formula", Settings: metadata.Settings{ResultType: result, Expression: src}}
	}
	tests := []struct {
		field *metadata.Field
		reads []string
		want  string
	}{
		{f("currency", `round(amount * 0.15, 2)`), []string{"amount"}, ""},
		{f("number", `len(name)`), []string{"name"}, ""},
		{f("text", `account.industry ?? name`), []string{"name", "account.industry"}, ""},
		{f("boolean", `account.revenue > amount`), []string{"amount", "account.revenue"}, ""},
		{f("date", `account.founded`), []string{"account.founded"}, ""},
		{f("text", `first([1])`), nil, ""}, // known at run time only
		{f("number", `name`), nil, "a formula with result_type number must give a number, but this is a string (1:1)\n | name\n | ^"},
		{f("date", `"2026-01-01"`), nil, "a formula with result_type date must give a date, but this is a string (1:1)\n | \"2026-01-01\"\n | ^"},
		{f("boolean", `amount`), nil, "a formula with result_type boolean must give a boolean, but this is a number (1:1)\n | amount\n | ^"},
		{f("text", `account.nope`), nil, "object \"account\" has no field \"nope\" (1:9)\n | account.nope\n | ........^"},
	}
	for _, tt := range tests {
		t.Run(tt.field.Settings.Expression, func(t *testing.T) {
			reads, err := Checker{}.CheckFormula(m, opp, tt.field)
			if tt.want != "" {
				require.Error(t, err)
				assert.Equal(t, tt.want, err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.reads, reads)
		})
	}
}

// Rules read paths too, with the model; without one they cannot.
func TestCheckRulePaths(t *testing.T) {
	m := pathModel()
	opp := m.Object("opportunity")
	r := &metadata.Rule{Name: "r", Condition: `account.industry == "Banned"`}
	assert.NoError(t, Checker{}.CheckRule(m, opp, r))
	r.Condition = `account.industri == "Banned"`
	err := Checker{}.CheckRule(m, opp, r)
	require.Error(t, err)
	assert.Equal(t, "object \"account\" has no field \"industri\" (1:9)\n | account.industri == \"Banned\"\n | ........^", err.Error())
}

func ExampleNewModelEnv() {
	m := &metadata.Model{Objects: []*metadata.Object{
		{Name: "account", Fields: []*metadata.Field{{Name: "industry", Type: "text"}}},
		{Name: "opportunity", Fields: []*metadata.Field{
			{Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account"}},
		}},
	}}
	p, _ := Compile(`account.industry == "Tech"`, NewModelEnv(m, m.Object("opportunity")))
	fmt.Println(p.Paths())
	vars := Vars{"account.industry": "Tech"}
	out, _ := p.Run(vars)
	fmt.Println(out)
	// Output:
	// [account.industry]
	// true
}
