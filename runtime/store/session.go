package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Session is a signed-in session of the web UI, as stored: its secret (the
// cookie's value) is kept only as a SHA-256.
type Session struct {
	// ID is the session's UUID (version 7).
	ID       string
	TenantID string
	UserID   string
	// CreatedAt is when the user signed in; LastSeenAt is when the session
	// last authenticated a request, to the minute.
	CreatedAt, LastSeenAt time.Time
	// IdleExpiresAt is when the session ends unless it is used before;
	// each use (at most once a minute) moves it forward.
	IdleExpiresAt time.Time
	// ExpiresAt is when the session ends however it is used.
	ExpiresAt time.Time
	// Address and UserAgent are the client's, when it signed in.
	Address, UserAgent string
}

// NewSession is what CreateSession stores.
type NewSession struct {
	TenantID, UserID   string
	Address, UserAgent string
	// Now is the time of the sign-in; Idle and Lifetime are the idle and
	// absolute timeouts.
	Now            time.Time
	Idle, Lifetime time.Duration
}

// SessionPrefix starts every session secret.
const SessionPrefix = "mss_"

// sessionTouchInterval bounds the writes sessions cause: last_seen_at and
// idle_expires_at move at most once a minute per session.
const sessionTouchInterval = time.Minute

var sessionLen = len(SessionPrefix) + base64.RawURLEncoding.EncodedLen(tokenRandomBytes)

const sessionColumns = "id, tenant_id, user_id, created_at, last_seen_at, idle_expires_at, expires_at, address, user_agent"

// CreateSession starts a session for a user of the tenant and returns its
// secret, the value of the session cookie, which is never stored.
func CreateSession(ctx context.Context, q Querier, ns NewSession) (secret string, s Session, err error) {
	if !validID(ns.TenantID) || !validID(ns.UserID) {
		return "", Session{}, fmt.Errorf("store: create session: user %q: %w", ns.UserID, ErrNotFound)
	}
	if ns.Idle <= 0 || ns.Lifetime <= 0 {
		return "", Session{}, errors.New("store: create session: the idle and absolute timeouts must be positive")
	}
	raw := make([]byte, tokenRandomBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, fmt.Errorf("store: create session: %w", err)
	}
	secret = SessionPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := ns.Now.UTC().Truncate(time.Microsecond)
	s = Session{
		ID: uuid.Must(uuid.NewV7()).String(), TenantID: ns.TenantID, UserID: ns.UserID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ns.Lifetime), Address: ns.Address, UserAgent: truncate(ns.UserAgent, 500),
	}
	s.IdleExpiresAt = minTime(now.Add(ns.Idle), s.ExpiresAt)
	_, err = q.Exec(ctx, "INSERT INTO sessions ("+sessionColumns+", token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		s.ID, s.TenantID, s.UserID, s.CreatedAt, s.LastSeenAt, s.IdleExpiresAt, s.ExpiresAt, s.Address, s.UserAgent, hashToken(secret))
	if err != nil {
		var ce *ConstraintError
		if errors.As(err, &ce) && ce.Kind == ConstraintForeignKey {
			return "", Session{}, fmt.Errorf("store: create session: user %q: %w: %w", ns.UserID, ErrNotFound, err)
		}
		return "", Session{}, fmt.Errorf("store: create session: %w", err)
	}
	return secret, s, nil
}

// AuthenticateSession returns the tenant, user and session that secret
// belongs to at the time now, or ErrUnauthorized when it is malformed,
// unknown, expired (idle or absolute), or its user is deactivated. A use
// moves the idle expiry to now+idle (never past the absolute expiry), at
// most once a minute.
func AuthenticateSession(ctx context.Context, q Querier, secret string, now time.Time, idle time.Duration) (Tenant, User, Session, error) {
	if len(secret) != sessionLen || !strings.HasPrefix(secret, SessionPrefix) {
		return Tenant{}, User{}, Session{}, ErrUnauthorized
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret[len(SessionPrefix):]); err != nil {
		return Tenant{}, User{}, Session{}, ErrUnauthorized
	}
	row := q.QueryRow(ctx, `SELECT s.id, s.tenant_id, s.user_id, s.created_at, s.last_seen_at, s.idle_expires_at, s.expires_at, s.address, s.user_agent,
		t.id, t.name, t.schema_name, t.created_at,
		u.id, u.tenant_id, u.email, u.name, u.active, u.manager_id, u.role, u.password_hash IS NOT NULL, u.password_changed_at, u.created_at, u.updated_at
		FROM sessions s JOIN tenants t ON t.id = s.tenant_id JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id
		WHERE s.token_hash = $1`, hashToken(secret))
	var (
		s   Session
		ten Tenant
		u   User
		mgr sql.NullString
	)
	err := row.Scan(&s.ID, &s.TenantID, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.IdleExpiresAt, &s.ExpiresAt, &s.Address, &s.UserAgent,
		&ten.ID, &ten.Name, &ten.Schema, &ten.CreatedAt,
		&u.ID, &u.TenantID, &u.Email, &u.Name, &u.Active, &mgr, &u.Role, &u.HasPassword, &u.PasswordChangedAt, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, ErrNotFound) {
		return Tenant{}, User{}, Session{}, ErrUnauthorized
	}
	if err != nil {
		return Tenant{}, User{}, Session{}, fmt.Errorf("store: authenticate session: %w", err)
	}
	u.ManagerID = mgr.String
	now = now.UTC().Truncate(time.Microsecond)
	if !u.Active || !now.Before(s.ExpiresAt) || !now.Before(s.IdleExpiresAt) {
		return Tenant{}, User{}, Session{}, ErrUnauthorized
	}
	if now.Sub(s.LastSeenAt) >= sessionTouchInterval {
		idleEnd := minTime(now.Add(idle), s.ExpiresAt)
		_, err := q.Exec(ctx, "UPDATE sessions SET last_seen_at = $1, idle_expires_at = $2 WHERE id = $3 AND last_seen_at <= $4",
			now, idleEnd, s.ID, now.Add(-sessionTouchInterval))
		if err != nil {
			return Tenant{}, User{}, Session{}, fmt.Errorf("store: authenticate session: record use: %w", err)
		}
		s.LastSeenAt, s.IdleExpiresAt = now, idleEnd
	}
	return ten, u, s, nil
}

// DeleteSession ends a session of the tenant; ending one that does not
// exist (or has ended) is not an error.
func DeleteSession(ctx context.Context, q Querier, tenantID, id string) error {
	if !validID(tenantID) || !validID(id) {
		return nil
	}
	if _, err := q.Exec(ctx, "DELETE FROM sessions WHERE tenant_id = $1 AND id = $2", tenantID, id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user of the tenant but the
// one with id except ("" for none), and returns how many it ended.
func DeleteUserSessions(ctx context.Context, q Querier, tenantID, userID, except string) (int64, error) {
	if !validID(tenantID) || !validID(userID) {
		return 0, nil
	}
	query := "DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2"
	args := []any{tenantID, userID}
	if validID(except) {
		query += " AND id <> $3"
		args = append(args, except)
	}
	n, err := q.Exec(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions of user %s: %w", userID, err)
	}
	return n, nil
}

// DeleteExpiredSessions deletes the sessions of a user of the tenant that
// have ended by now; sign-in calls it, so ended sessions do not pile up.
func DeleteExpiredSessions(ctx context.Context, q Querier, tenantID, userID string, now time.Time) error {
	if !validID(tenantID) || !validID(userID) {
		return nil
	}
	_, err := q.Exec(ctx, "DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND (expires_at <= $3 OR idle_expires_at <= $3)",
		tenantID, userID, now.UTC())
	if err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return nil
}

// ListUserSessions returns the live and ended sessions of a user of the
// tenant that are still stored, newest first.
func ListUserSessions(ctx context.Context, q Querier, tenantID, userID string) ([]Session, error) {
	if !validID(tenantID) || !validID(userID) {
		return nil, nil
	}
	rows, err := q.Query(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC",
		tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		if err := rows.Scan(&s.ID, &s.TenantID, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.IdleExpiresAt, &s.ExpiresAt, &s.Address, &s.UserAgent); err != nil {
			return nil, fmt.Errorf("store: list sessions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
