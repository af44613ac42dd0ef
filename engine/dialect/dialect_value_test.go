package dialect_test

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

// kinds are every storage kind.
var kinds = []metadata.Kind{
	metadata.KindText, metadata.KindDecimal, metadata.KindInteger, metadata.KindBool,
	metadata.KindDate, metadata.KindDateTime, metadata.KindStrings, metadata.KindID,
}

func col(k metadata.Kind) dialect.Column { return dialect.Column{Kind: k} }

func decCol(scale int) dialect.Column {
	return dialect.Column{Kind: metadata.KindDecimal, Precision: metadata.MaxDecimalPrecision, Scale: scale}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var plus8 = time.FixedZone("+08:00", 8*60*60)

const someID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

// assertCanonical checks that got is the canonical value want: decimals by
// value, times by instant and in UTC, everything else exactly.
func assertCanonical(t *testing.T, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case decimal.Decimal:
		g, ok := got.(decimal.Decimal)
		require.True(t, ok, "want a decimal.Decimal, got %T", got)
		assert.True(t, w.Equal(g), "want %s, got %s", w, g)
	case time.Time:
		g, ok := got.(time.Time)
		require.True(t, ok, "want a time.Time, got %T", got)
		assert.True(t, w.Equal(g), "want %s, got %s", w, g)
		assert.Equal(t, time.UTC, g.Location())
	default:
		assert.Equal(t, want, got)
	}
}

// TestRoundTrip converts canonical values to driver arguments and back, on
// both dialects: what is written reads back as the same canonical value.
func TestRoundTrip(t *testing.T) {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	instant := time.Date(2024, 3, 1, 8, 30, 0, 123456000, time.UTC)
	tests := []struct {
		name   string
		col    dialect.Column
		value  any // canonical
		sqlite any // Arg on SQLite
		pg     any // Arg on PostgreSQL
	}{
		{"text", col(metadata.KindText), "Acme “Corp” 'x'", "Acme “Corp” 'x'", "Acme “Corp” 'x'"},
		{"empty text", col(metadata.KindText), "", "", ""},
		{"id", col(metadata.KindID), someID, someID, someID},
		{"integer", col(metadata.KindInteger), int64(42), int64(42), int64(42)},
		{"negative integer", col(metadata.KindInteger), int64(-7), int64(-7), int64(-7)},
		{"max integer", col(metadata.KindInteger), int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64)},
		{"min integer", col(metadata.KindInteger), int64(math.MinInt64), int64(math.MinInt64), int64(math.MinInt64)},
		{"true", col(metadata.KindBool), true, int64(1), true},
		{"false", col(metadata.KindBool), false, int64(0), false},

		{"decimal scale 2", decCol(2), dec("12.50"), int64(1250), "12.5"},
		{"negative decimal", decCol(2), dec("-12.34"), int64(-1234), "-12.34"},
		{"negative cent", decCol(2), dec("-0.01"), int64(-1), "-0.01"},
		{"zero", decCol(2), dec("0.00"), int64(0), "0"},
		{"zero scale 0", decCol(0), dec("0"), int64(0), "0"},
		{"scale 0", decCol(0), dec("1234"), int64(1234), "1234"},
		{"scale 1", decCol(1), dec("-123.4"), int64(-1234), "-123.4"},
		{"scale 3", decCol(3), dec("0.001"), int64(1), "0.001"},
		{"scale 4", decCol(4), dec("1234.5678"), int64(12345678), "1234.5678"},
		{"scale 5", decCol(5), dec("0.00001"), int64(1), "0.00001"},
		{"scale 6", decCol(6), dec("1.000001"), int64(1000001), "1.000001"},
		{"18 digits scale 0", decCol(0), dec("999999999999999999"), int64(999999999999999999), "999999999999999999"},
		{"18 digits scale 0 negative", decCol(0), dec("-999999999999999999"), int64(-999999999999999999), "-999999999999999999"},
		{"18 digits scale 6", decCol(6), dec("999999999999.999999"), int64(999999999999999999), "999999999999.999999"},
		{"18 digits scale 6 negative", decCol(6), dec("-999999999999.999999"), int64(-999999999999999999), "-999999999999.999999"},
		// Trailing zeros beyond the scale are still exact.
		{"trailing zeros", decCol(2), dec("1.500"), int64(150), "1.5"},
		// The int64 edges are the SQLite store's limits.
		{"max int64 scaled", decCol(0), dec("9223372036854775807"), int64(math.MaxInt64), "9223372036854775807"},
		{"min int64 scaled", decCol(2), dec("-92233720368547758.08"), int64(math.MinInt64), "-92233720368547758.08"},

		{"date", col(metadata.KindDate), day, "2024-03-01", "2024-03-01"},
		{"first date", col(metadata.KindDate), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "0001-01-01", "0001-01-01"},
		{"last date", col(metadata.KindDate), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), "9999-12-31", "9999-12-31"},
		{"datetime", col(metadata.KindDateTime), instant, "2024-03-01T08:30:00.123456Z", instant},
		{"datetime whole second", col(metadata.KindDateTime), instant.Truncate(time.Second), "2024-03-01T08:30:00.000000Z", instant.Truncate(time.Second)},
		{"datetime first microsecond", col(metadata.KindDateTime), time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC), "0001-01-01T00:00:00.000001Z", time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)},

		{"list", col(metadata.KindStrings), []string{"b", "a"}, `["b","a"]`, []string{"b", "a"}},
		{"list with quotes", col(metadata.KindStrings), []string{`say "hi"`, "ü", `\`}, `["say \"hi\"","ü","\\"]`, []string{`say "hi"`, "ü", `\`}},
		{"empty list", col(metadata.KindStrings), []string{}, `[]`, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				d    dialect.Dialect
				want any
			}{{sqlite, tt.sqlite}, {postgres, tt.pg}} {
				arg, err := c.d.Arg(tt.col, tt.value)
				require.NoError(t, err, c.d.Name())
				assert.Equal(t, c.want, arg, "%s: Arg", c.d.Name())
				back, err := c.d.Value(tt.col, arg)
				require.NoError(t, err, c.d.Name())
				assertCanonical(t, tt.value, back)
			}
		})
	}
}

// TestSQLiteDecimalReadsAtScale checks that a decimal read from SQLite has
// exactly the column's scale, as canonical decimals do.
func TestSQLiteDecimalReadsAtScale(t *testing.T) {
	for scale := 0; scale <= 6; scale++ {
		v, err := sqlite.Value(decCol(scale), int64(1500))
		require.NoError(t, err)
		d := v.(decimal.Decimal)
		assert.Equal(t, int32(-scale), d.Exponent(), "scale %d", scale)
		assert.True(t, decimal.New(1500, int32(-scale)).Equal(d))
	}
}

// TestNilStaysNil checks NULL in both directions for every kind.
func TestNilStaysNil(t *testing.T) {
	for _, d := range dialects {
		for _, k := range kinds {
			c := dialect.Column{Kind: k, Precision: 18, Scale: 2}
			arg, err := d.Arg(c, nil)
			assert.NoError(t, err)
			assert.Nil(t, arg, "%s %s: Arg", d.Name(), k)
			v, err := d.Value(c, nil)
			assert.NoError(t, err)
			assert.Nil(t, v, "%s %s: Value", d.Name(), k)
		}
	}
}

// TestNilList checks that a nil list is written as an empty list, and reads
// back as an empty (not nil) list.
func TestNilList(t *testing.T) {
	c := col(metadata.KindStrings)
	arg, err := sqlite.Arg(c, []string(nil))
	require.NoError(t, err)
	assert.Equal(t, "[]", arg)
	v, err := sqlite.Value(c, arg)
	require.NoError(t, err)
	assert.Equal(t, []string{}, v)

	arg, err = postgres.Arg(c, []string(nil))
	require.NoError(t, err)
	assert.Equal(t, []string{}, arg)
	assert.NotNil(t, arg.([]string))
}

// TestDateTimeArgIsUTC checks that an instant in any zone is written as the
// same instant in UTC; SQLite text keeps microseconds and drops the rest.
func TestDateTimeArgIsUTC(t *testing.T) {
	in := time.Date(2024, 3, 1, 8, 30, 0, 123456789, plus8)
	c := col(metadata.KindDateTime)

	arg, err := sqlite.Arg(c, in)
	require.NoError(t, err)
	assert.Equal(t, "2024-03-01T00:30:00.123456Z", arg)

	arg, err = postgres.Arg(c, in)
	require.NoError(t, err)
	got := arg.(time.Time)
	assert.True(t, in.Equal(got))
	assert.Equal(t, time.UTC, got.Location())

	// Across midnight: the UTC day is the previous one.
	arg, err = sqlite.Arg(c, time.Date(2024, 3, 1, 7, 0, 0, 0, plus8))
	require.NoError(t, err)
	assert.Equal(t, "2024-02-29T23:00:00.000000Z", arg)
}

// TestDateArgKeepsTheDay checks that a date is written as the day it reads
// in its own location, as metadata.DateType.Normalize keeps it.
func TestDateArgKeepsTheDay(t *testing.T) {
	in := time.Date(2024, 3, 1, 0, 0, 0, 0, plus8)
	for _, d := range dialects {
		arg, err := d.Arg(col(metadata.KindDate), in)
		require.NoError(t, err)
		assert.Equal(t, "2024-03-01", arg, d.Name())
	}
}

// numeric is a driver.Valuer like pgx's pgtype.Numeric, which
// dialect.Postgres.Value reads through its Value method.
type numeric struct {
	text  string
	valid bool
	err   error
}

func (n numeric) Value() (driver.Value, error) {
	if n.err != nil {
		return nil, n.err
	}
	if !n.valid {
		return nil, nil
	}
	return n.text, nil
}

// TestDriverReads converts what the drivers return into canonical values.
func TestDriverReads(t *testing.T) {
	id := uuid.MustParse(someID)
	tests := []struct {
		name string
		d    dialect.Dialect
		col  dialect.Column
		raw  any
		want any
	}{
		{"text as bytes", sqlite, col(metadata.KindText), []byte("héllo"), "héllo"},
		{"id as text", sqlite, col(metadata.KindID), someID, someID},
		{"id as bytes", sqlite, col(metadata.KindID), []byte(someID), someID},
		{"bool 1", sqlite, col(metadata.KindBool), int64(1), true},
		{"bool 0", sqlite, col(metadata.KindBool), int64(0), false},
		{"bool nonzero", sqlite, col(metadata.KindBool), int64(2), true},
		{"decimal", sqlite, decCol(2), int64(-1250), dec("-12.50")},
		{"decimal stored as real", sqlite, decCol(2), float64(1250), dec("12.50")},
		{"integer stored as real", sqlite, col(metadata.KindInteger), float64(3), int64(3)},
		{"integer as int", sqlite, col(metadata.KindInteger), 3, int64(3)},
		{"date", sqlite, col(metadata.KindDate), "2024-03-01", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"date as bytes", sqlite, col(metadata.KindDate), []byte("2024-03-01"), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"datetime with offset", sqlite, col(metadata.KindDateTime), "2024-03-01T16:30:00.5+08:00", time.Date(2024, 3, 1, 8, 30, 0, 500000000, time.UTC)},
		{"datetime as bytes", sqlite, col(metadata.KindDateTime), []byte("2024-03-01T08:30:00.000001Z"), time.Date(2024, 3, 1, 8, 30, 0, 1000, time.UTC)},
		{"list as bytes", sqlite, col(metadata.KindStrings), []byte(`["a","b"]`), []string{"a", "b"}},

		{"uuid as [16]byte", postgres, col(metadata.KindID), [16]byte(id), someID},
		{"uuid as uuid.UUID", postgres, col(metadata.KindID), id, someID},
		{"uuid as text", postgres, col(metadata.KindID), someID, someID},
		{"numeric valuer", postgres, decCol(2), numeric{text: "12.50", valid: true}, dec("12.50")},
		{"negative numeric valuer", postgres, decCol(6), numeric{text: "-999999999999.999999", valid: true}, dec("-999999999999.999999")},
		{"numeric as text", postgres, decCol(2), "-0.01", dec("-0.01")},
		{"numeric as bytes", postgres, decCol(0), []byte("3"), dec("3")},
		{"integer", postgres, col(metadata.KindInteger), int64(9), int64(9)},
		{"count as int32", postgres, col(metadata.KindInteger), int32(7), int64(7)},
		{"bool", postgres, col(metadata.KindBool), true, true},
		{"date at midnight UTC", postgres, col(metadata.KindDate), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"date in a zone", postgres, col(metadata.KindDate), time.Date(2024, 3, 1, 0, 0, 0, 0, plus8), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"date as text", postgres, col(metadata.KindDate), "2024-03-01", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"timestamptz in the local zone", postgres, col(metadata.KindDateTime), time.Date(2024, 3, 1, 16, 30, 0, 123456000, plus8), time.Date(2024, 3, 1, 8, 30, 0, 123456000, time.UTC)},
		{"text[] as []any", postgres, col(metadata.KindStrings), []any{"a", "b"}, []string{"a", "b"}},
		{"empty text[]", postgres, col(metadata.KindStrings), []any{}, []string{}},
		{"text[] as []string", postgres, col(metadata.KindStrings), []string{"a"}, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.d.Name()+" "+tt.name, func(t *testing.T) {
			got, err := tt.d.Value(tt.col, tt.raw)
			require.NoError(t, err)
			assertCanonical(t, tt.want, got)
		})
	}
}

// TestPostgresNumericValuer covers the driver.Valuer path of numeric reads:
// the exact text keeps the column's scale, an error is wrapped, and a
// Valuer that reports NULL reads as nil (regression: it was an error).
func TestPostgresNumericValuer(t *testing.T) {
	v, err := postgres.Value(decCol(2), numeric{text: "12.50", valid: true})
	require.NoError(t, err)
	assert.Equal(t, int32(-2), v.(decimal.Decimal).Exponent())

	boom := errors.New("boom")
	_, err = postgres.Value(decCol(2), numeric{err: boom})
	assert.ErrorIs(t, err, boom)

	v, err = postgres.Value(decCol(2), numeric{})
	require.NoError(t, err)
	assert.Nil(t, v)

	_, err = postgres.Value(decCol(2), numeric{text: "NaN", valid: true})
	assert.Error(t, err)
}

// TestSQLiteDecimalRefused checks the limits of the scaled-integer form: a
// value with more places than the scale or beyond int64 is refused, never
// rounded or wrapped.
func TestSQLiteDecimalRefused(t *testing.T) {
	tests := []struct {
		scale int
		value string
		msg   string
	}{
		{2, "0.001", "more than 2 decimal places"},
		{2, "-12.345", "more than 2 decimal places"},
		{0, "1.5", "more than 0 decimal places"},
		{0, "-0.5", "more than 0 decimal places"},
		{6, "0.0000001", "more than 6 decimal places"},
		{0, "9223372036854775808", "out of range"},
		{0, "-9223372036854775809", "out of range"},
		{5, "92233720368547.75808", "out of range"},
		{6, "10000000000000", "out of range"},
		{2, "1e30", "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			arg, err := sqlite.Arg(decCol(tt.scale), dec(tt.value))
			require.Error(t, err)
			assert.Nil(t, arg)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

// TestPostgresDecimalExact checks that PostgreSQL gets a decimal's exact
// text, whatever its places: comparisons in filters stay exact there.
func TestPostgresDecimalExact(t *testing.T) {
	arg, err := postgres.Arg(decCol(2), dec("0.001"))
	require.NoError(t, err)
	assert.Equal(t, "0.001", arg)
}

// TestDecimalArgInputs checks the non-canonical inputs Arg accepts for a
// decimal (text, json.Number-like and whole numbers).
func TestDecimalArgInputs(t *testing.T) {
	for _, in := range []any{"12.5", []byte("12.5"), json.Number("12.5"), dec("12.5")} {
		arg, err := sqlite.Arg(decCol(2), in)
		require.NoError(t, err, "%T", in)
		assert.Equal(t, int64(1250), arg)
	}
	for _, in := range []any{12, int64(12)} {
		arg, err := sqlite.Arg(decCol(2), in)
		require.NoError(t, err, "%T", in)
		assert.Equal(t, int64(1200), arg)
		arg, err = postgres.Arg(decCol(2), in)
		require.NoError(t, err, "%T", in)
		assert.Equal(t, "12", arg)
	}
}

// TestWrongTypes checks that a value of the wrong Go type is refused with an
// error, never a panic, in both directions on both dialects.
func TestWrongTypes(t *testing.T) {
	type bad struct {
		col dialect.Column
		v   any
	}
	args := []bad{
		{col(metadata.KindText), 42},
		{col(metadata.KindText), true},
		{col(metadata.KindText), []string{"a"}},
		{col(metadata.KindID), 42},
		{col(metadata.KindID), [16]byte{}},
		{decCol(2), 1.5},
		{decCol(2), true},
		{decCol(2), "abc"},
		{decCol(2), ""},
		{decCol(2), []string{"1"}},
		{col(metadata.KindInteger), "1"},
		{col(metadata.KindInteger), 1.5},
		{col(metadata.KindInteger), math.NaN()},
		{col(metadata.KindInteger), math.Inf(1)},
		{col(metadata.KindInteger), math.Inf(-1)},
		{col(metadata.KindInteger), 1e19},
		{col(metadata.KindInteger), math.Exp2(63)},
		{col(metadata.KindInteger), true},
		{col(metadata.KindBool), 1},
		{col(metadata.KindBool), "true"},
		{col(metadata.KindDate), "2024-03-01"},
		{col(metadata.KindDate), 0},
		{col(metadata.KindDateTime), "2024-03-01T00:00:00Z"},
		{col(metadata.KindDateTime), int64(0)},
		{col(metadata.KindStrings), []any{"a"}},
		{col(metadata.KindStrings), "a"},
		{col(metadata.KindStrings), []int{1}},
		{col(metadata.Kind(0)), "x"},
		{col(metadata.Kind(99)), "x"},
	}
	for _, d := range dialects {
		for _, b := range args {
			assert.NotPanics(t, func() {
				_, err := d.Arg(b.col, b.v)
				assert.Error(t, err, "%s Arg %s %#v", d.Name(), b.col.Kind, b.v)
			})
		}
	}

	values := map[dialect.Dialect][]bad{
		sqlite: {
			{col(metadata.KindText), 42},
			{col(metadata.KindID), [16]byte{}},
			{decCol(2), "12.5"},
			{decCol(2), 12.5},
			{col(metadata.KindInteger), 1.5},
			{col(metadata.KindInteger), "1"},
			{col(metadata.KindBool), "true"},
			{col(metadata.KindBool), true},
			{col(metadata.KindDate), "2024-13-01"},
			{col(metadata.KindDate), "01/03/2024"},
			{col(metadata.KindDate), int64(20240301)},
			{col(metadata.KindDateTime), "yesterday"},
			{col(metadata.KindDateTime), "2024-03-01T08:30:00"},
			{col(metadata.KindDateTime), int64(0)},
			{col(metadata.KindStrings), "not json"},
			{col(metadata.KindStrings), `{"a":1}`},
			{col(metadata.KindStrings), `[1]`},
			{col(metadata.KindStrings), int64(1)},
			{col(metadata.Kind(99)), "x"},
		},
		postgres: {
			{col(metadata.KindText), 42},
			{col(metadata.KindID), 42},
			{col(metadata.KindID), [15]byte{}},
			{decCol(2), "abc"},
			{decCol(2), true},
			{decCol(2), 12.5},
			{col(metadata.KindInteger), "1"},
			{col(metadata.KindBool), int64(1)},
			{col(metadata.KindDate), 42},
			{col(metadata.KindDate), "2024-02-30"},
			{col(metadata.KindDateTime), "2024-03-01T08:30:00Z"},
			{col(metadata.KindStrings), "a"},
			{col(metadata.KindStrings), []any{1}},
			{col(metadata.KindStrings), []any{nil}},
			{col(metadata.Kind(99)), "x"},
		},
	}
	for d, cases := range values {
		for _, b := range cases {
			assert.NotPanics(t, func() {
				_, err := d.Value(b.col, b.v)
				assert.Error(t, err, "%s Value %s %#v", d.Name(), b.col.Kind, b.v)
			})
		}
	}
}
