package auth

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestLimiter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLimiter(db, 3, 10*time.Minute)
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		a, b := accountSubject("acme", "a@example.com"), accountSubject("acme", "b@example.com")
		wait := func(s subject, now time.Time) time.Duration {
			t.Helper()
			w, err := l.wait(ctx, s, now)
			require.NoError(t, err)
			return w
		}
		fail := func(s subject, now time.Time) bool {
			t.Helper()
			locked, err := l.fail(ctx, s, now)
			require.NoError(t, err)
			return locked
		}
		assert.Zero(t, wait(a, t0))
		assert.False(t, fail(a, t0))
		assert.False(t, fail(a, t0.Add(time.Minute)))
		assert.Zero(t, wait(a, t0.Add(2*time.Minute)))
		assert.True(t, fail(a, t0.Add(2*time.Minute)), "the third failure blocks")
		assert.Equal(t, 8*time.Minute, wait(a, t0.Add(2*time.Minute)), "until the first failure leaves the window")
		assert.Zero(t, wait(b, t0), "other subjects are not affected")
		assert.Zero(t, wait(accountSubject("other", "a@example.com"), t0), "nor the same email in another tenant")
		// The window slides: once the first failure is 10 minutes old, one
		// more try is allowed, and a failure blocks again.
		assert.Zero(t, wait(a, t0.Add(10*time.Minute)))
		assert.True(t, fail(a, t0.Add(10*time.Minute)))
		assert.Equal(t, time.Minute, wait(a, t0.Add(10*time.Minute)))
		require.NoError(t, l.reset(ctx, a))
		assert.Zero(t, wait(a, t0.Add(10*time.Minute)))
		// An email that reads like an address is not that address.
		for range 3 {
			fail(accountSubject("", "192.0.2.1"), t0)
		}
		assert.Zero(t, wait(addressSubject("192.0.2.1"), t0))
	})
}

// TestLimiterSharedByNodes checks that two services on one database —
// two nodes — count the same failures: attempts spread over them are
// refused as if they went to one.
func TestLimiterSharedByNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		node1, node2 := newLimiter(db, 4, 15*time.Minute), newLimiter(db, 4, 15*time.Minute)
		s := accountSubject("acme", "ada@example.com")
		for i := range 4 {
			node := node1
			if i%2 == 1 {
				node = node2
			}
			_, err := node.fail(ctx, s, t0.Add(time.Duration(i)*time.Second))
			require.NoError(t, err)
		}
		for _, node := range []*limiter{node1, node2} {
			w, err := node.wait(ctx, s, t0.Add(time.Minute))
			require.NoError(t, err)
			assert.Equal(t, 14*time.Minute, w)
		}
		// A success on one node clears the account on both.
		require.NoError(t, node2.reset(ctx, s))
		w, err := node1.wait(ctx, s, t0.Add(time.Minute))
		require.NoError(t, err)
		assert.Zero(t, w)
	})
}
