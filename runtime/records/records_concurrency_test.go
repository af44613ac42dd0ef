package records_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// counterObject makes a tenant with an object "counter" of one number field.
func counterObject(t *testing.T, db store.DB) (*compiled.Revision, *compiled.Object) {
	t.Helper()
	ctx := context.Background()
	tenant, err := store.CreateTenant(ctx, db, "acme")
	require.NoError(t, err)
	res, err := catalog.New(db).Change(ctx, tenant, catalog.ChangeOptions{Actor: "test"}, func(m *metadata.Model) error {
		m.Objects = append(m.Objects, &metadata.Object{Name: "counter", Fields: []*metadata.Field{
			{Name: "n", Type: "number"},
			{Name: "code", Type: "text", Unique: true},
		}})
		return nil
	})
	require.NoError(t, err)
	obj, ok := res.Revision.Object("counter")
	require.True(t, ok)
	return res.Revision, obj
}

// TestConcurrentWritersOfOneVersion: many writers that read the same version
// race to update it; exactly one wins and the others are told the record is
// stale, on both stores.
func TestConcurrentWritersOfOneVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rev, obj := counterObject(t, db)
		svc := records.New(db)
		ctx := context.Background()
		rec, err := svc.Create(ctx, rev, obj, records.Actor{}, map[string]any{"n": 0})
		require.NoError(t, err)
		version := rec.Version()

		const writers = 12
		var wg sync.WaitGroup
		results := make(chan error, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := svc.Update(ctx, rev, obj, records.Actor{}, rec.ID(), map[string]any{"n": i + 1}, &version)
				results <- err
			}(i)
		}
		wg.Wait()
		close(results)
		won, stale := 0, 0
		for err := range results {
			switch {
			case err == nil:
				won++
			case errors.Is(err, records.ErrStale):
				stale++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		assert.Equal(t, 1, won, "exactly one writer wins")
		assert.Equal(t, writers-1, stale, "every other writer is told the record changed")
		got, err := svc.Get(ctx, rev, obj, records.Actor{}, rec.ID())
		require.NoError(t, err)
		assert.Equal(t, version+1, got.Version())
	})
}

// TestConcurrentUniqueValues: writers racing to take the same unique value;
// one record is created, the others get a uniqueness conflict naming the
// field, and nothing else is written.
func TestConcurrentUniqueValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rev, obj := counterObject(t, db)
		svc := records.New(db)
		ctx := context.Background()
		const writers = 10
		var wg sync.WaitGroup
		results := make(chan error, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.Create(ctx, rev, obj, records.Actor{}, map[string]any{"code": "A-1"})
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		created := 0
		for err := range results {
			if err == nil {
				created++
				continue
			}
			var ve *records.ValidationError
			if assert.ErrorAs(t, err, &ve) {
				assert.True(t, ve.Conflict)
				assert.Equal(t, "code", ve.Errors[0].Field)
			}
		}
		assert.Equal(t, 1, created)
		list, err := svc.List(ctx, rev, obj, records.ListQuery{Count: true})
		require.NoError(t, err)
		assert.Equal(t, int64(1), *list.Total)
	})
}
