package metadata

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateListViews(t *testing.T) {
	const p = "objects.opportunity.list_views."
	for _, c := range []struct {
		name  string
		views []*ListView
		want  []Problem
	}{
		{"none", nil, nil},
		{"valid", []*ListView{
			{Name: "hardware", Label: Text{"en": "Hardware", "zh-CN": "硬件"}, Columns: []string{"line", "note", "created_at"}, Filter: `line == "Hardware"`, Sort: "-note"},
			{Name: "by_date", Sort: "created_at"},
			{Name: "bare"},
		}, nil},
		{"unknown column", []*ListView{{Name: "v", Columns: []string{"note", "stage"}}},
			[]Problem{{Path: p + "v.columns.1", Code: ProblemUnknownField}}},
		{"duplicate column", []*ListView{{Name: "v", Columns: []string{"note", "line", "note"}}},
			[]Problem{{Path: p + "v.columns.2", Code: ProblemDuplicate}}},
		{"too many columns", []*ListView{{Name: "v", Columns: slices.Repeat([]string{"note"}, MaxListViewColumns+1)}},
			append([]Problem{{Path: p + "v.columns", Code: ProblemInvalidSetting}}, duplicates(p+"v.columns.", 1, MaxListViewColumns)...)},
		{"sort by unknown field", []*ListView{{Name: "v", Sort: "-stage"}},
			[]Problem{{Path: p + "v.sort", Code: ProblemInvalidSetting}}},
		{"sort with a plus", []*ListView{{Name: "v", Sort: "+note"}},
			[]Problem{{Path: p + "v.sort", Code: ProblemInvalidSetting}}},
		{"sort by two", []*ListView{{Name: "v", Sort: "note,line"}},
			[]Problem{{Path: p + "v.sort", Code: ProblemInvalidSetting}}},
		{"bad name", []*ListView{{Name: "Big deals"}},
			[]Problem{{Path: p + "Big deals.name", Code: ProblemInvalidName}}},
		{"reserved name", []*ListView{{Name: "all"}},
			[]Problem{{Path: p + "all.name", Code: ProblemReservedName}}},
		{"duplicate name", []*ListView{{Name: "v"}, {Name: "v"}},
			[]Problem{{Path: p + "v.name", Code: ProblemDuplicate}}},
		{"empty", []*ListView{nil},
			[]Problem{{Path: p + "0", Code: ProblemInvalidSetting}}},
		{"every problem at once", []*ListView{{Name: "v", Columns: []string{"nope", "line", "line"}, Sort: "-nope"}},
			[]Problem{{Path: p + "v.columns.0", Code: ProblemUnknownField}, {Path: p + "v.columns.2", Code: ProblemDuplicate}, {Path: p + "v.sort", Code: ProblemInvalidSetting}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := productModel()
			m.Objects[0].ListViews = c.views
			var got []Problem
			for _, pr := range Validate(m, nil) {
				assert.NotEmpty(t, pr.Message, pr.Path)
				got = append(got, Problem{Path: pr.Path, Code: pr.Code})
			}
			assert.Equal(t, c.want, got)
		})
	}
}

// duplicates are the problems of columns from to through, each a
// duplicate.
func duplicates(prefix string, from, through int) []Problem {
	var ps []Problem
	for i := from; i <= through; i++ {
		ps = append(ps, Problem{Path: prefix + strconv.Itoa(i), Code: ProblemDuplicate})
	}
	return ps
}

func TestListViewDocumentAndClone(t *testing.T) {
	o, err := DecodeObject([]byte(`{"name": "deal", "fields": [{"name": "title", "type": "text"}, {"name": "amount", "type": "number"}],
		"list_views": [{"name": "big", "label": {"en": "Big deals", "zh-CN": "大单"}, "columns": ["amount"], "filter": "amount > 1000", "sort": "-amount"}]}`))
	require.NoError(t, err)
	require.Len(t, o.ListViews, 1)
	v := o.ListView("big")
	require.NotNil(t, v)
	assert.Equal(t, "大单", v.Label.In([]string{"zh-CN"}))
	col, desc := v.SortColumn()
	assert.Equal(t, "amount", col)
	assert.True(t, desc)
	assert.Nil(t, o.ListView("small"))

	c := o.Clone()
	c.ListViews[0].Columns[0] = "x"
	c.ListViews[0].Label["en"] = "Other"
	c.ListViews[0].Filter = "true"
	assert.Equal(t, "amount", v.Columns[0], "a deep copy")
	assert.Equal(t, "Big deals", v.Label["en"])
	assert.Equal(t, "amount > 1000", v.Filter)

	_, err = DecodeObject([]byte(`{"name": "deal", "fields": [{"name": "title", "type": "text"}], "list_views": [{"label": "No name"}]}`))
	assert.Error(t, err, "the schema wants a name")
	_, err = DecodeObject([]byte(`{"name": "deal", "fields": [{"name": "title", "type": "text"}], "list_views": [{"name": "v", "columns": "title"}]}`))
	assert.Error(t, err, "the schema wants a list of columns")
}

func TestListViewsFollowRenamesAndDeletes(t *testing.T) {
	o := &Object{Name: "deal", Fields: []*Field{{Name: "title", Type: "text"}, {Name: "amount", Type: "number"}},
		ListViews: []*ListView{
			{Name: "big", Columns: []string{"title", "amount"}, Sort: "-amount", Filter: "amount > 1000"},
			{Name: "by_title", Columns: []string{"title"}, Sort: "title"},
		}}
	o.RenameFieldReferences("amount", "value")
	assert.Equal(t, []string{"title", "value"}, o.ListViews[0].Columns)
	assert.Equal(t, "-value", o.ListViews[0].Sort, "the direction is kept")
	assert.Equal(t, "amount > 1000", o.ListViews[0].Filter, "expressions are not rewritten")
	o.RenameFieldReferences("title", "subject")
	assert.Equal(t, []string{"subject", "value"}, o.ListViews[0].Columns)
	assert.Equal(t, "subject", o.ListViews[1].Sort)

	o.DropFieldReferences("value")
	assert.Equal(t, []string{"subject"}, o.ListViews[0].Columns)
	assert.Empty(t, o.ListViews[0].Sort, "a sort by the deleted field goes")
	assert.Equal(t, "subject", o.ListViews[1].Sort)
	o.DropFieldReferences("subject")
	assert.Empty(t, o.ListViews[1].Columns)
}
