package expression

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
)

var testNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func scale(n int) *int { return &n }

// deal is an object with a field of every kind.
func deal() *metadata.Object {
	return &metadata.Object{Name: "deal", Fields: []*metadata.Field{
		{Name: "name", Type: "text"},
		{Name: "amount", Type: "currency", Settings: metadata.Settings{Precision: 18, Scale: scale(2)}},
		{Name: "quantity", Type: "number"},
		{Name: "closed", Type: "boolean"},
		{Name: "close_date", Type: "date"},
		{Name: "updated", Type: "datetime"},
		{Name: "tags", Type: "multi_picklist", Settings: metadata.Settings{Values: []metadata.PicklistValue{{Value: "gold"}, {Value: "new"}}}},
		{Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account"}},
		{Name: "mystery", Type: "no_such_type"},
	}}
}

func dealVars() Vars {
	v := NewVars(testNow, User{ID: "u1", Role: "sales", Manager: "u0"})
	v["name"] = "Acme"
	v["amount"] = decimal.RequireFromString("19.99")
	v["quantity"] = decimal.NewFromInt(3)
	v["closed"] = false
	v["close_date"] = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	v["tags"] = []string{"gold"}
	return v
}

func run(t *testing.T, src string, vars Vars) any {
	t.Helper()
	p, err := Compile(src, NewEnv(deal()))
	require.NoError(t, err, src)
	out, err := p.Run(vars)
	require.NoError(t, err, src)
	return out
}

func TestEnv(t *testing.T) {
	env := NewEnv(deal())
	assert.Equal(t, []string{"$now", "$today", "$user", "account", "amount", "close_date", "closed", "created_at", "created_by", "id", "name",
		"owner_id", "quantity", "record_type", "tags", "updated", "updated_at", "updated_by", "version"}, env.Names(), "fields and system columns")
	typ, ok := env.Lookup("amount")
	require.True(t, ok)
	assert.Equal(t, reflect.TypeFor[decimal.Decimal](), typ)
	_, ok = env.Lookup("mystery")
	assert.False(t, ok, "a field of an unregistered type is left out")
	assert.Equal(t, []string{"$now", "$today", "$user"}, DefaultsEnv().Names())
	assert.Equal(t, []string{"$now", "$today", "$user", "created_at", "created_by", "id", "owner_id", "record_type", "updated_at", "updated_by", "version"}, NewEnv(nil).Names())

	v := NewVars(time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("X", -2*3600)), User{ID: "u1"})
	assert.Equal(t, time.Date(2026, 3, 5, 1, 30, 0, 0, time.UTC), v[VarNow])
	assert.Equal(t, time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), v[VarToday])
	assert.Equal(t, User{ID: "u1"}, v[VarUser])
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src  string
		env  *Env
		want string
	}{
		{"Noo", nil, "unknown name Noo (1:1)\n | Noo\n | ^"},
		{"", nil, "expression is empty"},
		{"  \n ", nil, "expression is empty"},
		{strings.Repeat("1", 4097), nil, "expression is longer than 4096 bytes"},
		{"1 +", nil, "unexpected token EOF (1:3)\n | 1 +\n | ..^"},
		{`"abc`, nil, "literal not terminated (1:5)\n | \"abc\n | ....^"},
		{"1 +\n  nope", nil, "unknown name nope (2:3)\n |   nope\n | ..^"},
		{"amount", nil, "unknown name amount (1:1)\n | amount\n | ^"},
		{`amount + "x"`, NewEnv(deal()), "invalid operation: + (mismatched types number and string) (1:8)\n | amount + \"x\"\n | .......^"},
		{`name > 1`, NewEnv(deal()), "invalid operation: > (mismatched types string and int) (1:6)\n | name > 1\n | .....^"},
		{`amount ** 2`, NewEnv(deal()), "invalid operation: ** (mismatched types number and int) (1:8)\n | amount ** 2\n | .......^"},
		{`$now > 1`, nil, "invalid operation: > (mismatched types date and int) (1:6)\n | $now > 1\n | .....^"},
		{`$user.nope`, nil, "type user has no field nope (1:7)\n | $user.nope\n | ......^"},
		{`upper(1)`, nil, "cannot use int as argument (type string) to call upper  (1:7)\n | upper(1)\n | ......^"},
		{`name matches "("`, NewEnv(deal()), "error parsing regexp: missing closing ): `(` (1:6)\n | name matches \"(\"\n | .....^"},
		// Refused by the patcher.
		{`amount.Shift(100)`, NewEnv(deal()), "a decimal has no field or method Shift (1:8)\n | amount.Shift(100)\n | .......^"},
		{`$env.amount`, NewEnv(deal()), "unknown name $env (1:1)\n | $env.amount\n | ^"},
		{`$now.Format("2006")`, nil, "method Format of date is not available (1:6)\n | $now.Format(\"2006\")\n | .....^"},
		{`let f = $now.Year; f()`, nil, "f is not a function (1:20)\n | let f = $now.Year; f()\n | ...................^"},
		{`first([$now]).Year()`, nil, "only methods of dates and durations can be called (1:15)\n | first([$now]).Year()\n | ..............^"},
		{`sortBy([3, 1], #)`, nil, "function sortBy is not available (1:1)\n | sortBy([3, 1], #)\n | ^"},
		{`amount * 1e308`, NewEnv(deal()), "decimal out of range (more than 64 digits before the point) (1:10)\n | amount * 1e308\n | .........^"},
		// Regressions: errors inside the arguments of calls the patcher made,
		// or of typed functions, were lost (see retype).
		{`amount + foo`, NewEnv(deal()), "unknown name foo (1:10)\n | amount + foo\n | .........^"},
		{`decimal(foo)`, nil, "unknown name foo (1:9)\n | decimal(foo)\n | ........^"},
		{`-amount + len(foo)`, NewEnv(deal()), "unknown name foo (1:15)\n | -amount + len(foo)\n | ..............^"},
		{`name + string(foo)`, NewEnv(deal()), "unknown name foo (1:15)\n | name + string(foo)\n | ..............^"},
		{`all(tags, len(foo) > 1)`, NewEnv(deal()), "unknown name foo (1:15)\n | all(tags, len(foo) > 1)\n | ..............^"},
		{`(amount * 2).Shift(1)`, NewEnv(deal()), "a decimal has no field or method Shift (1:14)\n | (amount * 2).Shift(1)\n | .............^"},
		// Builtins left out of the language.
		{`repeat("x", 3)`, nil, "unknown name repeat (1:1)\n | repeat(\"x\", 3)\n | ^"},
		{`now()`, nil, "unknown name now (1:1)\n | now()\n | ^"},
		{`toJSON([1])`, nil, "unknown name toJSON (1:1)\n | toJSON([1])\n | ^"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Compile(tt.src, tt.env)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			var e *Error
			require.ErrorAs(t, err, &e)
		})
	}
}

func TestCompileErrorFields(t *testing.T) {
	_, err := Compile("1 +\n  nope", nil)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 2, e.Line)
	assert.Equal(t, 3, e.Column)
	assert.Equal(t, "unknown name nope", e.Message)
	assert.Equal(t, "\n |   nope\n | ..^", e.Snippet)

	_, err = Compile("", nil)
	assert.ErrorIs(t, err, ErrEmpty)
	_, err = Compile(strings.Repeat(" ", MaxSourceLen)+"1", nil)
	assert.ErrorIs(t, err, ErrTooLong)
}

func TestMaxNodes(t *testing.T) {
	_, err := Compile(strings.Repeat("1+", 249)+"1", nil)
	require.NoError(t, err)
	_, err = Compile(strings.Repeat("1+", 300)+"1", nil)
	require.Error(t, err)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "compilation failed: expression exceeds maximum allowed nodes", e.Message)
}

func TestDecimal(t *testing.T) {
	vars := dealVars()
	tests := []struct {
		src  string
		want string
	}{
		{"amount * 0.15", "2.9985"},
		{"0.15 * amount", "2.9985"},
		{"amount * -0.15", "-2.9985"},
		{"amount + 1", "20.99"},
		{"1 + amount", "20.99"},
		{"amount - quantity", "16.99"},
		{"amount * quantity", "59.97"},
		{"amount / 3", "6.6633333333333333"},
		{"1 / decimal(3)", "0.3333333333333333"},
		{"amount % 7", "5.99"},
		{"-amount", "-19.99"},
		{"+amount", "19.99"},
		{"amount * 2 + 1", "40.98"},
		{"(amount + 0.01) * 100", "2000"},
		{"decimal(\"0.1\") + decimal(\"0.2\")", "0.3"},
		{"decimal(0.1) + 0.2", "0.3"},
		{"first([amount]) * 2", "39.98"},
		{"(amount ?? 0) - 0.99", "19"},
		{"let a = amount * amount; let b = a * a; b * b", "25497779020.9119552111984001"},
		{"decimal(1) / 3 * 3", "0.9999999999999999"},
		{"amount * $now.Month()", "59.97"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			out := run(t, tt.src, vars)
			d, ok := out.(decimal.Decimal)
			require.True(t, ok, "%T", out)
			assert.Equal(t, tt.want, d.String())
		})
	}
}

func TestRounding(t *testing.T) {
	vars := dealVars()
	tests := []struct {
		src  string
		want any
	}{
		{`round(amount * 0.15, 2)`, decimal.RequireFromString("3")},
		{`round(decimal("2.345"), 2)`, decimal.RequireFromString("2.35")},
		{`round(decimal("-2.345"), 2)`, decimal.RequireFromString("-2.35")},
		{`round(amount)`, decimal.RequireFromString("20")},
		{`round(amount, -1)`, decimal.RequireFromString("20")},
		{`round(first([amount]), 1)`, decimal.RequireFromString("20")},
		{`abs(-amount)`, decimal.RequireFromString("19.99")},
		{`ceil(amount)`, decimal.RequireFromString("20")},
		{`floor(amount)`, decimal.RequireFromString("19")},
		{`round(2.5)`, 3.0},
		{`round(2.345, 2)`, 2.35},
		{`abs(-3)`, 3},
		{`floor(1.5)`, 1.0},
		{`ceil(1)`, 1.0},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			out := run(t, tt.src, vars)
			if d, ok := tt.want.(decimal.Decimal); ok {
				require.IsType(t, decimal.Decimal{}, out)
				assert.True(t, d.Equal(out.(decimal.Decimal)), "%v", out)
				return
			}
			assert.Equal(t, tt.want, out)
		})
	}
	for src, want := range map[string]string{
		`round(amount, 1.5)`: "invalid argument for round (places must be an integer, not float64) (1:1)\n | round(amount, 1.5)\n | ^",
		`round("x")`:         "invalid argument for round (type string) (1:1)\n | round(\"x\")\n | ^",
		`abs(name)`:          "invalid argument for abs (type string) (1:1)\n | abs(name)\n | ^",
		`ceil(1, 2)`:         "invalid number of arguments (expected 1, got 2) (1:1)\n | ceil(1, 2)\n | ^",
		`round()`:            "invalid number of arguments (expected 1 or 2, got 0) (1:1)\n | round()\n | ^",
	} {
		_, err := Compile(src, NewEnv(deal()))
		require.Error(t, err, src)
		assert.Equal(t, want, err.Error())
	}
	p, err := Compile(`round(amount, 100)`, NewEnv(deal()))
	require.NoError(t, err)
	_, err = p.Run(vars)
	assert.EqualError(t, err, "invalid argument for round (places must be between -64 and 32, not 100) (1:1)\n | round(amount, 100)\n | ^")
}

func TestDecimalCompare(t *testing.T) {
	vars := dealVars()
	for src, want := range map[string]bool{
		"amount > 10":                   true,
		"10 < amount":                   true,
		"amount >= 19.99":               true,
		"amount <= 19.99":               true,
		"amount < 19.99":                false,
		"amount == 19.99":               true,
		"amount == decimal(\"19.990\")": true,
		"amount != 19.99":               false,
		"amount == quantity":            false,
		"quantity == 3":                 true,
		"amount > quantity":             true,
		"amount in [1, 19.99]":          true,
		"amount in [1, 2]":              false,
		"amount == nil":                 false,
		"amount != nil":                 true,
		"first([amount]) > 19":          true,
		"first([amount]) == 19.99":      true,
	} {
		assert.Equal(t, want, run(t, src, vars), src)
	}
}

func TestNil(t *testing.T) {
	vars := NewVars(testNow, User{}) // no field set
	for src, want := range map[string]any{
		"amount == nil":    true,
		"amount != nil":    false,
		"amount > 5":       false,
		"amount <= 5":      false,
		"!(amount > 5)":    true,
		"amount == 5":      false,
		"amount != 5":      true,
		"amount in [5]":    false,
		"name == nil":      true,
		"name ?? \"none\"": "none",
	} {
		assert.Equal(t, want, run(t, src, vars), src)
	}
	p, err := Compile("amount + 1", NewEnv(deal()))
	require.NoError(t, err)
	_, err = p.Run(vars)
	require.Error(t, err)
	assert.Equal(t, "invalid operation: <nil> + number (1:8)\n | amount + 1\n | .......^", err.Error())
}

func TestRun(t *testing.T) {
	vars := dealVars()
	tests := []struct {
		src  string
		want any
	}{
		{`name + "!"`, "Acme!"},
		{`upper(name) + lower(name)`, "ACMEacme"},
		{`trim("  x ")`, "x"},
		{`trimPrefix("ab", "a") + trimSuffix("ab", "b")`, "ba"},
		{`string(amount) + " " + string(quantity) + " " + string(true)`, "19.99 3 true"},
		{`join(tags, ",")`, "gold"},
		{`join(split("a,b,c", ","), "+")`, "a+b+c"},
		{`replace("a-b-c", "-", "")`, "abc"},
		{`"gold" in tags`, true},
		{`len(tags)`, 1},
		{`any(tags, # == "gold")`, true},
		{`map(tags, { let x = upper(#); x + "!" })`, []any{"GOLD!"}},
		{`reduce(1..4, #acc + #, 0)`, 10},
		{`count(1..10, # % 2 == 0) + sum(1..3) + len(filter(tags, # != "x"))`, 12},
		{`first(map(filter(1..10, # > 3), # * 2))`, 8},
		{`name matches "^A"`, true},
		{`name matches lower("^A")`, false},
		{`$user.id + "/" + $user.role + "/" + $user.manager`, "u1/sales/u0"},
		{`$today`, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)},
		{`$now.Year()`, 2026},
		{`close_date > $today`, true},
		{`close_date - $today > duration("24h")`, true},
		{`$today.AddDate(0, 0, 30)`, time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC)},
		{`date("2026-05-01") == close_date`, true},
		{`!closed && amount > 10 ? "big" : "small"`, "big"},
		{`first(["a"]) + "b"`, "ab"},
		{`quantity > 2 and name startsWith "Ac"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			assert.Equal(t, tt.want, run(t, tt.src, vars))
		})
	}
}

func TestRunErrors(t *testing.T) {
	vars := dealVars()
	tests := []struct {
		src  string
		want string
		is   error
	}{
		{"amount / 0", "division by zero (1:8)\n | amount / 0\n | .......^", ErrDivisionByZero},
		{"amount % (quantity - 3)", "division by zero (1:8)\n | amount % (quantity - 3)\n | .......^", ErrDivisionByZero},
		{"decimal(\"1e70\") * 1", "decimal out of range (more than 64 digits before the point) (1:1)\n | decimal(\"1e70\") * 1\n | ^", ErrDecimalRange},
		{"map(1..2000000, #)", "memory budget exceeded (1:6)\n | map(1..2000000, #)\n | .....^", ErrBudget},
		{
			"let s = join(map(1..1000, \"x\")); let a = s + s; let b = a + a; let c = b + b; let d = c + c; let e = d + d; let f = e + e; let g = f + f; let h = g + g; let i = h + h; let j = i + i; j + j",
			"memory budget exceeded: strings built by the expression exceed 1048576 bytes (1:179)\n | let s = join(map(1..1000, \"x\")); let a = s + s; let b = a + a; let c = b + b; let d = c + c; let e = d + d; let f = e + e; let g = f + f; let h = g + g; let i = h + h; let j = i + i; j + j\n | " + strings.Repeat(".", 178) + "^",
			ErrBudget,
		},
		{"let s = join(map(1..1000, \"xxxxxxxxxx\")); len(join(map(1..200, s)))", "", ErrBudget},
		{"len(replace(join(map(1..2000, \"x\")), \"x\", join(map(1..2000, \"x\"))))", "", ErrBudget},
		{"name matches upper(\"(\")", "error parsing regexp: missing closing ): `(` (1:6)\n | name matches upper(\"(\")\n | .....^", nil},
		{"string(tags)", "string: cannot format list (1:1)\n | string(tags)\n | ^", nil},
		{"date(\"nope\")", "invalid date nope (1:1)\n | date(\"nope\")\n | ^", nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Compile(tt.src, NewEnv(deal()))
			require.NoError(t, err)
			_, err = p.Run(vars)
			require.Error(t, err)
			if tt.want != "" {
				assert.Equal(t, tt.want, err.Error())
			}
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			var e *Error
			assert.ErrorAs(t, err, &e)
		})
	}
}

func TestTimeLimit(t *testing.T) {
	vars := dealVars()
	vars["name"] = strings.Repeat("x", 512*1024)
	p, err := Compile(`count(1..1000000, name contains "y")`, NewEnv(deal()))
	require.NoError(t, err)
	start := time.Now()
	_, err = p.Run(vars)
	assert.ErrorIs(t, err, ErrTimeLimit)
	assert.Less(t, time.Since(start), 50*MaxRunTime, "bounded, even on a busy machine")
	assert.Equal(t, "time limit exceeded: loops ran longer than 100ms (1:24)\n | count(1..1000000, name contains \"y\")\n | .......................^", err.Error())
}

func TestRunMissingUser(t *testing.T) {
	p, err := Compile("$user.id", nil)
	require.NoError(t, err)
	_, err = p.Run(nil)
	require.Error(t, err)
	_, err = p.Run(Vars{VarUser: 42})
	require.Error(t, err)
}

func TestOutputType(t *testing.T) {
	env := NewEnv(deal())
	for src, want := range map[string]reflect.Type{
		"amount * 0.15":      reflect.TypeFor[decimal.Decimal](),
		"-amount":            reflect.TypeFor[decimal.Decimal](),
		"amount > 1":         reflect.TypeFor[bool](),
		`name + "x"`:         reflect.TypeFor[string](),
		`upper(name)`:        reflect.TypeFor[string](),
		`split(name, ",")`:   reflect.TypeFor[[]string](),
		"$today":             reflect.TypeFor[time.Time](),
		"1 + 2":              reflect.TypeFor[int](),
		"1 / 2":              reflect.TypeFor[float64](),
		"first([1])":         reflect.TypeFor[any](),
		"first([1]) + 1":     reflect.TypeFor[any](),
		`["a", "b"]`:         reflect.TypeFor[[]any](),
		"nil":                reflect.TypeFor[any](),
		"$user.id":           reflect.TypeFor[string](),
		"decimal(\"1.5\")":   reflect.TypeFor[decimal.Decimal](),
		"close_date == $now": reflect.TypeFor[bool](),
	} {
		p, err := Compile(src, env)
		require.NoError(t, err, src)
		assert.Equal(t, want, p.OutputType(), src)
		assert.Equal(t, src, p.Source())
	}
}

func TestConcurrentRun(t *testing.T) {
	p, err := Compile(`amount * 0.15 > 2 ? upper(name) + "!" : name`, NewEnv(deal()))
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			vars := dealVars()
			vars["name"] = strings.Repeat("x", g)
			for i := 0; i < 500; i++ {
				out, err := p.Run(vars)
				if err != nil {
					errs <- err
					return
				}
				if out != strings.Repeat("X", g)+"!" {
					errs <- errors.New("wrong result")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestAsDecimal(t *testing.T) {
	for _, v := range []any{int(2), int8(2), int16(2), int32(2), int64(2), uint(2), uint8(2), uint16(2), uint32(2), uint64(2), float32(2), 2.0, decimal.NewFromInt(2)} {
		d, ok := AsDecimal(v)
		require.True(t, ok, "%T", v)
		assert.Equal(t, "2", d.String(), "%T", v)
	}
	d, ok := AsDecimal(0.15)
	require.True(t, ok)
	assert.Equal(t, "0.15", d.String())
	for _, v := range []any{"2", nil, true, (*decimal.Decimal)(nil)} {
		_, ok := AsDecimal(v)
		assert.False(t, ok, "%T", v)
	}
}
