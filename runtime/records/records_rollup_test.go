package records_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestMain drops the PostgreSQL template database when the tests end.
func TestMain(m *testing.M) { storetest.Main(m) }

// rollupTenant is a tenant whose metadata is changed by the test.
type rollupTenant struct {
	t      *testing.T
	ctx    context.Context
	cat    *catalog.Catalog
	tenant store.Tenant
	svc    *records.Service
	rev    *compiled.Revision
}

func newRollupTenant(t *testing.T, db store.DB) *rollupTenant {
	t.Helper()
	ctx := context.Background()
	tenant, err := store.CreateTenant(ctx, db, "acme")
	require.NoError(t, err)
	return &rollupTenant{t: t, ctx: ctx, cat: catalog.New(db), tenant: tenant, svc: records.New(db)}
}

// change applies a metadata change, requiring it to succeed.
func (rt *rollupTenant) change(mutate func(m *metadata.Model)) {
	rt.t.Helper()
	res, err := rt.cat.Change(rt.ctx, rt.tenant, catalog.ChangeOptions{Actor: "test"}, func(m *metadata.Model) error {
		mutate(m)
		return nil
	})
	require.NoError(rt.t, err)
	rt.rev = res.Revision
}

func (rt *rollupTenant) obj(name string) *compiled.Object {
	rt.t.Helper()
	o, ok := rt.rev.Object(name)
	require.True(rt.t, ok, name)
	return o
}

func (rt *rollupTenant) create(object string, values map[string]any) string {
	rt.t.Helper()
	rec, err := rt.svc.Create(rt.ctx, rt.rev, rt.obj(object), records.Actor{}, values)
	require.NoError(rt.t, err)
	return rec.ID()
}

// value reads a field of a record as text ("" when empty).
func (rt *rollupTenant) value(object, id, field string) string {
	rt.t.Helper()
	rec, err := rt.svc.Get(rt.ctx, rt.rev, rt.obj(object), records.Actor{}, id)
	require.NoError(rt.t, err)
	switch v := rec[field].(type) {
	case nil:
		return ""
	case decimal.Decimal:
		return v.String()
	default:
		return v.(string)
	}
}

func lookup(name, target, onDelete string) *metadata.Field {
	return &metadata.Field{Name: name, Type: "lookup", Settings: metadata.Settings{Target: target, OnDelete: onDelete}}
}

func rollupField(name, child, via, function, field string) *metadata.Field {
	return &metadata.Field{Name: name, Type: "rollup", Settings: metadata.Settings{Child: child, Lookup: via, Function: function, Field: field}}
}

// TestRollupCascadeChain deletes a record whose deletion cascades two
// levels down, to children of other parents: an account's opportunities
// and their line items, counted on products and summed on campaigns.
func TestRollupCascadeChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rt := newRollupTenant(t, db)
		rt.change(func(m *metadata.Model) {
			m.Objects = append(m.Objects,
				&metadata.Object{Name: "account", Fields: []*metadata.Field{{Name: "name", Type: "text"}}},
				&metadata.Object{Name: "campaign", Fields: []*metadata.Field{{Name: "name", Type: "text"}}},
				&metadata.Object{Name: "product", Fields: []*metadata.Field{{Name: "name", Type: "text"}}},
				&metadata.Object{Name: "opportunity", Fields: []*metadata.Field{
					{Name: "amount", Type: "currency"},
					lookup("account", "account", metadata.OnDeleteCascade),
					lookup("campaign", "campaign", metadata.OnDeleteSetNull),
				}},
				&metadata.Object{Name: "line", Fields: []*metadata.Field{
					{Name: "quantity", Type: "number"},
					lookup("opportunity", "opportunity", metadata.OnDeleteCascade),
					lookup("product", "product", metadata.OnDeleteRestrict),
				}},
			)
		})
		rt.change(func(m *metadata.Model) {
			m.Object("campaign").Fields = append(m.Object("campaign").Fields, rollupField("pipeline", "opportunity", "campaign", "sum", "amount"))
			m.Object("product").Fields = append(m.Object("product").Fields,
				rollupField("lines", "line", "product", "count", ""),
				rollupField("sold", "line", "product", "sum", "quantity"))
		})
		acc := rt.create("account", map[string]any{"name": "A"})
		other := rt.create("account", map[string]any{"name": "B"})
		camp := rt.create("campaign", map[string]any{"name": "Spring"})
		prod := rt.create("product", map[string]any{"name": "Widget"})
		for i, a := range []string{acc, acc, other} {
			opp := rt.create("opportunity", map[string]any{"amount": 100 * (i + 1), "account": a, "campaign": camp})
			for q := 1; q <= 2; q++ {
				rt.create("line", map[string]any{"quantity": q, "opportunity": opp, "product": prod})
			}
		}
		assert.Equal(t, "600", rt.value("campaign", camp, "pipeline"))
		assert.Equal(t, "6", rt.value("product", prod, "lines"))
		assert.Equal(t, "9", rt.value("product", prod, "sold"))

		require.NoError(t, rt.svc.Delete(rt.ctx, rt.rev, rt.obj("account"), records.Actor{}, acc, nil))
		assert.Equal(t, "300", rt.value("campaign", camp, "pipeline"))
		assert.Equal(t, "2", rt.value("product", prod, "lines"))
		assert.Equal(t, "3", rt.value("product", prod, "sold"))
	})
}

// TestRollupBatch writes several children of one parent in one batch, and
// a batch that fails changes no roll-up.
func TestRollupBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rt := newRollupTenant(t, db)
		rt.change(func(m *metadata.Model) {
			m.Objects = append(m.Objects,
				&metadata.Object{Name: "account", Fields: []*metadata.Field{{Name: "name", Type: "text"}}},
				&metadata.Object{Name: "opportunity", Fields: []*metadata.Field{
					{Name: "amount", Type: "currency", Required: true},
					lookup("account", "account", metadata.OnDeleteCascade),
				}})
		})
		rt.change(func(m *metadata.Model) {
			m.Object("account").Fields = append(m.Object("account").Fields, rollupField("total", "opportunity", "account", "sum", "amount"))
		})
		acc := rt.create("account", map[string]any{"name": "A"})
		batch := func(amounts ...any) error {
			req := records.BatchRequest{Op: records.BatchCreate}
			for _, a := range amounts {
				req.Records = append(req.Records, map[string]any{"amount": a, "account": acc})
			}
			_, err := rt.svc.Batch(rt.ctx, rt.rev, rt.obj("opportunity"), records.Actor{}, req)
			return err
		}
		require.NoError(t, batch("1.10", "2.20", "3.30"))
		assert.Equal(t, "6.6", rt.value("account", acc, "total"))
		// The third record points at no account: the batch is refused whole.
		req := records.BatchRequest{Op: records.BatchCreate, Records: []map[string]any{
			{"amount": "5", "account": acc}, {"amount": "5", "account": acc},
			{"amount": "5", "account": "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
		}}
		_, err := rt.svc.Batch(rt.ctx, rt.rev, rt.obj("opportunity"), records.Actor{}, req)
		require.Error(t, err)
		assert.Equal(t, "6.6", rt.value("account", acc, "total"))
	})
}

// TestRollupFormulas keeps formulas that read roll-ups current: the
// parent's own formula, and the children's formulas that read the parent's
// roll-up through their lookup.
func TestRollupFormulas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rt := newRollupTenant(t, db)
		rt.change(func(m *metadata.Model) {
			m.Objects = append(m.Objects,
				&metadata.Object{Name: "account", Fields: []*metadata.Field{{Name: "name", Type: "text"}}},
				&metadata.Object{Name: "opportunity", Fields: []*metadata.Field{
					{Name: "amount", Type: "currency"},
					lookup("account", "account", metadata.OnDeleteCascade),
				}})
		})
		rt.change(func(m *metadata.Model) {
			m.Object("account").Fields = append(m.Object("account").Fields,
				rollupField("total", "opportunity", "account", "sum", "amount"),
				&metadata.Field{Name: "doubled", Type: "formula", Settings: metadata.Settings{Expression: "total * 2", ResultType: "currency"}})
			m.Object("opportunity").Fields = append(m.Object("opportunity").Fields,
				&metadata.Field{Name: "account_total", Type: "formula", Settings: metadata.Settings{Expression: "account.total", ResultType: "currency"}})
		})
		acc := rt.create("account", map[string]any{"name": "A"})
		assert.Equal(t, "0", rt.value("account", acc, "total"))
		assert.Equal(t, "0", rt.value("account", acc, "doubled"), "a new record's formulas see its roll-ups start at zero")
		o1 := rt.create("opportunity", map[string]any{"amount": "10", "account": acc})
		o2 := rt.create("opportunity", map[string]any{"amount": "5", "account": acc})
		assert.Equal(t, "15", rt.value("account", acc, "total"))
		assert.Equal(t, "30", rt.value("account", acc, "doubled"))
		assert.Equal(t, "15", rt.value("opportunity", o1, "account_total"))
		assert.Equal(t, "15", rt.value("opportunity", o2, "account_total"))
		require.NoError(t, rt.svc.Delete(rt.ctx, rt.rev, rt.obj("opportunity"), records.Actor{}, o2, nil))
		assert.Equal(t, "20", rt.value("account", acc, "doubled"))
		assert.Equal(t, "10", rt.value("opportunity", o1, "account_total"))
	})
}

// TestRollupFillOrder adds, in one change, a roll-up and a roll-up of it
// to existing records: the first is computed before the second reads it.
// Redefining the formula a roll-up sums computes the roll-up again.
func TestRollupFillOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rt := newRollupTenant(t, db)
		rt.change(func(m *metadata.Model) {
			m.Objects = append(m.Objects,
				&metadata.Object{Name: "region", Fields: []*metadata.Field{{Name: "name", Type: "text"}}},
				&metadata.Object{Name: "account", Fields: []*metadata.Field{lookup("region", "region", metadata.OnDeleteSetNull)}},
				&metadata.Object{Name: "opportunity", Fields: []*metadata.Field{
					{Name: "amount", Type: "currency"},
					lookup("account", "account", metadata.OnDeleteCascade),
					{Name: "weighted", Type: "formula", Settings: metadata.Settings{Expression: "amount / 2", ResultType: "currency"}},
				}})
		})
		region := rt.create("region", map[string]any{"name": "EMEA"})
		for _, amounts := range [][]string{{"10", "20"}, {"30"}} {
			acc := rt.create("account", map[string]any{"region": region})
			for _, a := range amounts {
				rt.create("opportunity", map[string]any{"amount": a, "account": acc})
			}
		}
		// region's roll-up comes first in the model, and reads account's.
		rt.change(func(m *metadata.Model) {
			m.Object("region").Fields = append(m.Object("region").Fields,
				rollupField("total", "account", "region", "sum", "total"),
				rollupField("weighted", "account", "region", "sum", "weighted"))
			m.Object("account").Fields = append(m.Object("account").Fields,
				rollupField("total", "opportunity", "account", "sum", "amount"),
				rollupField("weighted", "opportunity", "account", "sum", "weighted"))
		})
		assert.Equal(t, "60", rt.value("region", region, "total"))
		assert.Equal(t, "30", rt.value("region", region, "weighted"))

		rt.change(func(m *metadata.Model) {
			m.Object("opportunity").Field("weighted").Settings.Expression = "amount * 2"
		})
		assert.Equal(t, "120", rt.value("region", region, "weighted"))
		assert.Equal(t, "60", rt.value("region", region, "total"))
	})
}
