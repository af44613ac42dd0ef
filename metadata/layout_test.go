package metadata

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateLayout(t *testing.T) {
	const p = "objects.opportunity.layout.sections."
	for _, c := range []struct {
		name   string
		layout *Layout
		want   []Problem
	}{
		{"none", nil, nil},
		{"valid", &Layout{Sections: []*LayoutSection{
			{Label: T("Main"), Columns: 2, Fields: []string{"line", "product"}},
			{Label: T("Notes"), Columns: 1, Fields: []string{"note"}},
		}}, nil},
		{"columns default", &Layout{Sections: []*LayoutSection{{Fields: []string{"note"}}}}, nil},
		{"unknown field", &Layout{Sections: []*LayoutSection{{Fields: []string{"note", "stage"}}}},
			[]Problem{{Path: p + "0.fields.1", Code: ProblemUnknownField}}},
		{"duplicate across sections", &Layout{Sections: []*LayoutSection{{Fields: []string{"note"}}, {Fields: []string{"line", "note"}}}},
			[]Problem{{Path: p + "1.fields.1", Code: ProblemDuplicate}}},
		{"three columns", &Layout{Sections: []*LayoutSection{{Columns: 3, Fields: []string{"note"}}}},
			[]Problem{{Path: p + "0.columns", Code: ProblemInvalidSetting}}},
		{"every problem at once", &Layout{Sections: []*LayoutSection{{Columns: 4, Fields: []string{"nope", "line", "line"}}}},
			[]Problem{{Path: p + "0.columns", Code: ProblemInvalidSetting}, {Path: p + "0.fields.0", Code: ProblemUnknownField}, {Path: p + "0.fields.2", Code: ProblemDuplicate}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := productModel()
			m.Objects[0].Layout = c.layout
			var got []Problem
			for _, pr := range Validate(m, nil) {
				assert.NotEmpty(t, pr.Message, pr.Path)
				got = append(got, Problem{Path: pr.Path, Code: pr.Code})
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestEffectiveLayout(t *testing.T) {
	o := productModel().Objects[0]
	o.Fields[5].Retired = true
	l := o.EffectiveLayout()
	require.Len(t, l.Sections, 1, "the default: one section")
	assert.Equal(t, 2, l.Sections[0].EffectiveColumns())
	assert.Equal(t, []string{"line", "product", "partner", "tier", "addons", "colours"}, l.Sections[0].Fields, "every field in order, retired ones aside")

	o.Layout = &Layout{Sections: []*LayoutSection{{Columns: 1, Fields: []string{"tier"}}}}
	assert.Same(t, o.Layout, o.EffectiveLayout())
	assert.Equal(t, 1, o.EffectiveLayout().Sections[0].EffectiveColumns())
}

func TestLayoutDocumentAndClone(t *testing.T) {
	o, err := DecodeObject([]byte(`{"name": "deal", "fields": [{"name": "title", "type": "text"}, {"name": "amount", "type": "number"}],
		"layout": {"sections": [{"label": {"en": "Main", "zh-CN": "主要"}, "columns": 1, "fields": ["amount", "title"]}]}}`))
	require.NoError(t, err)
	require.NotNil(t, o.Layout)
	assert.Equal(t, []string{"amount", "title"}, o.Layout.Sections[0].Fields)
	assert.Equal(t, "主要", o.Layout.Sections[0].Label["zh-CN"])

	c := o.Clone()
	c.Layout.Sections[0].Fields[0] = "x"
	c.Layout.Sections[0].Label["en"] = "Other"
	assert.Equal(t, "amount", o.Layout.Sections[0].Fields[0], "a deep copy")
	assert.Equal(t, "Main", o.Layout.Sections[0].Label["en"])

	_, err = DecodeObject([]byte(`{"name": "deal", "fields": [{"name": "title", "type": "text"}], "layout": {"sections": [{"columns": 3, "fields": ["title"]}]}}`))
	assert.Error(t, err, "the schema refuses three columns")
}

func TestLayoutFollowsRenamesAndDeletes(t *testing.T) {
	o := &Object{Name: "deal", Fields: []*Field{{Name: "title", Type: "text"}, {Name: "amount", Type: "number"}},
		Layout: &Layout{Sections: []*LayoutSection{{Fields: []string{"title", "amount"}}}}}
	o.RenameFieldReferences("title", "subject")
	if got := o.Layout.Sections[0].Fields; got[0] != "subject" || got[1] != "amount" {
		t.Fatalf("after the rename: %v", got)
	}
	o.DropFieldReferences("amount")
	if got := o.Layout.Sections[0].Fields; len(got) != 1 || got[0] != "subject" {
		t.Fatalf("after the delete: %v", got)
	}
}
