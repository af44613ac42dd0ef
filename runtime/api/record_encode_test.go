package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

// recordMap is how records were shaped before record_encode.go: a map
// written by encodeJSON (encoding/json, no HTML escaping), instants in
// metadata.DateTimeLayout. The encoder must write the same members with
// the same bytes.
func recordMap(obj *compiled.Object, rec records.Record, fields []string) map[string]any {
	out := make(map[string]any, len(obj.Columns))
	put := func(c *compiled.Column) {
		v := rec[c.Name]
		if v != nil && c.Field != nil {
			if enc, ok := c.Field.TypeOf().(metadata.Encoder); ok {
				v = enc.EncodeJSON(c.Field, v)
			}
		}
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(metadata.DateTimeLayout)
		}
		out[c.Name] = v
	}
	if w := rec.Warnings(); len(w) > 0 {
		out["_warnings"] = w
	}
	if len(fields) == 0 {
		for _, c := range obj.Columns {
			put(c)
		}
		return out
	}
	for _, name := range append([]string{compiled.ColID, compiled.ColVersion}, fields...) {
		if c, ok := obj.Column(name); ok {
			put(c)
		}
	}
	return out
}

// hostileStrings are texts that JSON must escape, or must not: quotes,
// backslashes, every control character, HTML, invalid UTF-8, the line and
// paragraph separators, non-characters, astral characters.
var hostileStrings = func() []string {
	s := []string{
		"", "plain", `"quoted"`, `back\slash`, `\"`, "<script>alert('x')</script> & co",
		"tab\there\nnew\rline\b\f", "\x00nul", "\x7f del", "\u2028\u2029 separators", "é ü 中文 🎉",
		"\xff", "a\xffb", "\xc3", "\xc3(", "\xe2\x82", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 beyond",
		"\uFFFD replacement", "\uFEFF bom", "\uFFFE non-character", "\u0085 nel", "end\\",
		strings.Repeat("long ", 500),
	}
	for b := 0; b < 0x20; b++ {
		s = append(s, fmt.Sprintf("c%cc", b))
	}
	return s
}()

// encodeFixture is an object with a field of every registered type (the
// known ones with the settings they need, any other with none), some with
// explicit scales.
func encodeFixture(t testing.TB) *compiled.Object {
	t.Helper()
	scale := func(n int) *int { return &n }
	settings := map[string]metadata.Settings{
		"picklist":       {Values: []metadata.PicklistValue{{Value: "a"}, {Value: "<b>"}}},
		"multi_picklist": {Values: []metadata.PicklistValue{{Value: "a"}, {Value: "<b>"}}},
		"lookup":         {Target: "account"},
		"auto_number":    {Format: "N-{0000}"},
	}
	o := &metadata.Object{ID: "o-thing", Name: "thing"}
	for _, name := range metadata.FieldTypeNames() {
		f := &metadata.Field{ID: "f-" + name, Name: "f_" + name, Type: name, Settings: settings[name]}
		if !fieldUsable(f) {
			t.Logf("field type %s needs settings this test does not know; not covered", name)
			continue
		}
		o.Fields = append(o.Fields, f)
	}
	o.Fields = append(o.Fields,
		&metadata.Field{ID: "f-money4", Name: "money4", Type: "currency", Settings: metadata.Settings{Precision: 18, Scale: scale(4)}},
		&metadata.Field{ID: "f-whole", Name: "whole", Type: "number", Settings: metadata.Settings{Precision: 18, Scale: scale(0)}},
		&metadata.Field{ID: "f-pct6", Name: "pct6", Type: "percent", Settings: metadata.Settings{Precision: 12, Scale: scale(6)}},
	)
	return compiled.CompileObject(dialect.Postgres{}, "t", o)
}

// fieldUsable reports whether a field of an unknown type can be described
// without settings.
func fieldUsable(f *metadata.Field) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = dialect.ColumnOf(f)
	return true
}

// valuesOf are canonical values of a column's kind, nil first.
func valuesOf(c *compiled.Column) []any {
	vs := []any{nil}
	switch c.Type.Kind {
	case metadata.KindText:
		for _, s := range hostileStrings {
			vs = append(vs, s)
		}
	case metadata.KindID:
		vs = append(vs, "0190f3c2-7b1e-7c3a-9d4e-2f1a0b9c8d7e", "00000000-0000-0000-0000-000000000000")
	case metadata.KindDecimal:
		for _, s := range []string{"0", "-0", "12.5", "-12.345", "1000", "1e3", "0.0001", "-0.00001", "99999999999999.99",
			"123456789012345678901234567890.123456789", "0.005", "-0.005"} {
			vs = append(vs, decimal.RequireFromString(s))
		}
		vs = append(vs, decimal.New(1, 3), decimal.New(-15, -1), decimal.NewFromInt(math.MaxInt64))
	case metadata.KindInteger:
		vs = append(vs, int64(0), int64(1), int64(-1), int64(math.MaxInt64), int64(math.MinInt64))
	case metadata.KindBool:
		vs = append(vs, true, false)
	case metadata.KindDate:
		vs = append(vs, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	case metadata.KindDateTime:
		tokyo := time.FixedZone("JST", 9*3600)
		vs = append(vs, time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC), time.Date(2024, 3, 1, 8, 30, 0, 123456000, time.UTC),
			time.Date(2024, 3, 1, 8, 30, 0, 100000000, tokyo), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(2024, 3, 1, 8, 30, 0, 1, time.UTC))
	case metadata.KindStrings:
		vs = append(vs, []string(nil), []string{}, []string{"a"}, []string{"a", "<b>"}, hostileStrings)
	}
	return vs
}

// encodedRecords are records of the fixture that, together, give every
// column each of its values.
func encodedRecords(obj *compiled.Object) []records.Record {
	n := 0
	vals := make([][]any, len(obj.Columns))
	for i, c := range obj.Columns {
		vals[i] = valuesOf(c)
		n = max(n, len(vals[i]))
	}
	out := make([]records.Record, n)
	for r := range out {
		rec := records.Record{}
		for i, c := range obj.Columns {
			rec[c.Name] = vals[i][(r+i)%len(vals[i])]
		}
		if r%3 == 1 {
			rec["_warnings"] = []records.Warning{{Rule: "big", Field: "f_currency", Message: hostileStrings[r%len(hostileStrings)]}, {Index: 2, Rule: "x > 5 && y < 3", Message: "a > b"}}
		}
		out[r] = rec
	}
	return out
}

// assertSameJSON checks that got is one JSON object with the members of
// the columns in order (then _warnings), each written with exactly the
// bytes encodeJSON writes for the old map form.
func assertSameJSON(t testing.TB, obj *compiled.Object, rec records.Record, fields []string, got []byte) {
	t.Helper()
	want, err := encodeJSON(recordMap(obj, rec, fields))
	require.NoError(t, err)
	require.True(t, json.Valid(got), "invalid JSON: %s", got)

	var wantMembers, gotMembers map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(want, &wantMembers))
	require.NoError(t, json.Unmarshal(got, &gotMembers))
	require.Equal(t, len(wantMembers), len(gotMembers), "members of %s", got)
	for k, w := range wantMembers {
		if !bytes.Equal(w, gotMembers[k]) {
			t.Fatalf("member %q: want %s, got %s", k, w, gotMembers[k])
		}
	}
	// Member order: the encoder's columns, without duplicates, then
	// _warnings.
	dec := json.NewDecoder(bytes.NewReader(got))
	_, _ = dec.Token()
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	var wantKeys []string
	for _, ec := range newRecordEncoder(obj, nil, fields).cols {
		wantKeys = append(wantKeys, ec.col.Name)
	}
	if len(rec.Warnings()) > 0 {
		wantKeys = append(wantKeys, "_warnings")
	}
	require.Equal(t, wantKeys, keys)
}

func TestRecordEncoderMatchesEncodingJSON(t *testing.T) {
	obj := encodeFixture(t)
	covered := map[string]bool{}
	for _, f := range obj.Meta.Fields {
		covered[f.Type] = true
	}
	for _, name := range []string{"text", "long_text", "email", "phone", "url", "picklist", "multi_picklist", "currency",
		"number", "percent", "date", "datetime", "boolean", "lookup", "external_id", "auto_number"} {
		assert.True(t, covered[name], "field type %s is covered", name)
	}
	selections := [][]string{nil, {"f_text"}, {"f_currency", "id", "f_date", "f_currency"}, {"version"}, {"f_multi_picklist", "created_at", "money4"}}
	for i, rec := range encodedRecords(obj) {
		for _, fields := range selections {
			got, err := newRecordEncoder(obj, nil, fields).appendRecord(nil, rec)
			require.NoError(t, err)
			t.Run(fmt.Sprintf("record %d fields %v", i, fields), func(t *testing.T) {
				assertSameJSON(t, obj, rec, fields, got)
			})
		}
	}
}

func TestRecordEncoderAppends(t *testing.T) {
	obj := encodeFixture(t)
	rec := encodedRecords(obj)[1]
	prefix := []byte(`{"x":`)
	got, err := newRecordEncoder(obj, nil, []string{"f_text"}).appendRecord(prefix, rec)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(got, prefix))
	assert.True(t, json.Valid(append(got, '}')))
}

func TestRecordEncoderInstants(t *testing.T) {
	obj := encodeFixture(t)
	at := time.Date(2024, 3, 1, 8, 30, 0, 0, time.FixedZone("X", 3600))
	rec := records.Record{"id": "0190f3c2-7b1e-7c3a-9d4e-2f1a0b9c8d7e", "version": int64(3), "created_at": at,
		"f_datetime": at.Add(123456 * time.Microsecond), "f_date": time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}
	got, err := newRecordEncoder(obj, nil, []string{"created_at", "f_datetime", "f_date"}).appendRecord(nil, rec)
	require.NoError(t, err)
	assert.Equal(t, `{"id":"0190f3c2-7b1e-7c3a-9d4e-2f1a0b9c8d7e","created_at":"2024-03-01T07:30:00.000000Z","version":3,`+
		`"f_date":"2024-02-29","f_datetime":"2024-03-01T07:30:00.123456Z"}`, string(got))
}

func TestRecordEncoderRefusesBadNumbers(t *testing.T) {
	for _, n := range []string{"1.", "01x", "-", "1e", "NaN", ".5", "+1"} {
		_, err := appendJSONValue(nil, json.Number(n))
		assert.Error(t, err, n)
		_, jerr := encodeJSON(json.Number(n))
		assert.Error(t, jerr, "encoding/json refuses %q too", n)
	}
	for _, n := range []string{"0", "-0", "1.5", "1e3", "-1.25E-7", "10"} {
		got, err := appendJSONValue(nil, json.Number(n))
		require.NoError(t, err)
		assert.Equal(t, n, string(got))
	}
	got, err := appendJSONValue(nil, json.Number(""))
	require.NoError(t, err)
	want, _ := encodeJSON(json.Number(""))
	assert.Equal(t, string(want), string(got))
}

// FuzzRecordEncoder writes records of fuzzed texts, lists, numbers,
// instants and warnings and compares them with encoding/json of the old
// map form.
func FuzzRecordEncoder(f *testing.F) {
	for _, s := range hostileStrings[:24] {
		f.Add(s, int64(1250), int32(-2), int64(1709281800123456), true)
	}
	f.Add("\xed\xa0\x80", int64(-5), int32(7), int64(-62135596800000000), false)
	obj := encodeFixture(f)
	f.Fuzz(func(t *testing.T, s string, n int64, exp int32, micros int64, b bool) {
		exp %= 40
		at := time.UnixMicro(micros).UTC()
		if y := at.Year(); y < 1 || y > 9999 {
			at = time.UnixMicro(micros % 1e15).UTC()
		}
		rec := records.Record{}
		for _, c := range obj.Columns {
			switch c.Type.Kind {
			case metadata.KindText, metadata.KindID:
				rec[c.Name] = s
			case metadata.KindDecimal:
				rec[c.Name] = decimal.New(n, exp)
			case metadata.KindInteger:
				rec[c.Name] = n
			case metadata.KindBool:
				rec[c.Name] = b
			case metadata.KindDate:
				rec[c.Name] = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
			case metadata.KindDateTime:
				rec[c.Name] = at
			case metadata.KindStrings:
				rec[c.Name] = []string{s, s + "x", ""}
			}
		}
		if b {
			rec["_warnings"] = []records.Warning{{Rule: s, Field: s, Message: s}}
		}
		for _, fields := range [][]string{nil, {"f_text", "f_multi_picklist"}} {
			got, err := newRecordEncoder(obj, nil, fields).appendRecord(nil, rec)
			require.NoError(t, err)
			assertSameJSON(t, obj, rec, fields, got)
		}
	})
}

func BenchmarkRecordEncoder(b *testing.B) {
	obj := encodeFixture(b)
	recs := encodedRecords(obj)[:20]
	b.Run("encoder", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			e := newRecordEncoder(obj, nil, nil)
			buf = buf[:0]
			for _, r := range recs {
				var err error
				if buf, err = e.appendRecord(buf, r); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("map+encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make([]map[string]any, len(recs))
			for i, r := range recs {
				out[i] = recordMap(obj, r, nil)
			}
			if _, err := encodeJSON(out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
