package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// newUser creates a user for a test.
func newUser(t *testing.T, q store.Querier, tenantID, email, role, manager string) store.User {
	t.Helper()
	u, err := store.CreateUser(context.Background(), q, store.NewUser{TenantID: tenantID, Email: email, Name: email, Role: role, ManagerID: manager})
	require.NoError(t, err)
	return u
}

// update runs store.UpdateUser in a transaction.
func update(db store.DB, tenantID, id string, p store.UserPatch) (store.User, error) {
	var after store.User
	err := db.InTx(context.Background(), func(ctx context.Context, tx store.Tx) error {
		var err error
		_, after, err = store.UpdateUser(ctx, tx, tenantID, id, p)
		return err
	})
	return after, err
}

func TestCreateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")

		boss := newUser(t, db, acme.ID, "Boss@Example.com", "admin", "")
		id, err := uuid.Parse(boss.ID)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(7), id.Version())
		assert.True(t, boss.Active)
		assert.False(t, boss.HasPassword)
		assert.Nil(t, boss.PasswordChangedAt)
		assert.Equal(t, "Boss@Example.com", boss.Email, "the email is kept as given")

		got, err := store.UserByEmail(ctx, db, acme.ID, "  boss@EXAMPLE.com ")
		require.NoError(t, err)
		assert.Equal(t, boss, got, "emails are found without regard to case")
		byID, err := store.UserByID(ctx, db, acme.ID, boss.ID)
		require.NoError(t, err)
		assert.Equal(t, boss, byID)

		_, err = store.CreateUser(ctx, db, store.NewUser{TenantID: acme.ID, Email: "BOSS@example.COM", Name: "x", Role: "standard"})
		assert.ErrorIs(t, err, store.ErrUserExists, "emails are unique per tenant without regard to case")
		// The same email in another tenant is another user.
		other := newUser(t, db, beta.ID, "boss@example.com", "admin", "")
		assert.NotEqual(t, boss.ID, other.ID)

		worker, err := store.CreateUser(ctx, db, store.NewUser{TenantID: acme.ID, Email: "w@example.com", Name: "W", Role: "standard",
			ManagerID: boss.ID, PasswordHash: "$argon2id$fake"})
		require.NoError(t, err)
		assert.Equal(t, boss.ID, worker.ManagerID)
		assert.True(t, worker.HasPassword)
		require.NotNil(t, worker.PasswordChangedAt)
		u, hash, err := store.UserCredentials(ctx, db, acme.ID, "W@example.com")
		require.NoError(t, err)
		assert.Equal(t, worker.ID, u.ID)
		assert.Equal(t, "$argon2id$fake", hash)

		// A manager of another tenant, or no user at all, is refused.
		for _, m := range []string{other.ID, "0190b2a8-0000-7000-8000-000000000000", "not-a-uuid"} {
			_, err = store.CreateUser(ctx, db, store.NewUser{TenantID: acme.ID, Email: "x" + m + "@example.com", Name: "x", Role: "standard", ManagerID: m})
			assert.ErrorIs(t, err, store.ErrInvalidManager, m)
		}
		_, err = store.CreateUser(ctx, db, store.NewUser{TenantID: "0190b2a8-0000-7000-8000-000000000000", Email: "x@example.com", Name: "x", Role: "r"})
		assert.ErrorIs(t, err, store.ErrNotFound)

		// Lookups never cross tenants.
		_, err = store.UserByID(ctx, db, beta.ID, boss.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = store.UserByEmail(ctx, db, beta.ID, "w@example.com")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = store.UserByID(ctx, db, acme.ID, "not-a-uuid")
		assert.ErrorIs(t, err, store.ErrNotFound)
		list, err := store.ListUsers(ctx, db, acme.ID, store.UserFilter{})
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, []string{boss.ID, worker.ID}, []string{list[0].ID, list[1].ID}, "ordered by email")
	})
}

func TestUpdateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		a := newUser(t, db, acme.ID, "a@example.com", "admin", "")
		b := newUser(t, db, acme.ID, "b@example.com", "standard", a.ID)
		c := newUser(t, db, acme.ID, "c@example.com", "standard", b.ID)
		x := newUser(t, db, beta.ID, "x@example.com", "admin", "")

		after, err := update(db, acme.ID, c.ID, store.UserPatch{Name: new("Cee"), Email: new("C@Example.com"), Role: new("sales")})
		require.NoError(t, err)
		assert.Equal(t, "Cee", after.Name)
		assert.Equal(t, "C@Example.com", after.Email)
		assert.Equal(t, "sales", after.Role)
		assert.True(t, !after.UpdatedAt.Before(c.UpdatedAt))
		got, err := store.UserByEmail(ctx, db, acme.ID, "c@example.com")
		require.NoError(t, err)
		assert.Equal(t, after, got)

		// Cycles: a user cannot be its own manager, nor manage its managers.
		_, err = update(db, acme.ID, a.ID, store.UserPatch{ManagerID: new(a.ID)})
		assert.ErrorIs(t, err, store.ErrInvalidManager)
		_, err = update(db, acme.ID, a.ID, store.UserPatch{ManagerID: new(c.ID)})
		assert.ErrorIs(t, err, store.ErrManagerCycle, "a → c → b → a")
		_, err = update(db, acme.ID, b.ID, store.UserPatch{ManagerID: new(c.ID)})
		assert.ErrorIs(t, err, store.ErrManagerCycle)
		_, err = update(db, acme.ID, b.ID, store.UserPatch{ManagerID: new(x.ID)})
		assert.ErrorIs(t, err, store.ErrInvalidManager, "a manager of another tenant")
		// Removing and re-pointing a manager works.
		after, err = update(db, acme.ID, c.ID, store.UserPatch{ManagerID: new(a.ID)})
		require.NoError(t, err)
		assert.Equal(t, a.ID, after.ManagerID)
		after, err = update(db, acme.ID, c.ID, store.UserPatch{ManagerID: new("")})
		require.NoError(t, err)
		assert.Empty(t, after.ManagerID)

		// The email stays unique.
		_, err = update(db, acme.ID, c.ID, store.UserPatch{Email: new("A@EXAMPLE.COM")})
		assert.ErrorIs(t, err, store.ErrUserExists)

		// The last active administrator stays one.
		_, err = update(db, acme.ID, a.ID, store.UserPatch{Active: new(false)})
		assert.ErrorIs(t, err, store.ErrLastAdmin)
		_, err = update(db, acme.ID, a.ID, store.UserPatch{Role: new("standard")})
		assert.ErrorIs(t, err, store.ErrLastAdmin)
		_, err = update(db, acme.ID, b.ID, store.UserPatch{Role: new(store.RoleAdmin)})
		require.NoError(t, err)
		after, err = update(db, acme.ID, a.ID, store.UserPatch{Active: new(false)})
		require.NoError(t, err, "with another administrator, one may go")
		assert.False(t, after.Active)

		// Another tenant's user, or none, is not found.
		_, err = update(db, beta.ID, b.ID, store.UserPatch{Name: new("hacked")})
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = update(db, acme.ID, "nope", store.UserPatch{Name: new("x")})
		assert.ErrorIs(t, err, store.ErrNotFound)
		got, err = store.UserByID(ctx, db, acme.ID, b.ID)
		require.NoError(t, err)
		assert.Equal(t, "b@example.com", got.Name)

		active, err := store.ListUsers(ctx, db, acme.ID, store.UserFilter{Active: new(true)})
		require.NoError(t, err)
		assert.Len(t, active, 2)
		inactive, err := store.ListUsers(ctx, db, acme.ID, store.UserFilter{Active: new(false)})
		require.NoError(t, err)
		require.Len(t, inactive, 1)
		assert.Equal(t, a.ID, inactive[0].ID)
	})
}

func TestSetPasswordHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		u := newUser(t, db, acme.ID, "u@example.com", "standard", "")
		require.NoError(t, store.SetPasswordHash(ctx, db, acme.ID, u.ID, "$argon2id$h"))
		hash, err := store.UserPasswordHash(ctx, db, acme.ID, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "$argon2id$h", hash)
		got, err := store.UserByID(ctx, db, acme.ID, u.ID)
		require.NoError(t, err)
		assert.True(t, got.HasPassword)
		assert.NotNil(t, got.PasswordChangedAt)

		assert.ErrorIs(t, store.SetPasswordHash(ctx, db, beta.ID, u.ID, "$argon2id$x"), store.ErrNotFound, "not through another tenant")
		hash, err = store.UserPasswordHash(ctx, db, acme.ID, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "$argon2id$h", hash)

		require.NoError(t, store.SetPasswordHash(ctx, db, acme.ID, u.ID, ""))
		got, err = store.UserByID(ctx, db, acme.ID, u.ID)
		require.NoError(t, err)
		assert.False(t, got.HasPassword)
	})
}

func TestEnsureAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		admin, created, err := store.EnsureAdmin(ctx, db, acme.ID)
		require.NoError(t, err)
		assert.True(t, created)
		assert.Equal(t, store.BootstrapAdminEmail, admin.Email)
		assert.Equal(t, store.RoleAdmin, admin.Role)
		assert.False(t, admin.HasPassword, "no password is baked in")

		again, created, err := store.EnsureAdmin(ctx, db, acme.ID)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, admin.ID, again.ID)

		// A token of the tenant is a token of that administrator.
		_, tok, err := store.CreateToken(ctx, db, acme.ID, "ci")
		require.NoError(t, err)
		assert.Equal(t, admin.ID, tok.UserID)
	})
}

// TestAdoptOwnerlessTokens checks that tokens made before users existed
// become tokens of their tenant's administrator and keep working.
func TestAdoptOwnerlessTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		plain, tok, err := store.CreateToken(ctx, db, acme.ID, "old")
		require.NoError(t, err)
		_, err = db.Exec(ctx, "UPDATE api_tokens SET user_id = NULL")
		require.NoError(t, err)
		_, _, err = store.AuthenticateToken(ctx, db, plain)
		assert.ErrorIs(t, err, store.ErrUnauthorized, "a token without a user authenticates no one")
		// beta has an administrator of its own already.
		betaAdmin := newUser(t, db, beta.ID, "root@beta.example", store.RoleAdmin, "")
		_, err = db.Exec(ctx, `INSERT INTO api_tokens (id, tenant_id, name, token_hash, created_at) VALUES ($1, $2, 'legacy', 'x', $3)`,
			uuid.Must(uuid.NewV7()).String(), beta.ID, betaAdmin.CreatedAt)
		require.NoError(t, err)

		require.NoError(t, store.AdoptOwnerlessTokens(ctx, db))
		require.NoError(t, store.AdoptOwnerlessTokens(ctx, db), "a second run finds nothing to do")
		ten, got, err := store.AuthenticateToken(ctx, db, plain)
		require.NoError(t, err)
		assert.Equal(t, acme.ID, ten.ID)
		assert.Equal(t, tok.ID, got.ID)
		admin, err := store.UserByID(ctx, db, acme.ID, got.UserID)
		require.NoError(t, err)
		assert.Equal(t, store.RoleAdmin, admin.Role)
		betaTokens, err := store.ListTokens(ctx, db, beta.ID)
		require.NoError(t, err)
		require.Len(t, betaTokens, 1)
		assert.Equal(t, betaAdmin.ID, betaTokens[0].UserID)
		assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM api_tokens WHERE user_id IS NULL"))
	})
}
