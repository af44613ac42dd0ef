// Package auth is Mosaic's identity: users and their passwords (argon2id),
// sign-in with brute-force protection, sessions of the web UI, API tokens
// of users, and the audit log of these and other security-relevant events.
// Authorization builds on the Identity it resolves: the user's role is
// looked up in the tenant's compiled metadata (engine/compiled, Access).
//
// Brute-force protection counts failed sign-ins per account and per client
// address in the store (store.RecordSignInFailure), not in a node's memory:
// several Mosaic nodes on one database share the counts, so spreading
// attempts over nodes gains an attacker nothing. Each failure costs a few
// small writes; failures older than the window are deleted as new ones
// are recorded.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Audit events written by Mosaic, in the event column of the audit log.
const (
	EventSignIn          = "auth.sign_in"
	EventSignInFailed    = "auth.sign_in_failed"
	EventSignOut         = "auth.sign_out"
	EventTokenCreated    = "token.created"
	EventTokenRevoked    = "token.revoked"
	EventUserCreated     = "user.created"
	EventUserUpdated     = "user.updated"
	EventUserDeactivated = "user.deactivated"
	EventUserActivated   = "user.activated"
	EventPasswordChanged = "user.password_changed"
	EventMetadataChanged = "metadata.changed"
	EventRecordDeleted   = "record.deleted"
	EventRecordShared    = "record.shared"
	EventRecordUnshared  = "record.unshared"
	EventRecordsExported = "records.exported"
	// Bundle events: an app bundle installed, upgraded, uninstalled or
	// uploaded to the catalog, and a publisher's key trusted or no longer.
	EventBundleInstalled     = "bundle.installed"
	EventBundleUpgraded      = "bundle.upgraded"
	EventBundleUninstalled   = "bundle.uninstalled"
	EventBundleUploaded      = "bundle.uploaded"
	EventPublisherTrusted    = "publisher.trusted"
	EventPublisherDistrusted = "publisher.distrusted"
)

// Events lists every audit event, for documentation and filter checks.
var Events = []string{
	EventSignIn, EventSignInFailed, EventSignOut, EventTokenCreated, EventTokenRevoked,
	EventUserCreated, EventUserUpdated, EventUserDeactivated, EventUserActivated, EventPasswordChanged,
	EventMetadataChanged, EventRecordDeleted, EventRecordShared, EventRecordUnshared, EventRecordsExported,
	EventBundleInstalled, EventBundleUpgraded, EventBundleUninstalled, EventBundleUploaded,
	EventPublisherTrusted, EventPublisherDistrusted,
}

// Errors of the package. Check them with errors.Is.
var (
	// ErrInvalidCredentials is the one answer to a failed sign-in, whether
	// the tenant, the email or the password was wrong, the user has no
	// password or is deactivated: callers cannot tell which.
	ErrInvalidCredentials = errors.New("auth: the tenant, email or password is not right")
)

// ThrottledError is a sign-in refused because of too many failures: of the
// account, or from the client's address.
type ThrottledError struct {
	// RetryAfter is how long until a sign-in may be tried again.
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many failed sign-ins; try again in %s", e.RetryAfter.Round(time.Second))
}

// Config tunes sessions and sign-in; zero members take the defaults.
type Config struct {
	// SessionIdle ends a session unused for that long (default 8h).
	SessionIdle time.Duration
	// SessionLifetime ends a session that long after sign-in, however it is
	// used (default 7 days).
	SessionLifetime time.Duration
	// AccountFailures failed sign-ins of one account within FailureWindow
	// block that account's sign-ins (default 5).
	AccountFailures int
	// AddressFailures failed sign-ins from one client address within
	// FailureWindow block that address's sign-ins (default 20).
	AddressFailures int
	// FailureWindow is the sliding window of failures (default 15 minutes).
	FailureWindow time.Duration
	// Params are the argon2id parameters of new password hashes (default
	// DefaultParams).
	Params *Params
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultSessionIdle     = 8 * time.Hour
	DefaultSessionLifetime = 7 * 24 * time.Hour
	DefaultAccountFailures = 5
	DefaultAddressFailures = 20
	DefaultFailureWindow   = 15 * time.Minute
)

func (c Config) withDefaults() Config {
	if c.SessionIdle <= 0 {
		c.SessionIdle = DefaultSessionIdle
	}
	if c.SessionLifetime <= 0 {
		c.SessionLifetime = DefaultSessionLifetime
	}
	if c.AccountFailures <= 0 {
		c.AccountFailures = DefaultAccountFailures
	}
	if c.AddressFailures <= 0 {
		c.AddressFailures = DefaultAddressFailures
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = DefaultFailureWindow
	}
	if c.Params == nil {
		p := DefaultParams
		c.Params = &p
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Service signs users in and out, resolves credentials to identities, and
// changes users and tokens, writing the audit log as it goes.
type Service struct {
	db        store.DB
	cfg       Config
	accounts  *limiter
	addresses *limiter
	// dummy is a hash of a random password, verified when there is no
	// user's hash to verify, so that an unknown email costs the time a
	// known one does.
	dummy string
}

// New returns a service over db.
func New(db store.DB, cfg Config) *Service {
	cfg = cfg.withDefaults()
	secret := make([]byte, 24)
	_, _ = rand.Read(secret)
	dummy, err := HashPassword(base64.RawURLEncoding.EncodeToString(secret), *cfg.Params)
	if err != nil {
		panic(err) // only with parameters HashPassword refuses: a programming error
	}
	return &Service{
		db: db, cfg: cfg, dummy: dummy,
		accounts:  newLimiter(db, cfg.AccountFailures, cfg.FailureWindow),
		addresses: newLimiter(db, cfg.AddressFailures, cfg.FailureWindow),
	}
}

// Config returns the service's configuration, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Now returns the time by the service's clock.
func (s *Service) Now() time.Time { return s.cfg.Now() }

// Identity is who a request acts as: a user of a tenant, authenticated by
// an API token or a session.
type Identity struct {
	Tenant store.Tenant
	User   store.User
	// Token is the API token used, nil for a session.
	Token *store.Token
	// Session is the session used, nil for a token.
	Session *store.Session
	// CSRF is the session's CSRF token ("" for a token), which requests of
	// the session that change anything must send back (see CSRFToken).
	CSRF string
}

// IsAdmin reports whether the identity's user is an administrator.
func (id Identity) IsAdmin() bool { return id.User.IsAdmin() }

// ReadOnly reports whether the identity may only read (a read-only token).
func (id Identity) ReadOnly() bool { return id.Token != nil && id.Token.ReadOnly }

// Objects returns the ids of the objects the identity is limited to, nil
// for no limit (an object-scoped token).
func (id Identity) Objects() []string {
	if id.Token == nil {
		return nil
	}
	return id.Token.Objects
}

// Actor returns the identity as the actor of audited changes, from the
// client address.
func (id Identity) Actor(address string) Actor {
	a := Actor{UserID: id.User.ID, Address: address}
	if id.Token != nil {
		a.TokenID = id.Token.ID
	}
	return a
}

// Actor is who makes an audited change and from where.
type Actor struct {
	// UserID is the acting user ("" when none: a failed sign-in, the
	// command line).
	UserID string
	// TokenID is the API token the user acted through ("" for none).
	TokenID string
	// Address is the client's address.
	Address string
	// Via names a channel other than the API, such as "cli" or "bootstrap";
	// it is added to the entry's detail.
	Via string
}

// Entry returns an audit entry of the tenant for an event by the actor,
// with the detail (nil for none) as a JSON object.
func (a Actor) Entry(tenantID, event string, detail map[string]any) *store.AuditEntry {
	if a.Via != "" {
		if detail == nil {
			detail = map[string]any{}
		}
		detail["via"] = a.Via
	}
	e := &store.AuditEntry{TenantID: tenantID, ActorUserID: a.UserID, ActorTokenID: a.TokenID, Address: a.Address, Event: event}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err == nil {
			e.Detail = b
		}
	}
	return e
}

// Audit writes an entry for an event by the actor in q (the transaction of
// the change, when there is one).
func Audit(ctx context.Context, q store.Querier, tenantID string, by Actor, event string, detail map[string]any) error {
	return store.InsertAudit(ctx, q, by.Entry(tenantID, event, detail))
}

// CSRFToken returns the CSRF token of a session: derived from the
// session's secret by a one-way hash, so the server need not store it and
// it reveals nothing of the secret. A page of another site cannot read it
// (it does not have the cookie), so requiring it in a header of every
// request that changes something stops cross-site request forgery.
func CSRFToken(sessionSecret string) string {
	sum := sha256.Sum256([]byte("mosaic-csrf\x00" + sessionSecret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthenticateToken resolves an API token to its identity, or
// store.ErrUnauthorized.
func (s *Service) AuthenticateToken(ctx context.Context, plaintext string) (Identity, error) {
	ten, u, tok, err := store.TokenIdentity(ctx, s.db, plaintext)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Tenant: ten, User: u, Token: &tok}, nil
}

// AuthenticateSession resolves a session secret (the cookie's value) to its
// identity at the service's time, or store.ErrUnauthorized when it is
// unknown or has ended.
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (Identity, error) {
	ten, u, sess, err := store.AuthenticateSession(ctx, s.db, secret, s.Now(), s.cfg.SessionIdle)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Tenant: ten, User: u, Session: &sess, CSRF: CSRFToken(secret)}, nil
}
