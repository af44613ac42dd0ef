package expression

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fuzzTimeout bounds the compile and runs of one fuzz input.
const fuzzTimeout = 5 * time.Second

// FuzzCompileRun compiles any text in an environment with a few fields and
// runs what compiles on sample values: it must never panic, and the budgets
// bound the time and memory of a run.
func FuzzCompileRun(f *testing.F) {
	for _, seed := range []string{
		"amount * 0.15", "name + \"!\"", "upper(name) matches \"^A\"", "$user.id == name",
		"close_date > $today", "\"gold\" in tags", "map(1..10, # * 2)", "amount / 0",
		"let s = name + name; s + s", "first([amount]) - 1", "-amount < 0", "join(tags, \",\")",
		"split(name, \"\")", "replace(name, \"c\", \"cc\")", "string(amount)", "$now.AddDate(1, 0, 0)",
		"amount in [1, 2.5]", "all(tags, # != \"\")", "decimal(\"1e3\") * amount", "(amount ?? 0) > 1",
		"1..3 | map(# + 1)", "{\"a\": amount}.a", "$env", "amount.Shift(9)",
		"round(amount * 0.15, 2)", "abs(-amount) + ceil(quantity)", "count(1..100, # % 3 == 0)", "reduce(tags, #acc + #, \"\")",
		// The CRM functions and the record context.
		"ISBLANK(name) || ISBLANK(tags)", "ISNEW() || ISCHANGED(amount)", "amount < PRIORVALUE(amount)",
		"!PRIORVALUE(closed) && !closed", "TODAY() == $today && NOW() == $now", "DATEDIFF(close_date, TODAY()) > 30",
		"ADDDAYS(close_date, 1) > ADDMONTHS(updated, -1)", "YEAR(close_date) * 100 + MONTH(close_date) + DAY(updated)",
		"TEXT(amount) + TEXT(close_date) + TEXT(closed)", "VALUE(\"12.5\") * amount", "LEN(UPPER(name)) + LEN(tags)",
		"TRIM(LOWER(name)) == \"acme\"", "CONTAINS(name, \"c\") && BEGINS(name, \"A\")", "REGEX(name, \"[A-Z][a-z]+\")",
		"REGEX(name, name + \".*\")", "ROUND(amount / 3, 2) + FLOOR(quantity) - CEIL(amount) + ABS(-1)",
		"MAX(amount, quantity, 3) - MIN(amount, 1)", "MIN(close_date, $today, updated)",
		"IF(closed, amount, 0) + 1", "CASE(name, \"Acme\", 1, \"B\", 2, 0)", "INCLUDES(tags, \"gold\")",
		"CASE(MONTH(close_date), 1, IF(ISBLANK(name), \"a\", \"b\"), \"c\")", "map(tags, ISCHANGED(tags) ? UPPER(#) : #)",
	} {
		f.Add(seed)
	}
	env := NewEnv(deal())
	vars := dealVars()
	vars["updated"] = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	vars["account"] = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	vars.ForUpdate(map[string]any{"amount": decimal.RequireFromString("25"), "tags": []string{"new"}, "closed": true})
	f.Fuzz(func(t *testing.T, src string) {
		// A watchdog: an input that takes this long is a bug. Panicking in
		// another goroutine kills the worker, so the fuzzer keeps the input.
		watchdog := time.AfterFunc(fuzzTimeout, func() { panic(fmt.Sprintf("input ran longer than %s: %q", fuzzTimeout, src)) })
		defer watchdog.Stop()
		p, err := Compile(src, env)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: error %T is not an *Error", src, err)
			}
			return
		}
		_, _ = p.OutputType(), p.Source()
		if _, err := p.Run(vars); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: run error %T is not an *Error", src, err)
			}
		}
		if _, err := p.Run(nil); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: run error %T is not an *Error", src, err)
			}
		}
		// With every field blank, on create.
		if _, err := p.Run(NewVars(time.Time{}, User{}).ForCreate()); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: run error %T is not an *Error", src, err)
			}
		}
	})
}
