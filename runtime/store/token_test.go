package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestTokenLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")

		plain, tok, err := store.CreateToken(ctx, db, acme.ID, "ci")
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(plain, store.TokenPrefix))
		assert.Len(t, plain, len(store.TokenPrefix)+43)
		assert.Equal(t, acme.ID, tok.TenantID)
		assert.Equal(t, "ci", tok.Name)
		assert.Nil(t, tok.LastUsedAt)
		assert.Nil(t, tok.RevokedAt)

		ten, got, err := store.AuthenticateToken(ctx, db, plain)
		require.NoError(t, err)
		assert.Equal(t, acme, ten)
		assert.Equal(t, tok.ID, got.ID)
		require.NotNil(t, got.LastUsedAt)
		firstUse := *got.LastUsedAt

		// A second use within the minute does not write last_used_at again.
		_, again, err := store.AuthenticateToken(ctx, db, plain)
		require.NoError(t, err)
		require.NotNil(t, again.LastUsedAt)
		assert.Equal(t, firstUse, *again.LastUsedAt)
		list, err := store.ListTokens(ctx, db, acme.ID)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.NotNil(t, list[0].LastUsedAt)
		assert.Equal(t, firstUse, *list[0].LastUsedAt)

		// A use after the minute writes it again.
		old := firstUse.Add(-2 * time.Minute)
		_, err = db.Exec(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", old, tok.ID)
		require.NoError(t, err)
		_, later, err := store.AuthenticateToken(ctx, db, plain)
		require.NoError(t, err)
		assert.True(t, later.LastUsedAt.After(old.Add(time.Minute)))

		require.NoError(t, store.RevokeToken(ctx, db, acme.ID, tok.ID))
		_, _, err = store.AuthenticateToken(ctx, db, plain)
		assert.ErrorIs(t, err, store.ErrUnauthorized)
		list, err = store.ListTokens(ctx, db, acme.ID)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.NotNil(t, list[0].RevokedAt)
		revokedAt := *list[0].RevokedAt

		// Revoking again keeps the first time.
		require.NoError(t, store.RevokeToken(ctx, db, acme.ID, tok.ID))
		list, err = store.ListTokens(ctx, db, acme.ID)
		require.NoError(t, err)
		assert.Equal(t, revokedAt, *list[0].RevokedAt)
	})
}

func TestTokenRejected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		plain, _, err := store.CreateToken(ctx, db, acme.ID, "ci")
		require.NoError(t, err)

		bad := map[string]string{
			"empty":            "",
			"prefix only":      store.TokenPrefix,
			"no prefix":        strings.TrimPrefix(plain, store.TokenPrefix),
			"wrong prefix":     "xyz_" + strings.TrimPrefix(plain, store.TokenPrefix),
			"truncated":        plain[:len(plain)-1],
			"extended":         plain + "A",
			"not base64url":    store.TokenPrefix + strings.Repeat("!", 43),
			"unknown":          store.TokenPrefix + strings.Repeat("A", 43),
			"hash, not token":  hashOf(plain),
			"other case":       strings.ToUpper(plain),
			"injection":        store.TokenPrefix + "' OR 1=1 --" + strings.Repeat("A", 32),
			"trailing newline": plain[:len(plain)-1] + "\n",
		}
		for name, token := range bad {
			t.Run(name, func(t *testing.T) {
				_, _, err := store.AuthenticateToken(ctx, db, token)
				assert.ErrorIs(t, err, store.ErrUnauthorized)
			})
		}
	})
}

func TestRevokeTokenOfAnotherTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		plain, tok, err := store.CreateToken(ctx, db, acme.ID, "ci")
		require.NoError(t, err)

		assert.ErrorIs(t, store.RevokeToken(ctx, db, beta.ID, tok.ID), store.ErrNotFound)
		assert.ErrorIs(t, store.RevokeToken(ctx, db, acme.ID, "0190b2a8-0000-7000-8000-000000000000"), store.ErrNotFound)
		assert.ErrorIs(t, store.RevokeToken(ctx, db, acme.ID, "not-a-uuid"), store.ErrNotFound)

		// The token still works, and beta sees none of acme's tokens.
		ten, _, err := store.AuthenticateToken(ctx, db, plain)
		require.NoError(t, err)
		assert.Equal(t, acme.ID, ten.ID)
		list, err := store.ListTokens(ctx, db, beta.ID)
		require.NoError(t, err)
		assert.Empty(t, list)
	})
}

func TestCreateTokenUnknownTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		_, _, err := store.CreateToken(ctx, db, "0190b2a8-0000-7000-8000-000000000000", "ci")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, _, err = store.CreateToken(ctx, db, "nope", "ci")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestTokenPlaintextNotStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		var plains []string
		for i := range 3 {
			plain, _, err := store.CreateToken(ctx, db, acme.ID, fmt.Sprintf("token %d", i))
			require.NoError(t, err)
			plains = append(plains, plain)
			_, _, err = store.AuthenticateToken(ctx, db, plain)
			require.NoError(t, err)
		}

		rows, err := db.Query(ctx, "SELECT * FROM api_tokens")
		require.NoError(t, err)
		defer rows.Close()
		var hashes []string
		n := 0
		for rows.Next() {
			n++
			vals, err := rows.Values()
			require.NoError(t, err)
			for _, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				hashes = append(hashes, s)
				for _, plain := range plains {
					secret := strings.TrimPrefix(plain, store.TokenPrefix)
					assert.NotContains(t, s, secret[:16], "a column holds part of a token's plaintext")
				}
			}
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, 3, n)
		for _, plain := range plains {
			assert.Contains(t, hashes, hashOf(plain), "the token's SHA-256 is stored")
		}
	})
}

func hashOf(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

func TestUserTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		u := newUser(t, db, acme.ID, "u@example.com", "m", "")
		v := newUser(t, db, acme.ID, "v@example.com", "standard", "")

		plain, tok, err := store.CreateUserToken(ctx, db, store.NewToken{TenantID: acme.ID, UserID: u.ID, Name: "reports", ReadOnly: true, Objects: []string{"obj_a", "obj_b"}})
		require.NoError(t, err)
		ten, user, got, err := store.TokenIdentity(ctx, db, plain)
		require.NoError(t, err)
		assert.Equal(t, acme.ID, ten.ID)
		assert.Equal(t, u.ID, user.ID)
		assert.Equal(t, "m", user.Role)
		assert.True(t, got.ReadOnly)
		assert.Equal(t, []string{"obj_a", "obj_b"}, got.Objects)
		byID, err := store.TokenByID(ctx, db, acme.ID, tok.ID)
		require.NoError(t, err)
		assert.Equal(t, tok.ID, byID.ID)
		assert.Equal(t, []string{"obj_a", "obj_b"}, byID.Objects)
		_, err = store.TokenByID(ctx, db, beta.ID, tok.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)

		_, vt, err := store.CreateUserToken(ctx, db, store.NewToken{TenantID: acme.ID, UserID: v.ID, Name: "all"})
		require.NoError(t, err)
		assert.False(t, vt.ReadOnly)
		assert.Nil(t, vt.Objects)
		mine, err := store.ListUserTokens(ctx, db, acme.ID, u.ID)
		require.NoError(t, err)
		require.Len(t, mine, 1)
		assert.Equal(t, tok.ID, mine[0].ID)
		all, err := store.ListTokens(ctx, db, acme.ID)
		require.NoError(t, err)
		assert.Len(t, all, 2)

		// A user of another tenant cannot be given a token here.
		_, _, err = store.CreateUserToken(ctx, db, store.NewToken{TenantID: beta.ID, UserID: u.ID, Name: "x"})
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}
