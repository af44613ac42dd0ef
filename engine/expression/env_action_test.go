package expression_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// TestActionEnv compiles and runs expressions of a record action: typed
// $params, $created of earlier records only, and the record's fields.
func TestActionEnv(t *testing.T) {
	lead := &metadata.Object{Name: "lead", Fields: []*metadata.Field{
		{Name: "company", Type: "text"}, {Name: "status", Type: "text"},
	}}
	m := &metadata.Model{Objects: []*metadata.Object{lead}}
	a := &metadata.RecordAction{Name: "convert", Parameters: []*metadata.ActionParameter{
		{Name: "create_opportunity", Type: "boolean"},
		{Name: "opportunity_name", Type: "text"},
		{Name: "amount", Type: "number"},
	}}
	env := expression.NewActionEnv(m, lead, a, []string{"account"})

	p, err := expression.Compile(`$params.opportunity_name ?? (company + " deal")`, env)
	require.NoError(t, err)
	vars := expression.NewVars(time.Now(), expression.User{}).WithFields(map[string]any{"company": "Acme"})
	out, err := p.Run(vars)
	require.NoError(t, err)
	assert.Equal(t, "Acme deal", out)
	out, err = p.Run(vars.WithParams(map[string]any{"opportunity_name": "Big"}))
	require.NoError(t, err)
	assert.Equal(t, "Big", out)

	c, err := expression.CompileCondition(`$params.create_opportunity && $created.account != nil`, env)
	require.NoError(t, err)
	ok, err := c.RunCondition(vars.WithParams(map[string]any{"create_opportunity": true}).WithCreated("account", "x"))
	require.NoError(t, err)
	assert.True(t, ok)

	_, err = expression.CompileCondition(`$params.amount`, env)
	assert.ErrorContains(t, err, "a condition must be true or false, but this is a number")
	_, err = expression.Compile(`$created.contact`, env)
	assert.ErrorContains(t, err, "unknown name $created")
	_, err = expression.Compile(`$params.nope`, env)
	assert.ErrorContains(t, err, "$params")

	checker := expression.Checker{}
	f := &metadata.Field{Name: "status", Type: "text"}
	assert.NoError(t, checker.CheckActionAssignment(m, lead, a, nil, f, `"Converted"`))
	assert.ErrorContains(t, checker.CheckActionAssignment(m, lead, a, nil, f, `$params.amount`), `value of "status" must be a string`)
}
