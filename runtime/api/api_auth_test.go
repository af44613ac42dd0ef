package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/api"
	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

const password = "correct horse battery"

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

// sessionCookieOf returns the session cookie an answer sets.
func sessionCookieOf(t *testing.T, r *apitest.Response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == api.SessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", api.SessionCookie, r.Header)
	return nil
}

// TestSignInFlow signs in, works in the session, and signs out.
func TestSignInFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		grantAll(t, e, "sales", "account", "deal")
		ada, _ := e.AddUser("Ada@Example.com", "sales", password)

		s, r := e.SignIn("ada@example.com", password, "User-Agent", "browser/1.0")
		require.NotNil(t, s, r.String())
		c := sessionCookieOf(t, r)
		assert.True(t, c.HttpOnly)
		assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
		assert.Equal(t, "/", c.Path)
		assert.False(t, c.Secure, "not over plain HTTP")
		assert.WithinDuration(t, time.Now().Add(auth.DefaultSessionLifetime), c.Expires, time.Minute)
		body := r.JSON()
		assert.Equal(t, "session", body["auth"])
		assert.Equal(t, ada.ID, body["user"].(map[string]any)["id"])
		assert.Equal(t, "sales", body["user"].(map[string]any)["role"])
		assert.NotContains(t, r.String(), "argon2")
		assert.NotContains(t, r.String(), password)
		assert.NotContains(t, r.String(), s.Cookie, "the secret is in the cookie only")
		assert.Equal(t, auth.CSRFToken(s.Cookie), s.CSRF)

		me := e.DoSession(s, "GET", "/api/v1/auth/me", nil)
		require.Equal(t, http.StatusOK, me.Status, me.String())
		assert.Equal(t, s.CSRF, me.JSON()["csrf_token"], "/me gives the CSRF token again")
		assert.Equal(t, "acme", me.JSON()["tenant"].(map[string]any)["name"])

		// A session's secret is no bearer token, nor a token a cookie.
		wantProblem(t, e.DoAs(s.Cookie, "GET", "/api/v1/auth/me", nil), http.StatusUnauthorized, "unauthorized")
		wantProblem(t, e.DoAs("", "GET", "/api/v1/auth/me", nil, "Cookie", api.SessionCookie+"="+e.Token), http.StatusUnauthorized, "unauthorized")

		// Reads need no CSRF token; writes do.
		cookie := []string{"Cookie", api.SessionCookie + "=" + s.Cookie}
		r = e.DoAs("", "GET", "/api/v1/objects/account/records", nil, cookie...)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		wantProblem(t, e.DoAs("", "POST", "/api/v1/objects/account/records", `{"name": "x"}`, cookie...), http.StatusForbidden, "csrf_failed")
		wantProblem(t, e.DoAs("", "POST", "/api/v1/objects/account/records", `{"name": "x"}`, append(cookie, api.CSRFHeader, "forged")...),
			http.StatusForbidden, "csrf_failed")
		wantProblem(t, e.DoAs("", "POST", "/api/v1/auth/sign-out", nil, cookie...), http.StatusForbidden, "csrf_failed")
		assert.Equal(t, 0, count(t, e, "account"), "refused writes wrote nothing")
		r = e.DoSession(s, "POST", "/api/v1/objects/account/records", `{"name": "Acme"}`)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		assert.Equal(t, ada.ID, r.JSON()["created_by"], "records are created by the user")
		assert.Equal(t, ada.ID, r.JSON()["owner_id"])
		// A bearer token needs no CSRF token, even with a cookie.
		r = e.Do("POST", "/api/v1/objects/account/records", `{"name": "Beta"}`, cookie...)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		assert.Equal(t, e.Admin.ID, r.JSON()["created_by"], "the token wins over the cookie")

		// Sign-out ends the session at once and drops the cookie.
		r = e.DoSession(s, "POST", "/api/v1/auth/sign-out", nil)
		require.Equal(t, http.StatusNoContent, r.Status, r.String())
		gone := sessionCookieOf(t, r)
		assert.Empty(t, gone.Value)
		assert.True(t, gone.Expires.Before(time.Now()))
		wantProblem(t, e.DoSession(s, "GET", "/api/v1/auth/me", nil), http.StatusUnauthorized, "unauthorized")
		wantProblem(t, e.Do("POST", "/api/v1/auth/sign-out", nil), http.StatusBadRequest, "bad_request")

		// Sign-in takes JSON only, and every member.
		wantProblem(t, e.DoAs("", "POST", "/api/v1/auth/sign-in", "tenant=acme&email=ada@example.com&password=x",
			"Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType, "unsupported_media_type")
		p := wantProblem(t, e.DoAs("", "POST", "/api/v1/auth/sign-in", `{"tenant": "acme"}`), http.StatusUnprocessableEntity, "validation_failed")
		assert.ElementsMatch(t, []string{"email", "password"}, p.fields())
		wantProblem(t, e.DoAs("", "POST", "/api/v1/auth/sign-in", `{"tenant": "acme", "email": "a", "password": "b", "remember": true}`),
			http.StatusUnprocessableEntity, "validation_failed")
	})
}

// TestSignInAnswersAlike checks that a wrong password, an unknown email and
// an unknown tenant get the same answer, and that failures are limited per
// account and per address.
func TestSignInAnswersAlike(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		clk := newClock()
		e := apitest.NewWith(t, db, "acme", api.Config{Auth: auth.Config{Now: clk.Now},
			TrustedProxies: []string{"0.0.0.0"}, ProxyHeader: "X-Forwarded-For"})
		e.AddUser("ada@example.com", "standard", password)
		signIn := func(tenant, email, pw, addr string) *apitest.Response {
			return e.DoAs("", "POST", "/api/v1/auth/sign-in", map[string]string{"tenant": tenant, "email": email, "password": pw}, "X-Forwarded-For", addr)
		}
		var bodies []string
		for _, r := range []*apitest.Response{
			signIn("acme", "ada@example.com", "wrong horse battery", "192.0.2.1"),
			signIn("acme", "nobody@example.com", password, "192.0.2.2"),
			signIn("nope", "ada@example.com", password, "192.0.2.3"),
			signIn("acme", "admin@localhost", password, "192.0.2.4"), // no password set
		} {
			wantProblem(t, r, http.StatusUnauthorized, "invalid_credentials")
			assert.Empty(t, r.Header.Values("Set-Cookie"))
			bodies = append(bodies, r.String())
		}
		for _, b := range bodies[1:] {
			assert.Equal(t, bodies[0], b, "every failure answers the same")
		}

		// Per account: the sixth attempt within 15 minutes is refused, even
		// with the right password and from another address.
		for range auth.DefaultAccountFailures - 1 {
			wantProblem(t, signIn("acme", "ada@example.com", "wrong", "192.0.2.1"), http.StatusUnauthorized, "invalid_credentials")
		}
		r := signIn("acme", "ADA@example.com", password, "198.51.100.7")
		wantProblem(t, r, http.StatusTooManyRequests, "too_many_attempts")
		assert.Equal(t, "900", r.Header.Get("Retry-After"))
		// An unknown email is limited alike.
		for range auth.DefaultAccountFailures {
			wantProblem(t, signIn("acme", "ghost@example.com", "x", "198.51.100.8"), http.StatusUnauthorized, "invalid_credentials")
		}
		wantProblem(t, signIn("acme", "ghost@example.com", "x", "198.51.100.8"), http.StatusTooManyRequests, "too_many_attempts")
		clk.Advance(15 * time.Minute)
		r = signIn("acme", "ada@example.com", password, "192.0.2.1")
		require.Equal(t, http.StatusOK, r.Status, "after the window: %s", r.String())

		// Per address: twenty failures from one address, whatever the
		// accounts, refuse that address.
		for i := range auth.DefaultAddressFailures {
			wantProblem(t, signIn("acme", string(rune('a'+i))+"@example.com", "x", "203.0.113.9"), http.StatusUnauthorized, "invalid_credentials")
		}
		r = signIn("acme", "ada@example.com", password, "203.0.113.9")
		wantProblem(t, r, http.StatusTooManyRequests, "too_many_attempts")
		assert.NotEmpty(t, r.Header.Get("Retry-After"))
		require.Equal(t, http.StatusOK, signIn("acme", "ada@example.com", password, "203.0.113.10").Status, "another address signs in")
	})
}

// TestSessionExpiryAPI checks the idle and absolute timeouts through the
// API, with a clock moved by the test.
func TestSessionExpiryAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		clk := newClock()
		e := apitest.NewWith(t, db, "acme", api.Config{Auth: auth.Config{Now: clk.Now, SessionIdle: time.Hour, SessionLifetime: 3 * time.Hour}})
		e.AddUser("ada@example.com", "standard", password)

		s, r := e.SignIn("ada@example.com", password)
		require.NotNil(t, s, r.String())
		for range 3 {
			clk.Advance(55 * time.Minute)
			require.Equal(t, http.StatusOK, e.DoSession(s, "GET", "/api/v1/auth/me", nil).Status, "in use, the session lives")
		}
		clk.Advance(15 * time.Minute)
		r = e.DoSession(s, "GET", "/api/v1/auth/me", nil)
		wantProblem(t, r, http.StatusUnauthorized, "unauthorized")
		assert.Empty(t, sessionCookieOf(t, r).Value, "an ended session's cookie is dropped")

		s, _ = e.SignIn("ada@example.com", password)
		clk.Advance(59 * time.Minute)
		require.Equal(t, http.StatusOK, e.DoSession(s, "GET", "/api/v1/auth/me", nil).Status)
		clk.Advance(61 * time.Minute)
		wantProblem(t, e.DoSession(s, "GET", "/api/v1/auth/me", nil), http.StatusUnauthorized, "unauthorized")
	})
}

// TestSessionCookieSecure checks that the cookie is Secure when the
// request came over TLS, and only then: a client's X-Forwarded-Proto is
// believed only from a trusted proxy.
func TestSessionCookieSecure(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite)
	e := apitest.New(t, db, "acme")
	e.AddUser("ada@example.com", "standard", password)
	body := `{"tenant": "acme", "email": "ada@example.com", "password": "` + password + `"}`

	r := e.DoAs("", "POST", "/api/v1/auth/sign-in", body, "X-Forwarded-Proto", "https")
	require.Equal(t, http.StatusOK, r.Status, r.String())
	assert.False(t, sessionCookieOf(t, r).Secure, "an untrusted client's X-Forwarded-Proto is not believed")

	proxied := apitest.NewWith(t, storetest.Open(t, storetest.SQLite), "acme", api.Config{TrustedProxies: []string{"0.0.0.0"}})
	proxied.AddUser("ada@example.com", "standard", password)
	r = proxied.DoAs("", "POST", "/api/v1/auth/sign-in", body, "X-Forwarded-Proto", "https")
	require.Equal(t, http.StatusOK, r.Status, r.String())
	assert.True(t, sessionCookieOf(t, r).Secure, "a trusted proxy's X-Forwarded-Proto is")

	// Over a real TLS connection.
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- e.App.Listener(ln) }()
	t.Cleanup(func() {
		require.NoError(t, e.App.Shutdown())
		<-done
	})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	resp, err := client.Post("https://"+ln.Addr().String()+"/api/v1/auth/sign-in", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var secure bool
	for _, c := range resp.Cookies() {
		if c.Name == api.SessionCookie {
			secure = c.Secure
			assert.True(t, c.HttpOnly)
			assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
		}
	}
	assert.True(t, secure, "the cookie is Secure over TLS")
}

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mosaic test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestUserInExpressions checks that $user in filters and rules is the
// user: its id, role and manager.
func TestUserInExpressions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		grantAll(t, e, "sales", "account", "deal")
		boss, _ := e.AddUser("boss@example.com", "manager", password)
		rep, repToken := e.AddUser("rep@example.com", "sales", password)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+rep.ID, map[string]any{"manager_id": boss.ID})
		repEnv := *e
		repEnv.Token = repToken
		create(t, &repEnv, "account", `{"name": "Mine"}`)
		create(t, e, "account", `{"name": "Admin's"}`)
		for filter, want := range map[string]int{
			`created_by == $user.id`:      1,
			`created_by != $user.id`:      1,
			`created_by == $user.manager`: 0,
		} {
			assert.Len(t, listAll(t, &repEnv, "account", "filter="+urlQuery(filter)), want, filter)
		}
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/account/rules",
			`{"name": "no_big_for_sales", "condition": "$user.role == \"sales\" && $user.manager != \"\" && name == \"Big\"", "message": "sales cannot"}`)
		wantProblem(t, repEnv.Do("POST", "/api/v1/objects/account/records", `{"name": "Big"}`), http.StatusUnprocessableEntity, "validation_failed")
		create(t, e, "account", `{"name": "Big"}`)
	})
}

func urlQuery(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "=", "%3D", "&", "%26", "+", "%2B", `"`, "%22", "$", "%24")
	return r.Replace(s)
}
