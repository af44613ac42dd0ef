package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// Tenant is one customer's isolated space: its metadata, its tables and its
// tokens.
type Tenant struct {
	// ID is the tenant's UUID (version 7), stable for its life.
	ID string
	// Name is the tenant's unique name (see TenantNamePattern).
	Name string
	// Schema is "t_<name>": the PostgreSQL schema of the tenant's tables,
	// and on SQLite the prefix of their names (see dialect.Table).
	Schema string
	// CreatedAt is when the tenant was created (UTC).
	CreatedAt time.Time
}

// TenantNamePattern is what a tenant name must match: a lowercase letter,
// then up to 39 lowercase letters, digits or underscores. Because the name
// becomes part of SQL identifiers, nothing else is ever accepted. See
// CheckTenantName for the full rule.
var TenantNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// CheckTenantName reports whether name can name a tenant: it must match
// TenantNamePattern, and must neither contain "__" nor end with "_". On
// SQLite a tenant's tables are named "t_<tenant>__<table>"; with those two
// rules the first "__" always ends the tenant's part, so no two tenants'
// tables can ever share a name. The error wraps ErrInvalidName.
func CheckTenantName(name string) error {
	if !TenantNamePattern.MatchString(name) {
		return fmt.Errorf("%w: tenant name %q must be a lowercase letter followed by up to 39 lowercase letters, digits or underscores", ErrInvalidName, name)
	}
	if strings.Contains(name, "__") || strings.HasSuffix(name, "_") {
		return fmt.Errorf("%w: tenant name %q must not contain \"__\" nor end with \"_\"", ErrInvalidName, name)
	}
	return nil
}

// tenantSchemaPrefix is prefixed to a tenant's name to make its schema.
const tenantSchemaPrefix = "t_"

// tenantColumns are the columns scanTenant reads. System-table SQL is
// written once for both stores, with $n placeholders and time.Time
// arguments (see Querier).
const tenantColumns = "id, name, schema_name, created_at"

// CreateTenant creates a tenant named name: its row and, on PostgreSQL, its
// schema, in one transaction. A name refused by CheckTenantName gives an
// error wrapping ErrInvalidName; a taken one, ErrTenantExists.
func CreateTenant(ctx context.Context, db DB, name string) (Tenant, error) {
	if err := CheckTenantName(name); err != nil {
		return Tenant{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Tenant{}, fmt.Errorf("store: create tenant: %w", err)
	}
	t := Tenant{ID: id.String(), Name: name, Schema: tenantSchemaPrefix + name, CreatedAt: utcNow()}
	pg := db.Dialect().Name() == "postgres"
	err = db.InTx(ctx, func(ctx context.Context, tx Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO tenants ("+tenantColumns+") VALUES ($1, $2, $3, $4)",
			t.ID, t.Name, t.Schema, t.CreatedAt)
		if isUnique(err) {
			return fmt.Errorf("%w: %q", ErrTenantExists, name)
		}
		if err != nil {
			return err
		}
		if pg {
			// An existing schema (left by hand) fails here with
			// duplicate_schema rather than being taken over.
			if _, err := tx.Exec(ctx, "CREATE SCHEMA "+dialect.Quote(t.Schema)); err != nil {
				if isPgCode(err, pgDuplicateSchema) {
					return fmt.Errorf("%w: schema %s already exists", ErrTenantExists, t.Schema)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("store: create tenant %q: %w", name, err)
	}
	return t, nil
}

// TenantByName returns the tenant called name, or ErrNotFound.
func TenantByName(ctx context.Context, q Querier, name string) (Tenant, error) {
	t, err := scanTenant(q.QueryRow(ctx, "SELECT "+tenantColumns+" FROM tenants WHERE name = $1", name))
	if err != nil {
		return Tenant{}, fmt.Errorf("store: tenant %q: %w", name, err)
	}
	return t, nil
}

// TenantByID returns the tenant with that id, or ErrNotFound.
func TenantByID(ctx context.Context, q Querier, id string) (Tenant, error) {
	if !validID(id) {
		return Tenant{}, fmt.Errorf("store: tenant %q: %w", id, ErrNotFound)
	}
	t, err := scanTenant(q.QueryRow(ctx, "SELECT "+tenantColumns+" FROM tenants WHERE id = $1", id))
	if err != nil {
		return Tenant{}, fmt.Errorf("store: tenant %q: %w", id, err)
	}
	return t, nil
}

// ListTenants returns every tenant, ordered by name.
func ListTenants(ctx context.Context, q Querier) ([]Tenant, error) {
	rows, err := q.Query(ctx, "SELECT "+tenantColumns+" FROM tenants ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list tenants: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	return out, nil
}

func scanTenant(r Row) (Tenant, error) {
	var t Tenant
	if err := r.Scan(&t.ID, &t.Name, &t.Schema, &t.CreatedAt); err != nil {
		return Tenant{}, err
	}
	return t, nil
}

// validID reports whether id is a UUID in its canonical text form
// (lowercase, hyphenated), the only form the system tables hold.
// PostgreSQL refuses to compare other text with a uuid column, or accepts
// other forms (uppercase, braces), where SQLite compares text and finds
// nothing; so functions taking an id check it first and treat anything
// else as not found, the same on both stores.
func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}
