package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func nextAutoNumber(t *testing.T, db store.DB, tenantID, fieldID string, start int64) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.InTx(context.Background(), func(ctx context.Context, tx store.Tx) error {
		var err error
		n, err = store.NextAutoNumber(ctx, tx, tenantID, fieldID, start)
		return err
	}))
	return n
}

func TestNextAutoNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")

		for want := int64(1000); want < 1003; want++ {
			assert.Equal(t, want, nextAutoNumber(t, db, acme.ID, "case_number", 1000))
		}
		// Each field and each tenant counts on its own; start only counts
		// the first time.
		assert.Equal(t, int64(1), nextAutoNumber(t, db, acme.ID, "invoice_number", 1))
		assert.Equal(t, int64(1000), nextAutoNumber(t, db, beta.ID, "case_number", 1000))
		assert.Equal(t, int64(1003), nextAutoNumber(t, db, acme.ID, "case_number", 5))

		// A rolled-back transaction gives its number back.
		errBoom := errors.New("boom")
		err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			n, err := store.NextAutoNumber(ctx, tx, acme.ID, "case_number", 1000)
			require.NoError(t, err)
			assert.Equal(t, int64(1004), n)
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		assert.Equal(t, int64(1004), nextAutoNumber(t, db, acme.ID, "case_number", 1000))

		for _, tenantID := range []string{"nope", "0190b2a8-0000-7000-8000-000000000000"} {
			err = db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
				_, err := store.NextAutoNumber(ctx, tx, tenantID, "case_number", 1)
				return err
			})
			assert.Error(t, err, tenantID)
		}
	})
}

func TestNextAutoNumberConcurrent(t *testing.T) {
	const workers, each, start = 20, 10, 1
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")

		var (
			mu   sync.Mutex
			got  []int64
			errs []error
			wg   sync.WaitGroup
		)
		for range workers {
			wg.Go(func() {
				for range each {
					err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
						n, err := store.NextAutoNumber(ctx, tx, acme.ID, "case_number", start)
						if err != nil {
							return err
						}
						mu.Lock()
						got = append(got, n)
						mu.Unlock()
						return nil
					})
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		require.Empty(t, errs)
		require.Len(t, got, workers*each)
		slices.Sort(got)
		for i, n := range got {
			require.Equal(t, int64(start+i), n, "numbers are distinct and consecutive")
		}
	})
}
