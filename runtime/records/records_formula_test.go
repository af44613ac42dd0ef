package records_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// recomputeRecord is what a write that changes a record's fields without
// going through the record paths (a roll-up recompute) calls: it brings
// the record's formulas up to date, and those of the records that read it.
func TestRecomputeRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rt := newRollupTenant(t, db)
		rt.change(func(m *metadata.Model) {
			m.Objects = append(m.Objects,
				&metadata.Object{Name: "account", Fields: []*metadata.Field{
					{Name: "industry", Type: "text"},
					{Name: "shout", Type: "formula", Settings: metadata.Settings{ResultType: "text", Expression: `upper(industry)`}},
				}},
				&metadata.Object{Name: "deal", Fields: []*metadata.Field{
					{Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account"}},
					{Name: "industry", Type: "formula", Settings: metadata.Settings{ResultType: "text", Expression: `account.shout`}},
				}},
				&metadata.Object{Name: "plain", Fields: []*metadata.Field{{Name: "name", Type: "text"}}},
			)
		})
		acc := rt.create("account", map[string]any{"industry": "tech"})
		deal := rt.create("deal", map[string]any{"account": acc})
		require.Equal(t, "TECH", rt.value("deal", deal, "industry"))

		// A write behind the record paths' back leaves the formulas stale…
		account := rt.obj("account")
		ctx := context.Background()
		q := "UPDATE " + account.Table + ` SET "industry" = ` + rt.rev.Dialect.Placeholder(1) + ` WHERE "id" = ` + rt.rev.Dialect.Placeholder(2)
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.Exec(ctx, q, "retail", acc)
			return err
		}))
		assert.Equal(t, "TECH", rt.value("account", acc, "shout"))
		// …until the record is recomputed: its formulas, then its readers'.
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return records.RecomputeRecord(ctx, tx, rt.rev, account, acc)
		}))
		assert.Equal(t, "RETAIL", rt.value("account", acc, "shout"))
		assert.Equal(t, "RETAIL", rt.value("deal", deal, "industry"))

		// A record that is gone, and an object without formulas, are fine.
		plain := rt.create("plain", map[string]any{"name": "x"})
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			if err := records.RecomputeRecord(ctx, tx, rt.rev, account, "01a22791-2475-77ce-90ae-24f5f74f7a59"); err != nil {
				return err
			}
			return records.RecomputeRecord(ctx, tx, rt.rev, rt.obj("plain"), plain)
		}))
	})
}
