package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Token is an API token of a tenant, as stored: never its plaintext, only
// a hash of it.
type Token struct {
	// ID is the token's UUID, used to list and revoke it.
	ID string
	// TenantID is the tenant the token authenticates as.
	TenantID string
	// Name says what the token is for ("ci", "zapier").
	Name string
	// CreatedAt is when the token was created (UTC).
	CreatedAt time.Time
	// LastUsedAt is when the token last authenticated a request, to the
	// minute (nil if never).
	LastUsedAt *time.Time
	// RevokedAt is when the token was revoked (nil if it is live).
	RevokedAt *time.Time
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

const tokenColumns = "id, tenant_id, name, created_at, last_used_at, revoked_at"

// CreateToken creates an API token for the tenant and returns its
// plaintext, which is shown once and never stored: the database keeps its
// SHA-256 only.
func CreateToken(ctx context.Context, q Querier, tenantID, name string) (plaintext string, tok Token, err error) {
	if !validID(tenantID) {
		return "", Token{}, fmt.Errorf("store: create token: tenant %q: %w", tenantID, ErrNotFound)
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
	tok = Token{ID: id.String(), TenantID: tenantID, Name: name, CreatedAt: utcNow()}
	_, err = q.Exec(ctx, "INSERT INTO api_tokens (id, tenant_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
		tok.ID, tok.TenantID, tok.Name, hashToken(plaintext), tok.CreatedAt)
	if err != nil {
		var ce *ConstraintError
		if errors.As(err, &ce) && ce.Kind == ConstraintForeignKey {
			return "", Token{}, fmt.Errorf("store: create token: tenant %q: %w: %w", tenantID, ErrNotFound, err)
		}
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	return plaintext, tok, nil
}

// AuthenticateToken returns the tenant and token that plaintext belongs
// to, or ErrUnauthorized when it is malformed, unknown or revoked. It
// records the use in last_used_at, at most once a minute per token.
func AuthenticateToken(ctx context.Context, q Querier, plaintext string) (Tenant, Token, error) {
	if len(plaintext) != tokenLen || !strings.HasPrefix(plaintext, TokenPrefix) {
		return Tenant{}, Token{}, ErrUnauthorized
	}
	if _, err := base64.RawURLEncoding.DecodeString(plaintext[len(TokenPrefix):]); err != nil {
		return Tenant{}, Token{}, ErrUnauthorized
	}
	row := q.QueryRow(ctx, `SELECT k.id, k.tenant_id, k.name, k.created_at, k.last_used_at, k.revoked_at,
		t.id, t.name, t.schema_name, t.created_at
		FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id
		WHERE k.token_hash = $1`, hashToken(plaintext))
	var tok Token
	var ten Tenant
	err := row.Scan(&tok.ID, &tok.TenantID, &tok.Name, &tok.CreatedAt, &tok.LastUsedAt, &tok.RevokedAt,
		&ten.ID, &ten.Name, &ten.Schema, &ten.CreatedAt)
	if errors.Is(err, ErrNotFound) {
		return Tenant{}, Token{}, ErrUnauthorized
	}
	if err != nil {
		return Tenant{}, Token{}, fmt.Errorf("store: authenticate token: %w", err)
	}
	if tok.RevokedAt != nil {
		return Tenant{}, Token{}, ErrUnauthorized
	}
	now := utcNow()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= tokenTouchInterval {
		// The condition repeats the check so that concurrent requests
		// write once; losing that race is harmless.
		_, err := q.Exec(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
			now, tok.ID, now.Add(-tokenTouchInterval))
		if err != nil {
			return Tenant{}, Token{}, fmt.Errorf("store: authenticate token: record use: %w", err)
		}
		tok.LastUsedAt = &now
	}
	return ten, tok, nil
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
	if !validID(tenantID) {
		return nil, nil
	}
	rows, err := q.Query(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE tenant_id = $1 ORDER BY created_at, id", tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var tok Token
		if err := rows.Scan(&tok.ID, &tok.TenantID, &tok.Name, &tok.CreatedAt, &tok.LastUsedAt, &tok.RevokedAt); err != nil {
			return nil, fmt.Errorf("store: list tokens: %w", err)
		}
		out = append(out, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return out, nil
}

// hashToken is what the database keeps of a token: the hex SHA-256 of its
// plaintext. Tokens carry 256 random bits, so a fast unsalted hash is
// enough; it also makes the lookup an index probe.
func hashToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}
