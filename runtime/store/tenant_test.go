package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestCreateTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		ten, err := store.CreateTenant(ctx, db, "acme")
		require.NoError(t, err)
		assert.Equal(t, "acme", ten.Name)
		assert.Equal(t, "t_acme", ten.Schema)
		id, err := uuid.Parse(ten.ID)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(7), id.Version())
		assert.False(t, ten.CreatedAt.IsZero())

		byName, err := store.TenantByName(ctx, db, "acme")
		require.NoError(t, err)
		assert.Equal(t, ten, byName)
		byID, err := store.TenantByID(ctx, db, ten.ID)
		require.NoError(t, err)
		assert.Equal(t, ten, byID)

		if db.Dialect().Name() == "postgres" {
			assert.EqualValues(t, 1, count(t, db, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", "t_acme"))
		}

		_, err = store.CreateTenant(ctx, db, "acme")
		assert.ErrorIs(t, err, store.ErrTenantExists)
		// The failed creation left nothing behind and the store still works.
		_, err = store.CreateTenant(ctx, db, "beta")
		require.NoError(t, err)

		all, err := store.ListTenants(ctx, db)
		require.NoError(t, err)
		require.Len(t, all, 2)
		assert.Equal(t, "acme", all[0].Name)
		assert.Equal(t, "beta", all[1].Name)
	})
}

func TestTenantNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		all, err := store.ListTenants(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, all)
		_, err = store.TenantByName(ctx, db, "nobody")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = store.TenantByID(ctx, db, "0190b2a8-0000-7000-8000-000000000000")
		assert.ErrorIs(t, err, store.ErrNotFound)
		for _, id := range []string{"not-a-uuid", "", "'; --"} {
			_, err = store.TenantByID(ctx, db, id)
			assert.ErrorIs(t, err, store.ErrNotFound, id)
		}
		// Only the canonical form of an id finds a tenant, on both stores.
		acme := newTenant(t, db, "acme")
		for _, id := range []string{strings.ToUpper(acme.ID), "{" + acme.ID + "}", strings.ReplaceAll(acme.ID, "-", "")} {
			_, err = store.TenantByID(ctx, db, id)
			assert.ErrorIs(t, err, store.ErrNotFound, id)
		}
		all, err = store.ListTenants(ctx, db)
		require.NoError(t, err)
		assert.Len(t, all, 1)
	})
}

func TestCreateTenantBadNames(t *testing.T) {
	bad := []struct{ name, why string }{
		{"", "empty"},
		{"Acme", "uppercase"},
		{"1acme", "starts with a digit"},
		{"_acme", "starts with an underscore"},
		{"ac-me", "hyphen"},
		{"ac me", "space"},
		{"ac.me", "dot"},
		{"acmé", "non-ASCII"},
		{"acme\x00", "NUL"},
		{"acme\n", "trailing newline"},
		{strings.Repeat("a", 41), "41 characters"},
		{`a"; drop table tenants;--`, "SQL injection, double quote"},
		{`a'; drop table tenants;--`, "SQL injection, single quote"},
		{`a"."b`, "schema escape"},
		{"acme__x", "double underscore (SQLite table names would be ambiguous)"},
		{"acme_", "trailing underscore"},
	}
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		for _, tc := range bad {
			t.Run(tc.why, func(t *testing.T) {
				_, err := store.CreateTenant(ctx, db, tc.name)
				assert.ErrorIs(t, err, store.ErrInvalidName)
			})
		}
		// The tenants table is intact and empty.
		assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM tenants"))
		// The longest valid name works.
		_, err := store.CreateTenant(ctx, db, "a"+strings.Repeat("b_9", 13))
		require.NoError(t, err)
		_, err = store.CreateTenant(ctx, db, "a_b_c")
		require.NoError(t, err)
	})
}
