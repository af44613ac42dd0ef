// Package apitest builds a throw-away Mosaic API over a test store, with a
// tenant and its token, and sends requests to it in memory. API scenario
// tests and benchmarks use it.
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
	// Token is the tenant's API token, sent by Do.
	Token string
}

// New builds an API over db with a tenant called name.
func New(t testing.TB, db store.DB, name string) *Env {
	t.Helper()
	return NewWith(t, db, name, api.Config{})
}

// NewWith is New with an API configuration.
func NewWith(t testing.TB, db store.DB, name string, cfg api.Config) *Env {
	t.Helper()
	ctx := context.Background()
	tenant, err := store.CreateTenant(ctx, db, name)
	require.NoError(t, err)
	token, _, err := store.CreateToken(ctx, db, tenant.ID, "test")
	require.NoError(t, err)
	cat := catalog.New(db)
	return &Env{T: t, DB: db, Catalog: cat, App: api.New(db, cat, cfg).App(), Tenant: tenant, Token: token}
}

// Tenant adds another tenant to the same API and returns an Env for it.
func (e *Env) Other(name string) *Env {
	e.T.Helper()
	ctx := context.Background()
	tenant, err := store.CreateTenant(ctx, e.DB, name)
	require.NoError(e.T, err)
	token, _, err := store.CreateToken(ctx, e.DB, tenant.ID, "test")
	require.NoError(e.T, err)
	return &Env{T: e.T, DB: e.DB, Catalog: e.Catalog, App: e.App, Tenant: tenant, Token: token}
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
