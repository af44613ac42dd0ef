// Package apitest builds a throw-away Mosaic API over a test store, with a
// tenant, its administrator and the administrator's token, and sends
// requests to it in memory. API scenario tests and benchmarks use it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/api"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Env is an API with one tenant.
type Env struct {
	T       testing.TB
	DB      store.DB
	Catalog *catalog.Catalog
	App     *fiber.App
	Tenant  store.Tenant
	// Token is an API token of the tenant's administrator (Admin), sent by
	// Do.
	Token string
	// Admin is the tenant's administrator (admin@localhost, no password).
	Admin store.User
	// API is the server behind App.
	API *api.Server
}

// FastParams are cheap argon2id parameters that apitest uses unless the
// configuration names others: tests hash many passwords, and the cost of a
// hash is not what they test.
var FastParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// New builds an API over db with a tenant called name.
func New(t testing.TB, db store.DB, name string) *Env {
	t.Helper()
	return NewWith(t, db, name, api.Config{})
}

// NewWith is New with an API configuration.
func NewWith(t testing.TB, db store.DB, name string, cfg api.Config) *Env {
	t.Helper()
	if cfg.Auth.Params == nil {
		p := FastParams
		cfg.Auth.Params = &p
	}
	cat := catalog.New(db)
	srv := api.New(db, cat, cfg)
	e := &Env{T: t, DB: db, Catalog: cat, App: srv.App(), API: srv}
	e.setUp(name)
	return e
}

// Other adds another tenant, with its administrator and token, to the same
// API and returns an Env for it.
func (e *Env) Other(name string) *Env {
	e.T.Helper()
	o := &Env{T: e.T, DB: e.DB, Catalog: e.Catalog, App: e.App, API: e.API}
	o.setUp(name)
	return o
}

// setUp creates the tenant, its administrator and the administrator's
// token.
func (e *Env) setUp(name string) {
	e.T.Helper()
	ctx := context.Background()
	tenant, err := store.CreateTenant(ctx, e.DB, name)
	require.NoError(e.T, err)
	token, tok, err := store.CreateToken(ctx, e.DB, tenant.ID, "test")
	require.NoError(e.T, err)
	admin, err := store.UserByID(ctx, e.DB, tenant.ID, tok.UserID)
	require.NoError(e.T, err)
	e.Tenant, e.Token, e.Admin = tenant, token, admin
}

// AddUser creates a user of the tenant with the role and password ("" for
// none), and returns it with an API token of it.
func (e *Env) AddUser(email, role, password string) (store.User, string) {
	e.T.Helper()
	ctx := context.Background()
	u, err := e.API.Auth().CreateUser(ctx, e.Tenant.ID, auth.UserInput{Email: email, Role: role, Password: password}, auth.Actor{Via: "test"})
	require.NoError(e.T, err)
	token, _, err := store.CreateUserToken(ctx, e.DB, store.NewToken{TenantID: e.Tenant.ID, UserID: u.ID, Name: "test"})
	require.NoError(e.T, err)
	return u, token
}

// Session is a signed-in session: its cookie's value and CSRF token.
type Session struct {
	Cookie string
	CSRF   string
}

// SignIn signs in to the tenant and returns the session, or nil with the
// answer when the sign-in is refused. headers are name, value pairs.
func (e *Env) SignIn(email, password string, headers ...string) (*Session, *Response) {
	e.T.Helper()
	r := e.DoAs("", "POST", "/api/v1/auth/sign-in", map[string]string{"tenant": e.Tenant.Name, "email": email, "password": password}, headers...)
	if r.Status != http.StatusOK {
		return nil, r
	}
	s := &Session{}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == api.SessionCookie {
			s.Cookie = c.Value
		}
	}
	s.CSRF, _ = r.JSON()["csrf_token"].(string)
	require.NotEmpty(e.T, s.Cookie, "a sign-in sets the session cookie")
	return s, r
}

// DoSession sends a request in a session: its cookie and its CSRF token.
func (e *Env) DoSession(s *Session, method, path string, body any, headers ...string) *Response {
	e.T.Helper()
	headers = append([]string{"Cookie", api.SessionCookie + "=" + s.Cookie, api.CSRFHeader, s.CSRF}, headers...)
	return e.DoAs("", method, path, body, headers...)
}

// Response is an answer of the API.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object (numbers as json.Number).
func (r *Response) JSON() map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil
	}
	return m
}

// String returns the body as text.
func (r *Response) String() string { return string(r.Body) }

// Do sends a request with the tenant's token. body is sent as is when it is
// a string or []byte, else encoded as JSON; headers are name, value pairs.
func (e *Env) Do(method, path string, body any, headers ...string) *Response {
	e.T.Helper()
	return e.DoAs(e.Token, method, path, body, headers...)
}

// DoAs sends a request with the given token ("" for none).
func (e *Env) DoAs(token, method, path string, body any, headers ...string) *Response {
	e.T.Helper()
	var r io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.T, err)
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.App.Test(req, -1)
	require.NoError(e.T, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.T, err)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// MustDo is Do that requires the given status, showing the body otherwise.
func (e *Env) MustDo(status int, method, path string, body any, headers ...string) map[string]any {
	e.T.Helper()
	resp := e.Do(method, path, body, headers...)
	require.Equal(e.T, status, resp.Status, "%s %s answered %s", method, path, resp.String())
	return resp.JSON()
}
