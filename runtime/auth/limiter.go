package auth

import (
	"context"
	"time"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// limiter counts failed sign-ins per subject (an account, an address) over
// a sliding window, and refuses a subject that has failed max times within
// it. The failures are kept in the store (sign_in_failures), so every node
// on one database counts the same ones: spreading attempts over nodes buys
// an attacker nothing.
type limiter struct {
	db     store.Querier
	max    int
	window time.Duration
}

func newLimiter(db store.Querier, max int, window time.Duration) *limiter {
	return &limiter{db: db, max: max, window: window}
}

// subject is what a limiter counts: an account (a tenant's name as given,
// lowercased, and an email key) or a client address (no tenant). The
// prefixes keep an email that looks like an address apart from it.
type subject struct {
	tenant, key string
}

func accountSubject(tenant, email string) subject {
	return subject{tenant: tenant, key: "account:" + store.EmailKey(email)}
}

func addressSubject(address string) subject {
	return subject{key: "address:" + address}
}

// wait returns how long s must wait before trying again: 0 when it may
// try now, else until the oldest of its latest max failures leaves the
// window.
func (l *limiter) wait(ctx context.Context, s subject, now time.Time) (time.Duration, error) {
	f, err := store.RecentSignInFailures(ctx, l.db, s.tenant, s.key, now.Add(-l.window), l.max)
	if err != nil || len(f) < l.max {
		return 0, err
	}
	return f[l.max-1].Add(l.window).Sub(now), nil
}

// fail records a failure of s and reports whether s must now wait.
func (l *limiter) fail(ctx context.Context, s subject, now time.Time) (bool, error) {
	if err := store.RecordSignInFailure(ctx, l.db, s.tenant, s.key, now, l.window); err != nil {
		return false, err
	}
	w, err := l.wait(ctx, s, now)
	return w > 0, err
}

// reset forgets the failures of s (a successful sign-in of the account).
func (l *limiter) reset(ctx context.Context, s subject) error {
	return store.ClearSignInFailures(ctx, l.db, s.tenant, s.key)
}
