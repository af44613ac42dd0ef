package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// roundTrip is a value written with dialect.Arg and read back through
// Rows.Values and dialect.Value; want is the canonical value expected back
// (in when nil).
type roundTrip struct {
	name string
	col  dialect.Column
	in   any
	want any
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func roundTrips() []roundTrip {
	text := dialect.Column{Kind: metadata.KindText}
	money := dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 2}
	whole := dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 0}
	fraction := dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 18}
	small := dialect.Column{Kind: metadata.KindDecimal, Precision: 5, Scale: 3}
	integer := dialect.Column{Kind: metadata.KindInteger}
	boolean := dialect.Column{Kind: metadata.KindBool}
	date := dialect.Column{Kind: metadata.KindDate}
	instant := dialect.Column{Kind: metadata.KindDateTime}
	list := dialect.Column{Kind: metadata.KindStrings}
	id := dialect.Column{Kind: metadata.KindID}
	kolkata := time.FixedZone("IST", 5*3600+30*60)
	newYork := time.FixedZone("EST", -5*3600)
	return []roundTrip{
		{name: "text", col: text, in: "hello"},
		{name: "text empty", col: text, in: ""},
		{name: "text unicode and quotes", col: text, in: "Zoë's \"café\" ✓ 日本 \u0001"},
		{name: "text nil", col: text, in: nil},
		{name: "decimal", col: money, in: dec("1234.56")},
		{name: "decimal negative", col: money, in: dec("-1234.56")},
		{name: "decimal zero", col: money, in: dec("0")},
		{name: "decimal cent", col: money, in: dec("0.01")},
		{name: "decimal fewer places", col: money, in: dec("7.5")},
		{name: "decimal max precision", col: money, in: dec("9999999999999999.99")},
		{name: "decimal min", col: money, in: dec("-9999999999999999.99")},
		{name: "decimal from string", col: money, in: "42.10", want: dec("42.1")},
		{name: "decimal scale 0 max", col: whole, in: dec("999999999999999999")},
		{name: "decimal scale 18", col: fraction, in: dec("0.999999999999999999")},
		{name: "decimal scale 18 negative", col: fraction, in: dec("-0.000000000000000001")},
		{name: "decimal small", col: small, in: dec("-12.345")},
		{name: "decimal nil", col: money, in: nil},
		{name: "integer", col: integer, in: int64(42)},
		{name: "integer negative", col: integer, in: int64(-7)},
		{name: "integer max", col: integer, in: int64(9223372036854775807)},
		{name: "integer min", col: integer, in: int64(-9223372036854775808)},
		{name: "integer nil", col: integer, in: nil},
		{name: "bool true", col: boolean, in: true},
		{name: "bool false", col: boolean, in: false},
		{name: "bool nil", col: boolean, in: nil},
		{name: "date", col: date, in: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{name: "date epoch", col: date, in: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "date first", col: date, in: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "date last", col: date, in: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{name: "date nil", col: date, in: nil},
		{name: "datetime", col: instant, in: time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)},
		{name: "datetime no fraction", col: instant, in: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{
			name: "datetime east of UTC", col: instant,
			in:   time.Date(2024, 3, 1, 2, 0, 0, 999999000, kolkata),
			want: time.Date(2024, 2, 29, 20, 30, 0, 999999000, time.UTC),
		},
		{
			name: "datetime west of UTC", col: instant,
			in:   time.Date(2023, 12, 31, 22, 0, 0, 1000, newYork),
			want: time.Date(2024, 1, 1, 3, 0, 0, 1000, time.UTC),
		},
		{name: "datetime nil", col: instant, in: nil},
		{name: "strings", col: list, in: []string{"a", "b", "c"}},
		{name: "strings one", col: list, in: []string{"only"}},
		{name: "strings empty", col: list, in: []string{}},
		{name: "strings nil slice", col: list, in: []string(nil), want: []string{}},
		{name: "strings odd", col: list, in: []string{"with,comma", `with "quote"`, "{brace}", "NULL", "", "ü ✓"}},
		{name: "strings nil", col: list, in: nil},
		{name: "id", col: id, in: "0190b2a8-4c2e-7d3f-8a1b-2c3d4e5f6a7b"},
		{name: "id nil", col: id, in: nil},
	}
}

// TestValueRoundTrip writes every storage kind through a column typed by
// the store's dialect and reads it back as the canonical value.
func TestValueRoundTrip(t *testing.T) {
	cases := roundTrips()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		d := db.Dialect()
		ten := newTenant(t, db, "acme")

		// One table with a column per case, one row.
		ddl := "CREATE TABLE " + d.Table(ten.Schema, "vals") + " (id " + d.ColumnType(dialect.Column{Kind: metadata.KindInteger}) + " PRIMARY KEY"
		cols := "id"
		phs := d.Placeholder(1)
		args := []any{int64(1)}
		for i, tc := range cases {
			ddl += fmt.Sprintf(", c%d %s", i, d.ColumnType(tc.col))
			cols += fmt.Sprintf(", c%d", i)
			phs += ", " + d.Placeholder(i+2)
			arg, err := d.Arg(tc.col, tc.in)
			require.NoError(t, err, tc.name)
			args = append(args, arg)
		}
		ddl += ")"
		require.NoError(t, db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.Exec(ctx, ddl)
			return err
		}))
		n, err := db.Exec(ctx, "INSERT INTO "+d.Table(ten.Schema, "vals")+" ("+cols+") VALUES ("+phs+")", args...)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)

		rows, err := db.Query(ctx, "SELECT "+cols+" FROM "+d.Table(ten.Schema, "vals"))
		require.NoError(t, err)
		defer rows.Close()
		require.True(t, rows.Next())
		vals, err := rows.Values()
		require.NoError(t, err)
		require.Len(t, vals, len(cases)+1)
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := d.Value(tc.col, vals[i+1])
				require.NoError(t, err, "driver value %#v", vals[i+1])
				want := tc.want
				if want == nil {
					want = tc.in
				}
				if tc.in == nil {
					assert.Nil(t, got)
					return
				}
				switch w := want.(type) {
				case decimal.Decimal:
					g, ok := got.(decimal.Decimal)
					require.True(t, ok, "got %T", got)
					assert.True(t, w.Equal(g), "want %s, got %s", w, g)
				case time.Time:
					g, ok := got.(time.Time)
					require.True(t, ok, "got %T", got)
					assert.Equal(t, time.UTC, g.Location())
					assert.True(t, w.Equal(g), "want %s, got %s", w, g)
				default:
					assert.Equal(t, want, got)
				}
			})
		}
		assert.False(t, rows.Next())
		require.NoError(t, rows.Err())
	})
}

// TestArgOutOfRange checks that a value the column cannot hold is refused,
// not silently changed.
func TestArgOutOfRange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		d := db.Dialect()
		ten := newTenant(t, db, "acme")
		col := dialect.Column{Kind: metadata.KindDecimal, Precision: 5, Scale: 2}
		require.NoError(t, db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.Exec(ctx, "CREATE TABLE "+d.Table(ten.Schema, "vals")+" (v "+d.ColumnType(col)+")")
			return err
		}))
		// Too many decimal places: SQLite's Arg refuses it; PostgreSQL
		// would round, so the engine must check scale before writing.
		if d.Name() == "sqlite" {
			_, err := d.Arg(col, dec("1.234"))
			assert.Error(t, err)
		}
		// Too many digits: PostgreSQL refuses it; SQLite stores it (the
		// engine validates precision before writing).
		arg, err := d.Arg(col, dec("123456.78"))
		require.NoError(t, err)
		_, err = db.Exec(ctx, "INSERT INTO "+d.Table(ten.Schema, "vals")+" (v) VALUES ("+d.Placeholder(1)+")", arg)
		if d.Name() == "postgres" {
			assert.Error(t, err)
		} else {
			assert.NoError(t, err)
		}
	})
}
