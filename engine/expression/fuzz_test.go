package expression

import (
	"fmt"
	"testing"
	"time"
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
	} {
		f.Add(seed)
	}
	env := NewEnv(deal())
	vars := dealVars()
	vars["updated"] = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	vars["account"] = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
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
	})
}
