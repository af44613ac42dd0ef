package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Credentials are what a sign-in presents, and where it comes from.
type Credentials struct {
	// Tenant is the tenant's name.
	Tenant   string
	Email    string
	Password string
	// Address and UserAgent are the client's.
	Address, UserAgent string
}

// SignedIn is a successful sign-in: the identity and the new session's
// secret, which goes into the session cookie and nowhere else.
type SignedIn struct {
	Identity
	Secret string
}

// maxAuditedEmail bounds the email a failed sign-in records.
const maxAuditedEmail = 254

// SignIn checks credentials and starts a session. Every failure — unknown
// tenant or email, wrong password, no password set, deactivated user —
// answers ErrInvalidCredentials after verifying a password hash (a dummy
// one when there is no user's), so neither the answer nor its time tells
// which. Failures are counted per account (tenant and email) and per
// address; past the limits a sign-in is refused with *ThrottledError
// before anything is checked. Success and failure are audited in the
// tenant, failures with the email tried (never the password).
func (s *Service) SignIn(ctx context.Context, c Credentials) (SignedIn, error) {
	now := s.Now()
	account := accountSubject(strings.ToLower(strings.TrimSpace(c.Tenant)), c.Email)
	address := addressSubject(c.Address)
	if wait, err := s.throttled(ctx, account, address, now); err != nil || wait > 0 {
		return SignedIn{}, err
	}

	tenant, err := store.TenantByName(ctx, s.db, strings.ToLower(strings.TrimSpace(c.Tenant)))
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return SignedIn{}, err
	}
	var (
		user store.User
		hash string
	)
	if known && c.Email != "" {
		user, hash, err = store.UserCredentials(ctx, s.db, tenant.ID, c.Email)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return SignedIn{}, err
		}
	}
	ok := false
	if hash != "" {
		ok, err = VerifyPassword(hash, c.Password)
		if err != nil {
			slog.ErrorContext(ctx, "auth: a stored password hash cannot be read", "tenant", tenant.Name, "user", user.ID, "error", err)
			ok = false
		}
	} else {
		_, _ = VerifyPassword(s.dummy, c.Password)
	}
	if !ok || !user.Active {
		lockedAccount, lockedAddress, err := s.failed(ctx, account, address, now)
		if err != nil {
			return SignedIn{}, err
		}
		if known {
			detail := map[string]any{"email": truncateString(c.Email, maxAuditedEmail)}
			if user.ID != "" {
				detail["user_id"] = user.ID
			}
			if lockedAccount {
				detail["account_throttled"] = true
			}
			if lockedAddress {
				detail["address_throttled"] = true
			}
			if err := Audit(ctx, s.db, tenant.ID, Actor{Address: c.Address}, EventSignInFailed, detail); err != nil {
				return SignedIn{}, err
			}
		}
		return SignedIn{}, ErrInvalidCredentials
	}
	if err := s.accounts.reset(ctx, account); err != nil {
		return SignedIn{}, fmt.Errorf("auth: sign in: %w", err)
	}

	var out SignedIn
	err = s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		if NeedsRehash(hash, *s.cfg.Params) {
			if h, err := HashPassword(c.Password, *s.cfg.Params); err == nil {
				if err := store.SetPasswordHash(ctx, tx, tenant.ID, user.ID, h); err != nil {
					return err
				}
			}
		}
		if err := store.DeleteExpiredSessions(ctx, tx, tenant.ID, user.ID, now); err != nil {
			return err
		}
		secret, sess, err := store.CreateSession(ctx, tx, store.NewSession{
			TenantID: tenant.ID, UserID: user.ID, Address: c.Address, UserAgent: c.UserAgent,
			Now: now, Idle: s.cfg.SessionIdle, Lifetime: s.cfg.SessionLifetime,
		})
		if err != nil {
			return err
		}
		out = SignedIn{Identity: Identity{Tenant: tenant, User: user, Session: &sess, CSRF: CSRFToken(secret)}, Secret: secret}
		return Audit(ctx, tx, tenant.ID, Actor{UserID: user.ID, Address: c.Address}, EventSignIn,
			map[string]any{"session_id": sess.ID})
	})
	if err != nil {
		return SignedIn{}, fmt.Errorf("auth: sign in: %w", err)
	}
	return out, nil
}

// SignOut ends the identity's session (an identity without one is left as
// it is) and audits it.
func (s *Service) SignOut(ctx context.Context, id Identity, address string) error {
	if id.Session == nil {
		return nil
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := store.DeleteSession(ctx, tx, id.Tenant.ID, id.Session.ID); err != nil {
			return err
		}
		return Audit(ctx, tx, id.Tenant.ID, id.Actor(address), EventSignOut, map[string]any{"session_id": id.Session.ID})
	})
}

// CheckPassword verifies the current password of the identity's user, as
// a change of one's own password requires. Failures count against the
// account and the address like failed sign-ins, and past the limits the
// check is refused with *ThrottledError.
func (s *Service) CheckPassword(ctx context.Context, id Identity, password, address string) (bool, error) {
	now := s.Now()
	account := accountSubject(id.Tenant.Name, id.User.Email)
	addr := addressSubject(address)
	if wait, err := s.throttled(ctx, account, addr, now); err != nil || wait > 0 {
		return false, err
	}
	hash, err := store.UserPasswordHash(ctx, s.db, id.Tenant.ID, id.User.ID)
	if err != nil {
		return false, err
	}
	ok := false
	if hash != "" {
		ok, _ = VerifyPassword(hash, password)
	} else {
		_, _ = VerifyPassword(s.dummy, password)
	}
	if !ok {
		if _, _, err := s.failed(ctx, account, addr, now); err != nil {
			return false, err
		}
	}
	return ok, nil
}

// throttled returns a *ThrottledError when the account or the address has
// failed too often lately, with the wait of the longer, and nil otherwise.
func (s *Service) throttled(ctx context.Context, account, address subject, now time.Time) (time.Duration, error) {
	wa, err := s.accounts.wait(ctx, account, now)
	if err != nil {
		return 0, fmt.Errorf("auth: count failed sign-ins: %w", err)
	}
	wd, err := s.addresses.wait(ctx, address, now)
	if err != nil {
		return 0, fmt.Errorf("auth: count failed sign-ins: %w", err)
	}
	if wait := max(wa, wd); wait > 0 {
		return wait, &ThrottledError{RetryAfter: wait}
	}
	return 0, nil
}

// failed records a failure of the account and of the address, and reports
// which of them must now wait.
func (s *Service) failed(ctx context.Context, account, address subject, now time.Time) (lockedAccount, lockedAddress bool, err error) {
	if lockedAccount, err = s.accounts.fail(ctx, account, now); err != nil {
		return false, false, fmt.Errorf("auth: record a failed sign-in: %w", err)
	}
	if lockedAddress, err = s.addresses.fail(ctx, address, now); err != nil {
		return false, false, fmt.Errorf("auth: record a failed sign-in: %w", err)
	}
	return lockedAccount, lockedAddress, nil
}

// retryAfterSeconds rounds a wait up to whole seconds, at least one.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// RetryAfterSeconds is the Retry-After header of a throttled sign-in.
func (e *ThrottledError) RetryAfterSeconds() int { return retryAfterSeconds(e.RetryAfter) }

func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
