package metadata

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xeipuuv/gojsonschema"
)

// conformance is what every registered field type must provide to the
// conformance test: a minimal valid field, a good sample value (as decoded
// from JSON) and the settings that apply to the type.
type conformance struct {
	field    Field
	sample   any
	settings []string
}

func ptr[T any](v T) *T { return &v }

var conformanceCases = map[string]conformance{
	"text":        {Field{Type: "text"}, "hello", []string{"max_length"}},
	"long_text":   {Field{Type: "long_text"}, "line one\nline two", []string{"max_length"}},
	"email":       {Field{Type: "email"}, " ana@example.com ", nil},
	"phone":       {Field{Type: "phone"}, "+86 (10) 1234-5678", nil},
	"url":         {Field{Type: "url"}, "https://example.com/a?b=c", nil},
	"number":      {Field{Type: "number"}, json.Number("42"), []string{"precision", "scale"}},
	"currency":    {Field{Type: "currency"}, json.Number("12.50"), []string{"precision", "scale"}},
	"percent":     {Field{Type: "percent"}, "12.5", []string{"precision", "scale"}},
	"boolean":     {Field{Type: "boolean"}, true, nil},
	"date":        {Field{Type: "date"}, "2024-02-29", nil},
	"datetime":    {Field{Type: "datetime"}, "2024-03-01T08:30:00.1234567+08:00", nil},
	"external_id": {Field{Type: "external_id"}, "SAP:4711/a-b_c.d", []string{"max_length"}},
	"picklist": {Field{Type: "picklist", Settings: Settings{Values: []PicklistValue{
		{Value: "open"}, {Value: "won"}, {Value: "lost"},
	}}}, "won", []string{"values", "dependencies"}},
	"multi_picklist": {Field{Type: "multi_picklist", Settings: Settings{Values: []PicklistValue{
		{Value: "a"}, {Value: "b"}, {Value: "c"},
	}}}, []any{"c", "a"}, []string{"values", "dependencies"}},
	"lookup": {Field{Type: "lookup", Settings: Settings{Target: "account"}},
		"7C9E6679-7425-40DE-944B-E07FC1F90AE7", []string{"target", "on_delete"}},
	"auto_number": {Field{Type: "auto_number", Settings: Settings{Format: "INV-{0000}"}}, nil, []string{"format", "start"}},
	"formula": {Field{Type: "formula", Settings: Settings{Expression: "1 + 1", ResultType: "number"}}, nil,
		[]string{"expression", "result_type", "precision", "scale"}},
}

// conformanceModel holds the objects the minimal fields refer to.
var conformanceModel = &Model{Objects: []*Object{{Name: "account"}}}

// settingSamples sets each setting to a value that is valid for some type.
var settingSamples = map[string]func(*Settings){
	"max_length": func(s *Settings) { s.MaxLength = 10 },
	"precision":  func(s *Settings) { s.Precision = 10 },
	"scale":      func(s *Settings) { s.Scale = ptr(2) },
	"values":     func(s *Settings) { s.Values = []PicklistValue{{Value: "x"}} },
	"target":     func(s *Settings) { s.Target = "account" },
	"on_delete":  func(s *Settings) { s.OnDelete = OnDeleteCascade },
	"format":     func(s *Settings) { s.Format = "N-{000}" },
	"start":      func(s *Settings) { s.Start = 100 },
	"dependencies": func(s *Settings) {
		s.Dependencies = map[string][]string{"x": {"y"}}
	},
	"expression":  func(s *Settings) { s.Expression = "1 + 1" },
	"result_type": func(s *Settings) { s.ResultType = "number" },
	"child":       func(s *Settings) { s.Child = "line" },
	"lookup":      func(s *Settings) { s.Lookup = "order" },
	"function":    func(s *Settings) { s.Function = "sum" },
	"field":       func(s *Settings) { s.Field = "amount" },
	"filter":      func(s *Settings) { s.Filter = "true" },
}

// wrongJSON are values of each JSON type, as decoded from JSON.
var wrongJSON = map[string]any{
	"string":  "not-a-valid-value",
	"number":  json.Number("7"),
	"boolean": false,
	"array":   []any{},
	"object":  map[string]any{},
}

func schemaTypes(s map[string]any) map[string]bool {
	out := map[string]bool{}
	switch t := s["type"].(type) {
	case string:
		out[t] = true
	case []any:
		for _, e := range t {
			out[e.(string)] = true
		}
	}
	return out
}

// sameValue compares canonical values; decimals by value and exponent.
func sameValue(t *testing.T, want, got any) {
	t.Helper()
	if wd, ok := want.(decimal.Decimal); ok {
		gd, ok := got.(decimal.Decimal)
		require.True(t, ok, "want a decimal, got %T", got)
		assert.True(t, wd.Equal(gd), "want %s, got %s", wd, gd)
		assert.Equal(t, wd.Exponent(), gd.Exponent())
		return
	}
	assert.Equal(t, want, got)
}

func TestFieldTypeConformance(t *testing.T) {
	for _, name := range FieldTypeNames() {
		t.Run(name, func(t *testing.T) {
			c, ok := conformanceCases[name]
			require.True(t, ok, "field type %q has no conformance case: add one", name)
			typ, ok := LookupFieldType(name)
			require.True(t, ok)
			assert.Equal(t, name, typ.Name())
			f := c.field
			f.Name = "f"

			assert.Empty(t, typ.ValidateSettings(&f, conformanceModel), "minimal field must be valid")
			assert.NotZero(t, typ.Kind(&f))
			assert.Equal(t, typ.Kind(&f), f.Kind())

			schema := typ.JSONSchema(&f)
			require.NotEmpty(t, schema)
			_, err := json.Marshal(schema)
			require.NoError(t, err)
			assert.NotEmpty(t, schemaTypes(schema), "the schema names JSON types")

			if d, ok := typ.(DecimalType); ok {
				p, s := d.PrecisionScale(&f)
				assert.True(t, p >= 1 && p <= MaxDecimalPrecision && s >= 0 && s <= p)
			}

			if f.IsGenerated() {
				for jt, v := range wrongJSON {
					_, verr := typ.Normalize(&f, v)
					require.NotNil(t, verr, jt)
					assert.Equal(t, CodeReadOnly, verr.Code)
				}
			} else {
				got, verr := typ.Normalize(&f, c.sample)
				require.Nil(t, verr, "sample must normalize")
				assert.Equal(t, typ.ExprType(&f), reflect.TypeOf(got))

				again, verr := typ.Normalize(&f, got)
				require.Nil(t, verr, "canonical value must normalize")
				sameValue(t, got, again)

				// The canonical value, as written to JSON, fits the type's schema.
				out := got
				if enc, ok := typ.(Encoder); ok {
					out = enc.EncodeJSON(&f, got)
				}
				assertFitsSchema(t, schema, out)

				accepted := schemaTypes(schema)
				for jt, v := range wrongJSON {
					if accepted[jt] || (jt == "number" && accepted["integer"]) {
						continue
					}
					_, verr := typ.Normalize(&f, v)
					require.NotNil(t, verr, "%s must be refused", jt)
					assert.Equal(t, CodeInvalidType, verr.Code, jt)
					assert.NotEmpty(t, verr.Message)
				}
			}

			applies := map[string]bool{}
			for _, s := range c.settings {
				applies[s] = true
			}
			for _, s := range settingNames {
				if applies[s] {
					continue
				}
				g := f
				settingSamples[s](&g.Settings)
				ps := typ.ValidateSettings(&g, conformanceModel)
				assert.Contains(t, ps, Problem{Path: "settings." + s, Code: ProblemInvalidSetting,
					Message: `setting "` + s + `" does not apply to ` + article(name) + ` ` + name + ` field`})
			}
		})
	}
}

func assertFitsSchema(t *testing.T, schema map[string]any, v any) {
	t.Helper()
	doc, err := json.Marshal(v)
	require.NoError(t, err)
	res, err := gojsonschema.Validate(gojsonschema.NewGoLoader(schema), gojsonschema.NewBytesLoader(doc))
	require.NoError(t, err)
	assert.True(t, res.Valid(), "%s does not fit %v: %v", doc, schema, res.Errors())
}

// normCase is one value given to Normalize: the canonical value wanted, or
// the error code.
type normCase struct {
	name string
	in   any
	want any
	code string
}

func runNormCases(t *testing.T, f *Field, cases []normCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, verr := f.TypeOf().Normalize(f, c.in)
			if c.code != "" {
				require.NotNil(t, verr, "want %s, got %v", c.code, got)
				assert.Equal(t, c.code, verr.Code, verr.Message)
				assert.NotEmpty(t, verr.Message)
				return
			}
			require.Nil(t, verr)
			sameValue(t, c.want, got)
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v
}

func assertNotFitsSchema(t *testing.T, schema map[string]any, v any) {
	t.Helper()
	doc, err := json.Marshal(v)
	require.NoError(t, err)
	res, err := gojsonschema.Validate(gojsonschema.NewGoLoader(schema), gojsonschema.NewBytesLoader(doc))
	require.NoError(t, err)
	assert.False(t, res.Valid(), "%s must not fit %v", doc, schema)
}
