package metadata

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// typedModel is productModel with two record types.
func typedModel() *Model {
	m := productModel()
	m.Objects[0].RecordTypes = []*RecordType{
		{Name: "standard", Label: T("Standard")},
		{Name: "enterprise", Label: T("Enterprise"), Default: true, Picklists: map[string]RecordTypePicklist{
			"line":    {Values: []string{"Software", "Services"}, Default: "Software"},
			"colours": {Values: []string{"blue"}},
		}},
	}
	return m
}

func TestValidateRecordTypes(t *testing.T) {
	const p = "objects.opportunity.record_types."
	off := func() *bool { b := false; return &b }
	for _, c := range []struct {
		name   string
		change func(o *Object)
		want   []Problem
	}{
		{"valid", func(o *Object) {}, nil},
		{"no default is fine", func(o *Object) { o.RecordTypes[1].Default = false }, nil},
		{"invalid name", func(o *Object) { o.RecordTypes[0].Name = "Standard" },
			[]Problem{{Path: p + "Standard.name", Code: ProblemInvalidName}}},
		{"empty name", func(o *Object) { o.RecordTypes[0].Name = "" },
			[]Problem{{Path: p + "0.name", Code: ProblemInvalidName}}},
		{"reserved name", func(o *Object) { o.RecordTypes[0].Name = "default" },
			[]Problem{{Path: p + "default.name", Code: ProblemReservedName}}},
		{"duplicate name", func(o *Object) { o.RecordTypes[0].Name = "enterprise" },
			[]Problem{{Path: p + "enterprise.name", Code: ProblemDuplicate}}},
		{"two defaults", func(o *Object) { o.RecordTypes[0].Default = true },
			[]Problem{{Path: p + "enterprise.default", Code: ProblemInvalidSetting}}},
		{"inactive default", func(o *Object) { o.RecordTypes[1].Active = off() },
			[]Problem{{Path: p + "enterprise.default", Code: ProblemInvalidSetting}}},
		{"picklist not a field", func(o *Object) {
			o.RecordTypes[0].Picklists = map[string]RecordTypePicklist{"stage": {Values: []string{"x"}}}
		}, []Problem{{Path: p + "standard.picklists.stage", Code: ProblemUnknownField}}},
		{"picklist not a picklist", func(o *Object) {
			o.RecordTypes[0].Picklists = map[string]RecordTypePicklist{"note": {Values: []string{"x"}}}
		}, []Problem{{Path: p + "standard.picklists.note", Code: ProblemInvalidSetting}}},
		{"value not a value of the field", func(o *Object) {
			o.RecordTypes[1].Picklists["line"] = RecordTypePicklist{Values: []string{"Software", "Cloud"}}
		}, []Problem{{Path: p + "enterprise.picklists.line.values.1", Code: ProblemInvalidSetting}}},
		{"value twice", func(o *Object) {
			o.RecordTypes[1].Picklists["line"] = RecordTypePicklist{Values: []string{"Software", "Software"}}
		}, []Problem{{Path: p + "enterprise.picklists.line.values.1", Code: ProblemDuplicate}}},
		{"default not among the type's values", func(o *Object) {
			o.RecordTypes[1].Picklists["line"] = RecordTypePicklist{Values: []string{"Software"}, Default: "Hardware"}
		}, []Problem{{Path: p + "enterprise.picklists.line.default", Code: ProblemInvalidSetting}}},
		{"inactive default value", func(o *Object) {
			o.Field("line").Settings.Values[1].Active = off()
		}, []Problem{{Path: p + "enterprise.picklists.line.default", Code: ProblemInvalidSetting}}},
		{"no value of a required field", func(o *Object) {
			o.Field("line").Required = true
			o.RecordTypes[1].Picklists["line"] = RecordTypePicklist{Values: []string{}}
		}, []Problem{{Path: p + "enterprise.picklists.line.values", Code: ProblemInvalidSetting}}},
		{"no value of an optional field is fine", func(o *Object) {
			o.RecordTypes[1].Picklists["colours"] = RecordTypePicklist{Values: []string{}}
		}, nil},
		{"every problem at once", func(o *Object) {
			o.RecordTypes[0].Default = true
			o.RecordTypes[0].Picklists = map[string]RecordTypePicklist{"stage": {}, "line": {Values: []string{"Cloud"}}}
			o.RecordTypes = append(o.RecordTypes, &RecordType{Name: "standard"})
		}, []Problem{
			{Path: p + "standard.picklists.line.values.0", Code: ProblemInvalidSetting},
			{Path: p + "standard.picklists.stage", Code: ProblemUnknownField},
			{Path: p + "enterprise.default", Code: ProblemInvalidSetting},
			{Path: p + "standard.name", Code: ProblemDuplicate},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := typedModel()
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

func TestDefaultRecordType(t *testing.T) {
	off := false
	o := typedModel().Objects[0]
	assert.Equal(t, "enterprise", o.DefaultRecordType().Name, "the type marked default")

	o.RecordTypes[1].Default = false
	assert.Equal(t, "standard", o.DefaultRecordType().Name, "else the first active type")

	o.RecordTypes[0].Active = &off
	assert.Equal(t, "enterprise", o.DefaultRecordType().Name, "inactive types are skipped")

	o.RecordTypes[1].Active = &off
	assert.Nil(t, o.DefaultRecordType(), "no active type: untyped records")

	assert.Nil(t, (&Object{}).DefaultRecordType())
}

func TestRecordTypeAllows(t *testing.T) {
	o := typedModel().Objects[0]
	ent := o.RecordType("enterprise")
	assert.True(t, ent.Allows("line", "Software"))
	assert.False(t, ent.Allows("line", "Hardware"))
	assert.True(t, ent.Allows("product", "Laptop"), "a picklist the type does not list is not narrowed")
	assert.Nil(t, o.RecordType("missing"))
}

func TestRecordTypeCloneIsDeep(t *testing.T) {
	m := typedModel()
	c := m.Clone()
	c.Objects[0].RecordTypes[1].Picklists["line"].Values[0] = "changed"
	c.Objects[0].Field("product").Settings.Dependencies["Hardware"][0] = "changed"
	assert.Equal(t, "Software", m.Objects[0].RecordTypes[1].Picklists["line"].Values[0])
	assert.Equal(t, "Laptop", m.Objects[0].Field("product").Settings.Dependencies["Hardware"][0])
}
