package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestUsersAPI covers what administrators do with users, and what others
// may not.
func TestUsersAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", `{"roles": [{"name": "sales"}, {"name": "support"}]}`)
		wantProblem(t, e.Do("POST", "/api/v1/users", map[string]any{"email": "x@example.com", "role": "nobody"}), http.StatusUnprocessableEntity, "validation_failed").errorOf(t, "role")

		created := e.MustDo(http.StatusCreated, "POST", "/api/v1/users",
			map[string]any{"email": "Ada@Example.com", "name": "Ada", "role": "sales", "password": password})
		adaID := created["id"].(string)
		assert.Equal(t, "Ada@Example.com", created["email"])
		assert.Equal(t, "sales", created["role"])
		assert.Equal(t, true, created["active"])
		assert.Equal(t, true, created["has_password"])
		assert.Nil(t, created["manager_id"])
		assert.NotContains(t, created, "password")
		assert.NotContains(t, created, "password_hash")

		grace := e.MustDo(http.StatusCreated, "POST", "/api/v1/users", map[string]any{"email": "grace@example.com", "manager_id": adaID})
		graceID := grace["id"].(string)
		assert.Equal(t, "grace", grace["name"])
		assert.Equal(t, "standard", grace["role"])
		assert.Equal(t, false, grace["has_password"])
		assert.Equal(t, adaID, grace["manager_id"])

		list := e.MustDo(http.StatusOK, "GET", "/api/v1/users", nil)["users"].([]any)
		require.Len(t, list, 3, "admin@localhost, Ada and Grace")
		for _, u := range list {
			assert.NotContains(t, u, "password_hash")
		}
		r := e.Do("GET", "/api/v1/users", nil)
		assert.NotContains(t, r.String(), "argon2")

		runAll(t, e, []scenario{
			{name: "email taken, in another case", method: "POST", path: "/api/v1/users", body: `{"email": "ADA@example.com"}`,
				status: 409, code: "conflict", fields: []string{"email"}},
			{name: "every field error at once", method: "POST", path: "/api/v1/users",
				body:   `{"email": "nope", "role": "Sales Rep", "manager_id": "x", "password": "short", "name": ""}`,
				status: 422, code: "validation_failed", fields: []string{"email", "role", "manager_id", "password"}},
			{name: "unknown member", method: "POST", path: "/api/v1/users", body: `{"email": "x@example.com", "is_admin": true}`,
				status: 422, code: "validation_failed", fields: []string{"is_admin"}},
			{name: "wrong type", method: "POST", path: "/api/v1/users", body: `{"email": 7}`,
				status: 422, code: "validation_failed", fields: []string{"email"}},
			{name: "manager not a user", method: "POST", path: "/api/v1/users",
				body: `{"email": "y@example.com", "manager_id": "0190b2a8-0000-7000-8000-000000000000"}`, status: 422, code: "validation_failed", fields: []string{"manager_id"}},
			{name: "get", method: "GET", path: "/api/v1/users/" + adaID, status: 200, contains: []string{"Ada@Example.com"}},
			{name: "me", method: "GET", path: "/api/v1/users/me", status: 200, contains: []string{"admin@localhost"}},
			{name: "no such user", method: "GET", path: "/api/v1/users/0190b2a8-0000-7000-8000-000000000000", status: 404, code: "not_found"},
			{name: "not an id", method: "GET", path: "/api/v1/users/nope", status: 404, code: "not_found"},
			{name: "cycle", method: "PATCH", path: "/api/v1/users/" + adaID, body: map[string]any{"manager_id": graceID},
				status: 422, code: "validation_failed", fields: []string{"manager_id"}},
			{name: "own manager", method: "PATCH", path: "/api/v1/users/" + adaID, body: map[string]any{"manager_id": adaID},
				status: 422, code: "validation_failed", fields: []string{"manager_id"}},
			{name: "password is not patched", method: "PATCH", path: "/api/v1/users/" + adaID, body: `{"password": "correct horse battery 2"}`,
				status: 422, code: "validation_failed", fields: []string{"password"}},
			{name: "active must be a boolean", method: "PATCH", path: "/api/v1/users/" + adaID, body: `{"active": "no"}`,
				status: 422, code: "validation_failed", fields: []string{"active"}},
			{name: "last administrator", method: "PATCH", path: "/api/v1/users/" + e.Admin.ID, body: `{"role": "standard"}`,
				status: 409, code: "conflict", fields: []string{"role"}},
			{name: "last administrator, deactivated", method: "PATCH", path: "/api/v1/users/me", body: `{"active": false}`,
				status: 409, code: "conflict", fields: []string{"role"}},
			{name: "short password", method: "PUT", path: "/api/v1/users/" + graceID + "/password", body: `{"password": "short"}`,
				status: 422, code: "validation_failed", fields: []string{"password"}, check: func(t *testing.T, r *apitest.Response) {
					code, msg := problemOf(t, r).errorOf(t, "password")
					assert.Equal(t, "too_short", code)
					assert.Contains(t, msg, "at least 12 characters")
				}},
		})

		patched := e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+graceID, map[string]any{"name": "Grace H.", "role": "support", "manager_id": nil})
		assert.Equal(t, "Grace H.", patched["name"])
		assert.Equal(t, "support", patched["role"])
		assert.Nil(t, patched["manager_id"])

		// An administrator sets anyone's password; the user signs in with it.
		e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+graceID+"/password", map[string]any{"password": "grace's long password"})
		gs, r := e.SignIn("grace@example.com", "grace's long password")
		require.NotNil(t, gs, r.String())

		// Users change their own password with their current one.
		ada, r := e.SignIn("ada@example.com", password)
		require.NotNil(t, ada, r.String())
		other, _ := e.SignIn("ada@example.com", password)
		p := wantProblem(t, e.DoSession(ada, "PUT", "/api/v1/users/me/password", map[string]any{"password": "a new long password"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, []string{"current_password"}, p.fields())
		p = wantProblem(t, e.DoSession(ada, "PUT", "/api/v1/users/me/password", map[string]any{"password": "a new long password", "current_password": "wrong"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, []string{"current_password"}, p.fields())
		r = e.DoSession(ada, "PUT", "/api/v1/users/"+adaID+"/password", map[string]any{"password": "a new long password", "current_password": password})
		require.Equal(t, http.StatusNoContent, r.Status, r.String())
		assert.Equal(t, http.StatusOK, e.DoSession(ada, "GET", "/api/v1/auth/me", nil).Status, "the changer's session stays")
		assert.Equal(t, http.StatusUnauthorized, e.DoSession(other, "GET", "/api/v1/auth/me", nil).Status, "the others end")
		s, _ := e.SignIn("ada@example.com", "a new long password")
		require.NotNil(t, s)

		// Not an administrator: may read users, change nothing of others.
		runAll(t, e, []scenario{
			{name: "non-admin lists users", method: "GET", path: "/api/v1/users", headers: sessionHeaders(ada), token: "-", status: 200},
			{name: "non-admin creates a user", method: "POST", path: "/api/v1/users", body: `{"email": "z@example.com"}`, headers: sessionHeaders(ada), token: "-",
				status: 403, code: "forbidden"},
			{name: "non-admin changes a user", method: "PATCH", path: "/api/v1/users/" + graceID, body: `{"role": "admin"}`, headers: sessionHeaders(ada), token: "-",
				status: 403, code: "forbidden"},
			{name: "non-admin promotes itself", method: "PATCH", path: "/api/v1/users/me", body: `{"role": "admin"}`, headers: sessionHeaders(ada), token: "-",
				status: 403, code: "forbidden"},
			{name: "non-admin sets another's password", method: "PUT", path: "/api/v1/users/" + graceID + "/password", body: `{"password": "hijacked password!"}`,
				headers: sessionHeaders(ada), token: "-", status: 403, code: "forbidden"},
		})
		got := e.MustDo(http.StatusOK, "GET", "/api/v1/users/"+graceID, nil)
		assert.Equal(t, "support", got["role"])

		// Deactivation ends the user's sessions and silences its tokens.
		temp, tempToken := e.AddUser("temp@example.com", "standard", "")
		assert.Len(t, e.MustDo(http.StatusOK, "GET", "/api/v1/users?active=true", nil)["users"], 4)
		require.Equal(t, http.StatusOK, e.DoAs(tempToken, "GET", "/api/v1/auth/me", nil).Status)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+temp.ID, `{"active": false}`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+graceID, `{"active": false}`)
		wantProblem(t, e.DoAs(tempToken, "GET", "/api/v1/auth/me", nil), http.StatusUnauthorized, "unauthorized")
		wantProblem(t, e.DoSession(gs, "GET", "/api/v1/auth/me", nil), http.StatusUnauthorized, "unauthorized")
		r = e.DoAs("", "POST", "/api/v1/auth/sign-in", map[string]string{"tenant": "acme", "email": "grace@example.com", "password": "grace's long password"})
		wantProblem(t, r, http.StatusUnauthorized, "invalid_credentials")
		inactive := e.MustDo(http.StatusOK, "GET", "/api/v1/users?active=false", nil)["users"].([]any)
		assert.Len(t, inactive, 2)
		wantProblem(t, e.Do("GET", "/api/v1/users?active=maybe", nil), http.StatusBadRequest, "invalid_query")
	})
}

// sessionHeaders are the headers of a request in a session.
func sessionHeaders(s *apitest.Session) []string {
	return []string{"Cookie", "mosaic_session=" + s.Cookie, "X-Mosaic-CSRF", s.CSRF}
}
