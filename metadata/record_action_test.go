package metadata_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// actionModel is a CRM's lead conversion: a lead becomes an account, a
// contact and, when asked, an opportunity.
func actionModel() *metadata.Model {
	return &metadata.Model{Objects: []*metadata.Object{
		{ID: "o1", Name: "account", Fields: []*metadata.Field{
			{ID: "a1", Name: "name", Type: "text", Required: true},
			{ID: "a2", Name: "industry", Type: "text"},
			{ID: "a3", Name: "number", Type: "auto_number", Settings: metadata.Settings{Format: "A-{0000}"}},
		}},
		{ID: "o2", Name: "contact", Fields: []*metadata.Field{
			{ID: "c1", Name: "last_name", Type: "text"},
			{ID: "c2", Name: "email", Type: "email"},
			{ID: "c3", Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account"}},
		}},
		{ID: "o3", Name: "opportunity", Fields: []*metadata.Field{
			{ID: "p1", Name: "name", Type: "text"},
			{ID: "p2", Name: "amount", Type: "currency", Settings: metadata.Settings{Precision: 14, Scale: two()}},
			{ID: "p3", Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account"}},
		}},
		{ID: "o4", Name: "lead", Fields: []*metadata.Field{
			{ID: "l1", Name: "company", Type: "text"},
			{ID: "l2", Name: "industry", Type: "text"},
			{ID: "l3", Name: "last_name", Type: "text"},
			{ID: "l4", Name: "email", Type: "email"},
			{ID: "l5", Name: "status", Type: "text"},
			{ID: "l6", Name: "converted_account", Type: "lookup", Settings: metadata.Settings{Target: "account", OnDelete: "set_null"}},
			{ID: "l7", Name: "converted_on", Type: "date"},
		}, Actions: []*metadata.RecordAction{{
			Name:     "convert",
			Label:    metadata.Text{"en": "Convert", "zh-CN": "转换"},
			Criteria: `status == "Qualified"`,
			Parameters: []*metadata.ActionParameter{
				{Name: "create_opportunity", Type: "boolean", Default: "true"},
				{Name: "opportunity_name", Type: "text"},
				{Name: "amount", Type: "number"},
			},
			Creates: []*metadata.ActionCreate{
				{As: "account", Object: "account", Values: map[string]string{"name": "company", "industry": "industry"}},
				{As: "contact", Object: "contact", Values: map[string]string{"last_name": "last_name", "email": "email", "account": "$created.account"}},
				{As: "opportunity", Object: "opportunity", When: "$params.create_opportunity", Values: map[string]string{
					"name": `$params.opportunity_name ?? (company + " deal")`, "amount": "$params.amount", "account": "$created.account"}},
			},
			Updates: map[string]string{"status": `"Converted"`, "converted_account": "$created.account", "converted_on": "$today"},
		}}},
	}}
}

func TestValidateRecordActions(t *testing.T) {
	check := expression.Checker{}
	require.Empty(t, metadata.Validate(actionModel(), check))

	const at = "objects.lead.actions.convert"
	action := func(m *metadata.Model) *metadata.RecordAction { return m.Object("lead").Actions[0] }
	tests := []struct {
		name   string
		change func(m *metadata.Model)
		path   string
		code   string
	}{
		{"bad name", func(m *metadata.Model) { action(m).Name = "Convert" }, "objects.lead.actions.Convert.name", metadata.ProblemInvalidName},
		{"reserved name", func(m *metadata.Model) { action(m).Name = "select" }, "objects.lead.actions.select.name", metadata.ProblemReservedName},
		{"duplicate", func(m *metadata.Model) {
			o := m.Object("lead")
			o.Actions = append(o.Actions, o.Actions[0].Clone())
		}, at + ".name", metadata.ProblemDuplicate},
		{"criteria not boolean", func(m *metadata.Model) { action(m).Criteria = "company" }, at + ".criteria", metadata.ProblemInvalidExpr},
		{"criteria unknown field", func(m *metadata.Model) { action(m).Criteria = "stage == 1" }, at + ".criteria", metadata.ProblemInvalidExpr},
		{"criteria reads created", func(m *metadata.Model) { action(m).Criteria = "$created.account != nil" }, at + ".criteria", metadata.ProblemInvalidExpr},
		{"parameter type", func(m *metadata.Model) { action(m).Parameters[0].Type = "currency" }, at + ".parameters.create_opportunity.type", metadata.ProblemUnknownType},
		{"parameter name", func(m *metadata.Model) { action(m).Parameters[1].Name = "Name" }, at + ".parameters.Name.name", metadata.ProblemInvalidName},
		{"duplicate parameter", func(m *metadata.Model) { action(m).Parameters[1].Name = "amount" }, at + ".parameters.amount.name", metadata.ProblemDuplicate},
		{"parameter default", func(m *metadata.Model) { action(m).Parameters[0].Default = "yes" }, at + ".parameters.create_opportunity.default", metadata.ProblemInvalidSetting},
		{"unknown parameter", func(m *metadata.Model) { action(m).Creates[2].Values["name"] = "$params.title" }, at + ".creates.2.values.name", metadata.ProblemInvalidExpr},
		{"parameter of the wrong type", func(m *metadata.Model) { action(m).Creates[2].Values["name"] = "$params.amount" }, at + ".creates.2.values.name", metadata.ProblemInvalidExpr},
		{"unknown target", func(m *metadata.Model) { action(m).Creates[0].Object = "company" }, at + ".creates.0.object", metadata.ProblemUnknownTarget},
		{"unknown mapped field", func(m *metadata.Model) { action(m).Creates[0].Values["title"] = "company" }, at + ".creates.0.values.title", metadata.ProblemUnknownField},
		{"auto-number mapped", func(m *metadata.Model) { action(m).Creates[0].Values["number"] = "company" }, at + ".creates.0.values.number", metadata.ProblemInvalidSetting},
		{"value of the wrong kind", func(m *metadata.Model) { action(m).Creates[2].Values["amount"] = "company" }, at + ".creates.2.values.amount", metadata.ProblemInvalidExpr},
		{"created later", func(m *metadata.Model) { action(m).Creates[1].Values["account"] = "$created.opportunity" }, at + ".creates.1.values.account", metadata.ProblemInvalidExpr},
		{"created itself", func(m *metadata.Model) { action(m).Creates[0].Values["name"] = "$created.account" }, at + ".creates.0.values.name", metadata.ProblemInvalidExpr},
		{"created unknown", func(m *metadata.Model) { action(m).Updates["status"] = "$created.deal" }, at + ".updates.status", metadata.ProblemInvalidExpr},
		{"when not boolean", func(m *metadata.Model) { action(m).Creates[2].When = "$params.amount" }, at + ".creates.2.when", metadata.ProblemInvalidExpr},
		{"duplicate alias", func(m *metadata.Model) { action(m).Creates[1].As = "account" }, at + ".creates.1.as", metadata.ProblemDuplicate},
		{"bad alias", func(m *metadata.Model) { action(m).Creates[1].As = "the contact" }, at + ".creates.1.as", metadata.ProblemInvalidName},
		{"no values", func(m *metadata.Model) { action(m).Creates[1].Values = nil }, at + ".creates.1.values", metadata.ProblemInvalidSetting},
		{"too many creates", func(m *metadata.Model) {
			a := action(m)
			for i := range 9 {
				a.Creates = append(a.Creates, &metadata.ActionCreate{As: "extra" + string(rune('a'+i)), Object: "account", Values: map[string]string{"name": "company"}})
			}
		}, at + ".creates", metadata.ProblemInvalidSetting},
		{"update of unknown field", func(m *metadata.Model) { action(m).Updates["stage"] = `"x"` }, at + ".updates.stage", metadata.ProblemUnknownField},
		{"update of the wrong kind", func(m *metadata.Model) { action(m).Updates["converted_on"] = "company" }, at + ".updates.converted_on", metadata.ProblemInvalidExpr},
		{"nothing to do", func(m *metadata.Model) { action(m).Creates, action(m).Updates = nil, nil }, at, metadata.ProblemInvalidSetting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := actionModel()
			tt.change(m)
			ps := metadata.Validate(m, check)
			got := map[string]string{}
			for _, p := range ps {
				got[p.Path] = p.Code
			}
			assert.Equal(t, tt.code, got[tt.path], "problems: %v", ps)
		})
	}
}

// TestRecordActionClone checks that Object.Clone copies actions deeply.
func TestRecordActionClone(t *testing.T) {
	o := actionModel().Object("lead")
	c := o.Clone()
	c.Actions[0].Creates[0].Values["name"] = "x"
	c.Actions[0].Updates["status"] = "x"
	c.Actions[0].Parameters[0].Name = "x"
	c.Actions[0].Label["en"] = "x"
	a := o.Actions[0]
	assert.Equal(t, "company", a.Creates[0].Values["name"])
	assert.Equal(t, `"Converted"`, a.Updates["status"])
	assert.Equal(t, "create_opportunity", a.Parameters[0].Name)
	assert.Equal(t, "Convert", a.Label["en"])
}

// TestDecodeRecordActions reads actions from an object document in YAML,
// which the object schema accepts.
func TestDecodeRecordActions(t *testing.T) {
	o, err := metadata.DecodeObject([]byte(`
name: lead
fields:
  - {name: company, type: text}
  - {name: status, type: text}
actions:
  - name: close
    label: {en: Close}
    criteria: 'status != "Closed"'
    parameters:
      - {name: reason, type: text, required: true}
    creates:
      - as: copy
        object: lead
        values: {company: '$params.reason'}
    updates: {status: '"Closed"'}
`))
	require.NoError(t, err)
	require.Len(t, o.Actions, 1)
	a := o.Actions[0]
	assert.Equal(t, "close", a.Name)
	assert.True(t, a.Parameters[0].Required)
	assert.Equal(t, "$params.reason", a.Creates[0].Values["company"])
	assert.Empty(t, metadata.Validate(&metadata.Model{Objects: []*metadata.Object{o}}, expression.Checker{}))

	_, err = metadata.DecodeObject([]byte(`
name: lead
fields: [{name: status, type: text}]
actions: [{name: close, updates: {status: '"x"'}, bogus: 1}]
`))
	assert.Error(t, err)
}

// TestFollowActionReferences renames a target object and fields of the
// target and of the source: the mappings follow.
func TestFollowActionReferences(t *testing.T) {
	prev := actionModel()
	next := prev.Clone()
	next.Object("account").Name = "company"
	next.Object("company").Field("industry").Name = "sector"
	next.Object("lead").Field("status").Name = "stage"
	next.FollowActionReferences(prev)
	a := next.Object("lead").Actions[0]
	assert.Equal(t, "company", a.Creates[0].Object)
	assert.Equal(t, map[string]string{"name": "company", "sector": "industry"}, a.Creates[0].Values)
	assert.Equal(t, `"Converted"`, a.Updates["stage"])
	assert.NotContains(t, a.Updates, "status")
	assert.Equal(t, "contact", a.Creates[1].Object)
}
