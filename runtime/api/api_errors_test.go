package api_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/api"
	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestAuthentication checks that every API route wants a valid bearer
// token and says how to send one.
func TestAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		id := create(t, e, "deal", `{"title": "x"}`)["id"].(string)

		unauthorized := func(t *testing.T, r *apitest.Response) {
			assert.Equal(t, `Bearer realm="mosaic"`, r.Header.Get("WWW-Authenticate"))
		}
		var scenarios []scenario
		for _, route := range []struct{ method, path string }{
			{"GET", "/api/v1/objects"},
			{"POST", "/api/v1/objects"},
			{"GET", "/api/v1/objects/deal"},
			{"PATCH", "/api/v1/objects/deal"},
			{"DELETE", "/api/v1/objects/deal"},
			{"POST", "/api/v1/objects/deal/fields"},
			{"PATCH", "/api/v1/objects/deal/fields/title"},
			{"DELETE", "/api/v1/objects/deal/fields/title"},
			{"GET", "/api/v1/metadata"},
			{"GET", "/api/v1/metadata/revisions"},
			{"GET", "/api/v1/openapi.json"},
			{"GET", "/api/v1/objects/deal/records"},
			{"POST", "/api/v1/objects/deal/records"},
			{"POST", "/api/v1/objects/deal/records/batch"},
			{"PUT", "/api/v1/objects/deal/records/by/ref/X"},
			{"GET", "/api/v1/objects/deal/records/" + id},
			{"PATCH", "/api/v1/objects/deal/records/" + id},
			{"DELETE", "/api/v1/objects/deal/records/" + id},
			{"GET", "/api/v1/nothing/here"},
		} {
			for _, tok := range []struct{ name, token string }{
				{"no token", "-"},
				{"bad token", "mst_notarealtoken"},
				{"token of the right shape", e.Token[:len(e.Token)-4] + "AAAA"},
			} {
				scenarios = append(scenarios, scenario{
					name: tok.name + " " + route.method + " " + route.path, method: route.method, path: route.path, body: `{"title": "y"}`,
					token: tok.token, status: http.StatusUnauthorized, code: "unauthorized", check: unauthorized,
				})
			}
		}
		scenarios = append(scenarios,
			scenario{name: "basic auth", method: "GET", path: "/api/v1/objects", headers: []string{"Authorization", "Basic dXNlcjpwYXNz"},
				status: http.StatusUnauthorized, code: "unauthorized", check: unauthorized},
			scenario{name: "empty bearer", method: "GET", path: "/api/v1/objects", headers: []string{"Authorization", "Bearer "},
				status: http.StatusUnauthorized, code: "unauthorized", check: unauthorized},
			scenario{name: "health needs no token", method: "GET", path: "/healthz", token: "-", status: http.StatusOK, contains: []string{"ok"}},
			scenario{name: "readiness needs no token", method: "GET", path: "/readyz", token: "-", status: http.StatusOK, contains: []string{"ready"}},
		)
		runAll(t, e, scenarios)
		assert.Equal(t, 1, count(t, e, "deal"))
		assert.Equal(t, "x", get(t, e, "deal", id)["title"])
	})
}

// TestRevokedToken checks that a revoked token stops working once the
// API's token cache has expired.
func TestRevokedToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.NewWith(t, db, "acme", api.Config{TokenCacheTTL: 1})
		e.MustDo(http.StatusOK, "GET", "/api/v1/objects", nil)
		tokens, err := store.ListTokens(t.Context(), db, e.Tenant.ID)
		require.NoError(t, err)
		require.Len(t, tokens, 1)
		require.NoError(t, store.RevokeToken(t.Context(), db, e.Tenant.ID, tokens[0].ID))
		r := e.Do("GET", "/api/v1/objects", nil)
		wantProblem(t, r, http.StatusUnauthorized, "unauthorized")
		assert.Equal(t, `Bearer realm="mosaic"`, r.Header.Get("WWW-Authenticate"))
	})
}

// TestRequestErrors covers answers that do not depend on an object: body
// limits, unknown routes and methods. Every one is a problem document.
func TestRequestErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.NewWith(t, db, "acme", api.Config{BodyLimit: 1024})
		mustDefine(t, e, `{"name": "note", "fields": [{"name": "body", "type": "long_text"}]}`)
		big := `{"body": "` + strings.Repeat("x", 2000) + `"}`
		fits := `{"body": "` + strings.Repeat("x", 900) + `"}`

		// fiber's in-memory App.Test reports an oversize body as an error
		// rather than the answer, so these go through a real listener.
		base := serve(t, e)
		for _, s := range []struct{ name, path, body string }{
			{"oversize record", "/api/v1/objects/note/records", big},
			{"oversize batch", "/api/v1/objects/note/records/batch", `{"operation": "create", "records": [` + big + `]}`},
			{"oversize metadata", "/api/v1/objects", `{"name": "x", "label": "` + strings.Repeat("x", 2000) + `", "fields": []}`},
		} {
			t.Run(s.name, func(t *testing.T) {
				req, err := http.NewRequest("POST", base+s.path, strings.NewReader(s.body))
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+e.Token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				wantProblem(t, &apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, http.StatusRequestEntityTooLarge, "body_too_large")
			})
		}

		runAll(t, e, []scenario{
			{name: "body under the limit", method: "POST", path: "/api/v1/objects/note/records", body: fits,
				status: http.StatusCreated},
			{name: "unknown route", method: "GET", path: "/api/v1/nothing/here",
				status: http.StatusNotFound, code: "not_found"},
			{name: "unknown route outside the API", method: "GET", path: "/nothing", token: "-",
				status: http.StatusNotFound, code: "not_found"},
			{name: "unsupported method on records", method: "PUT", path: "/api/v1/objects/note/records",
				status: http.StatusNotFound, code: "not_found"},
			{name: "bad confirm flag", method: "DELETE", path: "/api/v1/objects/note?confirm=yes",
				status: http.StatusBadRequest, code: "bad_request"},
			{name: "bad dry_run flag", method: "DELETE", path: "/api/v1/objects/note?dry_run=maybe",
				status: http.StatusBadRequest, code: "bad_request"},
		})
		assert.Equal(t, 1, count(t, e, "note"))
	})
}

// serve runs e's app on a local port until the test ends and returns its
// base URL.
func serve(t *testing.T, e *apitest.Env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- e.App.Listener(ln) }()
	t.Cleanup(func() {
		require.NoError(t, e.App.Shutdown())
		require.NoError(t, <-done)
	})
	return "http://" + ln.Addr().String()
}
