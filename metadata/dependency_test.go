package metadata

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func pickValues(vs ...string) []PicklistValue {
	out := make([]PicklistValue, len(vs))
	for i, v := range vs {
		out[i] = PicklistValue{Value: v}
	}
	return out
}

// productModel has a dependent picklist (product by line), a picklist
// controlled by a boolean, and a dependent multi-picklist.
func productModel() *Model {
	return &Model{Objects: []*Object{{ID: "o1", Name: "opportunity", Fields: []*Field{
		{ID: "f1", Name: "line", Type: "picklist", Settings: Settings{Values: pickValues("Hardware", "Software", "Services")}},
		{ID: "f2", Name: "product", Type: "picklist", Controller: "line", Settings: Settings{
			Values: pickValues("Laptop", "Phone", "Fiber", "CRM", "ERP"),
			Dependencies: map[string][]string{
				"Hardware": {"Laptop", "Phone", "Fiber"},
				"Software": {"CRM", "ERP"},
			}}},
		{ID: "f3", Name: "partner", Type: "boolean"},
		{ID: "f4", Name: "tier", Type: "picklist", Controller: "partner", Settings: Settings{
			Values:       pickValues("Gold", "Silver", "None"),
			Dependencies: map[string][]string{"true": {"Gold", "Silver"}, "false": {"None"}}}},
		{ID: "f5", Name: "addons", Type: "multi_picklist", Controller: "product", Settings: Settings{
			Values:       pickValues("Warranty", "Support", "Training"),
			Dependencies: map[string][]string{"Laptop": {"Warranty", "Support"}, "CRM": {"Training", "Support"}}}},
		{ID: "f6", Name: "note", Type: "text"},
		{ID: "f7", Name: "colours", Type: "multi_picklist", Settings: Settings{Values: pickValues("red", "blue")}},
	}}}}
}

func TestValidateDependencies(t *testing.T) {
	const p = "objects.opportunity.fields."
	for _, c := range []struct {
		name   string
		change func(o *Object)
		want   []Problem
	}{
		{"valid", func(o *Object) {}, nil},
		{"controller not a field", func(o *Object) { o.Field("product").Controller = "lines" },
			[]Problem{{Path: p + "product.controller", Code: ProblemUnknownField}}},
		{"controller is itself", func(o *Object) { o.Field("product").Controller = "product" },
			[]Problem{{Path: p + "product.controller", Code: ProblemInvalidSetting}}},
		{"controller of a text field", func(o *Object) { o.Field("note").Controller = "line" },
			[]Problem{{Path: p + "note.controller", Code: ProblemInvalidSetting}}},
		{"text controller", func(o *Object) { o.Field("product").Controller = "note" },
			[]Problem{{Path: p + "product.controller", Code: ProblemInvalidSetting}}},
		{"multi-picklist controller", func(o *Object) {
			f := o.Field("tier")
			f.Controller = "colours"
			f.Settings.Dependencies = map[string][]string{"red": {"Gold"}}
		}, []Problem{{Path: p + "tier.controller", Code: ProblemInvalidSetting}}},
		{"cycle", func(o *Object) {
			o.Field("line").Controller = "product"
			o.Field("line").Settings.Dependencies = map[string][]string{"Laptop": {"Hardware"}}
		}, []Problem{
			{Path: p + "line.controller", Code: ProblemInvalidSetting},
			{Path: p + "product.controller", Code: ProblemInvalidSetting},
		}},
		{"controller without dependencies", func(o *Object) { o.Field("product").Settings.Dependencies = nil },
			[]Problem{{Path: p + "product.settings.dependencies", Code: ProblemInvalidSetting}}},
		{"empty dependencies", func(o *Object) { o.Field("product").Settings.Dependencies = map[string][]string{} },
			[]Problem{{Path: p + "product.settings.dependencies", Code: ProblemInvalidSetting}}},
		{"dependencies without controller", func(o *Object) { o.Field("product").Controller = "" },
			[]Problem{{Path: p + "product.settings.dependencies", Code: ProblemInvalidSetting}}},
		{"key not a controlling value", func(o *Object) { o.Field("product").Settings.Dependencies["Hardwear"] = []string{"Laptop"} },
			[]Problem{{Path: p + "product.settings.dependencies.Hardwear", Code: ProblemInvalidSetting}}},
		{"boolean key other than true or false", func(o *Object) { o.Field("tier").Settings.Dependencies["yes"] = []string{"Gold"} },
			[]Problem{{Path: p + "tier.settings.dependencies.yes", Code: ProblemInvalidSetting}}},
		{"listed value not a value of the field", func(o *Object) { o.Field("product").Settings.Dependencies["Software"] = []string{"CRM", "SAP"} },
			[]Problem{{Path: p + "product.settings.dependencies.Software.1", Code: ProblemInvalidSetting}}},
		{"listed value twice", func(o *Object) { o.Field("product").Settings.Dependencies["Software"] = []string{"CRM", "CRM"} },
			[]Problem{{Path: p + "product.settings.dependencies.Software.1", Code: ProblemDuplicate}}},
		{"inactive controlling value is a valid key", func(o *Object) {
			o.Field("line").Settings.Values[2].Active = new(bool)
			o.Field("product").Settings.Dependencies["Services"] = []string{}
		}, nil},
		{"every problem at once", func(o *Object) {
			o.Field("product").Settings.Dependencies["Hardwear"] = []string{"Laptop"}
			o.Field("product").Settings.Dependencies["Software"] = []string{"SAP"}
			o.Field("tier").Controller = "tier"
			o.Field("addons").Controller = ""
		}, []Problem{
			{Path: p + "product.settings.dependencies.Hardwear", Code: ProblemInvalidSetting},
			{Path: p + "product.settings.dependencies.Software.0", Code: ProblemInvalidSetting},
			{Path: p + "tier.controller", Code: ProblemInvalidSetting},
			{Path: p + "addons.settings.dependencies", Code: ProblemInvalidSetting},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := productModel()
			c.change(m.Objects[0])
			var got []Problem
			for _, pr := range Validate(m, nil) {
				assert.NotEmpty(t, pr.Message, pr.Path)
				got = append(got, Problem{Path: pr.Path, Code: pr.Code})
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestDependencyMessages(t *testing.T) {
	m := productModel()
	m.Objects[0].Field("line").Controller = "product"
	m.Objects[0].Field("line").Settings.Dependencies = map[string][]string{"Laptop": {"Hardware"}}
	ps := Validate(m, nil)
	if assert.Len(t, ps, 2) {
		assert.Equal(t, "controllers form a cycle: line → product → line", ps[0].Message)
	}
}

func TestControllingKey(t *testing.T) {
	pick := &Field{Type: "picklist"}
	flag := &Field{Type: "boolean"}
	for _, c := range []struct {
		name  string
		f     *Field
		v     any
		key   string
		valid bool
	}{
		{"picklist value", pick, "Hardware", "Hardware", true},
		{"empty picklist", pick, nil, "", false},
		{"blank picklist", pick, "", "", false},
		{"true", flag, true, "true", true},
		{"false", flag, false, "false", true},
		{"empty boolean is false", flag, nil, "false", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			key, ok := ControllingKey(c.f, c.v)
			assert.Equal(t, c.key, key)
			assert.Equal(t, c.valid, ok)
		})
	}
}

func TestAllowedWith(t *testing.T) {
	f := productModel().Objects[0].Field("product")
	// Listed out of order: the answer follows the field's value order.
	f.Settings.Dependencies["Hardware"] = []string{"Fiber", "Laptop"}
	assert.Equal(t, []string{"Laptop", "Fiber"}, f.AllowedWith("Hardware"))
	assert.Empty(t, f.AllowedWith("Services"))
}

func TestRenameFieldReferences(t *testing.T) {
	m := productModel()
	o := m.Objects[0]
	o.NameField = "line"
	o.TrackHistory = []string{"note", "line"}
	o.Rules = []*Rule{{Name: "r", Condition: "true", Message: T("m"), Field: "line"}}
	o.RecordTypes = []*RecordType{{Name: "std", Picklists: map[string]RecordTypePicklist{"line": {Values: []string{"Hardware"}}}}}
	o.Field("line").Name = "product_line"
	o.RenameFieldReferences("line", "product_line")

	assert.Equal(t, "product_line", o.NameField)
	assert.Equal(t, "product_line", o.Field("product").Controller)
	assert.Equal(t, []string{"note", "product_line"}, o.TrackHistory)
	assert.Equal(t, "product_line", o.Rules[0].Field)
	assert.Contains(t, o.RecordTypes[0].Picklists, "product_line")
	assert.NotContains(t, o.RecordTypes[0].Picklists, "line")
	assert.Empty(t, Validate(m, nil))
}

func TestDropFieldReferences(t *testing.T) {
	m := productModel()
	o := m.Objects[0]
	o.NameField = "note"
	o.TrackHistory = []string{"note", "line"}
	o.RecordTypes = []*RecordType{{Name: "std", Picklists: map[string]RecordTypePicklist{"colours": {Values: []string{"red"}}}}}
	assert.Empty(t, o.Dependents("colours"))
	assert.Equal(t, []*Field{o.Field("product")}, o.Dependents("line"))

	o.Fields = o.Fields[:len(o.Fields)-2] // note and colours
	o.DropFieldReferences("note")
	o.DropFieldReferences("colours")
	assert.Empty(t, o.NameField)
	assert.Equal(t, []string{"line"}, o.TrackHistory)
	assert.Empty(t, o.RecordTypes[0].Picklists)
	assert.Empty(t, Validate(m, nil))
}
