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

func TestSessionLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		u := newUser(t, db, acme.ID, "u@example.com", "standard", "")
		t0 := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
		idle, life := 8*time.Hour, 7*24*time.Hour

		secret, s, err := store.CreateSession(ctx, db, store.NewSession{TenantID: acme.ID, UserID: u.ID, Address: "192.0.2.1",
			UserAgent: "test", Now: t0, Idle: idle, Lifetime: life})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(secret, store.SessionPrefix))
		assert.Equal(t, t0.Add(idle), s.IdleExpiresAt)
		assert.Equal(t, t0.Add(life), s.ExpiresAt)

		ten, got, sess, err := store.AuthenticateSession(ctx, db, secret, t0.Add(time.Second), idle)
		require.NoError(t, err)
		assert.Equal(t, acme, ten)
		assert.Equal(t, u.ID, got.ID)
		assert.Equal(t, s.ID, sess.ID)
		assert.Equal(t, t0, sess.LastSeenAt, "a use within the minute writes nothing")

		// Each use (after a minute) moves the idle expiry; a session used
		// every 7 hours lives until its absolute expiry.
		at := t0
		for at.Add(7 * time.Hour).Before(t0.Add(life)) {
			at = at.Add(7 * time.Hour)
			_, _, sess, err = store.AuthenticateSession(ctx, db, secret, at, idle)
			require.NoError(t, err, "used at %s", at)
			assert.Equal(t, at, sess.LastSeenAt)
			assert.False(t, sess.IdleExpiresAt.After(sess.ExpiresAt), "the idle expiry never passes the absolute one")
		}
		_, _, _, err = store.AuthenticateSession(ctx, db, secret, t0.Add(life), idle)
		assert.ErrorIs(t, err, store.ErrUnauthorized, "the absolute expiry ends it however it is used")

		// Idle expiry.
		secret2, _, err := store.CreateSession(ctx, db, store.NewSession{TenantID: acme.ID, UserID: u.ID, Now: t0, Idle: idle, Lifetime: life})
		require.NoError(t, err)
		_, _, _, err = store.AuthenticateSession(ctx, db, secret2, t0.Add(idle-time.Second), idle)
		require.NoError(t, err)
		_, _, _, err = store.AuthenticateSession(ctx, db, secret2, t0.Add(2*idle), idle)
		assert.ErrorIs(t, err, store.ErrUnauthorized, "unused for longer than the idle timeout")

		// Ended sessions are deleted on demand; live ones stay.
		end := t0.Add(life)
		secret3, s3, err := store.CreateSession(ctx, db, store.NewSession{TenantID: acme.ID, UserID: u.ID, Now: end, Idle: idle, Lifetime: life})
		require.NoError(t, err)
		require.NoError(t, store.DeleteExpiredSessions(ctx, db, acme.ID, u.ID, end))
		list, err := store.ListUserSessions(ctx, db, acme.ID, u.ID)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, s3.ID, list[0].ID)

		require.NoError(t, store.DeleteSession(ctx, db, acme.ID, s3.ID))
		_, _, _, err = store.AuthenticateSession(ctx, db, secret3, end, idle)
		assert.ErrorIs(t, err, store.ErrUnauthorized, "a deleted session is gone")
	})
}

func TestSessionRejected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		admin := newUser(t, db, acme.ID, "admin@example.com", "admin", "")
		u := newUser(t, db, acme.ID, "u@example.com", "standard", "")
		now := time.Now()
		secret, s, err := store.CreateSession(ctx, db, store.NewSession{TenantID: acme.ID, UserID: u.ID, Now: now, Idle: time.Hour, Lifetime: 2 * time.Hour})
		require.NoError(t, err)
		tokenPlain, _, err := store.CreateUserToken(ctx, db, store.NewToken{TenantID: acme.ID, UserID: u.ID, Name: "x"})
		require.NoError(t, err)

		for name, bad := range map[string]string{
			"empty": "", "token, not session": tokenPlain, "truncated": secret[:len(secret)-1], "other case": strings.ToUpper(secret),
			"hash": hashOf(secret), "unknown": store.SessionPrefix + strings.Repeat("A", 43),
		} {
			_, _, _, err := store.AuthenticateSession(ctx, db, bad, now, time.Hour)
			assert.ErrorIs(t, err, store.ErrUnauthorized, name)
		}
		// A session of a user of another tenant cannot be made.
		_, _, err = store.CreateSession(ctx, db, store.NewSession{TenantID: beta.ID, UserID: u.ID, Now: now, Idle: time.Hour, Lifetime: time.Hour})
		assert.ErrorIs(t, err, store.ErrNotFound)
		// Another tenant cannot end it.
		require.NoError(t, store.DeleteSession(ctx, db, beta.ID, s.ID))
		n, err := store.DeleteUserSessions(ctx, db, beta.ID, u.ID, "")
		require.NoError(t, err)
		assert.Zero(t, n)
		_, _, _, err = store.AuthenticateSession(ctx, db, secret, now, time.Hour)
		require.NoError(t, err)

		// Deactivating the user ends its sessions.
		_, err = update(db, acme.ID, u.ID, store.UserPatch{Active: new(false)})
		require.NoError(t, err)
		_, _, _, err = store.AuthenticateSession(ctx, db, secret, now, time.Hour)
		assert.ErrorIs(t, err, store.ErrUnauthorized)
		assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM sessions WHERE user_id = $1", u.ID))
		// And its tokens authenticate no one, until it is active again.
		_, _, err = store.AuthenticateToken(ctx, db, tokenPlain)
		assert.ErrorIs(t, err, store.ErrUnauthorized)
		_, err = update(db, acme.ID, u.ID, store.UserPatch{Active: new(true)})
		require.NoError(t, err)
		_, _, err = store.AuthenticateToken(ctx, db, tokenPlain)
		require.NoError(t, err)

		// DeleteUserSessions keeps the one named.
		keep, ks, err := store.CreateSession(ctx, db, store.NewSession{TenantID: acme.ID, UserID: admin.ID, Now: now, Idle: time.Hour, Lifetime: time.Hour})
		require.NoError(t, err)
		drop, _, err := store.CreateSession(ctx, db, store.NewSession{TenantID: acme.ID, UserID: admin.ID, Now: now, Idle: time.Hour, Lifetime: time.Hour})
		require.NoError(t, err)
		n, err = store.DeleteUserSessions(ctx, db, acme.ID, admin.ID, ks.ID)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		_, _, _, err = store.AuthenticateSession(ctx, db, keep, now, time.Hour)
		require.NoError(t, err)
		_, _, _, err = store.AuthenticateSession(ctx, db, drop, now, time.Hour)
		assert.ErrorIs(t, err, store.ErrUnauthorized)
	})
}

func TestSessionSecretNotStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		u := newUser(t, db, acme.ID, "u@example.com", "standard", "")
		secret, _, err := store.CreateSession(ctx, db, store.NewSession{TenantID: acme.ID, UserID: u.ID, Now: time.Now(), Idle: time.Hour, Lifetime: time.Hour})
		require.NoError(t, err)
		assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM sessions WHERE token_hash = $1", secret))
		assert.EqualValues(t, 1, count(t, db, "SELECT count(*) FROM sessions WHERE token_hash = $1", hashOf(secret)))
	})
}
