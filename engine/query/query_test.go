package query_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/query"
	"github.com/mosaic-paas/mosaic/metadata"
)

const schema = "t_acme"

var (
	sqlite   = dialect.SQLite{}
	postgres = dialect.Postgres{}
)

const someID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

func intp(n int) *int { return &n }

func values(vs ...string) []metadata.PicklistValue {
	out := make([]metadata.PicklistValue, len(vs))
	for i, v := range vs {
		out[i] = metadata.PicklistValue{Value: v}
	}
	return out
}

// deal is an object with a field of every sortable kind.
func deal() *metadata.Object {
	return &metadata.Object{ID: "o-deal", Name: "deal", Fields: []*metadata.Field{
		{ID: "f-name", Name: "name", Type: "text"},
		{ID: "f-amount", Name: "amount", Type: "currency", Settings: metadata.Settings{Scale: intp(2)}},
		{ID: "f-qty", Name: "qty", Type: "number"},
		{ID: "f-disc", Name: "discount", Type: "percent", Settings: metadata.Settings{Scale: intp(4)}},
		{ID: "f-close", Name: "close_date", Type: "date"},
		{ID: "f-closed", Name: "closed_at", Type: "datetime"},
		{ID: "f-won", Name: "won", Type: "boolean"},
		{ID: "f-acc", Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "deal"}},
		{ID: "f-stage", Name: "stage", Type: "picklist", Settings: metadata.Settings{Values: values("open", "won")}},
		{ID: "f-num", Name: "number", Type: "auto_number", Settings: metadata.Settings{Format: "D-{0000}"}},
		{ID: "f-tags", Name: "tags", Type: "multi_picklist", Settings: metadata.Settings{Values: values("a", "b")}},
	}}
}

func object(d dialect.Dialect) *compiled.Object { return compiled.CompileObject(d, schema, deal()) }

func column(t testing.TB, o *compiled.Object, name string) *compiled.Column {
	t.Helper()
	c, ok := o.Column(name)
	require.True(t, ok, name)
	return c
}

// sortText writes keys back as a spec, for comparing.
func sortText(keys []query.Sort) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Column.Name
		if k.Desc {
			parts[i] = "-" + parts[i]
		}
	}
	return strings.Join(parts, ",")
}

func TestParseSort(t *testing.T) {
	o := object(sqlite)
	tests := []struct {
		spec string
		want string
	}{
		{"", ""},
		{"   ", ""},
		{"name", "name"},
		{"-amount,name", "-amount,name"},
		{"+amount", "amount"},
		{" -amount , +name ", "-amount,name"},
		{"id", "id"},
		{"-id", "-id"},
		{"amount,-id", "amount,-id"},
		{"-created_at,version", "-created_at,version"},
		{"name,amount,close_date,closed_at,won", "name,amount,close_date,closed_at,won"},
		{"name,amount,close_date,closed_at,id", "name,amount,close_date,closed_at,id"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			keys, err := query.ParseSort(tt.spec, o.Column)
			require.NoError(t, err)
			assert.Equal(t, tt.want, sortText(keys))
			for _, k := range keys {
				assert.Same(t, column(t, o, k.Column.Name), k.Column)
			}
		})
	}
}

func TestParseSortErrors(t *testing.T) {
	o := object(sqlite)
	tests := []struct {
		spec, msg string
	}{
		{"nope", `cannot sort by unknown field "nope"`},
		{"id,name", `id must be the last sort key`},
		{"id,nope", `id must be the last sort key`},
		{"name,-nope", `cannot sort by unknown field "nope"`},
		{"Name", `unknown field "Name"`},
		{"name,", `unknown field ""`},
		{",name", `unknown field ""`},
		{"-", `unknown field ""`},
		{"--name", `unknown field "-name"`},
		{"+-name", `unknown field "-name"`},
		{"- name", `unknown field " name"`},
		{"name,name", `field "name" appears twice in sort`},
		{"amount,-amount", `field "amount" appears twice in sort`},
		{"-name,+name", `field "name" appears twice in sort`},
		{"name,amount,close_date,closed_at,won,stage", "sort by at most 5 fields"},
		{"name,amount,close_date,closed_at,won,id", "sort by at most 5 fields"},
		{"a,b,c,d,e,f", "sort by at most 5 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			keys, err := query.ParseSort(tt.spec, o.Column)
			require.Error(t, err)
			assert.Nil(t, keys)
			assert.ErrorIs(t, err, query.ErrInvalid)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}

	// The resolver decides what may be sorted on.
	hidden := func(name string) (*compiled.Column, bool) {
		if name == "amount" {
			return nil, false
		}
		return o.Column(name)
	}
	_, err := query.ParseSort("name,-amount", hidden)
	assert.ErrorIs(t, err, query.ErrInvalid)
	assert.Contains(t, err.Error(), `"amount"`)
}

func TestKeys(t *testing.T) {
	o := object(sqlite)
	tests := []struct{ spec, want string }{
		{"", "id"},
		{"-amount", "-amount,id"},
		{"-amount,name", "-amount,name,id"},
		{"amount,-id", "amount,-id"},
		{"-id", "-id"},
	}
	for _, tt := range tests {
		sorts, err := query.ParseSort(tt.spec, o.Column)
		require.NoError(t, err)
		// Spare capacity must not let Keys write into the caller's slice.
		sorts = append(make([]query.Sort, 0, 8), sorts...)
		s := &query.Select{Object: o, Sorts: sorts}
		assert.Equal(t, tt.want, sortText(s.Keys()), tt.spec)
		assert.Equal(t, tt.spec, sortText(s.Sorts), "Sorts unchanged")
		assert.Len(t, s.Sorts, len(sorts))
		if cap(s.Sorts) > len(s.Sorts) {
			assert.Nil(t, s.Sorts[:len(s.Sorts)+1][len(s.Sorts)].Column, "nothing written past Sorts")
		}
	}
}

func cols(t *testing.T, o *compiled.Object, names ...string) []*compiled.Column {
	out := make([]*compiled.Column, len(names))
	for i, n := range names {
		out[i] = column(t, o, n)
	}
	return out
}

func sorts(t *testing.T, o *compiled.Object, spec string) []query.Sort {
	t.Helper()
	s, err := query.ParseSort(spec, o.Column)
	require.NoError(t, err)
	return s
}

func TestSelectSQL(t *testing.T) {
	tests := []struct {
		name      string
		d         dialect.Dialect
		where     string
		whereArgs []any
		sort      string
		limit     int
		want      string
	}{
		{
			name: "no filter, default order and limit", d: sqlite,
			want: `SELECT "id", "name", "amount" FROM "t_acme__deal" ORDER BY "id" ASC NULLS LAST LIMIT 51`,
		},
		{
			name: "postgres", d: postgres, limit: 10,
			want: `SELECT "id", "name", "amount" FROM "t_acme"."deal" ORDER BY "id" ASC NULLS LAST LIMIT 11`,
		},
		{
			name: "filter", d: sqlite, where: `"amount" > ?1 OR "won" = ?2`, whereArgs: []any{int64(100), int64(1)}, limit: 1,
			want: `SELECT "id", "name", "amount" FROM "t_acme__deal" WHERE ("amount" > ?1 OR "won" = ?2) ORDER BY "id" ASC NULLS LAST LIMIT 2`,
		},
		{
			name: "sort", d: postgres, sort: "-amount,name", limit: 200,
			want: `SELECT "id", "name", "amount" FROM "t_acme"."deal" ORDER BY "amount" DESC NULLS FIRST, "name" ASC NULLS LAST, "id" ASC NULLS LAST LIMIT 201`,
		},
		{
			name: "explicit id direction", d: postgres, sort: "name,-id", limit: 50,
			want: `SELECT "id", "name", "amount" FROM "t_acme"."deal" ORDER BY "name" ASC NULLS LAST, "id" DESC NULLS FIRST LIMIT 51`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := object(tt.d)
			s := &query.Select{Object: o, Visible: query.Unrestricted(), Columns: cols(t, o, "id", "name", "amount"), Where: tt.where, WhereArgs: tt.whereArgs,
				Sorts: sorts(t, o, tt.sort), Limit: tt.limit}
			q, args, err := s.SQL(tt.d)
			require.NoError(t, err)
			assert.Equal(t, tt.want, q)
			assert.Equal(t, tt.whereArgs, args)
		})
	}
}

func TestSelectLimit(t *testing.T) {
	o := object(sqlite)
	for limit, want := range map[int]string{-5: " LIMIT 51", 0: " LIMIT 51", 1: " LIMIT 2", 50: " LIMIT 51", 200: " LIMIT 201"} {
		q, _, err := (&query.Select{Object: o, Visible: query.Unrestricted(), Columns: o.Columns, Limit: limit}).SQL(sqlite)
		require.NoError(t, err)
		assert.True(t, strings.HasSuffix(q, want), "limit %d: %s", limit, q)
	}
}

func TestCountSQL(t *testing.T) {
	o := object(sqlite)
	q, args, err := (&query.Select{Object: o, Visible: query.Unrestricted()}).CountSQL()
	require.NoError(t, err)
	assert.Equal(t, `SELECT count(*) FROM "t_acme__deal"`, q)
	assert.Empty(t, args)

	o = object(postgres)
	s := &query.Select{Object: o, Visible: query.Unrestricted(), Where: `"amount" > $1`, WhereArgs: []any{"100"}, Sorts: sorts(t, o, "-amount"),
		After: &query.Cursor{Values: []any{decimal.RequireFromString("5"), someID}}, Limit: 5}
	q, args, err = s.CountSQL()
	require.NoError(t, err)
	assert.Equal(t, `SELECT count(*) FROM "t_acme"."deal" WHERE ("amount" > $1)`, q, "the cursor does not narrow the count")
	assert.Equal(t, []any{"100"}, args)

	s.Visible = query.Restricted(`"owner_id" = $1`, []any{someID})
	s.Where, s.WhereArgs = `"amount" > $2`, []any{"100"}
	q, args, err = s.CountSQL()
	require.NoError(t, err)
	assert.Equal(t, `SELECT count(*) FROM "t_acme"."deal" WHERE ("owner_id" = $1) AND ("amount" > $2)`, q)
	assert.Equal(t, []any{someID, "100"}, args)
}

// TestSelectNeedsVisibility checks that a list or count built without the
// caller's record visibility is refused rather than reading every record.
func TestSelectNeedsVisibility(t *testing.T) {
	o := object(sqlite)
	_, _, err := (&query.Select{Object: o, Columns: o.Columns}).SQL(sqlite)
	assert.ErrorIs(t, err, query.ErrNoVisibility)
	_, _, err = (&query.Select{Object: o}).CountSQL()
	assert.ErrorIs(t, err, query.ErrNoVisibility)
}

// TestKeysetPredicate pins the "after the cursor" predicate for every
// combination of direction and NULL cursor value, with NULLs last ascending
// and first descending, and the cursor's arguments numbered after the
// filter's.
func TestKeysetPredicate(t *testing.T) {
	amount := decimal.RequireFromString("12.50")
	tests := []struct {
		name   string
		sort   string
		values []any
		sqlite string
		args   []any // SQLite arguments after the filter's
		pg     string
		pgArgs []any
	}{
		{
			name: "asc, value", sort: "amount", values: []any{amount, someID},
			sqlite: `((("amount" > ?3 OR "amount" IS NULL)) OR ("amount" = ?3 AND ("id" > ?4 OR "id" IS NULL)))`,
			args:   []any{int64(1250), someID},
			pg:     `((("amount" > $3 OR "amount" IS NULL)) OR ("amount" = $3 AND ("id" > $4 OR "id" IS NULL)))`,
			pgArgs: []any{"12.5", someID},
		},
		{
			name: "asc, NULL", sort: "amount", values: []any{nil, someID},
			sqlite: `(("amount" IS NULL AND ("id" > ?3 OR "id" IS NULL)))`,
			args:   []any{someID},
			pg:     `(("amount" IS NULL AND ("id" > $3 OR "id" IS NULL)))`,
			pgArgs: []any{someID},
		},
		{
			name: "desc, value", sort: "-amount", values: []any{amount, someID},
			sqlite: `(("amount" < ?3) OR ("amount" = ?3 AND ("id" > ?4 OR "id" IS NULL)))`,
			args:   []any{int64(1250), someID},
			pg:     `(("amount" < $3) OR ("amount" = $3 AND ("id" > $4 OR "id" IS NULL)))`,
			pgArgs: []any{"12.5", someID},
		},
		{
			name: "desc, NULL", sort: "-amount", values: []any{nil, someID},
			sqlite: `(("amount" IS NOT NULL) OR ("amount" IS NULL AND ("id" > ?3 OR "id" IS NULL)))`,
			args:   []any{someID},
			pg:     `(("amount" IS NOT NULL) OR ("amount" IS NULL AND ("id" > $3 OR "id" IS NULL)))`,
			pgArgs: []any{someID},
		},
		{
			name: "desc id", sort: "-amount,-id", values: []any{amount, someID},
			sqlite: `(("amount" < ?3) OR ("amount" = ?3 AND "id" < ?4))`,
			args:   []any{int64(1250), someID},
			pg:     `(("amount" < $3) OR ("amount" = $3 AND "id" < $4))`,
			pgArgs: []any{"12.5", someID},
		},
		{
			name: "id only", sort: "", values: []any{someID},
			sqlite: `((("id" > ?3 OR "id" IS NULL)))`,
			args:   []any{someID},
			pg:     `((("id" > $3 OR "id" IS NULL)))`,
			pgArgs: []any{someID},
		},
		{
			name: "NULL desc, then value asc", sort: "-amount,name", values: []any{nil, "Acme", someID},
			sqlite: `(("amount" IS NOT NULL) OR ("amount" IS NULL AND ("name" > ?3 OR "name" IS NULL)) OR ("amount" IS NULL AND "name" = ?3 AND ("id" > ?4 OR "id" IS NULL)))`,
			args:   []any{"Acme", someID},
			pg:     `(("amount" IS NOT NULL) OR ("amount" IS NULL AND ("name" > $3 OR "name" IS NULL)) OR ("amount" IS NULL AND "name" = $3 AND ("id" > $4 OR "id" IS NULL)))`,
			pgArgs: []any{"Acme", someID},
		},
		{
			name: "value asc, then NULL asc", sort: "won,close_date", values: []any{true, nil, someID},
			sqlite: `((("won" > ?3 OR "won" IS NULL)) OR ("won" = ?3 AND "close_date" IS NULL AND ("id" > ?4 OR "id" IS NULL)))`,
			args:   []any{int64(1), someID},
			pg:     `((("won" > $3 OR "won" IS NULL)) OR ("won" = $3 AND "close_date" IS NULL AND ("id" > $4 OR "id" IS NULL)))`,
			pgArgs: []any{true, someID},
		},
		{
			// Only a made-up cursor has a NULL id; nothing sorts after it.
			name: "nothing after", sort: "amount", values: []any{nil, nil},
			sqlite: `1 = 0`, args: nil,
			pg: `1 = 0`, pgArgs: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				d     dialect.Dialect
				where string
				pred  string
				args  []any
			}{
				{sqlite, `"name" = ?1 OR "stage" = ?2`, tt.sqlite, tt.args},
				{postgres, `"name" = $1 OR "stage" = $2`, tt.pg, tt.pgArgs},
			} {
				o := object(c.d)
				s := &query.Select{Object: o, Visible: query.Unrestricted(), Columns: cols(t, o, "id"), Where: c.where, WhereArgs: []any{"x", "open"},
					Sorts: sorts(t, o, tt.sort), After: &query.Cursor{Values: tt.values}, Limit: 25}
				q, args, err := s.SQL(c.d)
				require.NoError(t, err)
				var order []string
				for _, k := range s.Keys() {
					order = append(order, k.Column.Quoted+c.d.NullsOrder(k.Desc))
				}
				want := `SELECT "id" FROM ` + o.Table + ` WHERE (` + c.where + `) AND ` + c.pred +
					` ORDER BY ` + strings.Join(order, ", ") + ` LIMIT 26`
				assert.Equal(t, want, q, c.d.Name())
				assert.Equal(t, append([]any{"x", "open"}, c.args...), args, c.d.Name())
				assert.Equal(t, []any{"x", "open"}, s.WhereArgs, "the filter's arguments are not changed")
			}
		})
	}
}

// TestKeysetWithoutFilter checks that the cursor's arguments start at 1
// when there is no filter.
func TestKeysetWithoutFilter(t *testing.T) {
	o := object(postgres)
	s := &query.Select{Object: o, Visible: query.Unrestricted(), Columns: cols(t, o, "id"), Sorts: sorts(t, o, "-closed_at"),
		After: &query.Cursor{Values: []any{nil, someID}}, Limit: 1}
	q, args, err := s.SQL(postgres)
	require.NoError(t, err)
	assert.Equal(t, `SELECT "id" FROM "t_acme"."deal" WHERE (("closed_at" IS NOT NULL) OR ("closed_at" IS NULL AND ("id" > $1 OR "id" IS NULL))) ORDER BY "closed_at" DESC NULLS FIRST, "id" ASC NULLS LAST LIMIT 2`, q)
	assert.Equal(t, []any{someID}, args)
}

func TestKeysetErrors(t *testing.T) {
	o := object(sqlite)
	tests := []struct {
		name   string
		sort   string
		values []any
	}{
		{"too few values", "amount", []any{someID}},
		{"too many values", "", []any{"x", someID}},
		{"no values", "", nil},
		{"more places than the scale", "amount", []any{decimal.RequireFromString("1.234"), someID}},
		{"wrong type", "won", []any{"yes", someID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &query.Select{Object: o, Visible: query.Unrestricted(), Columns: o.Columns, Sorts: sorts(t, o, tt.sort), After: &query.Cursor{Values: tt.values}}
			q, args, err := s.SQL(sqlite)
			require.Error(t, err)
			assert.ErrorIs(t, err, query.ErrInvalid)
			assert.Empty(t, q)
			assert.Nil(t, args)
		})
	}
}

func TestErrInvalidIsASentinel(t *testing.T) {
	_, err := query.ParseSort("nope", object(sqlite).Column)
	assert.True(t, errors.Is(err, query.ErrInvalid))
	assert.True(t, strings.HasPrefix(err.Error(), query.ErrInvalid.Error()+": "))
}
