package metadata

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/schemas"
)

const invoiceYAML = `
id: obj-invoice
name: invoice
label:
  en: Invoice
  zh-CN: 发票
plural_label: Invoices
name_field: number
fields:
  - name: number
    type: auto_number
    settings:
      format: "INV-{YYYY}-{00000}"
      start: 1000
  - name: amount
    label: Amount
    type: currency
    required: true
    settings: {precision: 12, scale: 2}
  - name: status
    type: picklist
    default: '"draft"'
    settings:
      values:
        - {value: draft, label: Draft, default: true}
        - {value: sent}
        - {value: void, active: false}
  - name: account
    type: lookup
    settings: {target: account, on_delete: cascade}
`

func wantInvoice() *Object {
	return &Object{
		ID:          "obj-invoice",
		Name:        "invoice",
		Label:       Text{"en": "Invoice", "zh-CN": "发票"},
		PluralLabel: T("Invoices"),
		NameField:   "number",
		Fields: []*Field{
			{Name: "number", Type: "auto_number", Settings: Settings{Format: "INV-{YYYY}-{00000}", Start: 1000}},
			{Name: "amount", Label: T("Amount"), Type: "currency", Required: true, Settings: Settings{Precision: 12, Scale: ptr(2)}},
			{Name: "status", Type: "picklist", Default: `"draft"`, Settings: Settings{Values: []PicklistValue{
				{Value: "draft", Label: T("Draft"), Default: true},
				{Value: "sent"},
				{Value: "void", Active: ptr(false)},
			}}},
			{Name: "account", Type: "lookup", Settings: Settings{Target: "account", OnDelete: OnDeleteCascade}},
		},
	}
}

func TestDecodeObjectYAML(t *testing.T) {
	o, err := DecodeObject([]byte(invoiceYAML))
	require.NoError(t, err)
	assert.Equal(t, wantInvoice(), o)
}

func TestDecodeObjectJSONRoundTrip(t *testing.T) {
	want := wantInvoice()
	for _, indent := range []string{"", "  ", "\t"} {
		b, err := json.MarshalIndent(want, "", indent)
		require.NoError(t, err)
		got, err := DecodeObject(b)
		require.NoError(t, err, "indent %q", indent)
		assert.Equal(t, want, got)
	}
}

func TestDecodeFieldAndModel(t *testing.T) {
	f, err := DecodeField([]byte(`{"name": "email", "type": "email", "unique": true, "help_text": {"en": "Work address"}}`))
	require.NoError(t, err)
	assert.Equal(t, &Field{Name: "email", Type: "email", Unique: true, HelpText: Text{"en": "Work address"}}, f)

	m, err := DecodeModel([]byte("objects:\n  - name: account\n    fields: [{name: name, type: text}]\n  - name: contact\n"))
	require.NoError(t, err)
	require.Len(t, m.Objects, 2)
	assert.Equal(t, "text", m.Object("account").Field("name").Type)
	assert.NotNil(t, m.Object("contact"))

	_, err = DecodeModel([]byte(`{"objects": [{"name": "a", "fields": [{"name": "x", "type": "nope"}]}]}`))
	assert.Equal(t, Problems{{Path: "objects.0.fields.0.type", Code: ProblemSchema, Message: problemMessage(t, err, 0)}}, err)
}

func problemMessage(t *testing.T, err error, i int) string {
	t.Helper()
	var ps Problems
	require.True(t, errors.As(err, &ps), "want Problems, got %v", err)
	require.Greater(t, len(ps), i)
	return ps[i].Message
}

func TestDecodeObjectSchemaErrors(t *testing.T) {
	doc := `
name: Invoice
colour: blue
label: {en: Invoice, "en us": Bill}
fields:
  - {name: a, type: text}
  - {name: b, type: nope}
  - name: c
    type: currency
    settings: {scale: -1, precision: "2", maxLength: 3}
  - {type: text}
  - name: d
    type: picklist
    settings:
      values: [{value: 1}, {value: ok, colour: red}]
`
	_, err := DecodeObject([]byte(doc))
	var ps Problems
	require.True(t, errors.As(err, &ps), "want Problems, got %v", err)
	for _, p := range ps {
		assert.Equal(t, ProblemSchema, p.Code)
	}
	assert.Equal(t, Problems{
		{Path: "colour", Code: ProblemSchema, Message: `unknown property "colour"`},
		{Path: "fields.1.type", Code: ProblemSchema, Message: ps[1].Message},
		{Path: "fields.2.settings.maxLength", Code: ProblemSchema, Message: `unknown property "maxLength"`},
		{Path: "fields.2.settings.precision", Code: ProblemSchema, Message: "must be an integer, not a string"},
		{Path: "fields.2.settings.scale", Code: ProblemSchema, Message: "must be at least 0"},
		{Path: "fields.3.name", Code: ProblemSchema, Message: "name is required"},
		{Path: "fields.4.settings.values.0.value", Code: ProblemSchema, Message: "must be a string, not an integer (in YAML, put text such as yes, no, on, off or 012 in quotes)"},
		{Path: "fields.4.settings.values.1.colour", Code: ProblemSchema, Message: `unknown property "colour"`},
		{Path: "label.en us", Code: ProblemSchema, Message: `"en us" is not a language tag such as en or zh-CN`},
		{Path: "name", Code: ProblemSchema, Message: "must start with a lower-case letter and contain only a-z, 0-9 and _"},
	}, ps)
	assert.True(t, strings.HasPrefix(ps[1].Message, `must be one of "auto_number", "boolean"`), ps[1].Message)
}

func TestDecodeMalformed(t *testing.T) {
	for _, c := range []struct {
		name, doc, contains string
	}{
		{"broken json", `{"name": "a",`, "neither valid JSON nor valid YAML"},
		{"broken yaml", "name: a\n  fields: [\n", "neither valid JSON nor valid YAML"},
		{"duplicate yaml key", "name: a\nname: b\n", `key "name" already set`},
		{"duplicate json key", `{"name": "a", "name": "b"}`, `"name" is given twice`},
		{"two yaml documents", "name: a\n---\nname: b\n", "holds 2 YAML documents"},
		{"empty", "", "must be an object, not null"},
		{"array", "[1, 2]", "must be an object, not an array"},
		{"scalar", "hello", "must be an object, not a string"},
		{"integer too large", `{"name": "a", "fields": [{"name": "n", "type": "auto_number", "settings": {"start": 1e3}}]}`, "does not fit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := DecodeObject([]byte(c.doc))
			assert.Nil(t, o)
			var ps Problems
			require.True(t, errors.As(err, &ps), "want Problems, got %v", err)
			require.Len(t, ps, 1)
			assert.Equal(t, ProblemSchema, ps[0].Code)
			assert.Contains(t, ps[0].Message, c.contains)
		})
	}
}

func TestDecodeDuplicateJSONKeyPath(t *testing.T) {
	_, err := DecodeObject([]byte(`{"name": "a", "fields": [{"name": "x", "type": "text"}, {"name": "y", "type": "text", "type": "url"}]}`))
	assert.Equal(t, Problems{{Path: "fields.1.type", Code: ProblemSchema, Message: `"type" is given twice`}}, err)
}

func TestDecodeYAMLHint(t *testing.T) {
	_, err := DecodeField([]byte("name: answer\ntype: picklist\nsettings:\n  values: [{value: yes}, {value: no}]\n"))
	require.Error(t, err)
	assert.Contains(t, problemMessage(t, err, 0), "in quotes")
	_, err = DecodeField([]byte(`{"name": "answer", "type": "picklist", "settings": {"values": [{"value": true}]}}`))
	require.Error(t, err)
	assert.NotContains(t, problemMessage(t, err, 0), "YAML")
}

func TestDecodeYAMLDocumentMarkers(t *testing.T) {
	f, err := DecodeField([]byte("---\nname: a\ntype: text\n...\n"))
	require.NoError(t, err)
	assert.Equal(t, "a", f.Name)
}

func TestDecodeNumberFormPath(t *testing.T) {
	// 1.0 is an integer to JSON Schema but not to Go: the path still points
	// at the value, index included.
	_, err := DecodeObject([]byte(`{"name": "a", "fields": [{"name": "x", "type": "text"}, {"name": "n", "type": "auto_number", "settings": {"format": "{0}", "start": 1.0}}]}`))
	assert.Equal(t, Problems{{Path: "fields.1.settings.start", Code: ProblemSchema, Message: "number 1.0 does not fit: expected a whole number within range"}}, err)
}

func TestDecodeIntegerOverflowPath(t *testing.T) {
	_, err := DecodeField([]byte(`{"name": "n", "type": "auto_number", "settings": {"start": 99999999999999999999}}`))
	assert.Equal(t, Problems{{Path: "settings.start", Code: ProblemSchema, Message: "must be at most 1000000000000000000"}}, err)
}

func TestDecodeSchemaMessages(t *testing.T) {
	_, err := DecodeField([]byte(`{"name": "n", "type": "text", "label": 5, "settings": {"values": [], "format": "", "max_length": 0}}`))
	assert.Equal(t, Problems{
		{Path: "label", Code: ProblemSchema, Message: "must be a string or an object, not an integer"},
		{Path: "settings.format", Code: ProblemSchema, Message: "must not be empty"},
		{Path: "settings.max_length", Code: ProblemSchema, Message: "must be at least 1"},
		{Path: "settings.values", Code: ProblemSchema, Message: "must have at least 1 item"},
	}, err)
}

func TestSchemasCompile(t *testing.T) {
	for _, s := range []*docSchema{fieldSchema, objectSchema, modelSchema, processSchema, manifestSchema} {
		_, err := s.compiled()
		assert.NoError(t, err, s.main)
	}
	names, err := fs.Glob(schemas.FS, "*.schema.json")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{schemas.FieldFile, schemas.ObjectFile, schemas.ModelFile, schemas.ApprovalProcessFile, schemas.BundleFile}, names)
}

// TestSchemaTypeEnum keeps the field schema's type list and the registry in
// step: a new field type must be added to schemas/field.schema.json.
func TestSchemaTypeEnum(t *testing.T) {
	b, err := fs.ReadFile(schemas.FS, schemas.FieldFile)
	require.NoError(t, err)
	var s struct {
		Properties struct {
			Type struct {
				Enum []string `json:"enum"`
			} `json:"type"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(b, &s))
	assert.Equal(t, FieldTypeNames(), s.Properties.Type.Enum)
}

// TestSchemasAreStrict checks that every object in the schemas closes its
// properties, so a misspelt key is always reported.
func TestSchemasAreStrict(t *testing.T) {
	for _, name := range []string{schemas.FieldFile, schemas.ObjectFile, schemas.ModelFile} {
		b, err := fs.ReadFile(schemas.FS, name)
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(b, &doc))
		assert.Equal(t, "http://json-schema.org/draft-07/schema#", doc["$schema"])
		assert.Equal(t, "https://mosaic.dev/schemas/"+name, doc["$id"])
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch n := v.(type) {
			case map[string]any:
				if n["properties"] != nil || n["patternProperties"] != nil {
					assert.Equal(t, false, n["additionalProperties"], "%s %s", name, path)
				}
				for k, c := range n {
					walk(path+"/"+k, c)
				}
			case []any:
				for _, c := range n {
					walk(path+"/[]", c)
				}
			}
		}
		walk("", doc)
	}
}

func TestSchemaPathsAreSorted(t *testing.T) {
	assert.True(t, pathLess("fields.2.name", "fields.10.name"))
	assert.False(t, pathLess("fields.10", "fields.2"))
	assert.True(t, pathLess("fields", "fields.0"))
	assert.True(t, pathLess("a.x", "b"))
}

func FuzzDecodeObject(f *testing.F) {
	for _, seed := range []string{
		invoiceYAML,
		`{"name": "a", "fields": [{"name": "b", "type": "text"}]}`,
		`{"name": "a", "label": {"en": "A"}, "fields": [{"name": "b", "type": "currency", "settings": {"scale": 2}}]}`,
		"name: a\nfields:\n  - {name: x, type: picklist, settings: {values: [{value: a}]}}\n",
		"",
		"[",
		"a: &a [*a]",
		"{\"name\": 1e999999999}",
		"- - - -",
		"name: !!binary aGVsbG8=",
		`{"name":"a","label":{},"fields":[{"name":"b","type":"text","settings":{"values":[{"value":"x","label":{}}]}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := DecodeObject(data)
		if err != nil {
			assert.Nil(t, o)
			var ps Problems
			require.True(t, errors.As(err, &ps), "every failure is Problems: %v", err)
			require.NotEmpty(t, ps)
			return
		}
		require.NotNil(t, o)
		// Whatever decodes re-encodes to a document that decodes to the
		// same JSON again.
		if o.Fields == nil {
			return // absent fields marshal as null, which the schema refuses
		}
		b, err := json.Marshal(o)
		require.NoError(t, err)
		again, err := DecodeObject(b)
		require.NoError(t, err, "%s", b)
		b2, err := json.Marshal(again)
		require.NoError(t, err)
		assert.Equal(t, string(b), string(b2))
	})
}

func TestDecodeConcurrently(t *testing.T) {
	done := make(chan error)
	for range 8 {
		go func() {
			_, err := DecodeObject([]byte(invoiceYAML))
			if err == nil {
				_, err = DecodeModel([]byte(`{"objects": [{"name": "a"}]}`))
			}
			done <- err
		}()
	}
	for range 8 {
		assert.NoError(t, <-done)
	}
}

func ExampleDecodeObject() {
	_, err := DecodeObject([]byte(`
name: invoice
fields:
  - {name: amount, type: currency, settings: {scale: -1}}
  - {name: Status, type: picklist}
`))
	var ps Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Printf("%s: %s\n", p.Path, p.Message)
		}
	}
	// Output:
	// fields.0.settings.scale: must be at least 0
	// fields.1.name: must start with a lower-case letter and contain only a-z, 0-9 and _
}
