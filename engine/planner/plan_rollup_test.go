package planner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/planner"
	"github.com/mosaic-paas/mosaic/metadata"
)

// withRollup is base with a roll-up on the account over its contacts.
func withRollup(function, fieldName string) *metadata.Model {
	m := base()
	m.Object("contact").Fields = append(m.Object("contact").Fields,
		&metadata.Field{ID: "f-score", Name: "score", Type: "number", Settings: metadata.Settings{Scale: intp(1)}},
		&metadata.Field{ID: "f-seen", Name: "seen", Type: "date"})
	m.Object("account").Fields = append(m.Object("account").Fields, &metadata.Field{ID: "f-roll", Name: "roll", Type: "rollup",
		Settings: metadata.Settings{Child: "contact", Lookup: "account", Function: function, Field: fieldName}})
	return m
}

// TestBuildRollupChanges: a roll-up's values are computed again by the
// runtime, so a new kind of values makes a new column without checking the
// old values; another field cannot become a roll-up.
func TestBuildRollupChanges(t *testing.T) {
	d := dialect.Postgres{}
	plan := func(old, new *metadata.Model) (*planner.Plan, metadata.Problems) {
		t.Helper()
		require.Empty(t, metadata.Validate(old, nil))
		require.Empty(t, metadata.Validate(new, nil))
		return planner.Build(d, schema, old, new)
	}
	col := `"roll"`

	p, ps := plan(withRollup("sum", "score"), withRollup("max", "seen"))
	require.Empty(t, ps)
	assert.Empty(t, p.Checks, "no check of values that are computed again")
	assert.Equal(t, []string{
		"ALTER TABLE " + tbl(d, "account") + " DROP COLUMN " + col,
		"ALTER TABLE " + tbl(d, "account") + " ADD COLUMN " + col + " date",
	}, stepSQL(p))
	assert.Equal(t, []string{"change rollup account.roll to date values of scale 0, computing it again for every record"}, p.Changes)

	p, ps = plan(withRollup("sum", "score"), withRollup("max", "score"))
	require.Empty(t, ps)
	assert.Empty(t, p.Checks)
	assert.Empty(t, stepSQL(p))
	assert.Equal(t, []string{"compute rollup account.roll again for every record"}, p.Changes)

	// The summed field's scale is the roll-up's.
	next := withRollup("sum", "score")
	field(next, "contact", "score").Settings.Scale = intp(3)
	p, ps = plan(withRollup("sum", "score"), next)
	require.Empty(t, ps)
	assert.Contains(t, stepSQL(p), "ALTER TABLE "+tbl(d, "account")+" ADD COLUMN "+col+" numeric(18,3)")

	old := withRollup("sum", "score")
	*field(old, "account", "roll") = metadata.Field{ID: "f-roll", Name: "roll", Type: "number"}
	_, ps = plan(old, withRollup("sum", "score"))
	assert.Equal(t, metadata.Problems{{Path: "objects.account.fields.roll.type", Code: metadata.ProblemUnsupported,
		Message: `field "roll" cannot become a rollup; add a new rollup field instead`}}, ps)
}
