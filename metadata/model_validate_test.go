package metadata

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// validModel is a small model every case starts from.
func validModel() *Model {
	return &Model{Objects: []*Object{
		{ID: "o1", Name: "account", NameField: "name", Fields: []*Field{
			{ID: "f1", Name: "name", Type: "text", Required: true},
			{ID: "f2", Name: "website", Type: "url"},
		}},
		{ID: "o2", Name: "invoice", Fields: []*Field{
			{ID: "f1", Name: "number", Type: "auto_number", Settings: Settings{Format: "INV-{0000}"}},
			{ID: "f2", Name: "amount", Type: "currency"},
			{ID: "f3", Name: "account", Type: "lookup", Settings: Settings{Target: "account"}},
		}},
	}}
}

func TestValidateValidModel(t *testing.T) {
	assert.Empty(t, Validate(validModel(), nil))
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(m *Model)
		want   []Problem // path and code; messages are checked non-empty
	}{
		{"object name with capitals", func(m *Model) { m.Objects[0].Name = "Account" },
			[]Problem{{Path: "objects.Account.name", Code: ProblemInvalidName}, {Path: "objects.invoice.fields.account.settings.target", Code: ProblemUnknownTarget}}},
		{"object name empty", func(m *Model) { m.Objects[1].Name = "" },
			[]Problem{{Path: "objects..name", Code: ProblemInvalidName}}},
		{"object name too long", func(m *Model) { m.Objects[1].Name = strings.Repeat("a", MaxObjectNameLength+1) },
			[]Problem{{Path: "objects." + strings.Repeat("a", MaxObjectNameLength+1) + ".name", Code: ProblemInvalidName}}},
		{"field name starting with a digit", func(m *Model) { m.Objects[0].Fields[1].Name = "2nd_site" },
			[]Problem{{Path: "objects.account.fields.2nd_site.name", Code: ProblemInvalidName}}},
		{"field name with a hyphen", func(m *Model) { m.Objects[0].Fields[1].Name = "web-site" },
			[]Problem{{Path: "objects.account.fields.web-site.name", Code: ProblemInvalidName}}},
		{"field name too long", func(m *Model) { m.Objects[0].Fields[1].Name = strings.Repeat("w", MaxFieldNameLength+1) },
			[]Problem{{Path: "objects.account.fields." + strings.Repeat("w", MaxFieldNameLength+1) + ".name", Code: ProblemInvalidName}}},
		{"reserved object name", func(m *Model) { m.Objects[1].Name = "select" },
			[]Problem{{Path: "objects.select.name", Code: ProblemReservedName}}},
		{"system column as field name", func(m *Model) { m.Objects[0].Fields[1].Name = "created_at" },
			[]Problem{{Path: "objects.account.fields.created_at.name", Code: ProblemReservedName}}},
		{"expression word as field name", func(m *Model) { m.Objects[0].Fields[1].Name = "matches" },
			[]Problem{{Path: "objects.account.fields.matches.name", Code: ProblemReservedName}}},
		{"duplicate object", func(m *Model) { m.Objects = append(m.Objects, &Object{Name: "account"}) },
			[]Problem{{Path: "objects.account.name", Code: ProblemDuplicate}}},
		{"duplicate object id", func(m *Model) { m.Objects[1].ID = "o1" },
			[]Problem{{Path: "objects.invoice.id", Code: ProblemDuplicate}}},
		{"duplicate field", func(m *Model) { m.Objects[0].Fields[1].Name = "name" },
			[]Problem{{Path: "objects.account.fields.name.name", Code: ProblemDuplicate}}},
		{"duplicate field id", func(m *Model) { m.Objects[0].Fields[1].ID = "f1" },
			[]Problem{{Path: "objects.account.fields.website.id", Code: ProblemDuplicate}}},
		{"same field id on two objects is fine", func(m *Model) {}, nil},
		{"unknown type", func(m *Model) { m.Objects[0].Fields[1].Type = "hyperlink" },
			[]Problem{{Path: "objects.account.fields.website.type", Code: ProblemUnknownType}}},
		{"lookup to a missing object", func(m *Model) { m.Objects[1].Fields[2].Settings.Target = "acount" },
			[]Problem{{Path: "objects.invoice.fields.account.settings.target", Code: ProblemUnknownTarget}}},
		{"lookup to itself is fine", func(m *Model) { m.Objects[1].Fields[2].Settings.Target = "invoice" }, nil},
		{"bad decimal settings", func(m *Model) { m.Objects[1].Fields[1].Settings = Settings{Precision: 4, Scale: ptr(6)} },
			[]Problem{{Path: "objects.invoice.fields.amount.settings.scale", Code: ProblemInvalidSetting}}},
		{"setting of another type", func(m *Model) { m.Objects[0].Fields[1].Settings.Target = "invoice" },
			[]Problem{{Path: "objects.account.fields.website.settings.target", Code: ProblemInvalidSetting}}},
		{"required auto-number", func(m *Model) { m.Objects[1].Fields[0].Required = true },
			[]Problem{{Path: "objects.invoice.fields.number.required", Code: ProblemInvalidSetting}}},
		{"name field unknown", func(m *Model) { m.Objects[0].NameField = "title" },
			[]Problem{{Path: "objects.account.name_field", Code: ProblemUnknownField}}},
		{"every problem at once", func(m *Model) {
			m.Objects[0].NameField = "title"
			m.Objects[0].Fields[1].Type = "hyperlink"
			m.Objects[1].Fields[1].Settings.Precision = 40
		}, []Problem{
			{Path: "objects.account.fields.website.type", Code: ProblemUnknownType},
			{Path: "objects.account.name_field", Code: ProblemUnknownField},
			{Path: "objects.invoice.fields.amount.settings.precision", Code: ProblemInvalidSetting},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := validModel()
			c.change(m)
			ps := Validate(m, nil)
			var got []Problem
			for _, p := range ps {
				assert.NotEmpty(t, p.Message, p.Path)
				got = append(got, Problem{Path: p.Path, Code: p.Code})
			}
			assert.Equal(t, c.want, got)
		})
	}
}

// failingChecker refuses every default expression.
type failingChecker struct{ calls int }

func (c *failingChecker) CheckDefault(_ *Model, _ *Object, f *Field) error {
	c.calls++
	return errors.New("unknown name Noo (1:1)")
}

func (c *failingChecker) CheckRule(_ *Model, _ *Object, r *Rule) error {
	c.calls++
	return errors.New("unknown name Noo (1:1)")
}

func TestValidateChecksRules(t *testing.T) {
	m := validModel()
	o := m.Objects[0]
	o.Rules = []*Rule{
		{Name: "bad_condition", Condition: "Noo", Message: T("m")},
		{Name: "bad_condition", Condition: "true", Message: T("m")},
		{Name: "No", Condition: "true", Field: "nope", Severity: "fatal"},
	}
	o.TrackHistory = []string{"website", "missing"}
	check := &failingChecker{}
	ps := Validate(m, check)
	codes := map[string]string{}
	for _, p := range ps {
		codes[p.Path] = p.Code
	}
	assert.Equal(t, map[string]string{
		"objects.account.rules.bad_condition.condition": ProblemInvalidExpr,
		"objects.account.rules.bad_condition.name":      ProblemDuplicate,
		"objects.account.rules.No.name":                 ProblemInvalidName,
		"objects.account.rules.No.field":                ProblemUnknownField,
		"objects.account.rules.No.severity":             ProblemInvalidSetting,
		"objects.account.rules.No.message":              ProblemInvalidSetting,
		"objects.account.rules.No.condition":            ProblemInvalidExpr,
		"objects.account.track_history.1":               ProblemUnknownField,
	}, codes)
}

func TestValidateChecksDefaults(t *testing.T) {
	m := validModel()
	m.Objects[0].Fields[1].Default = "Noo"
	check := &failingChecker{}
	ps := Validate(m, check)
	assert.Equal(t, Problems{{Path: "objects.account.fields.website.default", Code: ProblemInvalidExpr, Message: "unknown name Noo (1:1)"}}, ps)
	assert.Equal(t, 1, check.calls, "only fields with a default are checked")
	assert.Empty(t, Validate(m, nil), "without a checker, expressions are not checked")
}

func TestValidateDecodedModel(t *testing.T) {
	m, err := DecodeModel([]byte(`
objects:
  - name: account
    fields:
      - {name: name, type: text}
  - name: opportunity
    name_field: title
    fields:
      - {name: stage, type: picklist, settings: {values: [{value: open}, {value: open}]}}
      - {name: account, type: lookup, required: true, settings: {target: account, on_delete: set_null}}
`))
	assert.NoError(t, err)
	var got []string
	for _, p := range Validate(m, nil) {
		got = append(got, p.Path+" "+p.Code)
	}
	assert.Equal(t, []string{
		"objects.opportunity.fields.stage.settings.values.1.value duplicate",
		"objects.opportunity.fields.account.settings.on_delete invalid_setting",
		"objects.opportunity.name_field unknown_field",
	}, got)
}
