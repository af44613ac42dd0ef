package expression

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
)

func TestCheckDefault(t *testing.T) {
	field := func(name, typ, def string) *metadata.Field {
		f := &metadata.Field{Name: name, Type: typ, Default: def}
		if typ == "multi_picklist" || typ == "picklist" {
			f.Settings.Values = []metadata.PicklistValue{{Value: "a"}, {Value: "b"}}
		}
		if typ == "lookup" {
			f.Settings.Target = "account"
		}
		return f
	}
	tests := []struct {
		field *metadata.Field
		want  string
	}{
		{field("name", "text", `"Untitled"`), ""},
		{field("name", "text", `upper($user.role)`), ""},
		{field("email", "email", `$user.id + "@example.com"`), ""},
		{field("stage", "picklist", `"a"`), ""},
		{field("amount", "currency", `0`), ""},
		{field("amount", "currency", `12.50`), ""},
		{field("amount", "currency", `decimal("12.50")`), ""},
		{field("quantity", "number", `1`), ""},
		{field("rate", "percent", `0.15 * 100`), ""},
		{field("closed", "boolean", `false`), ""},
		{field("close_date", "date", `$today.AddDate(0, 1, 0)`), ""},
		{field("close_date", "date", `date("2026-01-01")`), ""},
		{field("reminder", "datetime", `$now + duration("24h")`), ""},
		{field("tags", "multi_picklist", `["a"]`), ""},
		{field("tags", "multi_picklist", `split("a,b", ",")`), ""},
		{field("owner", "lookup", `$user.id`), ""},
		{field("anything", "text", `first([1])`), ""}, // known at run time only
		{field("amount", "currency", `"abc"`), `default of field "amount" must be a number, but "abc" is a string`},
		{field("name", "text", `42`), `default of field "name" must be a string, but 42 is a number`},
		{field("closed", "boolean", `"yes"`), `default of field "closed" must be a boolean, but "yes" is a string`},
		{field("close_date", "date", `"2026-01-01"`), `default of field "close_date" must be a date, but "2026-01-01" is a string`},
		{field("reminder", "datetime", `$now - $today`), `default of field "reminder" must be a date and time, but $now - $today is a duration`},
		{field("tags", "multi_picklist", `"a"`), `default of field "tags" must be a list of strings, but "a" is a string`},
		{field("tags", "multi_picklist", `[1, 2] == [1]`), `default of field "tags" must be a list of strings, but [1, 2] == [1] is a boolean`},
		{field("name", "text", `$user`), `default of field "name" must be a string, but $user is a value of type expression.User`},
		{field("name", "text", `name + "x"`), "default of field \"name\": unknown name name (1:1)\n | name + \"x\"\n | ^"},
		{field("x", "no_such_type", `1`), `default of field "x": unknown field type "no_such_type"`},
	}
	for _, tt := range tests {
		t.Run(tt.field.Name+" "+tt.field.Default, func(t *testing.T) {
			err := Checker{}.CheckDefault(&metadata.Model{}, &metadata.Object{Name: "deal"}, tt.field)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestCheckDefaultLongSource(t *testing.T) {
	src := `"` + "abcdefghij" + "abcdefghij" + "abcdefghij" + "abcdefghij" + "abcdefghij" + "abcdefghij" + "abcdefghij" + `" == ""`
	err := Checker{}.CheckDefault(nil, nil, &metadata.Field{Name: "name", Type: "text", Default: src})
	require.Error(t, err)
	assert.Equal(t, `default of field "name" must be a string, but "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghi… is a boolean`, err.Error())
}

func TestCheckDefaultWrapsError(t *testing.T) {
	err := Checker{}.CheckDefault(nil, nil, &metadata.Field{Name: "name", Type: "text", Default: "Noo"})
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 1, e.Line)
	assert.Equal(t, 1, e.Column)
}

func TestValidateWithChecker(t *testing.T) {
	m := &metadata.Model{Objects: []*metadata.Object{{Name: "deal", Fields: []*metadata.Field{
		{Name: "title", Type: "text", Default: `"New deal"`},
		{Name: "closed", Type: "boolean", Default: `"no"`},
	}}}}
	ps := metadata.Validate(m, Checker{})
	require.Len(t, ps, 1)
	assert.Equal(t, "objects.deal.fields.closed.default", ps[0].Path)
	assert.Equal(t, metadata.ProblemInvalidExpr, ps[0].Code)
	assert.Equal(t, `default of field "closed" must be a boolean, but "no" is a string`, ps[0].Message)
}
