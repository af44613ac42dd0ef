package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Token is an API token, as stored: never its plaintext, only a hash of
// it. A token belongs to a user and acts as that user, optionally with a
// narrower scope (ReadOnly, Objects).
type Token struct {
	// ID is the token's UUID, used to list and revoke it.
	ID string
	// TenantID is the tenant the token authenticates in.
	TenantID string
	// UserID is the user the token acts as.
	UserID string
	// Name says what the token is for ("ci", "zapier").
	Name string
	// ReadOnly limits the token to reading (GET and HEAD).
	ReadOnly bool
	// Objects, when not nil, limits the token to the objects with these
	// stable ids.
	Objects []string
	// CreatedAt is when the token was created (UTC).
	CreatedAt time.Time
	// LastUsedAt is when the token last authenticated a request, to the
	// minute (nil if never).
	LastUsedAt *time.Time
	// RevokedAt is when the token was revoked (nil if it is live).
	RevokedAt *time.Time
}

// NewToken is what CreateUserToken stores.
type NewToken struct {
	TenantID string
	// UserID is the user the token acts as, a user of the tenant.
	UserID string
	Name   string
	// ReadOnly and Objects narrow the token (see Token).
	ReadOnly bool
	Objects  []string
}

// TokenPrefix starts every API token, so that a leaked token is easy to
// recognize (and to scan for).
const TokenPrefix = "mst_"

// tokenRandomBytes is the entropy of a token.
const tokenRandomBytes = 32

// tokenLen is the length of a token's plaintext.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenRandomBytes)

// tokenTouchInterval is how stale last_used_at may get before
// AuthenticateToken writes it again; it bounds the writes that
// authentication causes to one per token per interval.
const tokenTouchInterval = time.Minute

const tokenColumns = "id, tenant_id, user_id, name, read_only, objects, created_at, last_used_at, revoked_at"

// CreateToken creates an API token of the tenant's first administrator
// (see EnsureAdmin, which creates one when the tenant has none) and returns
// its plaintext, shown once and never stored. It is how the command line
// and test harnesses get a token for a tenant; users create their own with
// CreateUserToken.
func CreateToken(ctx context.Context, q Querier, tenantID, name string) (plaintext string, tok Token, err error) {
	admin, _, err := EnsureAdmin(ctx, q, tenantID)
	if err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	return CreateUserToken(ctx, q, NewToken{TenantID: tenantID, UserID: admin.ID, Name: name})
}

// CreateUserToken creates an API token for a user of the tenant and returns
// its plaintext, which is shown once and never stored: the database keeps
// its SHA-256 only. A user that is not of the tenant gives ErrNotFound.
func CreateUserToken(ctx context.Context, q Querier, nt NewToken) (plaintext string, tok Token, err error) {
	if !validID(nt.TenantID) {
		return "", Token{}, fmt.Errorf("store: create token: tenant %q: %w", nt.TenantID, ErrNotFound)
	}
	if _, err := UserByID(ctx, q, nt.TenantID, nt.UserID); err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	secret := make([]byte, tokenRandomBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	plaintext = TokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	id, err := uuid.NewV7()
	if err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	tok = Token{ID: id.String(), TenantID: nt.TenantID, UserID: nt.UserID, Name: nt.Name, ReadOnly: nt.ReadOnly, Objects: nt.Objects, CreatedAt: utcNow()}
	objects, err := objectsArg(nt.Objects)
	if err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	_, err = q.Exec(ctx, `INSERT INTO api_tokens (id, tenant_id, user_id, name, read_only, objects, token_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		tok.ID, tok.TenantID, tok.UserID, tok.Name, tok.ReadOnly, objects, hashToken(plaintext), tok.CreatedAt)
	if err != nil {
		var ce *ConstraintError
		if errors.As(err, &ce) && ce.Kind == ConstraintForeignKey {
			return "", Token{}, fmt.Errorf("store: create token: tenant %q: %w: %w", nt.TenantID, ErrNotFound, err)
		}
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	return plaintext, tok, nil
}

// objectsArg is a token's object scope as a statement argument: a JSON
// array, or NULL for none.
func objectsArg(objects []string) (any, error) {
	if objects == nil {
		return nil, nil
	}
	b, err := json.Marshal(objects)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// parseObjects reads a token's object scope column.
func parseObjects(b []byte) ([]string, error) {
	if b == nil {
		return nil, nil
	}
	out := []string{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("objects of token: %w", err)
	}
	return out, nil
}

// AuthenticateToken returns the tenant and token that plaintext belongs
// to, or ErrUnauthorized when it is malformed, unknown, revoked, or its
// user is deactivated. It records the use in last_used_at, at most once a
// minute per token.
func AuthenticateToken(ctx context.Context, q Querier, plaintext string) (Tenant, Token, error) {
	ten, _, tok, err := TokenIdentity(ctx, q, plaintext)
	return ten, tok, err
}

// TokenIdentity is AuthenticateToken that also returns the token's user.
func TokenIdentity(ctx context.Context, q Querier, plaintext string) (Tenant, User, Token, error) {
	if len(plaintext) != tokenLen || !strings.HasPrefix(plaintext, TokenPrefix) {
		return Tenant{}, User{}, Token{}, ErrUnauthorized
	}
	if _, err := base64.RawURLEncoding.DecodeString(plaintext[len(TokenPrefix):]); err != nil {
		return Tenant{}, User{}, Token{}, ErrUnauthorized
	}
	row := q.QueryRow(ctx, `SELECT k.id, k.tenant_id, k.user_id, k.name, k.read_only, k.objects, k.created_at, k.last_used_at, k.revoked_at,
		t.id, t.name, t.schema_name, t.created_at,
		u.id, u.tenant_id, u.email, u.name, u.active, u.manager_id, u.role, u.password_hash IS NOT NULL, u.password_changed_at, u.created_at, u.updated_at
		FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id JOIN users u ON u.id = k.user_id AND u.tenant_id = k.tenant_id
		WHERE k.token_hash = $1`, hashToken(plaintext))
	var (
		tok     Token
		ten     Tenant
		u       User
		objects []byte
		manager sql.NullString
	)
	err := row.Scan(&tok.ID, &tok.TenantID, &tok.UserID, &tok.Name, &tok.ReadOnly, &objects, &tok.CreatedAt, &tok.LastUsedAt, &tok.RevokedAt,
		&ten.ID, &ten.Name, &ten.Schema, &ten.CreatedAt,
		&u.ID, &u.TenantID, &u.Email, &u.Name, &u.Active, &manager, &u.Role, &u.HasPassword, &u.PasswordChangedAt, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, ErrNotFound) {
		return Tenant{}, User{}, Token{}, ErrUnauthorized
	}
	if err != nil {
		return Tenant{}, User{}, Token{}, fmt.Errorf("store: authenticate token: %w", err)
	}
	u.ManagerID = manager.String
	if tok.Objects, err = parseObjects(objects); err != nil {
		return Tenant{}, User{}, Token{}, fmt.Errorf("store: authenticate token: %w", err)
	}
	if tok.RevokedAt != nil || !u.Active {
		return Tenant{}, User{}, Token{}, ErrUnauthorized
	}
	now := utcNow()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= tokenTouchInterval {
		// The condition repeats the check so that concurrent requests
		// write once; losing that race is harmless.
		_, err := q.Exec(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
			now, tok.ID, now.Add(-tokenTouchInterval))
		if err != nil {
			return Tenant{}, User{}, Token{}, fmt.Errorf("store: authenticate token: record use: %w", err)
		}
		tok.LastUsedAt = &now
	}
	return ten, u, tok, nil
}

// RevokeToken revokes a token of the tenant. A token that does not exist,
// or belongs to another tenant, gives ErrNotFound; revoking a revoked token
// again is not an error and keeps the first revocation time.
func RevokeToken(ctx context.Context, q Querier, tenantID, tokenID string) error {
	if !validID(tenantID) {
		return fmt.Errorf("store: revoke token %q: %w", tokenID, ErrNotFound)
	}
	if !validID(tokenID) {
		return fmt.Errorf("store: revoke token %q: %w", tokenID, ErrNotFound)
	}
	n, err := q.Exec(ctx, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND tenant_id = $3",
		utcNow(), tokenID, tenantID)
	if err != nil {
		return fmt.Errorf("store: revoke token %q: %w", tokenID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: revoke token %q: %w", tokenID, ErrNotFound)
	}
	return nil
}

// ListTokens returns the tenant's tokens, revoked ones included, oldest
// first.
func ListTokens(ctx context.Context, q Querier, tenantID string) ([]Token, error) {
	return listTokens(ctx, q, tenantID, "")
}

// ListUserTokens returns the tokens of a user of the tenant, revoked ones
// included, oldest first.
func ListUserTokens(ctx context.Context, q Querier, tenantID, userID string) ([]Token, error) {
	if !validID(userID) {
		return nil, nil
	}
	return listTokens(ctx, q, tenantID, userID)
}

func listTokens(ctx context.Context, q Querier, tenantID, userID string) ([]Token, error) {
	if !validID(tenantID) {
		return nil, nil
	}
	query := "SELECT " + tokenColumns + " FROM api_tokens WHERE tenant_id = $1"
	args := []any{tenantID}
	if userID != "" {
		query += " AND user_id = $2"
		args = append(args, userID)
	}
	rows, err := q.Query(ctx, query+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		tok, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list tokens: %w", err)
		}
		out = append(out, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return out, nil
}

// TokenByID returns a token of the tenant, or ErrNotFound (also for a
// token of another tenant).
func TokenByID(ctx context.Context, q Querier, tenantID, id string) (Token, error) {
	if !validID(tenantID) || !validID(id) {
		return Token{}, fmt.Errorf("store: token %q: %w", id, ErrNotFound)
	}
	tok, err := scanToken(q.QueryRow(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE tenant_id = $1 AND id = $2", tenantID, id))
	if err != nil {
		return Token{}, fmt.Errorf("store: token %q: %w", id, err)
	}
	return tok, nil
}

func scanToken(r Row) (Token, error) {
	var (
		tok     Token
		user    sql.NullString
		objects []byte
	)
	if err := r.Scan(&tok.ID, &tok.TenantID, &user, &tok.Name, &tok.ReadOnly, &objects, &tok.CreatedAt, &tok.LastUsedAt, &tok.RevokedAt); err != nil {
		return Token{}, err
	}
	tok.UserID = user.String
	var err error
	tok.Objects, err = parseObjects(objects)
	return tok, err
}

// hashToken is what the database keeps of a token: the hex SHA-256 of its
// plaintext. Tokens carry 256 random bits, so a fast unsalted hash is
// enough; it also makes the lookup an index probe.
func hashToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}
