package filter

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
)

var placeholder = regexp.MustCompile(`(?:\$|\?)(\d+)`)

// FuzzTranslate translates any text: it must never panic, fail only with an
// *expression.Error, and any SQL it emits holds values only as
// placeholders: once the columns' own SQL is removed, no quote is left, and
// the placeholders are exactly 1..len(Args).
func FuzzTranslate(f *testing.F) {
	for _, seed := range []string{
		`name == "Acme"`, `name != 'x' || amount > 19.999`, `stage in ["Open", nil]`, `stage not in []`,
		`INCLUDES(tags, "gold")`, `"gold" in tags`, `!(closed && close_date < $today)`, `owner_id == $user.id`,
		`name startsWith "a\"b"`, `name contains "'; DROP TABLE x; --"`, `amount == cost`, `1 < quantity < 5`,
		`reminder > "2026-01-01T00:00:00Z"`, `account == "7c9e6679-7425-40de-944b-e07fc1f90ae7"`, `!!closed`,
		`name == nil`, `amount in [1, 2.5, -3]`, `version >= 3`, `number endsWith "1"`, `email == "a@b.co"`,
	} {
		f.Add(seed)
	}
	cols := dealColumns()
	var colSQL []string
	for _, c := range cols {
		colSQL = append(colSQL, c.SQL)
	}
	dialects := []dialect.Dialect{dialect.Postgres{}, dialect.SQLite{}}
	f.Fuzz(func(t *testing.T, src string) {
		// A watchdog: an input that takes this long is a bug. Panicking in
		// another goroutine kills the worker, so the fuzzer keeps the input.
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("input ran longer than 5s: %q", src)) })
		defer watchdog.Stop()
		for _, d := range dialects {
			w, err := Translate(src, cols, options(d))
			if err != nil {
				var e *expression.Error
				if !errors.As(err, &e) {
					t.Fatalf("%q: error %T is not an *expression.Error: %v", src, err, err)
				}
				continue
			}
			rest := w.SQL
			for _, c := range colSQL {
				rest = strings.ReplaceAll(rest, c, "")
			}
			if strings.ContainsAny(rest, "\"'`") {
				t.Fatalf("%q: a quote leaked into the SQL: %s", src, w.SQL)
			}
			seen := map[int]bool{}
			for _, m := range placeholder.FindAllStringSubmatch(w.SQL, -1) {
				n, _ := strconv.Atoi(m[1])
				if n < 1 || n > len(w.Args) {
					t.Fatalf("%q: placeholder %s with %d args: %s", src, m[0], len(w.Args), w.SQL)
				}
				seen[n] = true
			}
			if len(seen) != len(w.Args) {
				t.Fatalf("%q: %d args but %d placeholders used: %s", src, len(w.Args), len(seen), w.SQL)
			}
		}
	})
}
