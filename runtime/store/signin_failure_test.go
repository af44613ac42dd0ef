package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestSignInFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		t0 := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
		window := 15 * time.Minute
		recent := func(tenant, subject string, now time.Time) []time.Time {
			t.Helper()
			got, err := store.RecentSignInFailures(ctx, db, tenant, subject, now.Add(-window), 3)
			require.NoError(t, err)
			return got
		}
		for i := range 4 {
			require.NoError(t, store.RecordSignInFailure(ctx, db, "acme", "ada@example.com", t0.Add(time.Duration(i)*time.Minute), window))
		}
		require.NoError(t, store.RecordSignInFailure(ctx, db, "other", "ada@example.com", t0, window))
		require.NoError(t, store.RecordSignInFailure(ctx, db, "", "192.0.2.1", t0, window))

		now := t0.Add(5 * time.Minute)
		assert.Equal(t, []time.Time{t0.Add(3 * time.Minute), t0.Add(2 * time.Minute), t0.Add(time.Minute)}, recent("acme", "ada@example.com", now),
			"newest first, at most the limit")
		assert.Len(t, recent("other", "ada@example.com", now), 1, "tenants are counted apart")
		assert.Len(t, recent("", "192.0.2.1", now), 1)
		assert.Empty(t, recent("acme", "bob@example.com", now))
		// The window slides: at t0+16m only the failures after t0+1m count.
		assert.Equal(t, []time.Time{t0.Add(3 * time.Minute), t0.Add(2 * time.Minute)}, recent("acme", "ada@example.com", t0.Add(16*time.Minute)))

		// Clearing forgets one subject of one tenant only.
		require.NoError(t, store.ClearSignInFailures(ctx, db, "acme", "ada@example.com"))
		assert.Empty(t, recent("acme", "ada@example.com", now))
		assert.Len(t, recent("other", "ada@example.com", now), 1)

		// Recording prunes every failure that has left the window.
		require.NoError(t, store.RecordSignInFailure(ctx, db, "acme", "x", t0.Add(time.Hour), window))
		var n int64
		require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM sign_in_failures").Scan(&n))
		assert.Equal(t, int64(1), n, "only the new failure is left")

		// A huge subject is stored cut, and still found.
		long := strings.Repeat("a", 5000) + "@example.com"
		require.NoError(t, store.RecordSignInFailure(ctx, db, "acme", long, t0.Add(time.Hour), window))
		assert.Len(t, recent("acme", long, t0.Add(time.Hour)), 1)
	})
}
