package planner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/planner"
	"github.com/mosaic-paas/mosaic/metadata"
)

// withFormula is base with a formula on account.
func withFormula() *metadata.Model {
	m := base()
	a := m.Object("account")
	a.Fields = append(a.Fields, &metadata.Field{ID: "f-f", Name: "score", Type: "formula",
		Settings: metadata.Settings{ResultType: "number", Expression: "amount * 2"}})
	return m
}

// A formula's values are computed again after every change of it: they are
// never checked, and a new type of value makes a new column.
func TestBuildFormulaChanges(t *testing.T) {
	pg := dialect.Postgres{}
	tests := []struct {
		name     string
		mutate   func(m *metadata.Model)
		steps    []string
		changes  []string
		problems []string
	}{
		{
			name:    "expression",
			mutate:  func(m *metadata.Model) { field(m, "account", "score").Settings.Expression = "amount * 3" },
			changes: []string{"compute formula account.score again for every record"},
		},
		{
			name: "result type",
			mutate: func(m *metadata.Model) {
				field(m, "account", "score").Settings.ResultType = "boolean"
				field(m, "account", "score").Settings.Expression = "amount > 2"
			},
			steps: []string{
				`ALTER TABLE "t_acme"."account" DROP COLUMN "score"`,
				`ALTER TABLE "t_acme"."account" ADD COLUMN "score" boolean`,
			},
			changes: []string{"change formula account.score from result type number to boolean, computing it again for every record"},
		},
		{
			name:   "scale",
			mutate: func(m *metadata.Model) { field(m, "account", "score").Settings.Scale = intp(2) },
			steps: []string{
				`ALTER TABLE "t_acme"."account" DROP COLUMN "score"`,
				`ALTER TABLE "t_acme"."account" ADD COLUMN "score" numeric(18,2)`,
			},
			changes: []string{"change formula account.score to precision 18, scale 2, computing it again for every record"},
		},
		{
			name:    "rename",
			mutate:  func(m *metadata.Model) { field(m, "account", "score").Name = "points" },
			steps:   []string{`ALTER TABLE "t_acme"."account" RENAME COLUMN "score" TO "points"`},
			changes: []string{"rename field account.score to points"},
		},
		{
			name: "a field becoming a formula",
			mutate: func(m *metadata.Model) {
				f := field(m, "account", "notes")
				f.Type, f.Settings = "formula", metadata.Settings{ResultType: "text", Expression: "name"}
			},
			problems: []string{"objects.account.fields.notes.type " + metadata.ProblemUnsupported},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := withFormula()
			next := old.Clone()
			tt.mutate(next)
			require.Empty(t, metadata.Validate(next, nil))
			plan, ps := planner.Build(pg, schema, old, next)
			var problems []string
			for _, p := range ps {
				problems = append(problems, p.Path+" "+p.Code)
			}
			assert.Equal(t, tt.problems, problems)
			if len(tt.problems) > 0 {
				return
			}
			assert.Equal(t, tt.steps, stepSQL(plan))
			assert.Empty(t, plan.Checks, "a formula's values are never checked")
			assert.Equal(t, tt.changes, plan.Changes)
		})
	}
	// SQLite rebuilds the table without the column, to be computed again.
	old := withFormula()
	next := old.Clone()
	field(next, "account", "score").Settings.ResultType = "text"
	field(next, "account", "score").Settings.Expression = "name"
	plan, ps := planner.Build(dialect.SQLite{}, schema, old, next)
	require.Empty(t, ps)
	assert.Empty(t, plan.Checks)
	assert.Contains(t, plan.Changes, "change formula account.score from result type number to text, computing it again for every record")
}
