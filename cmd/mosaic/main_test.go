package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// defineRole adds a role to the tenant's metadata, as an administrator
// would through the API.
func defineRole(t *testing.T, dir, tenant, role string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	require.NoError(t, err)
	defer db.Close()
	ten, err := store.TenantByName(ctx, db, tenant)
	require.NoError(t, err)
	_, err = catalog.New(db).Change(ctx, ten, catalog.ChangeOptions{Actor: "test"}, func(m *metadata.Model) error {
		m.Roles = append(m.Roles, &metadata.Role{Name: role})
		return nil
	})
	require.NoError(t, err)
}

// TestUserCommands creates a tenant and users from the command line, with
// passwords read from standard input, and checks what the store holds.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	mosaic := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(append(args, "--data-dir", dir), strings.NewReader(stdin), &out)
		return out.String(), err
	}

	out, err := mosaic("", "tenant", "create", "acme")
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`mst_[A-Za-z0-9_-]{43}`), out)
	assert.Contains(t, out, "admin@localhost")
	assert.Contains(t, out, "mosaic user password acme admin@localhost")

	out, err = mosaic("boss's long password\n", "user", "password", "acme", "admin@localhost")
	require.NoError(t, err, out)
	// A role that is neither built in nor defined is refused, naming the
	// roles there are; once defined in the metadata, it is accepted.
	_, err = mosaic("ada's long password\n", "user", "create", "acme", "ada@example.com", "--role", "sales")
	require.Error(t, err)
	assert.ErrorContains(t, err, `no role "sales"; the roles are admin, standard`)
	defineRole(t, dir, "acme", "sales")
	_, err = mosaic("", "user", "create", "acme", "ada@example.com", "--role", "sale", "--no-password")
	assert.ErrorContains(t, err, `no role "sale"; the roles are admin, standard, sales`)
	_, err = mosaic("short\n", "user", "create", "acme", "ada@example.com")
	assert.ErrorContains(t, err, "at least 12 characters")
	out, err = mosaic("ada's long password\n", "user", "create", "acme", "ada@example.com", "--name", "Ada", "--role", "sales", "--manager", "admin@localhost")
	require.NoError(t, err, out)
	assert.Contains(t, out, "ada@example.com")
	_, err = mosaic("", "user", "create", "acme", "grace@example.com", "--no-password")
	require.NoError(t, err)
	_, err = mosaic("ada's long password\n", "user", "create", "acme", "ADA@example.com")
	assert.Error(t, err, "the email is taken")
	_, err = mosaic("", "user", "password", "acme", "ada@example.com")
	assert.ErrorContains(t, err, "no password given")

	out, err = mosaic("", "user", "list", "acme")
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(out, "\n"), out)
	assert.Contains(t, out, "ada@example.com")

	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	require.NoError(t, err)
	defer db.Close()
	ten, err := store.TenantByName(ctx, db, "acme")
	require.NoError(t, err)
	admin, err := store.UserByEmail(ctx, db, ten.ID, "admin@localhost")
	require.NoError(t, err)
	ada, hash, err := store.UserCredentials(ctx, db, ten.ID, "ada@example.com")
	require.NoError(t, err)
	assert.Equal(t, "Ada", ada.Name)
	assert.Equal(t, "sales", ada.Role)
	assert.Equal(t, admin.ID, ada.ManagerID)
	ok, err := auth.VerifyPassword(hash, "ada's long password")
	require.NoError(t, err)
	assert.True(t, ok, "the password is the line read, without its newline")
	_, hash, err = store.UserCredentials(ctx, db, ten.ID, "admin@localhost")
	require.NoError(t, err)
	ok, err = auth.VerifyPassword(hash, "boss's long password")
	require.NoError(t, err)
	assert.True(t, ok)
	page, err := store.ListAudit(ctx, db, ten.ID, store.AuditQuery{})
	require.NoError(t, err)
	require.NotEmpty(t, page.Entries)
	assert.Contains(t, string(page.Entries[0].Detail), `"via":"cli"`)
}
