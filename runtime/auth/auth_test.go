package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// clock is a settable clock for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var fast = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const password = "correct horse battery"

// fixture is a tenant with an administrator and a user with a password.
type fixture struct {
	db    store.DB
	svc   *auth.Service
	clock *clock
	ten   store.Tenant
	admin store.User
	user  store.User
}

func newFixture(t *testing.T, db store.DB, cfg auth.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, clock: newClock()}
	if cfg.Params == nil {
		cfg.Params = &fast
	}
	cfg.Now = f.clock.Now
	f.svc = auth.New(db, cfg)
	setup, err := auth.SetUpTenant(ctx, db, "acme", "first", auth.Actor{Via: "test"})
	require.NoError(t, err)
	f.ten, f.admin = setup.Tenant, setup.Admin
	f.user, err = f.svc.CreateUser(ctx, f.ten.ID, auth.UserInput{Email: "Ada@Example.com", Name: "Ada", Password: password}, auth.Actor{UserID: f.admin.ID})
	require.NoError(t, err)
	return f
}

func (f *fixture) signIn(email, pw, addr string) (auth.SignedIn, error) {
	return f.svc.SignIn(context.Background(), auth.Credentials{Tenant: "acme", Email: email, Password: pw, Address: addr, UserAgent: "test"})
}

// events returns the tenant's audit events, oldest first.
func events(t *testing.T, db store.DB, tenantID string, names ...string) []store.AuditEntry {
	t.Helper()
	page, err := store.ListAudit(context.Background(), db, tenantID, store.AuditQuery{Events: names, Limit: store.MaxAuditLimit})
	require.NoError(t, err)
	out := page.Entries
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func detail(t *testing.T, e store.AuditEntry) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(e.Detail, &m))
	return m
}

func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, auth.Config{})

		in, err := f.signIn("ada@example.COM", password, "192.0.2.1")
		require.NoError(t, err)
		assert.Equal(t, f.user.ID, in.User.ID)
		assert.Equal(t, f.ten.ID, in.Tenant.ID)
		require.NotNil(t, in.Session)
		assert.Nil(t, in.Token)
		assert.Equal(t, f.clock.Now().Add(auth.DefaultSessionIdle), in.Session.IdleExpiresAt)
		assert.Equal(t, f.clock.Now().Add(auth.DefaultSessionLifetime), in.Session.ExpiresAt)
		assert.Equal(t, auth.CSRFToken(in.Secret), in.CSRF)
		assert.NotEqual(t, in.Secret, in.CSRF)

		id, err := f.svc.AuthenticateSession(ctx, in.Secret)
		require.NoError(t, err)
		assert.Equal(t, f.user.ID, id.User.ID)
		assert.Equal(t, in.CSRF, id.CSRF)

		ok := events(t, db, f.ten.ID, auth.EventSignIn)
		require.Len(t, ok, 1)
		assert.Equal(t, f.user.ID, ok[0].ActorUserID)
		assert.Equal(t, "192.0.2.1", ok[0].Address)
		assert.Equal(t, in.Session.ID, detail(t, ok[0])["session_id"])

		require.NoError(t, f.svc.SignOut(ctx, id, "192.0.2.1"))
		_, err = f.svc.AuthenticateSession(ctx, in.Secret)
		assert.ErrorIs(t, err, store.ErrUnauthorized, "signed out")
		assert.Len(t, events(t, db, f.ten.ID, auth.EventSignOut), 1)
	})
}

// TestSignInFailures checks that every kind of failure answers the same
// and is audited with the email tried, never the password.
func TestSignInFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, auth.Config{AccountFailures: 100, AddressFailures: 100})
		inactive, err := f.svc.CreateUser(ctx, f.ten.ID, auth.UserInput{Email: "gone@example.com", Password: password}, auth.Actor{})
		require.NoError(t, err)
		_, err = f.svc.UpdateUser(ctx, f.ten.ID, inactive.ID, auth.UserChange{Active: new(false)}, auth.Actor{})
		require.NoError(t, err)

		for name, c := range map[string]auth.Credentials{
			"wrong password":   {Tenant: "acme", Email: "ada@example.com", Password: "wrong horse battery"},
			"unknown email":    {Tenant: "acme", Email: "nobody@example.com", Password: password},
			"unknown tenant":   {Tenant: "nope", Email: "ada@example.com", Password: password},
			"no password set":  {Tenant: "acme", Email: "admin@localhost", Password: password},
			"empty password":   {Tenant: "acme", Email: "admin@localhost", Password: ""},
			"deactivated user": {Tenant: "acme", Email: "gone@example.com", Password: password},
		} {
			_, err := f.svc.SignIn(ctx, c)
			assert.ErrorIs(t, err, auth.ErrInvalidCredentials, name)
			assert.Equal(t, auth.ErrInvalidCredentials.Error(), err.Error(), "%s: the same answer for every failure", name)
		}
		failed := events(t, db, f.ten.ID, auth.EventSignInFailed)
		require.Len(t, failed, 5, "failures in a known tenant are audited")
		emails := map[string]bool{}
		for _, e := range failed {
			assert.Empty(t, e.ActorUserID)
			emails[detail(t, e)["email"].(string)] = true
			assert.NotContains(t, string(e.Detail), "horse", "never the password")
		}
		assert.Equal(t, map[string]bool{"ada@example.com": true, "nobody@example.com": true, "admin@localhost": true, "gone@example.com": true}, emails)
		assert.Empty(t, events(t, db, f.ten.ID, auth.EventSignIn))
	})
}

func TestSignInThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db, auth.Config{})
		// Per account: five failures within 15 minutes block the account,
		// even with the right password, and from another address.
		for i := range auth.DefaultAccountFailures {
			_, err := f.signIn("ada@example.com", "wrong horse battery", "192.0.2.1")
			require.ErrorIs(t, err, auth.ErrInvalidCredentials, "failure %d", i+1)
			f.clock.Advance(time.Minute)
		}
		_, err := f.signIn("ADA@example.com", password, "198.51.100.9")
		var te *auth.ThrottledError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, 10*time.Minute, te.RetryAfter, "until the first failure is 15 minutes old")
		assert.Equal(t, 600, te.RetryAfterSeconds())
		failed := events(t, db, f.ten.ID, auth.EventSignInFailed)
		require.Len(t, failed, 5, "a refused attempt is not audited again")
		assert.Equal(t, true, detail(t, failed[4])["account_throttled"], "the failure that reaches the limit says so")

		// An unknown email is throttled alike: no enumeration by the
		// limiter either.
		for range auth.DefaultAccountFailures {
			_, err := f.signIn("nobody@example.com", "x", "198.51.100.1")
			require.ErrorIs(t, err, auth.ErrInvalidCredentials)
		}
		_, err = f.signIn("nobody@example.com", "x", "198.51.100.1")
		require.ErrorAs(t, err, &te)

		// Other accounts are not affected.
		admin2, err := f.svc.CreateUser(context.Background(), f.ten.ID, auth.UserInput{Email: "b@example.com", Password: password}, auth.Actor{})
		require.NoError(t, err)
		in, err := f.signIn(admin2.Email, password, "192.0.2.1")
		require.NoError(t, err)
		assert.Equal(t, admin2.ID, in.User.ID)

		// Once the window has passed, the account signs in again.
		f.clock.Advance(11 * time.Minute)
		_, err = f.signIn("ada@example.com", password, "192.0.2.1")
		require.NoError(t, err)
	})
}

func TestSignInThrottledPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db, auth.Config{})
		// Twenty failures from one address, over many accounts, block the
		// address for every account.
		for i := range auth.DefaultAddressFailures {
			_, err := f.signIn("user"+string(rune('a'+i))+"@example.com", "x", "203.0.113.5")
			require.ErrorIs(t, err, auth.ErrInvalidCredentials)
		}
		_, err := f.signIn("ada@example.com", password, "203.0.113.5")
		var te *auth.ThrottledError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, auth.DefaultFailureWindow, te.RetryAfter)
		// From another address the account signs in.
		_, err = f.signIn("ada@example.com", password, "203.0.113.6")
		require.NoError(t, err)
	})
}

// TestSuccessResetsAccount checks that a success forgets the account's
// failures.
func TestSuccessResetsAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db, auth.Config{})
		for range auth.DefaultAccountFailures - 1 {
			_, err := f.signIn("ada@example.com", "wrong", "192.0.2.1")
			require.ErrorIs(t, err, auth.ErrInvalidCredentials)
		}
		_, err := f.signIn("ada@example.com", password, "192.0.2.1")
		require.NoError(t, err)
		for range auth.DefaultAccountFailures - 1 {
			_, err := f.signIn("ada@example.com", "wrong", "192.0.2.2")
			require.ErrorIs(t, err, auth.ErrInvalidCredentials)
		}
		_, err = f.signIn("ada@example.com", password, "192.0.2.2")
		require.NoError(t, err)
	})
}

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, auth.Config{SessionIdle: time.Hour, SessionLifetime: 3 * time.Hour})
		in, err := f.signIn("ada@example.com", password, "192.0.2.1")
		require.NoError(t, err)
		// Used every 50 minutes, the session lives its 3 hours.
		for range 3 {
			f.clock.Advance(50 * time.Minute)
			_, err := f.svc.AuthenticateSession(ctx, in.Secret)
			require.NoError(t, err)
		}
		f.clock.Advance(30 * time.Minute) // 3h into the session
		_, err = f.svc.AuthenticateSession(ctx, in.Secret)
		assert.ErrorIs(t, err, store.ErrUnauthorized, "the absolute timeout")

		in, err = f.signIn("ada@example.com", password, "192.0.2.1")
		require.NoError(t, err)
		f.clock.Advance(59 * time.Minute)
		_, err = f.svc.AuthenticateSession(ctx, in.Secret)
		require.NoError(t, err)
		f.clock.Advance(61 * time.Minute)
		_, err = f.svc.AuthenticateSession(ctx, in.Secret)
		assert.ErrorIs(t, err, store.ErrUnauthorized, "the idle timeout")
	})
}

func TestRehashOnSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, auth.Config{})
		stronger := auth.Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
		svc := auth.New(db, auth.Config{Params: &stronger, Now: f.clock.Now})
		_, err := svc.SignIn(ctx, auth.Credentials{Tenant: "acme", Email: "ada@example.com", Password: password})
		require.NoError(t, err)
		hash, err := store.UserPasswordHash(ctx, db, f.ten.ID, f.user.ID)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=128,t=2,p=1$"), hash)
		_, err = svc.SignIn(ctx, auth.Credentials{Tenant: "acme", Email: "ada@example.com", Password: password})
		require.NoError(t, err)
	})
}

func TestCreateUserRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, auth.Config{})
		_, err := f.svc.CreateUser(ctx, f.ten.ID, auth.UserInput{Email: "not an email", Role: "Sales Rep", ManagerID: "nope", Password: "short"}, auth.Actor{})
		var ie *auth.InputError
		require.ErrorAs(t, err, &ie)
		assert.False(t, ie.Conflict)
		codes := map[string]string{}
		for _, fe := range ie.Errors {
			codes[fe.Field] = fe.Code
		}
		assert.Equal(t, map[string]string{"email": auth.CodeInvalid, "role": auth.CodeInvalid, "manager_id": auth.CodeInvalid, "password": auth.CodeTooShort}, codes,
			"every field error at once")

		_, err = f.svc.CreateUser(ctx, f.ten.ID, auth.UserInput{Email: "ADA@example.com"}, auth.Actor{})
		require.ErrorAs(t, err, &ie)
		assert.True(t, ie.Conflict)
		assert.Equal(t, "email", ie.Errors[0].Field)
		assert.Equal(t, auth.CodeTaken, ie.Errors[0].Code)

		u, err := f.svc.CreateUser(ctx, f.ten.ID, auth.UserInput{Email: "grace@example.com"}, auth.Actor{})
		require.NoError(t, err)
		assert.Equal(t, "grace", u.Name, "the name defaults to the email's local part")
		assert.Equal(t, auth.DefaultRole, u.Role)
		assert.False(t, u.HasPassword)

		_, err = f.svc.UpdateUser(ctx, f.ten.ID, f.user.ID, auth.UserChange{ManagerID: new(u.ID)}, auth.Actor{})
		require.NoError(t, err)
		_, err = f.svc.UpdateUser(ctx, f.ten.ID, u.ID, auth.UserChange{ManagerID: new(f.user.ID)}, auth.Actor{})
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, auth.CodeCycle, ie.Errors[0].Code)

		_, err = f.svc.UpdateUser(ctx, f.ten.ID, f.admin.ID, auth.UserChange{Role: new("standard")}, auth.Actor{})
		require.ErrorAs(t, err, &ie)
		assert.True(t, ie.Conflict)
		assert.Equal(t, auth.CodeLastAdmin, ie.Errors[0].Code)

		_, err = f.svc.UpdateUser(ctx, f.ten.ID, "0190b2a8-0000-7000-8000-000000000000", auth.UserChange{Name: new("x")}, auth.Actor{})
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.True(t, errors.Is(err, store.ErrNotFound))
	})
}

// TestUserAudit checks the audit entries of user and token changes.
func TestUserAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, auth.Config{})
		by := auth.Actor{UserID: f.admin.ID, TokenID: "0190b2a8-0000-7000-8000-00000000000a", Address: "192.0.2.9"}

		_, err := f.svc.UpdateUser(ctx, f.ten.ID, f.user.ID, auth.UserChange{Name: new("Ada L."), Role: new("sales")}, by)
		require.NoError(t, err)
		_, err = f.svc.UpdateUser(ctx, f.ten.ID, f.user.ID, auth.UserChange{Name: new("Ada L.")}, by)
		require.NoError(t, err) // no change, no entry
		_, err = f.svc.UpdateUser(ctx, f.ten.ID, f.user.ID, auth.UserChange{Active: new(false)}, by)
		require.NoError(t, err)
		_, err = f.svc.UpdateUser(ctx, f.ten.ID, f.user.ID, auth.UserChange{Active: new(true)}, by)
		require.NoError(t, err)
		require.NoError(t, f.svc.SetPassword(ctx, f.ten.ID, f.user.ID, "another long password", "", by))
		plain, tok, err := f.svc.CreateToken(ctx, f.ten.ID, f.user.ID, auth.TokenInput{Name: "ci", ReadOnly: true}, by)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(plain, store.TokenPrefix))
		_, err = f.svc.RevokeToken(ctx, f.ten.ID, tok.ID, by)
		require.NoError(t, err)
		_, err = f.svc.RevokeToken(ctx, f.ten.ID, tok.ID, by)
		require.NoError(t, err, "revoking again is no error, and no second entry")

		var got []string
		for _, e := range events(t, db, f.ten.ID) {
			got = append(got, e.Event)
			assert.NotContains(t, string(e.Detail), "another long password")
		}
		assert.Equal(t, []string{
			auth.EventUserCreated, auth.EventTokenCreated, // SetUpTenant: admin and token, via "test"
			auth.EventUserCreated, // Ada
			auth.EventUserUpdated, auth.EventUserDeactivated, auth.EventUserActivated, auth.EventPasswordChanged,
			auth.EventTokenCreated, auth.EventTokenRevoked,
		}, got)
		upd := events(t, db, f.ten.ID, auth.EventUserUpdated)[0]
		assert.Equal(t, f.admin.ID, upd.ActorUserID)
		assert.Equal(t, by.TokenID, upd.ActorTokenID)
		assert.Equal(t, "192.0.2.9", upd.Address)
		assert.JSONEq(t, `{"user_id": "`+f.user.ID+`", "changes": {"name": {"from": "Ada", "to": "Ada L."}, "role": {"from": "standard", "to": "sales"}}}`, string(upd.Detail))
		boot := events(t, db, f.ten.ID, auth.EventUserCreated)[0]
		assert.Equal(t, "test", detail(t, boot)["via"])

		// A password change works for the next sign-in, and the old one
		// no longer does.
		_, err = f.signIn("ada@example.com", password, "192.0.2.1")
		assert.ErrorIs(t, err, auth.ErrInvalidCredentials)
		_, err = f.signIn("ada@example.com", "another long password", "192.0.2.1")
		require.NoError(t, err)
	})
}

func TestSetPasswordEndsOtherSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, auth.Config{})
		mine, err := f.signIn("ada@example.com", password, "192.0.2.1")
		require.NoError(t, err)
		other, err := f.signIn("ada@example.com", password, "192.0.2.2")
		require.NoError(t, err)

		err = f.svc.SetPassword(ctx, f.ten.ID, f.user.ID, "short", mine.Session.ID, auth.Actor{})
		var ie *auth.InputError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, auth.CodeTooShort, ie.Errors[0].Code)

		require.NoError(t, f.svc.SetPassword(ctx, f.ten.ID, f.user.ID, "a brand new password", mine.Session.ID, auth.Actor{}))
		_, err = f.svc.AuthenticateSession(ctx, mine.Secret)
		require.NoError(t, err, "the changer's session stays")
		_, err = f.svc.AuthenticateSession(ctx, other.Secret)
		assert.ErrorIs(t, err, store.ErrUnauthorized, "the others end")
	})
}
