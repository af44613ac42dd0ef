package expression

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Dates. Every date is a UTC date: a date field's value is its midnight
// UTC, a datetime field's date is its date in UTC. The functions take
// either and keep a datetime's time of day.

const (
	// minYear and maxYear bound the dates functions may build.
	minYear, maxYear = 1, 9999
	// maxDays and maxMonths bound the days and months added: more would
	// leave the years minYear to maxYear.
	maxDays   = 3_660_000
	maxMonths = 120_000
)

// dateFuncs are the date functions. The years, months and days they return
// are decimals, like number fields, so that a blank (nil) result compares
// as one: YEAR(close_date) == 2026 is false, not an error, when close_date is
// blank.
var dateFuncs = []*crmFunc{
	// TODAY() and NOW() are rewritten to $today and $now by the patcher.
	{name: "TODAY", out: timeType, run: func(*crmFunc, *meter, []any) (any, error) { return nil, errNotRewritten("TODAY") }},
	{name: "NOW", out: timeType, run: func(*crmFunc, *meter, []any) (any, error) { return nil, errNotRewritten("NOW") }},
	{
		name: "DATEDIFF", params: []param{{"start", argDate}, {"end", argDate}}, out: decimalType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			start, blank, err := f.dateArg(a, 0)
			if blank || err != nil {
				return nil, err
			}
			end, blank, err := f.dateArg(a, 1)
			if blank || err != nil {
				return nil, err
			}
			return decimal.NewFromInt(dayNumber(end) - dayNumber(start)), nil
		},
	},
	{
		name: "ADDDAYS", params: []param{{"date", argDate}, {"days", argWhole}}, out: timeType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			t, blank, err := f.dateArg(a, 0)
			if blank || err != nil {
				return nil, err
			}
			n, blank, err := f.wholeArg(a, 1, maxDays)
			if blank || err != nil {
				return nil, err
			}
			return inRange(f, t.AddDate(0, 0, int(n)))
		},
	},
	{
		name: "ADDMONTHS", params: []param{{"date", argDate}, {"months", argWhole}}, out: timeType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			t, blank, err := f.dateArg(a, 0)
			if blank || err != nil {
				return nil, err
			}
			n, blank, err := f.wholeArg(a, 1, maxMonths)
			if blank || err != nil {
				return nil, err
			}
			return inRange(f, addMonths(t, int(n)))
		},
	},
	datePart("YEAR", func(t time.Time) int { return t.Year() }),
	datePart("MONTH", func(t time.Time) int { return int(t.Month()) }),
	datePart("DAY", func(t time.Time) int { return t.Day() }),
}

// datePart is YEAR, MONTH or DAY: a part of a UTC date, as a decimal.
func datePart(name string, part func(time.Time) int) *crmFunc {
	return &crmFunc{
		name: name, params: []param{{"date", argDate}}, out: decimalType,
		run: func(f *crmFunc, _ *meter, a []any) (any, error) {
			t, blank, err := f.dateArg(a, 0)
			if blank || err != nil {
				return nil, err
			}
			return decimal.NewFromInt(int64(part(t))), nil
		},
	}
}

// errNotRewritten is the error of a function the patcher always rewrites,
// should it ever run.
func errNotRewritten(name string) error {
	return fmt.Errorf("%s cannot be used as a value", name)
}

// dayNumber is the number of the UTC date of t, counted in days from the
// Unix epoch.
func dayNumber(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// addMonths adds n months to t; a day past the end of the month it lands
// in becomes the last day of that month (January 31 + 1 month is February
// 28, or 29 in a leap year). The time of day is kept.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	months := y*12 + int(m) - 1 + n
	ny, nm := months/12, months%12
	if nm < 0 {
		ny, nm = ny-1, nm+12
	}
	month := time.Month(nm + 1)
	if last := time.Date(ny, month+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	h, mi, s := t.Clock()
	return time.Date(ny, month, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// inRange returns t, or an error when its year is outside minYear to
// maxYear.
func inRange(f *crmFunc, t time.Time) (any, error) {
	if y := t.Year(); y < minYear || y > maxYear {
		return nil, fmt.Errorf("%s: the date is out of range (years %d to %d)", f.signature(), minYear, maxYear)
	}
	return t, nil
}
