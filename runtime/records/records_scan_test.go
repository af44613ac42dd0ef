package records_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// scanValues reads the current row the way records were read before
// rowScanner: rows.Values() converted by the dialect.
func scanValues(t *testing.T, rev *compiled.Revision, rows store.Rows, cols []*compiled.Column) records.Record {
	t.Helper()
	raw, err := rows.Values()
	require.NoError(t, err)
	require.Len(t, raw, len(cols))
	rec := records.Record{}
	for i, c := range cols {
		v, err := rev.Dialect.Value(c.Type, raw[i])
		require.NoError(t, err, c.Name)
		rec[c.Name] = v
	}
	return rec
}

// thingObject makes a tenant with an object "thing" of a field of every
// type.
func thingObject(t *testing.T, db store.DB) (*compiled.Revision, *compiled.Object) {
	t.Helper()
	ctx := context.Background()
	tenant, err := store.CreateTenant(ctx, db, "acme")
	require.NoError(t, err)
	scale := func(n int) *int { return &n }
	pick := []metadata.PicklistValue{{Value: "a"}, {Value: "b"}}
	res, err := catalog.New(db).Change(ctx, tenant, catalog.ChangeOptions{Actor: "test"}, func(m *metadata.Model) error {
		m.Objects = append(m.Objects, &metadata.Object{Name: "thing", Fields: []*metadata.Field{
			{Name: "title", Type: "text"},
			{Name: "notes", Type: "long_text"},
			{Name: "mail", Type: "email"},
			{Name: "phone", Type: "phone"},
			{Name: "site", Type: "url"},
			{Name: "stage", Type: "picklist", Settings: metadata.Settings{Values: pick}},
			{Name: "tags", Type: "multi_picklist", Settings: metadata.Settings{Values: pick}},
			{Name: "amount", Type: "currency"},
			{Name: "big", Type: "number", Settings: metadata.Settings{Precision: 18, Scale: scale(6)}},
			{Name: "qty", Type: "number"},
			{Name: "pct", Type: "percent"},
			{Name: "day", Type: "date"},
			{Name: "at", Type: "datetime"},
			{Name: "done", Type: "boolean"},
			{Name: "parent", Type: "lookup", Settings: metadata.Settings{Target: "thing"}},
			{Name: "ref", Type: "external_id"},
			{Name: "seq", Type: "auto_number", Settings: metadata.Settings{Format: "T-{000}"}},
		}})
		return nil
	})
	require.NoError(t, err)
	rev := res.Revision
	obj, ok := rev.Object("thing")
	require.True(t, ok)
	return rev, obj
}

// TestRowScannerReadsWhatValuesRead writes rows with a field of every type
// holding edge values (NULLs, zero, whole decimals that PostgreSQL's binary
// numeric trims, empty lists, the first and last days) and checks that the
// typed holders read exactly the values, decimals' representation
// included, that rows.Values() and the dialect read.
func TestRowScannerReadsWhatValuesRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		rev, obj := thingObject(t, db)

		dec := decimal.RequireFromString
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
		rows := []map[string]any{
			{}, // every field NULL
			{"title": "", "tags": []string{}, "amount": dec("0"), "big": dec("0"), "qty": dec("0"), "pct": dec("0.00"),
				"done": false, "day": day(1, 1, 1), "at": time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
			{"title": "héllo \"wörld\" 🎉", "notes": "line\nbreak", "mail": "a@b.example", "phone": "+1 555", "site": "https://x.example/?a=1&b=<2>",
				"stage": "b", "tags": []string{"a", "b"}, "amount": dec("1000"), "big": dec("123456789012.5"),
				"qty": dec("1000000"), "pct": dec("12.5"), "day": day(9999, 12, 31), "at": time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
				"done": true, "ref": "R-1", "seq": "T-001"},
			{"amount": dec("-12.05"), "big": dec("-0.000001"), "qty": dec("-7"), "pct": dec("-0.01"), "day": day(2024, 2, 29),
				"at": time.Date(2024, 3, 1, 8, 30, 0, 123456000, time.UTC), "tags": []string{"b"}},
			{"amount": dec("10"), "big": dec("100000"), "qty": dec("10000"), "pct": dec("100")},
		}
		var ids []string
		for i, fields := range rows {
			rec := records.Record{}
			for _, c := range obj.Columns {
				rec[c.Name] = nil
			}
			for k, v := range fields {
				rec[k] = v
			}
			id := uuid.Must(uuid.NewV7()).String()
			ids = append(ids, id)
			now := time.Date(2025, 1, 2, 3, 4, 5, int(i)*1000, time.UTC)
			rec[compiled.ColID], rec[compiled.ColCreatedAt], rec[compiled.ColUpdatedAt], rec[compiled.ColVersion] = id, now, now, int64(i+1)
			if i == 2 {
				rec["parent"] = ids[0]
			}
			args, err := records.RowArgs(rev, obj.Columns, rec)
			require.NoError(t, err)
			_, err = db.Exec(ctx, obj.InsertSQL, args...)
			require.NoError(t, err)
		}

		q := "SELECT " + obj.SelectList + " FROM " + obj.Table + " ORDER BY " + `"id"`
		old, err := db.Query(ctx, q)
		require.NoError(t, err)
		var want []records.Record
		for old.Next() {
			want = append(want, scanValues(t, rev, old, obj.Columns))
		}
		require.NoError(t, old.Err())
		old.Close()

		cur, err := db.Query(ctx, q)
		require.NoError(t, err)
		defer cur.Close()
		scan := records.NewRowScanner(rev.Dialect, obj.Columns)
		var got []records.Record
		for cur.Next() {
			rec, err := scan(cur)
			require.NoError(t, err)
			got = append(got, rec)
		}
		require.NoError(t, cur.Err())
		require.Len(t, got, len(rows))
		for i := range want {
			for _, c := range obj.Columns {
				assert.Equal(t, want[i][c.Name], got[i][c.Name], "row %d column %s", i, c.Name)
			}
		}
		// Each row has its own lists: scanning the next row must not change
		// the previous one's.
		assert.Equal(t, []string{"a", "b"}, got[2]["tags"])
		assert.Equal(t, []string{}, got[1]["tags"])
		assert.Nil(t, got[0]["tags"])
	})
}

// TestListReadsOnlyTheFields: a list limited to some fields reads id,
// version, those fields and the sort keys, and its cursor still pages
// through every record in order.
func TestListReadsOnlyTheFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		rev, obj := thingObject(t, db)
		svc := records.New(db)
		for _, amount := range []string{"5", "1", "4", "2", "3"} {
			_, err := svc.Create(ctx, rev, obj, records.Actor{}, map[string]any{"title": "t" + amount, "amount": amount, "notes": "n"})
			require.NoError(t, err)
		}
		var titles []string
		q := records.ListQuery{Fields: []string{"title"}, Sort: "-amount", Limit: 2}
		for page := 0; page < 5; page++ {
			res, err := svc.List(ctx, rev, obj, q)
			require.NoError(t, err)
			for _, rec := range res.Records {
				keys := make([]string, 0, len(rec))
				for k := range rec {
					keys = append(keys, k)
				}
				assert.ElementsMatch(t, []string{"id", "version", "title", "amount"}, keys)
				titles = append(titles, rec["title"].(string))
			}
			if res.NextCursor == "" {
				break
			}
			q.Cursor = res.NextCursor
		}
		assert.Equal(t, []string{"t5", "t4", "t3", "t2", "t1"}, titles)

		res, err := svc.List(ctx, rev, obj, records.ListQuery{Limit: 1})
		require.NoError(t, err)
		assert.Len(t, res.Records[0], len(obj.Columns), "without fields, every column")
	})
}
