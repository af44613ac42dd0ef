package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// RoleAdmin is the built-in administrator role (metadata.RoleAdmin):
// administrators manage users and metadata, read the audit log and may do
// everything with records. Other roles are metadata (engine/compiled).
const RoleAdmin = "admin"

// BootstrapAdminEmail is the email of the administrator Mosaic creates for
// a tenant that has none (see EnsureAdmin).
const BootstrapAdminEmail = "admin@localhost"

// Errors of the users table. Check them with errors.Is.
var (
	// ErrUserExists means that another user of the tenant has the email
	// (compared without regard to case).
	ErrUserExists = errors.New("store: a user with that email exists")
	// ErrInvalidManager means that a manager is not a user of the tenant,
	// or is the user itself.
	ErrInvalidManager = errors.New("store: invalid manager")
	// ErrManagerCycle means that a manager change would make a user manage
	// itself through the chain of managers.
	ErrManagerCycle = errors.New("store: manager cycle")
	// ErrLastAdmin means that a change would leave the tenant without an
	// active administrator.
	ErrLastAdmin = errors.New("store: the tenant's last active administrator")
)

// User is a person of a tenant, as stored, without the password hash:
// that is read only by UserCredentials, for signing in.
type User struct {
	// ID is the user's UUID (version 7).
	ID       string
	TenantID string
	// Email is the email as given; it is unique in the tenant without regard
	// to case.
	Email string
	// Name is the user's display name.
	Name string
	// Active is false for a deactivated user, who can neither sign in nor
	// use tokens.
	Active bool
	// ManagerID is the id of the user's manager ("" for none), a user of the
	// same tenant; following managers never leads back to the user.
	ManagerID string
	// Role is the API name of the user's role; RoleAdmin is the built-in
	// administrator.
	Role string
	// HasPassword says whether a password is set; a user without one cannot
	// sign in (but may use tokens).
	HasPassword bool
	// PasswordChangedAt is when the password was last set (nil if never).
	PasswordChangedAt *time.Time
	// CreatedAt and UpdatedAt are UTC.
	CreatedAt, UpdatedAt time.Time
}

// IsAdmin reports whether the user is an administrator.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// NewUser is what CreateUser stores. Values are stored as given: checking
// them (email syntax, role names, password rules) is the caller's task.
type NewUser struct {
	TenantID string
	Email    string
	Name     string
	Role     string
	// ManagerID is "" for none.
	ManagerID string
	// PasswordHash is "" for no password.
	PasswordHash string
}

// UserPatch is a change of a user: nil members stay as they are.
type UserPatch struct {
	Email *string
	Name  *string
	Role  *string
	// ManagerID set to "" removes the manager.
	ManagerID *string
	Active    *bool
}

// EmailKey is the form of an email that uniqueness and sign-in compare:
// trimmed and lowercased.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

const userColumns = "id, tenant_id, email, name, active, manager_id, role, password_hash IS NOT NULL, password_changed_at, created_at, updated_at"

// CreateUser stores a new user of the tenant. An email another user of the
// tenant has gives ErrUserExists; a manager that is not a user of the
// tenant, ErrInvalidManager; an unknown tenant, ErrNotFound.
func CreateUser(ctx context.Context, q Querier, nu NewUser) (User, error) {
	if !validID(nu.TenantID) {
		return User{}, fmt.Errorf("store: create user: tenant %q: %w", nu.TenantID, ErrNotFound)
	}
	if nu.ManagerID != "" {
		if _, err := UserByID(ctx, q, nu.TenantID, nu.ManagerID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return User{}, fmt.Errorf("store: create user: manager %q: %w", nu.ManagerID, ErrInvalidManager)
			}
			return User{}, fmt.Errorf("store: create user: %w", err)
		}
	}
	now := utcNow()
	u := User{
		ID: uuid.Must(uuid.NewV7()).String(), TenantID: nu.TenantID, Email: strings.TrimSpace(nu.Email), Name: nu.Name,
		Active: true, ManagerID: nu.ManagerID, Role: nu.Role, HasPassword: nu.PasswordHash != "", CreatedAt: now, UpdatedAt: now,
	}
	var changed *time.Time
	if u.HasPassword {
		changed = &now
		u.PasswordChangedAt = &now
	}
	_, err := q.Exec(ctx, `INSERT INTO users (id, tenant_id, email, email_key, name, active, manager_id, role, password_hash, password_changed_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.TenantID, u.Email, EmailKey(u.Email), u.Name, true, nullString(u.ManagerID), u.Role, nullString(nu.PasswordHash), changed, now, now)
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", userWriteError(err, nu.TenantID))
	}
	return u, nil
}

// userWriteError maps a constraint error of a users write.
func userWriteError(err error, tenantID string) error {
	var ce *ConstraintError
	if !errors.As(err, &ce) {
		return err
	}
	switch ce.Kind {
	case ConstraintUnique:
		return fmt.Errorf("%w: %w", ErrUserExists, err)
	case ConstraintForeignKey:
		// The tenant, or (racing a change of it) the manager.
		if strings.Contains(ce.Constraint, "manager") || strings.Contains(ce.Column, "manager") {
			return fmt.Errorf("%w: %w", ErrInvalidManager, err)
		}
		return fmt.Errorf("tenant %q: %w: %w", tenantID, ErrNotFound, err)
	}
	return err
}

// UpdateUser applies a patch to a user of the tenant in tx and returns the
// user before and after. It refuses a manager outside the tenant, the user
// itself or one that would close a cycle, and a change that leaves the
// tenant without an active administrator. On PostgreSQL it serializes the
// tenant's user changes (an advisory lock held until tx ends), so that two
// concurrent changes cannot together make a cycle or remove the last
// administrator; SQLite serializes every write transaction anyway.
func UpdateUser(ctx context.Context, tx Tx, tenantID, id string, p UserPatch) (before, after User, err error) {
	if err := lockTenantUsers(ctx, tx, tenantID); err != nil {
		return User{}, User{}, fmt.Errorf("store: update user: %w", err)
	}
	before, err = UserByID(ctx, tx, tenantID, id)
	if err != nil {
		return User{}, User{}, fmt.Errorf("store: update user: %w", err)
	}
	after = before
	if p.Email != nil {
		after.Email = strings.TrimSpace(*p.Email)
	}
	if p.Name != nil {
		after.Name = *p.Name
	}
	if p.Role != nil {
		after.Role = *p.Role
	}
	if p.Active != nil {
		after.Active = *p.Active
	}
	if p.ManagerID != nil && *p.ManagerID != before.ManagerID {
		after.ManagerID = *p.ManagerID
		if err := checkManager(ctx, tx, tenantID, id, after.ManagerID); err != nil {
			return User{}, User{}, fmt.Errorf("store: update user: %w", err)
		}
	}
	after.UpdatedAt = utcNow()
	_, err = tx.Exec(ctx, `UPDATE users SET email = $1, email_key = $2, name = $3, role = $4, active = $5, manager_id = $6, updated_at = $7
		WHERE tenant_id = $8 AND id = $9`,
		after.Email, EmailKey(after.Email), after.Name, after.Role, after.Active, nullString(after.ManagerID), after.UpdatedAt, tenantID, id)
	if err != nil {
		return User{}, User{}, fmt.Errorf("store: update user: %w", userWriteError(err, tenantID))
	}
	if before.IsAdmin() && before.Active && !(after.IsAdmin() && after.Active) {
		n, err := countActiveAdmins(ctx, tx, tenantID)
		if err != nil {
			return User{}, User{}, fmt.Errorf("store: update user: %w", err)
		}
		if n == 0 {
			return User{}, User{}, fmt.Errorf("store: update user %s: %w", before.Email, ErrLastAdmin)
		}
	}
	if before.Active && !after.Active {
		// A deactivated user's sessions end now; its tokens stay (they
		// work again if the user is reactivated) but authenticate no one.
		if _, err := DeleteUserSessions(ctx, tx, tenantID, id, ""); err != nil {
			return User{}, User{}, fmt.Errorf("store: update user: %w", err)
		}
	}
	return before, after, nil
}

// checkManager refuses a manager that is not a user of the tenant, is the
// user, or is managed by the user through the chain of managers.
func checkManager(ctx context.Context, q Querier, tenantID, userID, managerID string) error {
	if managerID == "" {
		return nil
	}
	if managerID == userID {
		return fmt.Errorf("%w: a user cannot be its own manager", ErrInvalidManager)
	}
	next := managerID
	for steps := 0; next != ""; steps++ {
		if next == userID {
			return fmt.Errorf("%w: %s is managed, directly or not, by the user", ErrManagerCycle, managerID)
		}
		if steps > 10000 {
			return fmt.Errorf("%w: the chain of managers is longer than 10000", ErrManagerCycle)
		}
		var m sql.NullString
		err := q.QueryRow(ctx, "SELECT manager_id FROM users WHERE tenant_id = $1 AND id = $2", tenantID, next).Scan(&m)
		if errors.Is(err, ErrNotFound) && steps == 0 {
			return fmt.Errorf("%w: %q is not a user of the tenant", ErrInvalidManager, managerID)
		}
		if err != nil {
			return err
		}
		next = m.String
	}
	return nil
}

// lockTenantUsers serializes changes of a tenant's users on PostgreSQL, for
// the rest of tx.
func lockTenantUsers(ctx context.Context, tx Tx, tenantID string) error {
	if _, ok := tx.(postgresTx); !ok {
		return nil
	}
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('mosaic.users.' || $1::text, 0))", tenantID)
	return err
}

func countActiveAdmins(ctx context.Context, q Querier, tenantID string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, "SELECT count(*) FROM users WHERE tenant_id = $1 AND role = $2 AND active", tenantID, RoleAdmin).Scan(&n)
	return n, err
}

// SetPasswordHash sets (hash "" clears) the password hash of a user of the
// tenant; ErrNotFound if there is no such user.
func SetPasswordHash(ctx context.Context, q Querier, tenantID, id, hash string) error {
	if !validID(tenantID) || !validID(id) {
		return fmt.Errorf("store: set password of user %q: %w", id, ErrNotFound)
	}
	now := utcNow()
	var changed *time.Time
	if hash != "" {
		changed = &now
	}
	n, err := q.Exec(ctx, "UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $3 WHERE tenant_id = $4 AND id = $5",
		nullString(hash), changed, now, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: set password of user %q: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: set password of user %q: %w", id, ErrNotFound)
	}
	return nil
}

// UserByID returns a user of the tenant, or ErrNotFound (also for a user of
// another tenant).
func UserByID(ctx context.Context, q Querier, tenantID, id string) (User, error) {
	if !validID(tenantID) || !validID(id) {
		return User{}, fmt.Errorf("store: user %q: %w", id, ErrNotFound)
	}
	u, err := scanUser(q.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE tenant_id = $1 AND id = $2", tenantID, id))
	if err != nil {
		return User{}, fmt.Errorf("store: user %q: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user of the tenant with the email (compared
// without regard to case), or ErrNotFound.
func UserByEmail(ctx context.Context, q Querier, tenantID, email string) (User, error) {
	u, _, err := UserCredentials(ctx, q, tenantID, email)
	return u, err
}

// UserCredentials returns the user of the tenant with the email, and its
// password hash ("" when none is set), for signing in; ErrNotFound if there
// is no such user.
func UserCredentials(ctx context.Context, q Querier, tenantID, email string) (User, string, error) {
	if !validID(tenantID) {
		return User{}, "", fmt.Errorf("store: user %q: %w", email, ErrNotFound)
	}
	var hash sql.NullString
	u, err := scanUser(q.QueryRow(ctx, "SELECT "+userColumns+", password_hash FROM users WHERE tenant_id = $1 AND email_key = $2",
		tenantID, EmailKey(email)), &hash)
	if err != nil {
		return User{}, "", fmt.Errorf("store: user %q: %w", email, err)
	}
	return u, hash.String, nil
}

// UserPasswordHash returns the password hash of a user of the tenant (""
// when none is set), or ErrNotFound.
func UserPasswordHash(ctx context.Context, q Querier, tenantID, id string) (string, error) {
	if !validID(tenantID) || !validID(id) {
		return "", fmt.Errorf("store: user %q: %w", id, ErrNotFound)
	}
	var hash sql.NullString
	if err := q.QueryRow(ctx, "SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2", tenantID, id).Scan(&hash); err != nil {
		return "", fmt.Errorf("store: user %q: %w", id, err)
	}
	return hash.String, nil
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	// Active, when set, lists only active (true) or inactive (false) users.
	Active *bool
}

// ListUsers returns the tenant's users ordered by email.
func ListUsers(ctx context.Context, q Querier, tenantID string, f UserFilter) ([]User, error) {
	if !validID(tenantID) {
		return nil, nil
	}
	query := "SELECT " + userColumns + " FROM users WHERE tenant_id = $1"
	args := []any{tenantID}
	if f.Active != nil {
		query += " AND active = $2"
		args = append(args, *f.Active)
	}
	rows, err := q.Query(ctx, query+" ORDER BY email_key, id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// EnsureAdmin returns the tenant's first active administrator (the oldest),
// creating BootstrapAdminEmail — an administrator without a password — when
// the tenant has none. created says whether it did.
func EnsureAdmin(ctx context.Context, q Querier, tenantID string) (u User, created bool, err error) {
	if !validID(tenantID) {
		return User{}, false, fmt.Errorf("store: ensure admin: tenant %q: %w", tenantID, ErrNotFound)
	}
	find := func() (User, error) {
		return scanUser(q.QueryRow(ctx, "SELECT "+userColumns+` FROM users WHERE tenant_id = $1 AND role = $2 AND active
			ORDER BY created_at, id LIMIT 1`, tenantID, RoleAdmin))
	}
	u, err = find()
	if err == nil {
		return u, false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return User{}, false, fmt.Errorf("store: ensure admin: %w", err)
	}
	existing, err := UserByEmail(ctx, q, tenantID, BootstrapAdminEmail)
	switch {
	case err == nil:
		// admin@localhost exists but is no longer an active administrator:
		// make it one again rather than fail.
		if _, err := q.Exec(ctx, "UPDATE users SET role = $1, active = $2, updated_at = $3 WHERE id = $4",
			RoleAdmin, true, utcNow(), existing.ID); err != nil {
			return User{}, false, fmt.Errorf("store: ensure admin: %w", err)
		}
		u, err = UserByID(ctx, q, tenantID, existing.ID)
	case errors.Is(err, ErrNotFound):
		u, err = CreateUser(ctx, q, NewUser{TenantID: tenantID, Email: BootstrapAdminEmail, Name: "Administrator", Role: RoleAdmin})
	}
	if err != nil {
		return User{}, false, fmt.Errorf("store: ensure admin: %w", err)
	}
	return u, true, nil
}

func scanUser(r Row, extra ...any) (User, error) {
	var u User
	var manager sql.NullString
	dest := append([]any{&u.ID, &u.TenantID, &u.Email, &u.Name, &u.Active, &manager, &u.Role, &u.HasPassword,
		&u.PasswordChangedAt, &u.CreatedAt, &u.UpdatedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return User{}, err
	}
	u.ManagerID = manager.String
	return u, nil
}

// adoptOwnerlessTokens gives every token made before users existed to its
// tenant's first administrator (created when needed), so that every token
// acts as a user. Open runs it after the migrations; it does nothing once
// no such token is left.
func adoptOwnerlessTokens(ctx context.Context, db DB) error {
	rows, err := db.Query(ctx, "SELECT DISTINCT tenant_id FROM api_tokens WHERE user_id IS NULL")
	if err != nil {
		return fmt.Errorf("store: adopt tokens: %w", err)
	}
	var tenants []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: adopt tokens: %w", err)
		}
		tenants = append(tenants, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: adopt tokens: %w", err)
	}
	for _, tenantID := range tenants {
		err := db.InTx(ctx, func(ctx context.Context, tx Tx) error {
			admin, _, err := EnsureAdmin(ctx, tx, tenantID)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, "UPDATE api_tokens SET user_id = $1 WHERE tenant_id = $2 AND user_id IS NULL", admin.ID, tenantID)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: adopt tokens of tenant %s: %w", tenantID, err)
		}
	}
	return nil
}
