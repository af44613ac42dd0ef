package query_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/query"
)

const otherID = "0190a6f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// row is a record as the store reads it: canonical values by column name.
func row() map[string]any {
	return map[string]any{
		"id":          someID,
		"created_at":  time.Date(2024, 3, 1, 8, 30, 0, 123456000, time.UTC),
		"created_by":  otherID,
		"updated_at":  time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC),
		"updated_by":  otherID,
		"owner_id":    otherID,
		"version":     int64(3),
		"record_type": "lead",
		"name":        `Acme “Corp” "x" \ é`,
		"amount":      decimal.New(1250, -2),
		"qty":         dec("-7"),
		"discount":    decimal.New(1250, -4),
		"close_date":  time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		"closed_at":   time.Date(2024, 3, 1, 23, 59, 59, 999999000, time.UTC),
		"won":         true,
		"account":     otherID,
		"stage":       "open",
		"number":      "D-0001",
		"tags":        []string{"a", "b"},
	}
}

// keysOf returns the keys of a list sorted by spec: the sort and the id.
func keysOf(t testing.TB, o *compiled.Object, spec string) []query.Sort {
	t.Helper()
	s, err := query.ParseSort(spec, o.Column)
	require.NoError(t, err)
	return (&query.Select{Object: o, Sorts: s}).Keys()
}

// sameValue reports whether two canonical values are equal: decimals by
// value, times by instant in UTC, the rest exactly.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case decimal.Decimal:
		y, ok := b.(decimal.Decimal)
		return ok && x.Equal(y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && y.Location() == time.UTC
	}
	return reflect.DeepEqual(a, b)
}

// TestCursorRoundTrip encodes and decodes a cursor on every column, in both
// directions, with a value and with NULL where the column may be NULL: the
// decoded values are the row's canonical values, and a list query accepts
// them on both dialects.
func TestCursorRoundTrip(t *testing.T) {
	o := object(sqlite)
	for _, c := range o.Columns {
		for _, spec := range []string{c.Name, "-" + c.Name} {
			rows := map[string]map[string]any{"value": row()}
			if c.Name != compiled.ColID {
				r := row()
				r[c.Name] = nil
				rows["NULL"] = r
			}
			for what, r := range rows {
				t.Run(spec+" "+what, func(t *testing.T) {
					keys := keysOf(t, o, spec)
					s, err := query.EncodeCursor(spec, keys, r)
					require.NoError(t, err)
					got, err := query.DecodeCursor(s, spec, keys)
					require.NoError(t, err)
					require.Len(t, got.Values, len(keys))
					for i, k := range keys {
						want := r[k.Column.Name]
						assert.True(t, sameValue(want, got.Values[i]), "%s: want %#v, got %#v", k.Column.Name, want, got.Values[i])
					}
					for _, d := range []dialect.Dialect{sqlite, postgres} {
						do := object(d)
						sel := &query.Select{Object: do, Visible: query.Unrestricted(), Columns: do.Columns, Sorts: keysOf(t, do, spec), After: got}
						_, _, err := sel.SQL(d)
						require.NoError(t, err, d.Name())
					}
				})
			}
		}
	}
}

// wireOf decodes the JSON inside a cursor.
func wireOf(t *testing.T, cursor string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	require.NoError(t, err)
	return string(b)
}

// makeCursor builds a cursor by hand: the spec and raw JSON values.
func makeCursor(spec string, values ...string) string {
	raw := make([]json.RawMessage, len(values))
	for i, v := range values {
		raw[i] = json.RawMessage(v)
	}
	b, err := json.Marshal(map[string]any{"s": spec, "v": raw})
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestCursorWire pins the cursor's form: URL-safe base64 without padding of
// {"s": spec, "v": [values]}, with decimals exact at the field's scale,
// dates as YYYY-MM-DD and instants in UTC.
func TestCursorWire(t *testing.T) {
	o := object(sqlite)
	tests := []struct{ spec, want string }{
		{"-amount,close_date,closed_at", `{"s":"-amount,close_date,closed_at","v":[12.50,"2024-03-01","2024-03-01T23:59:59.999999Z","` + someID + `"]}`},
		{"discount,qty,won", `{"s":"discount,qty,won","v":[0.1250,-7,true,"` + someID + `"]}`},
		{"-created_at,version", `{"s":"-created_at,version","v":["2024-03-01T08:30:00.123456Z",3,"` + someID + `"]}`},
		{"name,tags", `{"s":"name,tags","v":["Acme “Corp” \"x\" \\ é",["a","b"],"` + someID + `"]}`},
		{"", `{"s":"","v":["` + someID + `"]}`},
	}
	for _, tt := range tests {
		s, err := query.EncodeCursor(tt.spec, keysOf(t, o, tt.spec), row())
		require.NoError(t, err)
		assert.NotContains(t, s, "=")
		assert.NotContains(t, s, "+")
		assert.NotContains(t, s, "/")
		assert.Equal(t, tt.want, wireOf(t, s), tt.spec)
	}

	// Instants in other zones are written in UTC.
	r := row()
	r["updated_at"] = time.Date(2024, 3, 1, 8, 0, 0, 500, time.FixedZone("", 8*3600))
	r["closed_at"] = time.Date(2024, 3, 1, 8, 0, 0, 0, time.FixedZone("", -3600))
	s, err := query.EncodeCursor("updated_at,closed_at", keysOf(t, o, "updated_at,closed_at"), r)
	require.NoError(t, err)
	assert.Equal(t, `{"s":"updated_at,closed_at","v":["2024-03-01T00:00:00.0000005Z","2024-03-01T09:00:00.000000Z","`+someID+`"]}`, wireOf(t, s))
}

// TestEncodeCursorError checks that a value JSON cannot write is an error.
func TestEncodeCursorError(t *testing.T) {
	o := object(sqlite)
	r := row()
	r["version"] = math.Inf(1)
	s, err := query.EncodeCursor("version", keysOf(t, o, "version"), r)
	assert.Error(t, err)
	assert.Empty(t, s)
}

// TestCursorOfAnotherSort checks that a cursor only continues the sort it
// was made for.
func TestCursorOfAnotherSort(t *testing.T) {
	o := object(sqlite)
	s, err := query.EncodeCursor("amount", keysOf(t, o, "amount"), row())
	require.NoError(t, err)
	for _, spec := range []string{"-amount", "", "name", "amount,name", "+amount", " amount"} {
		c, err := query.DecodeCursor(s, spec, keysOf(t, o, spec))
		assert.Nil(t, c, spec)
		require.ErrorIs(t, err, query.ErrInvalid, spec)
		assert.Contains(t, err.Error(), "another sort", spec)
	}
	// The same spec with other keys (a caller's mistake) is refused too.
	c, err := query.DecodeCursor(s, "amount", keysOf(t, o, "amount,name"))
	assert.Nil(t, c)
	assert.ErrorIs(t, err, query.ErrInvalid)
}

// TestCursorGarbage checks that anything that is not a cursor made by
// EncodeCursor for these keys is refused with ErrInvalid, never a panic,
// before it reaches the database.
func TestCursorGarbage(t *testing.T) {
	o := object(sqlite)
	spec := "-amount,close_date,closed_at,account,name"
	keys := keysOf(t, o, spec)
	good, err := query.EncodeCursor(spec, keys, row())
	require.NoError(t, err)
	valid := []string{"12.50", `"2024-03-01"`, `"2024-03-01T23:59:59.999999Z"`, `"` + otherID + `"`, `"Acme"`, `"` + someID + `"`}
	// with returns the valid values with the i-th replaced by v.
	with := func(i int, v string) string {
		vs := append([]string(nil), valid...)
		vs[i] = v
		return makeCursor(spec, vs...)
	}
	_, err = query.DecodeCursor(makeCursor(spec, valid...), spec, keys)
	require.NoError(t, err, "the hand-made cursor is valid")

	tests := map[string]string{
		"empty":               "",
		"not base64":          "!!!",
		"padded base64":       base64.URLEncoding.EncodeToString([]byte(wireOf(t, good))),
		"standard base64":     strings.NewReplacer("-", "+", "_", "/").Replace(good) + "*",
		"truncated":           good[:len(good)-3],
		"not JSON":            base64.RawURLEncoding.EncodeToString([]byte("hello")),
		"JSON null":           base64.RawURLEncoding.EncodeToString([]byte("null")),
		"JSON array":          base64.RawURLEncoding.EncodeToString([]byte("[1,2]")),
		"empty object":        base64.RawURLEncoding.EncodeToString([]byte("{}")),
		"values not a list":   base64.RawURLEncoding.EncodeToString([]byte(`{"s":"` + spec + `","v":{"a":1}}`)),
		"too few values":      makeCursor(spec, valid[:5]...),
		"too many values":     makeCursor(spec, append(valid, `"x"`)...),
		"amount not a number": with(0, `"x"`),
		"amount a boolean":    with(0, "true"),
		"amount too precise":  with(0, "12.505"),
		"amount too large":    with(0, "1e30"),
		"amount huge exp":     with(0, "1e999999999999"),
		"date not a date":     with(1, `"2024-13-01"`),
		"date a number":       with(1, "20240301"),
		"datetime no zone":    with(2, `"2024-03-01T23:59:59"`),
		"datetime garbage":    with(2, `"yesterday"`),
		"lookup not an id":    with(3, `"x"`),
		"lookup a number":     with(3, "1"),
		"text a number":       with(4, "1"),
		"text an object":      with(4, `{"a":1}`),
		"text with NUL":       with(4, `"a\u0000b"`),
		"id not an id":        with(5, `"x"`),
		"id quoted SQL":       with(5, `"'; DROP TABLE deal; --"`),
		"id a number":         with(5, "42"),
		"id NULL":             with(5, "null"),
	}
	for name, cursor := range tests {
		t.Run(name, func(t *testing.T) {
			require.NotPanics(t, func() {
				c, err := query.DecodeCursor(cursor, spec, keys)
				assert.Nil(t, c)
				assert.ErrorIs(t, err, query.ErrInvalid)
			})
		})
	}
}

// TestCursorOneKey checks tampered values of single keys, the system
// columns among them.
func TestCursorOneKey(t *testing.T) {
	o := object(sqlite)
	tests := []struct{ spec, value string }{
		{"version", "1.5"},
		{"version", `"3"`},
		{"created_at", `"x"`},
		{"created_at", "1"},
		{"created_by", `"not-a-uuid"`},
		{"won", `"true"`},
		{"won", "1"},
		{"tags", `["z"]`},
		{"tags", `["a","a"]`},
		{"tags", `"a"`},
		{"stage", "1"},
		{"number", "false"},
	}
	for _, tt := range tests {
		keys := keysOf(t, o, tt.spec)
		c, err := query.DecodeCursor(makeCursor(tt.spec, tt.value, `"`+someID+`"`), tt.spec, keys)
		assert.Nil(t, c, "%s %s", tt.spec, tt.value)
		assert.ErrorIs(t, err, query.ErrInvalid, "%s %s", tt.spec, tt.value)
	}
}

// TestCursorIDIsNormalized checks that an id in another accepted form
// decodes to the canonical lower-case form the store holds.
func TestCursorIDIsNormalized(t *testing.T) {
	o := object(sqlite)
	keys := keysOf(t, o, "account")
	c, err := query.DecodeCursor(makeCursor("account", `"`+strings.ToUpper(otherID)+`"`, `"{`+someID+`}"`), "account", keys)
	require.NoError(t, err)
	assert.Equal(t, []any{otherID, someID}, c.Values)
}

// FuzzDecodeCursor decodes any text as a cursor of a few sorts: it must
// never panic; what is refused is refused with ErrInvalid; and what is
// accepted builds a query on both dialects and survives another round trip
// unchanged. With the high bit of which set, the input is the JSON inside
// the cursor, so that mutations reach the values rather than the base64.
func FuzzDecodeCursor(f *testing.F) {
	specs := []string{"", "-amount,close_date", "closed_at,-won,name", "-created_at,version,-id", "account,tags", "discount,qty,stage,number"}
	objects := map[string]*compiled.Object{"sqlite": object(sqlite), "postgres": object(postgres)}
	o := objects["sqlite"]
	for i, spec := range specs {
		s, err := query.EncodeCursor(spec, keysOf(f, o, spec), row())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s, uint8(i))
		f.Add(s[:len(s)/2], uint8(i))
	}
	for i, spec := range specs {
		s, _ := query.EncodeCursor(spec, keysOf(f, o, spec), row())
		raw, _ := base64.RawURLEncoding.DecodeString(s)
		f.Add(string(raw), uint8(i)|0x80)
	}
	f.Add("", uint8(0))
	f.Add("e30", uint8(0))
	f.Add(makeCursor("", `"`+someID+`"`), uint8(0))
	f.Add(makeCursor("", `"x"`), uint8(0))
	f.Add(makeCursor("-amount,close_date", "1e99999", `"2024-02-30"`, `"`+someID+`"`), uint8(1))
	f.Add(makeCursor("account,tags", "null", `["b","a","a"]`, `"`+someID+`"`), uint8(4))

	f.Fuzz(func(t *testing.T, cursor string, which uint8) {
		if which&0x80 != 0 {
			cursor = base64.RawURLEncoding.EncodeToString([]byte(cursor))
		}
		spec := specs[int(which&0x7f)%len(specs)]
		keys := keysOf(t, o, spec)
		c, err := query.DecodeCursor(cursor, spec, keys)
		if err != nil {
			if !errors.Is(err, query.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			if c != nil {
				t.Fatal("a cursor with an error")
			}
			return
		}
		if len(c.Values) != len(keys) {
			t.Fatalf("%d values for %d keys", len(c.Values), len(keys))
		}
		for _, d := range []dialect.Dialect{sqlite, postgres} {
			do := objects[d.Name()]
			sel := &query.Select{Object: do, Visible: query.Unrestricted(), Columns: do.Columns, Sorts: keysOf(t, do, spec), After: c}
			if _, _, err := sel.SQL(d); err != nil {
				t.Fatalf("%s: an accepted cursor does not build a query: %v", d.Name(), err)
			}
		}
		r := map[string]any{}
		for i, k := range keys {
			r[k.Column.Name] = c.Values[i]
		}
		again, err := query.EncodeCursor(spec, keys, r)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		c2, err := query.DecodeCursor(again, spec, keys)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		for i := range keys {
			if !sameValue(c.Values[i], c2.Values[i]) {
				t.Fatalf("%s: %#v became %#v", keys[i].Column.Name, c.Values[i], c2.Values[i])
			}
		}
	})
}
