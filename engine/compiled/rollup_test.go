package compiled_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
)

// rollupModel is an account summarizing its deals (and its sub-accounts).
func rollupModel(filter string) *metadata.Model {
	return &metadata.Model{Objects: []*metadata.Object{
		{ID: "o-acc", Name: "account", Fields: []*metadata.Field{
			{ID: "f-parent", Name: "parent", Type: "lookup", Settings: metadata.Settings{Target: "account", OnDelete: metadata.OnDeleteSetNull}},
			{ID: "f-won", Name: "won_total", Type: "rollup", Settings: metadata.Settings{
				Child: "deal", Lookup: "account", Function: "sum", Field: "amount", Filter: filter}},
			{ID: "f-n", Name: "deals", Type: "rollup", Settings: metadata.Settings{Child: "deal", Lookup: "account", Function: "count"}},
			{ID: "f-last", Name: "last_close", Type: "rollup", Settings: metadata.Settings{Child: "deal", Lookup: "account", Function: "max", Field: "close"}},
			{ID: "f-subs", Name: "subs", Type: "rollup", Settings: metadata.Settings{Child: "account", Lookup: "parent", Function: "count"}},
		}},
		{ID: "o-deal", Name: "deal", Fields: []*metadata.Field{
			{ID: "f-amount", Name: "amount", Type: "currency", Settings: metadata.Settings{Precision: 12}},
			{ID: "f-stage", Name: "stage", Type: "picklist", Settings: metadata.Settings{Values: values("open", "won")}},
			{ID: "f-close", Name: "close", Type: "date"},
			{ID: "f-acc", Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account", OnDelete: metadata.OnDeleteCascade}},
		}},
	}}
}

func TestCompileRollups(t *testing.T) {
	m := rollupModel(`stage == "won" && amount > 10`)
	require.Empty(t, metadata.Validate(m, nil))

	r, err := compiled.Compile(postgres, "tenant-1", schema, 1, m)
	require.NoError(t, err)
	acc, _ := r.Object("account")
	deal, _ := r.Object("deal")

	require.Len(t, acc.Rollups.Held, 4)
	won := acc.Rollups.Held[0]
	assert.Equal(t, "won_total", won.Column.Name)
	assert.Equal(t, metadata.KindDecimal, won.Column.Type.Kind)
	assert.Equal(t, 18, won.Column.Type.Precision, "sums get every digit")
	assert.Equal(t, 2, won.Column.Type.Scale, "and the scale of the summed field")
	assert.Equal(t, map[string]bool{"account": true, "amount": true, "stage": true}, won.Reads)
	assert.Equal(t, metadata.KindDate, acc.Rollups.Held[2].Column.Type.Kind)
	assert.Equal(t, `UPDATE "t_acme"."account" AS p SET "won_total" = (SELECT coalesce(sum(c."amount"), 0) FROM "t_acme"."deal" AS c WHERE c."account" = p."id" AND (c."stage" = $1 AND c."amount" > $2))`, won.FillSQL)
	assert.Equal(t, []any{"won", "10"}, won.FillArgs)

	// The deal feeds one group (account over deal.account); the account
	// feeds its own sub-account count.
	require.Len(t, deal.Rollups.Fed, 1)
	g := deal.Rollups.Fed[0]
	assert.Same(t, acc, g.Parent)
	assert.Len(t, g.Rollups, 3)
	assert.Equal(t, map[string]bool{"account": true, "amount": true, "stage": true, "close": true}, g.Reads)
	assert.Equal(t, `SELECT "id" FROM "t_acme"."account" WHERE "id" = $1 FOR NO KEY UPDATE`, g.LockSQL)
	assert.Equal(t, `UPDATE "t_acme"."account" SET `+
		`"won_total" = (SELECT coalesce(sum(c."amount"), 0) FROM "t_acme"."deal" AS c WHERE c."account" = $1 AND (c."stage" = $2 AND c."amount" > $3)), `+
		`"deals" = (SELECT count(*) FROM "t_acme"."deal" AS c WHERE c."account" = $1 AND 1 = 1), `+
		`"last_close" = (SELECT max(c."close") FROM "t_acme"."deal" AS c WHERE c."account" = $1 AND 1 = 1) `+
		`WHERE "id" = $1`, g.RecomputeSQL)
	assert.Equal(t, []any{"won", "10"}, g.RecomputeArgs)
	require.Len(t, acc.Rollups.Fed, 1)
	assert.Equal(t, "subs", acc.Rollups.Fed[0].Rollups[0].Column.Name)
	assert.Empty(t, deal.Rollups.Held)

	// A new account starts with zero counts and sums.
	start := acc.Rollups.Start
	require.Len(t, start, 4)
	assert.Equal(t, "0.00", start["won_total"].(decimal.Decimal).StringFixed(2))
	assert.Equal(t, int32(-2), start["won_total"].(decimal.Decimal).Exponent())
	assert.Equal(t, "0", start["deals"].(decimal.Decimal).String())
	assert.Nil(t, start["last_close"])
	assert.Nil(t, deal.Rollups.Start)
	// Deleting an account deletes its deals, whose roll-ups are the
	// account's own: nothing else to maintain.
	assert.False(t, acc.Rollups.Cascades)
	assert.False(t, deal.Rollups.Cascades)

	// SQLite: scaled integers, no row locks (writes are serialized).
	r, err = compiled.Compile(sqlite, "tenant-1", schema, 1, rollupModel(`stage == "won" && amount > 10`))
	require.NoError(t, err)
	deal, _ = r.Object("deal")
	g = deal.Rollups.Fed[0]
	assert.Equal(t, `SELECT "id" FROM "t_acme__account" WHERE "id" = ?1`, g.LockSQL)
	assert.Equal(t, []any{"won", int64(1000)}, g.RecomputeArgs)
}

func TestCompileRollupFilterErrors(t *testing.T) {
	for _, c := range []struct {
		filter, message string
	}{
		{`stage == "lost"`, "invalid value for field \"stage\": \"lost\" is not one of the allowed values: \"open\", \"won\" (1:10)\n | stage == \"lost\"\n | .........^"},
		{`stag == "won"`, "unknown field \"stag\" (1:1)\n | stag == \"won\"\n | ^"},
		{`close < $today`, "$today cannot be used in a roll-up filter: the stored value changes when children change, not as time passes or per user (1:9)\n | close < $today\n | ........^"},
	} {
		t.Run(c.filter, func(t *testing.T) {
			m := rollupModel(c.filter)
			require.Empty(t, metadata.Validate(m, nil))
			_, err := compiled.Compile(postgres, "tenant-1", schema, 1, m)
			var ps metadata.Problems
			require.True(t, errors.As(err, &ps), "%v", err)
			require.Len(t, ps, 1)
			assert.Equal(t, "objects.account.fields.won_total.settings.filter", ps[0].Path)
			assert.Equal(t, metadata.ProblemInvalidExpr, ps[0].Code)
			assert.Equal(t, c.message, ps[0].Message)
		})
	}
}
