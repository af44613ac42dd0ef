package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestRevisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")

		_, _, err := store.LatestRevision(ctx, db, acme.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		list, err := store.ListRevisions(ctx, db, acme.ID, 10)
		require.NoError(t, err)
		assert.Empty(t, list)

		at := time.Date(2024, 2, 29, 23, 59, 59, 123456000, time.FixedZone("CET", 3600))
		for n := 1; n <= 3; n++ {
			err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
				return store.SaveRevision(ctx, tx, acme.ID, store.RevisionInfo{
					Number:    n,
					CreatedAt: at.Add(time.Duration(n) * time.Minute),
					CreatedBy: "admin",
					Summary:   fmt.Sprintf("change %d", n),
				}, fmt.Appendf(nil, `{"revision": %d, "objects": [{"name": "account"}]}`, n))
			})
			require.NoError(t, err)
		}
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return store.SaveRevision(ctx, tx, beta.ID, store.RevisionInfo{Number: 1, CreatedBy: "x"}, []byte(`{}`))
		}))

		info, doc, err := store.LatestRevision(ctx, db, acme.ID)
		require.NoError(t, err)
		assert.Equal(t, store.RevisionInfo{
			Number:    3,
			CreatedAt: at.Add(3 * time.Minute).UTC(),
			CreatedBy: "admin",
			Summary:   "change 3",
		}, info)
		assert.JSONEq(t, `{"revision": 3, "objects": [{"name": "account"}]}`, string(doc))

		list, err = store.ListRevisions(ctx, db, acme.ID, 0)
		require.NoError(t, err)
		require.Len(t, list, 3)
		assert.Equal(t, []int{3, 2, 1}, numbers(list))
		list, err = store.ListRevisions(ctx, db, acme.ID, 2)
		require.NoError(t, err)
		assert.Equal(t, []int{3, 2}, numbers(list))

		info, _, err = store.LatestRevision(ctx, db, beta.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, info.Number)
		assert.False(t, info.CreatedAt.IsZero())
	})
}

func TestSaveRevisionConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		save := func(n int, doc string) error {
			return db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
				return store.SaveRevision(ctx, tx, acme.ID, store.RevisionInfo{Number: n, CreatedBy: "admin"}, []byte(doc))
			})
		}
		require.NoError(t, save(1, `{"v": 1}`))
		err := save(1, `{"v": "other"}`)
		assert.ErrorIs(t, err, store.ErrConflict)

		// The winner's document stays.
		_, doc, err := store.LatestRevision(ctx, db, acme.ID)
		require.NoError(t, err)
		assert.JSONEq(t, `{"v": 1}`, string(doc))

		assert.Error(t, save(2, `not json`))
		assert.Error(t, save(0, `{}`))
		err = db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return store.SaveRevision(ctx, tx, "0190b2a8-0000-7000-8000-000000000000", store.RevisionInfo{Number: 1}, []byte(`{}`))
		})
		assert.ErrorIs(t, err, store.ErrNotFound)
		err = db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return store.SaveRevision(ctx, tx, "nope", store.RevisionInfo{Number: 1}, []byte(`{}`))
		})
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, _, err = store.LatestRevision(ctx, db, "nope")
		assert.ErrorIs(t, err, store.ErrNotFound)
		list, err := store.ListRevisions(ctx, db, "nope", 0)
		assert.NoError(t, err)
		assert.Empty(t, list)
	})
}

func numbers(list []store.RevisionInfo) []int {
	out := make([]int, len(list))
	for i, r := range list {
		out[i] = r.Number
	}
	return out
}
