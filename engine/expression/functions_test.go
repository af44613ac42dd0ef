package expression

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

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// blankVars are variables with every field blank (nil).
func blankVars() Vars { return NewVars(testNow, User{}).ForCreate() }

// funcVars are dealVars with a datetime and a record context.
func funcVars() Vars {
	v := dealVars().ForUpdate(map[string]any{})
	v["updated"] = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	return v
}

// assertValue compares decimals by value and everything else exactly.
func assertValue(t *testing.T, want, got any, msg string) {
	t.Helper()
	if d, ok := want.(decimal.Decimal); ok {
		require.IsType(t, decimal.Decimal{}, got, msg)
		assert.True(t, d.Equal(got.(decimal.Decimal)), "%s: want %s, got %s", msg, d, got)
		return
	}
	assert.Equal(t, want, got, msg)
}

type funcCase struct {
	src  string
	want any
	// blank runs on blankVars instead of funcVars.
	blank bool
	// vars changes the variables before the run.
	vars func(Vars)
}

func runCases(t *testing.T, tests []funcCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			vars := funcVars()
			if tt.blank {
				vars = blankVars()
			}
			if tt.vars != nil {
				tt.vars(vars)
			}
			assertValue(t, tt.want, run(t, tt.src, vars), tt.src)
		})
	}
}

func TestISBLANK(t *testing.T) {
	runCases(t, []funcCase{
		{src: `ISBLANK(name)`, want: false},
		{src: `ISBLANK(account)`, want: true},
		{src: `ISBLANK(nil)`, want: true},
		{src: `ISBLANK("")`, want: true},
		{src: `ISBLANK(" ")`, want: false},
		{src: `ISBLANK(TRIM(" "))`, want: true},
		{src: `ISBLANK(0)`, want: false},
		{src: `ISBLANK(amount * 0)`, want: false},
		{src: `ISBLANK(false)`, want: false},
		{src: `ISBLANK(closed)`, want: false},
		{src: `ISBLANK(tags)`, want: false},
		{src: `ISBLANK([])`, want: true},
		{src: `ISBLANK(close_date)`, want: false},
		{src: `ISBLANK(amount)`, want: true, blank: true},
		{src: `ISBLANK(closed)`, want: true, blank: true},
		{src: `ISBLANK(close_date)`, want: true, blank: true},
		{src: `ISBLANK(tags)`, want: true, blank: true},
		{src: `ISBLANK(tags)`, want: true, vars: func(v Vars) { v["tags"] = []string{} }},
		{src: `ISBLANK(name)`, want: true, vars: func(v Vars) { v["name"] = "" }},
		{src: `ISBLANK($user.manager)`, want: true, blank: true},
	})
}

func TestDateFunctions(t *testing.T) {
	plus5 := time.FixedZone("+05", 5*3600)
	minus5 := time.FixedZone("-05", -5*3600)
	runCases(t, []funcCase{
		{src: `TODAY()`, want: day(2026, 3, 4)},
		{src: `NOW()`, want: testNow},
		{src: `TODAY() == $today && NOW() == $now`, want: true},

		// DATEDIFF(start, end) is end - start in whole UTC days.
		{src: `DATEDIFF($today, close_date)`, want: dec("58")},
		{src: `DATEDIFF(close_date, $today)`, want: dec("-58")},
		{src: `DATEDIFF($today, $today)`, want: dec("0")},
		{src: `DATEDIFF(date("2024-01-01"), date("2025-01-01"))`, want: dec("366")},
		{src: `DATEDIFF(date("2023-01-01"), date("2024-01-01"))`, want: dec("365")},
		{src: `DATEDIFF(date("2024-02-28"), date("2024-03-01"))`, want: dec("2")},
		{src: `DATEDIFF(date("2023-02-28"), date("2023-03-01"))`, want: dec("1")},
		{src: `DATEDIFF(date("1969-12-31"), date("1970-01-01"))`, want: dec("1")},
		{src: `DATEDIFF(updated, $now)`, want: dec("0")},
		{src: `DATEDIFF(updated, $today)`, want: dec("1"), vars: func(v Vars) {
			v["updated"] = time.Date(2026, 3, 3, 23, 59, 0, 0, time.UTC) // one minute before midnight is another day
		}},
		{src: `DATEDIFF(updated, $today)`, want: dec("0"), vars: func(v Vars) {
			v["updated"] = time.Date(2026, 3, 4, 23, 0, 0, 0, plus5) // 2026-03-04T18:00Z
		}},
		{src: `DATEDIFF(updated, $today)`, want: dec("0"), vars: func(v Vars) {
			v["updated"] = time.Date(2026, 3, 3, 22, 0, 0, 0, minus5) // 2026-03-04T03:00Z: March 4 in UTC
		}},
		{src: `DATEDIFF(close_date, $today)`, want: nil, blank: true},
		{src: `DATEDIFF($today, close_date)`, want: nil, blank: true},
		{src: `DATEDIFF(nil, $today)`, want: nil},
		{src: `DATEDIFF(close_date, $today) > 30`, want: false, blank: true},
		{src: `DATEDIFF(close_date, $today) <= 30`, want: false, blank: true},
		{src: `DATEDIFF($today, close_date) > 30`, want: true},
		{src: `DATEDIFF($today, close_date) * amount`, want: dec("1159.42")},

		// ADDDAYS keeps a datetime's time of day and crosses leap days.
		{src: `ADDDAYS(date("2024-02-28"), 1)`, want: day(2024, 2, 29)},
		{src: `ADDDAYS(date("2024-02-28"), 2)`, want: day(2024, 3, 1)},
		{src: `ADDDAYS(date("2023-02-28"), 1)`, want: day(2023, 3, 1)},
		{src: `ADDDAYS(date("2024-03-01"), -1)`, want: day(2024, 2, 29)},
		{src: `ADDDAYS(close_date, -1)`, want: day(2026, 4, 30)},
		{src: `ADDDAYS(close_date, quantity)`, want: day(2026, 5, 4)},
		{src: `ADDDAYS(close_date, 0)`, want: day(2026, 5, 1)},
		{src: `ADDDAYS(updated, 366)`, want: time.Date(2027, 3, 5, 5, 6, 7, 0, time.UTC)},
		{src: `ADDDAYS(updated, 1)`, want: time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC), vars: func(v Vars) {
			v["updated"] = time.Date(2026, 3, 4, 4, 0, 0, 0, plus5) // 2026-03-03T23:00Z
		}},
		{src: `ADDDAYS(close_date, 1)`, want: nil, blank: true},
		{src: `ADDDAYS($today, nil)`, want: nil},
		{src: `ADDDAYS(close_date, 30) > $today`, want: false, blank: true},

		// ADDMONTHS clamps to the end of the month.
		{src: `ADDMONTHS(date("2024-01-31"), 1)`, want: day(2024, 2, 29)},
		{src: `ADDMONTHS(date("2023-01-31"), 1)`, want: day(2023, 2, 28)},
		{src: `ADDMONTHS(date("2024-02-29"), 12)`, want: day(2025, 2, 28)},
		{src: `ADDMONTHS(date("2024-02-29"), 48)`, want: day(2028, 2, 29)},
		{src: `ADDMONTHS(date("2024-03-31"), -1)`, want: day(2024, 2, 29)},
		{src: `ADDMONTHS(date("2024-05-31"), 1)`, want: day(2024, 6, 30)},
		{src: `ADDMONTHS(date("2024-01-15"), -13)`, want: day(2022, 12, 15)},
		{src: `ADDMONTHS(date("2024-12-31"), 2)`, want: day(2025, 2, 28)},
		{src: `ADDMONTHS(close_date, decimal("12"))`, want: day(2027, 5, 1)},
		{src: `ADDMONTHS(updated, 1)`, want: time.Date(2026, 4, 4, 5, 6, 7, 0, time.UTC)},
		{src: `ADDMONTHS(close_date, 1)`, want: nil, blank: true},

		// YEAR, MONTH and DAY are decimals of the UTC date.
		{src: `YEAR(close_date)`, want: dec("2026")},
		{src: `MONTH(close_date)`, want: dec("5")},
		{src: `DAY(close_date)`, want: dec("1")},
		{src: `YEAR(close_date) == 2026 && MONTH(close_date) in [4, 5, 6]`, want: true},
		{src: `YEAR(close_date) + 1`, want: dec("2027")},
		{src: `MONTH(updated) * 100 + DAY(updated)`, want: dec("401"), vars: func(v Vars) {
			v["updated"] = time.Date(2026, 3, 31, 22, 0, 0, 0, minus5) // 2026-04-01T03:00Z
		}},
		{src: `DAY(date("2024-02-29"))`, want: dec("29")},
		{src: `YEAR(close_date)`, want: nil, blank: true},
		{src: `YEAR(nil)`, want: nil},
		{src: `YEAR(close_date) == 2026`, want: false, blank: true},
		{src: `YEAR(close_date) != 2026`, want: true, blank: true},
	})
}

func TestTextFunctions(t *testing.T) {
	runCases(t, []funcCase{
		{src: `TEXT(amount)`, want: "19.99"},
		{src: `TEXT(amount * 0.15)`, want: "2.9985"},
		{src: `TEXT(decimal("1e3"))`, want: "1000"},
		{src: `TEXT(decimal("1.50"))`, want: "1.5"},
		{src: `TEXT(decimal("-0.000001"))`, want: "-0.000001"},
		{src: `TEXT(decimal("12345678901234567890.5"))`, want: "12345678901234567890.5"},
		{src: `TEXT(42)`, want: "42"},
		{src: `TEXT(0.1)`, want: "0.1"},
		{src: `TEXT(close_date)`, want: "2026-05-01"},
		{src: `TEXT(updated)`, want: "2026-03-04T05:06:07Z"},
		{src: `TEXT($today)`, want: "2026-03-04"},
		{src: `TEXT(true) + TEXT(false)`, want: "truefalse"},
		{src: `TEXT(closed)`, want: "false"},
		{src: `TEXT(name)`, want: "Acme"},
		{src: `TEXT(nil)`, want: ""},
		{src: `TEXT(amount)`, want: "", blank: true},
		{src: `TEXT(close_date)`, want: "", blank: true},
		{src: `"Total: " + TEXT(amount)`, want: "Total: 19.99"},

		{src: `VALUE("12.50")`, want: dec("12.5")},
		{src: `VALUE(" -3 ")`, want: dec("-3")},
		{src: `VALUE("1e3")`, want: dec("1000")},
		{src: `VALUE("0.1") + VALUE("0.2") == 0.3`, want: true},
		{src: `VALUE("12.5") * amount`, want: dec("249.875")},
		{src: `VALUE("")`, want: nil},
		{src: `VALUE(nil)`, want: nil},
		{src: `VALUE(name)`, want: nil, blank: true},
		{src: `VALUE(name) > 1`, want: false, blank: true},

		{src: `LEN(name)`, want: 4},
		{src: `LEN("héllo")`, want: 5},
		{src: `LEN("日本")`, want: 2},
		{src: `LEN("")`, want: 0},
		{src: `LEN(nil)`, want: 0},
		{src: `LEN(name)`, want: 0, blank: true},
		{src: `LEN(tags)`, want: 1},
		{src: `LEN(tags)`, want: 0, blank: true},
		{src: `LEN(name) > 3`, want: true},

		{src: `LOWER(name)`, want: "acme"},
		{src: `UPPER(name)`, want: "ACME"},
		{src: `UPPER("é")`, want: "É"},
		{src: `UPPER(nil)`, want: ""},
		{src: `UPPER(name)`, want: "", blank: true},
		{src: `LOWER(name)`, want: "", blank: true},
		{src: `TRIM("  a b  ")`, want: "a b"},
		{src: `TRIM("\t\n x \n")`, want: "x"},
		{src: `TRIM(name)`, want: "", blank: true},
		{src: `upper(name) == UPPER(name) && lower(name) == LOWER(name) && trim(" x ") == TRIM(" x ")`, want: true},

		{src: `CONTAINS(name, "cm")`, want: true},
		{src: `CONTAINS(name, "CM")`, want: false},
		{src: `CONTAINS(name, "")`, want: true},
		{src: `CONTAINS(name, "x")`, want: false, blank: true},
		{src: `CONTAINS(name, "")`, want: true, blank: true},
		{src: `CONTAINS(name, nil)`, want: true},
		{src: `BEGINS(name, "Ac")`, want: true},
		{src: `BEGINS(name, "ac")`, want: false},
		{src: `BEGINS(name, "A")`, want: false, blank: true},
		{src: `BEGINS(nil, "")`, want: true},

		{src: `REGEX(name, "A.*")`, want: true},
		{src: `REGEX(name, "cm")`, want: false}, // the whole text must match
		{src: `REGEX(name, ".*cm.*")`, want: true},
		{src: `REGEX("12345", "[0-9]{5}")`, want: true},
		{src: `REGEX("123456", "[0-9]{5}")`, want: false},
		{src: `REGEX("ab", "a|ab")`, want: true},
		{src: `REGEX("a\nb", "a.b")`, want: false},
		{src: `REGEX("a\nb", "(?s)a.b")`, want: true},
		{src: `REGEX(name, "[0-9]+")`, want: false, blank: true},
		{src: `REGEX(name, ".*")`, want: true, blank: true},
		{src: `REGEX(name, lower("A.*"))`, want: false},
		{src: `REGEX(name, "A" + ".*")`, want: true},

		{src: `INCLUDES(tags, "gold")`, want: true},
		{src: `INCLUDES(tags, "new")`, want: false},
		{src: `INCLUDES(tags, "Gold")`, want: false},
		{src: `INCLUDES(tags, nil)`, want: false},
		{src: `INCLUDES(tags, "gold")`, want: false, blank: true},
		{src: `INCLUDES(["a", "b"], "b")`, want: true},
		{src: `INCLUDES(tags, name)`, want: true, vars: func(v Vars) { v["name"] = "gold" }},
	})
}

func TestNumberFunctions(t *testing.T) {
	runCases(t, []funcCase{
		{src: `ROUND(decimal("2.9985"), 2)`, want: dec("3.00")},
		{src: `ROUND(decimal("2.9985"), 3)`, want: dec("2.999")},
		{src: `ROUND(amount * 0.15, 2)`, want: dec("3")},
		{src: `ROUND(decimal("2.345"), 2)`, want: dec("2.35")},
		{src: `ROUND(decimal("-2.345"), 2)`, want: dec("-2.35")},
		{src: `ROUND(decimal("2.5"))`, want: dec("3")},
		{src: `ROUND(decimal("-2.5"))`, want: dec("-3")},
		{src: `ROUND(decimal("1234.5"), -2)`, want: dec("1200")},
		{src: `ROUND(2.5)`, want: dec("3")},
		{src: `ROUND(1.005, 2)`, want: dec("1.01")}, // exact: the literal is 1.005, not the float below it
		{src: `ROUND(amount, quantity)`, want: dec("19.99")},
		{src: `ROUND(amount, 2)`, want: nil, blank: true},
		{src: `ROUND(amount, nil)`, want: nil},
		{src: `FLOOR(amount)`, want: dec("19")},
		{src: `FLOOR(decimal("-2.5"))`, want: dec("-3")},
		{src: `FLOOR(3)`, want: dec("3")},
		{src: `CEIL(amount)`, want: dec("20")},
		{src: `CEIL(decimal("-2.5"))`, want: dec("-2")},
		{src: `ABS(-amount)`, want: dec("19.99")},
		{src: `ABS(-3)`, want: dec("3")},
		{src: `FLOOR(amount)`, want: nil, blank: true},
		{src: `CEIL(amount)`, want: nil, blank: true},
		{src: `ABS(amount)`, want: nil, blank: true},
		{src: `ABS(amount) > 0`, want: false, blank: true},

		{src: `MAX(amount, 20)`, want: dec("20")},
		{src: `MIN(amount, 20, 5)`, want: dec("5")},
		{src: `MIN(amount, 0.5)`, want: dec("0.5")},
		{src: `MAX(amount)`, want: dec("19.99")},
		{src: `MAX(amount, quantity) - MIN(amount, quantity)`, want: dec("16.99")},
		{src: `MAX(amount, nil)`, want: dec("19.99")},
		{src: `MAX(amount, 1)`, want: dec("1"), blank: true},
		{src: `MAX(nil, nil)`, want: nil},
		{src: `MIN(close_date, $today)`, want: day(2026, 3, 4)},
		{src: `MAX(close_date, $today)`, want: day(2026, 5, 1)},
		{src: `MAX(close_date, $today)`, want: day(2026, 3, 4), blank: true},
		{src: `MAX(close_date, ADDDAYS($today, 1), updated)`, want: day(2026, 5, 1)},
		{src: `max(1, 2)`, want: 2}, // expr-lang's builtin, unchanged
	})
}

func TestLogicFunctions(t *testing.T) {
	runCases(t, []funcCase{
		{src: `IF(amount > 10, "big", "small")`, want: "big"},
		{src: `IF(amount > 100, "big", "small")`, want: "small"},
		{src: `IF(closed, 1, 2)`, want: 2},
		{src: `IF(closed, 1, 2)`, want: 2, blank: true},
		{src: `IF(!closed, 1, 2)`, want: 1, blank: true},
		{src: `IF(true, amount, 0)`, want: dec("19.99")},
		{src: `IF(false, amount, 0)`, want: dec("0")},
		{src: `IF(false, amount, LEN(name))`, want: dec("4")},
		{src: `IF(true, nil, amount)`, want: nil},
		{src: `IF(quantity > 0, amount / quantity, 0)`, want: dec("6.6633333333333333")},
		// Only the chosen result is evaluated.
		{src: `IF(quantity == 3, 0, amount / (quantity - 3))`, want: dec("0")},
		{src: `IF(ISBLANK(amount), 0, amount) + 1`, want: dec("1"), blank: true},
		{src: `IF(amount > 1, IF(amount > 10, "b", "a"), "z")`, want: "b"},

		{src: `CASE(name, "Acme", 1, "Beta", 2, 0)`, want: 1},
		{src: `CASE(name, "Beta", 1, "Acme", 2, 0)`, want: 2},
		{src: `CASE(name, "X", 1, 0)`, want: 0},
		{src: `CASE(name, "X", 1, 0)`, want: 0, blank: true},
		{src: `CASE(name, nil, "blank", "set")`, want: "blank", blank: true},
		{src: `CASE(quantity, 3, "three", 4, "four", "other")`, want: "three"},
		{src: `CASE(amount, 19.99, "x", "y")`, want: "x"},
		{src: `CASE(amount, decimal("19.990"), "x", "y")`, want: "x"},
		{src: `CASE(close_date, date("2026-05-01"), "May Day", "no")`, want: "May Day"},
		{src: `CASE(MONTH(close_date), 1, "Q1", 4, "Q2", 5, "Q2", 6, "Q2", "H2")`, want: "Q2"},
		{src: `CASE(name, "Acme", amount, 0) * 2`, want: dec("39.98")},
		{src: `CASE(name, "Acme", CASE(quantity, 3, "a3", "a"), "b")`, want: "a3"},
		// Only the chosen result is evaluated.
		{src: `CASE(quantity, 3, 1, amount / 0)`, want: dec("1")},
		{src: `CASE(quantity, 3, "one", UPPER(first([1])))`, want: "one"},
		{src: `map(["Acme", "B"], CASE(#, "Acme", 1, 2))`, want: []any{1, 2}},
	})
}

// Nil in conditions and comparisons: an ordering with nil is false, a
// condition that is nil is false.
func TestNilSemantics(t *testing.T) {
	runCases(t, []funcCase{
		{src: `close_date > $today`, want: false, blank: true},
		{src: `close_date < $today`, want: false, blank: true},
		{src: `!(close_date < $today)`, want: true, blank: true},
		{src: `close_date != $today`, want: true, blank: true},
		{src: `close_date == nil`, want: true, blank: true},
		{src: `name < "b"`, want: false, blank: true},
		{src: `name >= ""`, want: false, blank: true},
		{src: `"b" > name`, want: false, blank: true},
		{src: `name < "b"`, want: true},
		{src: `close_date > $today`, want: true},
		{src: `!closed`, want: true, blank: true},
		{src: `not closed`, want: true, blank: true},
		{src: `closed && true`, want: false, blank: true},
		{src: `true and closed`, want: false, blank: true},
		{src: `closed || true`, want: true, blank: true},
		{src: `closed ? 1 : 2`, want: 2, blank: true},
		{src: `!closed`, want: true},
		{src: `closed == false`, want: false, blank: true},
		{src: `amount > 5 || ISBLANK(amount)`, want: true, blank: true},
		{src: `name == "x"`, want: false, blank: true},
		{src: `"x" == name`, want: false, blank: true},
		{src: `name != "x"`, want: true, blank: true},
		{src: `name == name`, want: true, blank: true},
		{src: `name == account`, want: true, blank: true},
		{src: `name == "Acme"`, want: true},
		{src: `name != "Acme"`, want: false},
		{src: `name in ["x", "y"]`, want: false, blank: true},
		{src: `name + "x"`, want: "x", blank: true},
		{src: `"x" + name + "y"`, want: "xy", blank: true},
		{src: `name matches "^A"`, want: false, blank: true},
		{src: `name matches lower("^A")`, want: false, blank: true},
		{src: `name contains "A"`, want: false, blank: true},
		{src: `"gold" in tags`, want: false, blank: true},
	})
}

func TestRecordFunctions(t *testing.T) {
	stored := map[string]any{
		"name":       "Acme",
		"amount":     dec("19.990"),
		"quantity":   dec("2"),
		"closed":     false,
		"close_date": time.Date(2026, 5, 1, 2, 0, 0, 0, time.FixedZone("+02", 2*3600)), // the same instant
		"tags":       []string{"gold", "new"},
		"account":    "",
	}
	update := func(v Vars) { v.ForUpdate(stored) }
	create := func(v Vars) { v.ForCreate() }
	runCases(t, []funcCase{
		{src: `ISNEW()`, want: true, vars: create},
		{src: `ISNEW()`, want: false, vars: update},
		{src: `ISCHANGED(name)`, want: false, vars: update},
		{src: `ISCHANGED(amount)`, want: false, vars: update}, // 19.99 and 19.990 are the same
		{src: `ISCHANGED(quantity)`, want: true, vars: update},
		{src: `ISCHANGED(closed)`, want: false, vars: update},
		{src: `ISCHANGED(close_date)`, want: false, vars: update}, // same instant, other zone
		{src: `ISCHANGED(tags)`, want: true, vars: update},
		{src: `ISCHANGED(tags)`, want: false, vars: func(v Vars) { v.ForUpdate(map[string]any{"tags": []any{"gold"}}) }},
		{src: `ISCHANGED(tags)`, want: false, vars: func(v Vars) {
			v.ForUpdate(map[string]any{"tags": []string{"new", "gold"}})
			v["tags"] = []string{"gold", "new"}
		}},
		{src: `ISCHANGED(account)`, want: false, vars: update}, // nil and "" are both blank
		{src: `ISCHANGED(updated)`, want: true, vars: update},  // not stored, now set
		{src: `ISCHANGED(name)`, want: true, vars: func(v Vars) { v.ForUpdate(stored); v["name"] = nil }},
		{src: `ISCHANGED(closed)`, want: true, vars: func(v Vars) { v.ForUpdate(stored); v["closed"] = true }},
		{src: `ISCHANGED(name)`, want: false, vars: create},
		{src: `ISCHANGED(amount) || ISCHANGED(tags)`, want: false, vars: create},
		{src: `PRIORVALUE(quantity)`, want: dec("2"), vars: update},
		{src: `PRIORVALUE(quantity) + 1`, want: dec("3"), vars: update},
		{src: `PRIORVALUE(tags)`, want: []string{"gold", "new"}, vars: update},
		{src: `INCLUDES(PRIORVALUE(tags), "new") && !INCLUDES(tags, "new")`, want: true, vars: update},
		{src: `PRIORVALUE(updated)`, want: nil, vars: update},
		{src: `PRIORVALUE(amount)`, want: nil, vars: create},
		{src: `amount < PRIORVALUE(amount)`, want: false, vars: create},
		{src: `quantity > PRIORVALUE(quantity)`, want: true, vars: update},
		{src: `PRIORVALUE(closed) ? 1 : 2`, want: 2, vars: create},
		{src: `!PRIORVALUE(closed)`, want: true, vars: create},
		{src: `PRIORVALUE(name) + "!"`, want: "Acme!", vars: update},
		{src: `map(1..2, ISCHANGED(quantity))`, want: []any{true, true}, vars: update},
	})
}

func TestOutputTypeOfFunctions(t *testing.T) {
	env := NewEnv(deal())
	for src, want := range map[string]reflect.Type{
		`ISBLANK(name)`:                      boolType,
		`TODAY()`:                            timeType,
		`NOW()`:                              timeType,
		`DATEDIFF(close_date, $today)`:       decimalType,
		`ADDDAYS(close_date, 1)`:             timeType,
		`YEAR(close_date)`:                   decimalType,
		`TEXT(amount)`:                       stringType,
		`VALUE("1")`:                         decimalType,
		`LEN(name)`:                          reflect.TypeFor[int](),
		`UPPER(name)`:                        stringType,
		`REGEX(name, "a")`:                   boolType,
		`ROUND(amount, 2)`:                   decimalType,
		`ROUND(1)`:                           decimalType,
		`MAX(amount, 1)`:                     decimalType,
		`MAX(close_date, $today)`:            timeType,
		`MAX(first([1]))`:                    anyType,
		`IF(closed, amount, 0)`:              decimalType,
		`IF(closed, "a", "b")`:               stringType,
		`IF(closed, "a", 1)`:                 anyType,
		`IF(closed, nil, $today)`:            timeType,
		`CASE(name, "a", amount, "b", 1, 2)`: decimalType,
		`CASE(name, "a", "x", "y")`:          stringType,
		`ISNEW()`:                            boolType,
		`ISCHANGED(amount)`:                  boolType,
		`PRIORVALUE(amount)`:                 decimalType,
		`PRIORVALUE(close_date)`:             timeType,
		`PRIORVALUE(tags)`:                   reflect.TypeFor[[]string](),
		`PRIORVALUE(name)`:                   stringType,
		`INCLUDES(tags, "a")`:                boolType,
	} {
		p, err := Compile(src, env)
		require.NoError(t, err, src)
		assert.Equal(t, want, p.OutputType(), src)
	}
}

func TestFunctionCompileErrors(t *testing.T) {
	long := strings.Repeat("a", MaxPatternLen+1)
	tests := []struct {
		src  string
		want string
	}{
		// Wrong number of arguments, located at the call.
		{`ISBLANK()`, "ISBLANK(value) takes 1 argument, not 0 (1:1)\n | ISBLANK()\n | ^"},
		{`x == 1 || ISBLANK(name, name)`, "unknown name x (1:1)\n | x == 1 || ISBLANK(name, name)\n | ^"},
		{`closed || ISBLANK(name, name)`, "ISBLANK(value) takes 1 argument, not 2 (1:11)\n | closed || ISBLANK(name, name)\n | ..........^"},
		{`ISNEW(1)`, "ISNEW() takes 0 arguments, not 1 (1:1)\n | ISNEW(1)\n | ^"},
		{`TODAY(1)`, "TODAY() takes 0 arguments, not 1 (1:1)\n | TODAY(1)\n | ^"},
		{`DATEDIFF(close_date)`, "DATEDIFF(start, end) takes 2 arguments, not 1 (1:1)\n | DATEDIFF(close_date)\n | ^"},
		{`ROUND()`, "ROUND(number, places?) takes 1 or 2 arguments, not 0 (1:1)\n | ROUND()\n | ^"},
		{`ROUND(amount, 1, 2)`, "ROUND(number, places?) takes 1 or 2 arguments, not 3 (1:1)\n | ROUND(amount, 1, 2)\n | ^"},
		{`MAX()`, "MAX(value, …) takes at least 1 argument, not 0 (1:1)\n | MAX()\n | ^"},
		{`IF(closed, 1)`, "IF(condition, then, else) takes 3 arguments, not 2 (1:1)\n | IF(closed, 1)\n | ^"},
		{`CASE(name, "a", 1)`, "CASE(value, match, result, …, else) takes an even number of arguments, at least 4, not 3 (1:1)\n | CASE(name, \"a\", 1)\n | ^"},
		{`CASE(name, "a", 1, "b", 2)`, "CASE(value, match, result, …, else) takes an even number of arguments, at least 4, not 5 (1:1)\n | CASE(name, \"a\", 1, \"b\", 2)\n | ^"},
		{`REGEX(name)`, "REGEX(text, pattern) takes 2 arguments, not 1 (1:1)\n | REGEX(name)\n | ^"},

		// Wrong types, located at the argument.
		{`DATEDIFF(name, close_date)`, "DATEDIFF(start, end): start must be a date, not a text (1:10)\n | DATEDIFF(name, close_date)\n | .........^"},
		{`DATEDIFF(close_date, amount + 1)`, "DATEDIFF(start, end): end must be a date, not a number (1:22)\n | DATEDIFF(close_date, amount + 1)\n | .....................^"},
		{`ADDDAYS(close_date, 1.5)`, "ADDDAYS(date, days): days must be a whole number, not a number (1:21)\n | ADDDAYS(close_date, 1.5)\n | ....................^"},
		{`ADDMONTHS("2024-01-31", 1)`, "ADDMONTHS(date, months): date must be a date, not a text (1:11)\n | ADDMONTHS(\"2024-01-31\", 1)\n | ..........^"},
		{`YEAR(amount)`, "YEAR(date): date must be a date, not a number (1:6)\n | YEAR(amount)\n | .....^"},
		{`TEXT(tags)`, "TEXT(value): value must be a text, a number, a boolean or a date, not a list (1:6)\n | TEXT(tags)\n | .....^"},
		{`VALUE(amount)`, "VALUE(text): text must be a text, not a number (1:7)\n | VALUE(amount)\n | ......^"},
		{`LEN(amount)`, "LEN(text): text must be a text or a list, not a number (1:5)\n | LEN(amount)\n | ....^"},
		{`UPPER(1)`, "UPPER(text): text must be a text, not a number (1:7)\n | UPPER(1)\n | ......^"},
		{`CONTAINS(tags, "gold")`, "CONTAINS(text, part): text must be a text, not a list (use INCLUDES(list, value) to find a value in a list) (1:10)\n | CONTAINS(tags, \"gold\")\n | .........^"},
		{`BEGINS(name, 1)`, "BEGINS(text, prefix): prefix must be a text, not a number (1:14)\n | BEGINS(name, 1)\n | .............^"},
		{`INCLUDES(name, "x")`, "INCLUDES(list, value): list must be a list, not a text (1:10)\n | INCLUDES(name, \"x\")\n | .........^"},
		{`INCLUDES(tags, 1)`, "INCLUDES(list, value): value must be a text, not a number (1:16)\n | INCLUDES(tags, 1)\n | ...............^"},
		{`ROUND(name, 2)`, "ROUND(number, places?): number must be a number, not a text (1:7)\n | ROUND(name, 2)\n | ......^"},
		{`ROUND(amount, 1.5)`, "ROUND(number, places?): places must be a whole number, not a number (1:15)\n | ROUND(amount, 1.5)\n | ..............^"},
		{`FLOOR(close_date)`, "FLOOR(number): number must be a number, not a date (1:7)\n | FLOOR(close_date)\n | ......^"},
		{`MAX("a", 1)`, "MAX(value, …): value must be a number or a date, not a text (1:5)\n | MAX(\"a\", 1)\n | ....^"},
		{`MAX($today, amount)`, "MAX(value, …): cannot compare numbers with dates (1:13)\n | MAX($today, amount)\n | ............^"},
		{`IF(name, 1, 2)`, "IF(condition, then, else): condition must be a condition (true or false), not a text (1:4)\n | IF(name, 1, 2)\n | ...^"},
		{`CASE(name, 1, "a", "b")`, "CASE(value, match, result, …, else): a number cannot match a text (1:12)\n | CASE(name, 1, \"a\", \"b\")\n | ...........^"},
		{`CASE(close_date, "2026-05-01", "a", "b")`, "CASE(value, match, result, …, else): a text cannot match a date (1:18)\n | CASE(close_date, \"2026-05-01\", \"a\", \"b\")\n | .................^"},

		// Field arguments of ISCHANGED and PRIORVALUE.
		{`ISCHANGED(amount + 1)`, "ISCHANGED(field): field must be the name of a field of the record, not an expression (1:11)\n | ISCHANGED(amount + 1)\n | ..........^"},
		{`ISCHANGED(UPPER(name))`, "ISCHANGED(field): field must be the name of a field of the record, not an expression (1:11)\n | ISCHANGED(UPPER(name))\n | ..........^"},
		{`ISCHANGED("amount")`, "ISCHANGED(field): write the field's name without quotes: ISCHANGED(amount) (1:11)\n | ISCHANGED(\"amount\")\n | ..........^"},
		{`ISCHANGED($now)`, "ISCHANGED(field): $now is not a field of the record (1:11)\n | ISCHANGED($now)\n | ..........^"},
		{`PRIORVALUE($user.id)`, "PRIORVALUE(field): field must be the name of a field of the record, not an expression (1:12)\n | PRIORVALUE($user.id)\n | ...........^"},
		{`ISCHANGED(nope)`, "unknown name nope (1:11)\n | ISCHANGED(nope)\n | ..........^"},
		{`PRIORVALUE(amount) + "x"`, "invalid operation: + (mismatched types number and string) (1:20)\n | PRIORVALUE(amount) + \"x\"\n | ...................^"},
		{`all(tags, ISCHANGED(#))`, "ISCHANGED(field): field must be the name of a field of the record, not an expression (1:21)\n | all(tags, ISCHANGED(#))\n | ....................^"},

		// REGEX patterns.
		{`REGEX(name, "(")`, "REGEX(text, pattern): invalid pattern: missing closing ): `(` (1:13)\n | REGEX(name, \"(\")\n | ............^"},
		{`REGEX(name, "a)|(b")`, "REGEX(text, pattern): invalid pattern: unexpected ): `a)|(b` (1:13)\n | REGEX(name, \"a)|(b\")\n | ............^"},
		{`REGEX(name, "x{2000}")`, "REGEX(text, pattern): invalid pattern: invalid repeat count: `{2000}` (1:13)\n | REGEX(name, \"x{2000}\")\n | ............^"},
		{`REGEX(name, 1)`, "REGEX(text, pattern): pattern must be a text, not a number (1:13)\n | REGEX(name, 1)\n | ............^"},
		{`REGEX(name, "` + long + `")`, ""},

		// Spelling: the functions are upper case; expr-lang's builtins keep
		// their own names.
		{`isblank(name)`, "unknown name isblank (1:1)\n | isblank(name)\n | ^"},
		{`Today()`, "unknown name Today (1:1)\n | Today()\n | ^"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Compile(tt.src, NewEnv(deal()))
			require.Error(t, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			if tt.want != "" {
				assert.Equal(t, tt.want, err.Error())
			}
		})
	}
	_, err := Compile(`REGEX(name, "`+long+`")`, NewEnv(deal()))
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "REGEX(text, pattern): the pattern is longer than 1024 bytes (1:13)"), err.Error())
}

func TestRecordFunctionsOutsideRecords(t *testing.T) {
	for src, want := range map[string]string{
		`ISNEW()`:          "ISNEW can only be used in expressions on records, not in default values (1:1)\n | ISNEW()\n | ^",
		`ISCHANGED($now)`:  "ISCHANGED can only be used in expressions on records, not in default values (1:1)\n | ISCHANGED($now)\n | ^",
		`PRIORVALUE($now)`: "PRIORVALUE can only be used in expressions on records, not in default values (1:1)\n | PRIORVALUE($now)\n | ^",
	} {
		_, err := Compile(src, DefaultsEnv())
		require.Error(t, err, src)
		assert.Equal(t, want, err.Error())
	}
	// The other functions work in defaults.
	p, err := Compile(`ADDMONTHS(TODAY(), 1)`, DefaultsEnv())
	require.NoError(t, err)
	out, err := p.Run(NewVars(time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC), User{}))
	require.NoError(t, err)
	assert.Equal(t, day(2024, 2, 29), out)
}

func TestFunctionRunErrors(t *testing.T) {
	tests := []struct {
		src  string
		want string
		is   error
	}{
		{`VALUE(name)`, "VALUE(text): \"Acme\" is not a number (1:1)\n | VALUE(name)\n | ^", nil},
		{`VALUE("1,5")`, "VALUE(text): \"1,5\" is not a number (1:1)\n | VALUE(\"1,5\")\n | ^", nil},
		{`VALUE("1e2000")`, "VALUE(text): \"1e2000\" is not a number (1:1)\n | VALUE(\"1e2000\")\n | ^", nil},
		{`ADDDAYS(close_date, decimal("1.5"))`, "ADDDAYS(date, days): days must be a whole number, not 1.5 (1:1)\n | ADDDAYS(close_date, decimal(\"1.5\"))\n | ^", nil},
		{`ADDDAYS(date("9999-12-31"), 1)`, "ADDDAYS(date, days): the date is out of range (years 1 to 9999) (1:1)\n | ADDDAYS(date(\"9999-12-31\"), 1)\n | ^", nil},
		{`ADDDAYS(close_date, 4000000)`, "ADDDAYS(date, days): days must be between -3660000 and 3660000, not 4000000 (1:1)\n | ADDDAYS(close_date, 4000000)\n | ^", nil},
		{`ADDMONTHS(date("0001-01-31"), -1)`, "ADDMONTHS(date, months): the date is out of range (years 1 to 9999) (1:1)\n | ADDMONTHS(date(\"0001-01-31\"), -1)\n | ^", nil},
		{`ROUND(amount, 40)`, "ROUND(number, places?): places must be between -32 and 32, not 40 (1:1)\n | ROUND(amount, 40)\n | ^", nil},
		{`ROUND(decimal("1e70"))`, "decimal out of range (more than 64 digits before the point) (1:7)\n | ROUND(decimal(\"1e70\"))\n | ......^", ErrDecimalRange},
		{`MAX(first([$today]), 1)`, "MAX(value, …): cannot compare numbers with dates (1:1)\n | MAX(first([$today]), 1)\n | ^", nil},
		{`LEN(first([1]))`, "LEN(text): text must be a text or a list, not a number (1:1)\n | LEN(first([1]))\n | ^", nil},
		{`UPPER(first([true]))`, "UPPER(text): text must be a text, not a boolean (1:1)\n | UPPER(first([true]))\n | ^", nil},
		{`IF(first(["x"]), 1, 2)`, "expected a condition (true or false), not a text (1:4)\n | IF(first([\"x\"]), 1, 2)\n | ...^", ErrNotCondition},
		{`REGEX(name, lower("("))`, "REGEX(text, pattern): invalid pattern: missing closing ): `(` (1:1)\n | REGEX(name, lower(\"(\"))\n | ^", nil},
		{`REGEX(name, join(map(1..1100, "a")))`, "REGEX(text, pattern): the pattern is longer than 1024 bytes (1:1)\n | REGEX(name, join(map(1..1100, \"a\")))\n | ^", nil},
		// Bounded by the string budget, or by the time limit first on a slow
		// machine (the race detector): either way the run is stopped.
		{`len(join(map(1..200000, UPPER("xxxxxxxxxx"))))`, "", errBounded},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Compile(tt.src, NewEnv(deal()))
			require.NoError(t, err)
			_, err = p.Run(funcVars())
			require.Error(t, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			if tt.want != "" {
				assert.Equal(t, tt.want, err.Error())
			}
			switch {
			case tt.is == errBounded:
				assert.True(t, errors.Is(err, ErrBudget) || errors.Is(err, ErrTimeLimit), "stopped by a budget: %v", err)
			case tt.is != nil:
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
}

// errBounded stands for "ErrBudget or ErrTimeLimit" in test tables.
var errBounded = errors.New("budget or time limit")

func TestRecordFunctionsNeedContext(t *testing.T) {
	for src, want := range map[string]string{
		`ISNEW()`:            "no record context: ISNEW needs to know whether the record is new and what was stored (Vars.ForCreate or Vars.ForUpdate) (1:1)\n | ISNEW()\n | ^",
		`ISCHANGED(amount)`:  "no record context: ISCHANGED needs to know whether the record is new and what was stored (Vars.ForCreate or Vars.ForUpdate) (1:1)\n | ISCHANGED(amount)\n | ^",
		`PRIORVALUE(amount)`: "no record context: PRIORVALUE needs to know whether the record is new and what was stored (Vars.ForCreate or Vars.ForUpdate) (1:1)\n | PRIORVALUE(amount)\n | ^",
	} {
		p, err := Compile(src, NewEnv(deal()))
		require.NoError(t, err, src)
		_, err = p.Run(dealVars())
		require.Error(t, err, src)
		assert.ErrorIs(t, err, ErrNoRecord)
		assert.Equal(t, want, err.Error())
	}
}

func TestVarsWithFields(t *testing.T) {
	v := NewVars(testNow, User{ID: "u1"}).WithFields(map[string]any{
		"name": "Acme", "$user": "spoofed", "#record": "spoofed", "#meter": 1,
	})
	assert.Equal(t, "Acme", v["name"])
	assert.Equal(t, User{ID: "u1"}, v[VarUser])
	assert.NotContains(t, v, recordKey)
	assert.NotContains(t, v, meterKey)

	prior := map[string]any{"amount": dec("1")}
	v.ForUpdate(prior)
	v["amount"] = dec("2")
	assert.Equal(t, map[string]any{"amount": dec("1")}, prior, "prior is not changed")
}

func TestSameValue(t *testing.T) {
	same := [][2]any{
		{nil, nil}, {nil, ""}, {"", nil}, {nil, []string{}}, {[]any{}, nil},
		{dec("1.5"), dec("1.50")}, {dec("2"), 2}, {2, dec("2")},
		{day(2026, 1, 1), time.Date(2026, 1, 1, 1, 0, 0, 0, time.FixedZone("+01", 3600))},
		{[]string{"a", "b"}, []string{"a", "b"}}, {[]string{"a"}, []any{"a"}},
		{[]string{"a", "b"}, []string{"b", "a"}}, {[]any{dec("1"), "x"}, []any{"x", dec("1.0")}},
		{"x", "x"}, {true, true}, {false, false},
	}
	for _, c := range same {
		assert.True(t, sameValue(c[0], c[1]), "%v == %v", c[0], c[1])
	}
	differ := [][2]any{
		{nil, "x"}, {"x", nil}, {nil, false}, {nil, dec("0")}, {dec("1"), dec("1.01")},
		{dec("1"), "1"}, {day(2026, 1, 1), day(2026, 1, 2)}, {day(2026, 1, 1), "2026-01-01"},
		{[]string{"a", "a"}, []string{"a", "b"}}, {[]string{"a"}, []string{"a", "b"}}, {[]string{"a"}, "a"},
		{[]any{dec("1"), "x"}, []any{"x", dec("2")}}, {[]string{"a", "b"}, []any{"a", 1}},
		{"x", "X"}, {true, false},
	}
	for _, c := range differ {
		assert.False(t, sameValue(c[0], c[1]), "%v != %v", c[0], c[1])
	}
}

func TestCondition(t *testing.T) {
	env := NewEnv(deal())
	_, err := CompileCondition(`amount * 2`, env)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotCondition)
	assert.Equal(t, "a condition must be true or false, but this is a number (1:1)\n | amount * 2\n | ^", err.Error())

	p, err := CompileCondition(`closed`, env)
	require.NoError(t, err)
	ok, err := p.RunCondition(blankVars())
	require.NoError(t, err)
	assert.False(t, ok, "a blank boolean is false")
	ok, err = p.RunCondition(Vars{"closed": true})
	require.NoError(t, err)
	assert.True(t, ok)

	p, err = CompileCondition(`first([name])`, env)
	require.NoError(t, err, "known at run time only")
	_, err = p.RunCondition(funcVars())
	assert.ErrorIs(t, err, ErrNotCondition)
	assert.Equal(t, "a condition must be true or false, but its value is a string (1:1)\n | first([name])\n | ^", err.Error())

	p, err = CompileCondition(`amount / 0 > 1`, env)
	require.NoError(t, err)
	_, err = p.RunCondition(funcVars())
	assert.ErrorIs(t, err, ErrDivisionByZero)
}

// Every CRM function is tested above and listed in the documentation.
func TestFunctionsListed(t *testing.T) {
	want := []string{
		"ABS", "ADDDAYS", "ADDMONTHS", "BEGINS", "CASE", "CEIL", "CONTAINS", "DATEDIFF", "DAY", "FLOOR",
		"IF", "INCLUDES", "ISBLANK", "ISCHANGED", "ISNEW", "LEN", "LOWER", "MAX", "MIN", "MONTH", "NOW",
		"PRIORVALUE", "REGEX", "ROUND", "TEXT", "TODAY", "TRIM", "UPPER", "VALUE", "YEAR",
	}
	var got []string
	for name := range crmFuncs {
		got = append(got, name)
	}
	assert.ElementsMatch(t, want, got)
}
