package metadata

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func picklistField(typ string, vals ...PicklistValue) *Field {
	return &Field{Name: "stage", Type: typ, Settings: Settings{Values: vals}}
}

func TestPicklistNormalize(t *testing.T) {
	f := picklistField("picklist", PicklistValue{Value: "open"}, PicklistValue{Value: "won"},
		PicklistValue{Value: "old", Active: ptr(false)})
	runNormCases(t, f, []normCase{
		{"active", "won", "won", ""},
		{"explicitly active", "open", "open", ""},
		{"inactive", "old", nil, CodeInvalidChoice},
		{"unknown", "lost", nil, CodeInvalidChoice},
		{"case matters", "Won", nil, CodeInvalidChoice},
		{"empty", "", nil, CodeInvalidChoice},
		{"number", json.Number("1"), nil, CodeInvalidType},
		{"list", []any{"won"}, nil, CodeInvalidType},
	})
	_, verr := f.TypeOf().Normalize(f, "lost")
	require.NotNil(t, verr)
	assert.Equal(t, `"lost" is not one of the allowed values: "open", "won"`, verr.Message)
	_, verr = f.TypeOf().Normalize(f, "old")
	require.NotNil(t, verr)
	assert.Equal(t, `"old" can no longer be chosen; allowed values are: "open", "won"`, verr.Message)
}

func TestPicklistMessageTruncated(t *testing.T) {
	var vals []PicklistValue
	for i := range 25 {
		vals = append(vals, PicklistValue{Value: fmt.Sprintf("v%d", i)})
	}
	f := picklistField("picklist", vals...)
	_, verr := f.TypeOf().Normalize(f, "nope")
	require.NotNil(t, verr)
	assert.True(t, strings.HasSuffix(verr.Message, `"v9" … and 15 more`), verr.Message)
}

func TestPicklistSettings(t *testing.T) {
	for _, c := range []struct {
		name  string
		vals  []PicklistValue
		paths []string
	}{
		{"ok", []PicklistValue{{Value: "a", Default: true}, {Value: "b"}}, nil},
		{"no values", nil, []string{"settings.values"}},
		{"empty list", []PicklistValue{}, []string{"settings.values"}},
		{"empty value", []PicklistValue{{Value: "a"}, {Value: " "}}, []string{"settings.values.1.value"}},
		{"duplicate", []PicklistValue{{Value: "a"}, {Value: "b"}, {Value: "a"}}, []string{"settings.values.2.value"}},
		{"too long", []PicklistValue{{Value: strings.Repeat("x", 256)}}, []string{"settings.values.0.value"}},
		{"two defaults", []PicklistValue{{Value: "a", Default: true}, {Value: "b", Default: true}}, []string{"settings.values.1.default"}},
		{"inactive default", []PicklistValue{{Value: "a", Default: true, Active: ptr(false)}}, []string{"settings.values.0.default"}},
		{"too many", make1001Values(), []string{"settings.values"}},
	} {
		for _, typ := range []string{"picklist", "multi_picklist"} {
			t.Run(typ+"/"+c.name, func(t *testing.T) {
				f := picklistField(typ, c.vals...)
				assert.Equal(t, c.paths, problemPaths(f.TypeOf().ValidateSettings(f, nil)))
			})
		}
	}
}

func make1001Values() []PicklistValue {
	out := make([]PicklistValue, MaxPicklistValues+1)
	for i := range out {
		out[i].Value = fmt.Sprint(i)
	}
	return out
}

func TestDefaultPicklistValue(t *testing.T) {
	f := picklistField("picklist", PicklistValue{Value: "a"}, PicklistValue{Value: "b", Default: true})
	v, ok := f.DefaultPicklistValue()
	assert.True(t, ok)
	assert.Equal(t, "b", v)
	_, ok = picklistField("picklist", PicklistValue{Value: "a"}).DefaultPicklistValue()
	assert.False(t, ok)
	_, ok = picklistField("picklist", PicklistValue{Value: "a", Default: true, Active: ptr(false)}).DefaultPicklistValue()
	assert.False(t, ok, "an inactive value is never the default")
}

func TestPicklistJSONSchema(t *testing.T) {
	f := picklistField("picklist", PicklistValue{Value: "a"}, PicklistValue{Value: "b", Active: ptr(false)})
	assert.Equal(t, map[string]any{"type": "string", "enum": []any{"a"}}, f.TypeOf().JSONSchema(f))
	none := picklistField("picklist", PicklistValue{Value: "b", Active: ptr(false)})
	assertNotFitsSchema(t, none.TypeOf().JSONSchema(none), "b")
}

func TestMultiPicklistNormalize(t *testing.T) {
	f := picklistField("multi_picklist", PicklistValue{Value: "a"}, PicklistValue{Value: "b"},
		PicklistValue{Value: "c"}, PicklistValue{Value: "x", Active: ptr(false)})
	runNormCases(t, f, []normCase{
		{"definition order", []any{"c", "a"}, []string{"a", "c"}, ""},
		{"string slice", []string{"b", "a"}, []string{"a", "b"}, ""},
		{"empty", []any{}, []string{}, ""},
		{"duplicate", []any{"a", "b", "a"}, nil, CodeInvalidChoice},
		{"inactive", []any{"a", "x"}, nil, CodeInvalidChoice},
		{"unknown", []any{"z"}, nil, CodeInvalidChoice},
		{"not a string item", []any{"a", json.Number("1")}, nil, CodeInvalidType},
		{"a single string", "a", nil, CodeInvalidType},
	})
	_, verr := f.TypeOf().Normalize(f, []any{"a", "a"})
	require.NotNil(t, verr)
	assert.Equal(t, `"a" is chosen twice`, verr.Message)
	_, verr = f.TypeOf().Normalize(f, []any{"a", true})
	require.NotNil(t, verr)
	assert.Equal(t, `item 2 is a boolean; expected one of the allowed values as a string`, verr.Message)

	g := picklistField("multi_picklist", PicklistValue{Value: "a"})
	g.Unique = true
	assert.Equal(t, []string{"unique"}, problemPaths(g.TypeOf().ValidateSettings(g, nil)))
}

func TestMultiPicklistJSONSchema(t *testing.T) {
	f := picklistField("multi_picklist", PicklistValue{Value: "a"}, PicklistValue{Value: "b"})
	s := f.TypeOf().JSONSchema(f)
	assertFitsSchema(t, s, []string{"a", "b"})
	assertFitsSchema(t, s, []string{})
	assertNotFitsSchema(t, s, []string{"a", "a"})
	assertNotFitsSchema(t, s, []string{"c"})
}
