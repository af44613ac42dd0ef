package compiled_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// formulaModel: a line looks up a deal, a deal an account, an account its
// region; formulas read along those lookups.
func formulaModel() *metadata.Model {
	lookup := func(id, name, target string) *metadata.Field {
		return &metadata.Field{ID: id, Name: name, Type: "lookup", Settings: metadata.Settings{Target: target, OnDelete: metadata.OnDeleteSetNull}}
	}
	formula := func(id, name, result, src string) *metadata.Field {
		return &metadata.Field{ID: id, Name: name, Type: "formula", Settings: metadata.Settings{ResultType: result, Expression: src}}
	}
	return &metadata.Model{Objects: []*metadata.Object{
		{ID: "o-line", Name: "line", Fields: []*metadata.Field{
			lookup("f-deal", "deal", "deal"),
			formula("f-region", "region_name", "text", "deal.account.region.name"),
			formula("f-big", "deal_big", "boolean", "deal.big"),
		}},
		{ID: "o-deal", Name: "deal", Fields: []*metadata.Field{
			{ID: "f-amount", Name: "amount", Type: "currency"},
			lookup("f-acc", "account", "account"),
			// Out of order on purpose: big reads commission.
			formula("f-big", "big", "boolean", "commission > 100"),
			formula("f-com", "commission", "currency", "round(amount * 0.15, 2)"),
			formula("f-ind", "industry", "text", "account.industry"),
			formula("f-dir", "director", "text", "account.region.director ?? account.industry"),
		}, Rules: []*metadata.Rule{
			{ID: "r1", Name: "no_banned", Condition: `account.name == "Banned"`, Message: metadata.T("no")},
		}},
		{ID: "o-acc", Name: "account", Fields: []*metadata.Field{
			{ID: "f-name", Name: "name", Type: "text"},
			{ID: "f-ind", Name: "industry", Type: "text"},
			lookup("f-reg", "region", "region"),
		}},
		{ID: "o-reg", Name: "region", Fields: []*metadata.Field{
			{ID: "f-name", Name: "name", Type: "text"},
			{ID: "f-dir", Name: "director", Type: "text"},
		}},
	}}
}

func formulaNames(fs []*compiled.Formula) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Column.Name
	}
	return out
}

func pathNames(ps []*compiled.Path) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func TestFormulaModelIsValid(t *testing.T) {
	require.Empty(t, metadata.Validate(formulaModel(), expression.Checker{}))
}

func TestCompileFormulas(t *testing.T) {
	rev, err := compiled.Compile(postgres, "t1", schema, 1, formulaModel())
	require.NoError(t, err)
	deal, _ := rev.Object("deal")
	line, _ := rev.Object("line")
	account, _ := rev.Object("account")
	region, _ := rev.Object("region")

	assert.Equal(t, []string{"commission", "big", "industry", "director"}, formulaNames(deal.Formulas), "each after the formulas it reads")
	assert.Equal(t, []string{"account.industry", "account.name", "account.region.director"}, pathNames(deal.Paths), "formulas' and rules' paths, once each")
	p := deal.Paths[2]
	assert.Equal(t, []string{"account", "region"}, names(p.Via))
	require.Len(t, p.Objects, 3)
	assert.Same(t, deal, p.Objects[0])
	assert.Same(t, account, p.Objects[1])
	assert.Same(t, region, p.Objects[2])
	assert.Equal(t, "director", p.Column.Name)

	assert.Equal(t, `SELECT j1."industry", j1."name", j2."director" FROM (SELECT 1 AS one) AS r `+
		`LEFT JOIN "t_acme"."account" AS j1 ON j1."id" = $1 LEFT JOIN "t_acme"."region" AS j2 ON j2."id" = j1."region"`, deal.PathsSQL)
	assert.Equal(t, []string{"account"}, names(deal.PathArgs))
	assert.Equal(t, `SELECT r."id", r."created_at", r."created_by", r."updated_at", r."updated_by", r."owner_id", r."version", r."record_type", `+
		`r."amount", r."account", r."big", r."commission", r."industry", r."director", j1."industry", j1."name", j2."director" `+
		`FROM "t_acme"."deal" AS r LEFT JOIN "t_acme"."account" AS j1 ON j1."id" = r."account" LEFT JOIN "t_acme"."region" AS j2 ON j2."id" = j1."region"`, deal.RecordsSQL)
	assert.Equal(t, `UPDATE "t_acme"."deal" SET "commission" = $1, "big" = $2, "industry" = $3, "director" = $4 WHERE "id" = $5`, deal.FormulaUpdateSQL)

	// Three lookups from a line; deal.big is a formula of the deal.
	assert.Equal(t, []string{"deal.account.region.name", "deal.big"}, pathNames(line.Paths))
	assert.Equal(t, `SELECT j3."name", j1."big" FROM (SELECT 1 AS one) AS r `+
		`LEFT JOIN "t_acme"."deal" AS j1 ON j1."id" = $1 LEFT JOIN "t_acme"."account" AS j2 ON j2."id" = j1."account" LEFT JOIN "t_acme"."region" AS j3 ON j3."id" = j2."region"`, line.PathsSQL, "joins shared by the paths that start alike")

	// Dependents: who must be computed again when a record changes.
	type dep struct {
		object string
		via    []string
		reads  []string
		sql    string
	}
	deps := func(o *compiled.Object) []dep {
		var out []dep
		for _, d := range o.Dependents {
			var reads []string
			for _, c := range o.Columns {
				if d.Reads[c.Name] {
					reads = append(reads, c.Name)
				}
			}
			out = append(out, dep{d.Object.Meta.Name, names(d.Via), reads, d.IDsSQL})
		}
		return out
	}
	assert.Equal(t, []dep{
		{"deal", []string{"account"}, []string{"industry", "region"},
			`SELECT "id" FROM "t_acme"."deal" WHERE "account" = $1 ORDER BY "id" FOR NO KEY UPDATE`},
		{"line", []string{"deal", "account"}, []string{"region"},
			`SELECT "id" FROM "t_acme"."line" WHERE "deal" IN (SELECT "id" FROM "t_acme"."deal" WHERE "account" = $1) ORDER BY "id" FOR NO KEY UPDATE`},
	}, deps(account), "rules do not make dependents: they run on writes only")
	assert.Equal(t, []dep{
		{"deal", []string{"account", "region"}, []string{"director"},
			`SELECT "id" FROM "t_acme"."deal" WHERE "account" IN (SELECT "id" FROM "t_acme"."account" WHERE "region" = $1) ORDER BY "id" FOR NO KEY UPDATE`},
		{"line", []string{"deal", "account", "region"}, []string{"name"},
			`SELECT "id" FROM "t_acme"."line" WHERE "deal" IN (SELECT "id" FROM "t_acme"."deal" WHERE "account" IN (SELECT "id" FROM "t_acme"."account" WHERE "region" = $1)) ORDER BY "id" FOR NO KEY UPDATE`},
	}, deps(region))
	assert.Equal(t, []dep{
		{"line", []string{"deal"}, []string{"account", "big"},
			`SELECT "id" FROM "t_acme"."line" WHERE "deal" = $1 ORDER BY "id" FOR NO KEY UPDATE`},
	}, deps(deal))
	assert.Empty(t, line.Dependents)
	assert.Empty(t, region.Formulas)
	assert.Empty(t, region.PathsSQL)
	assert.Equal(t, `SELECT r."id", r."created_at", r."created_by", r."updated_at", r."updated_by", r."owner_id", r."version", r."record_type", r."name", r."director" FROM "t_acme"."region" AS r`, region.RecordsSQL)
}

func TestCompileFormulasSQLite(t *testing.T) {
	rev, err := compiled.Compile(sqlite, "t1", schema, 1, formulaModel())
	require.NoError(t, err)
	deal, _ := rev.Object("deal")
	assert.Equal(t, `SELECT j1."industry", j1."name", j2."director" FROM (SELECT 1 AS one) AS r `+
		`LEFT JOIN "t_acme__account" AS j1 ON j1."id" = ?1 LEFT JOIN "t_acme__region" AS j2 ON j2."id" = j1."region"`, deal.PathsSQL)
	account, _ := rev.Object("account")
	require.NotEmpty(t, account.Dependents)
	assert.Equal(t, `SELECT "id" FROM "t_acme__deal" WHERE "account" = ?1 ORDER BY "id"`, account.Dependents[0].IDsSQL, "SQLite writes are serialized: no locks")
}

func TestCompileFormulaErrors(t *testing.T) {
	m := formulaModel()
	m.Object("deal").Field("industry").Settings.Expression = "account.industri"
	_, err := compiled.Compile(postgres, "t1", schema, 1, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `compiled: formula deal.industry: object "account" has no field "industri"`)

	m = formulaModel()
	m.Object("deal").Field("commission").Settings.Expression = "big ? 1 : 0"
	_, err = compiled.Compile(postgres, "t1", schema, 1, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "depends on itself")
}
