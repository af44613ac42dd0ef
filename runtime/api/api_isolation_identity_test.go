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

// TestIdentityIsolation checks that no token or session of tenant A, with
// B's user, token, record ids or B's name, reads or changes anything of B.
func TestIdentityIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		a := apitest.New(t, db, "alpha")
		b := a.Other("beta")
		doc := `{"name": "contact", "fields": [{"name": "name", "type": "text"}]}`
		mustDefine(t, a, doc)
		mustDefine(t, b, doc)
		ada, _ := a.AddUser("ada@example.com", "admin", password)
		bob, bobToken := b.AddUser("bob@example.com", "sales", password)
		bs, _ := b.SignIn("bob@example.com", password)
		require.NotNil(t, bs)
		bRecord := create(t, b, "contact", `{"name": "B's"}`)["id"].(string)
		bTokens := b.MustDo(http.StatusOK, "GET", "/api/v1/tokens?all=true", nil)["tokens"].([]any)
		bobTokenID := ""
		for _, tok := range bTokens {
			if tok.(map[string]any)["user_id"] == bob.ID {
				bobTokenID = tok.(map[string]any)["id"].(string)
			}
		}
		require.NotEmpty(t, bobTokenID)
		as, _ := a.SignIn("ada@example.com", password)
		require.NotNil(t, as)

		bIDs := []string{bob.ID, bobTokenID, b.Admin.ID, bRecord, b.Tenant.ID, "bob@example.com", "beta"}
		scenarios := []scenario{
			{name: "B's user", method: "GET", path: "/api/v1/users/" + bob.ID, status: 404, code: "not_found"},
			{name: "change B's user", method: "PATCH", path: "/api/v1/users/" + bob.ID, body: `{"role": "admin", "active": false}`, status: 404, code: "not_found"},
			{name: "set B's user's password", method: "PUT", path: "/api/v1/users/" + bob.ID + "/password", body: `{"password": "hijacked password!"}`,
				status: 404, code: "not_found"},
			{name: "B's admin", method: "GET", path: "/api/v1/users/" + b.Admin.ID, status: 404, code: "not_found"},
			{name: "B's user as manager", method: "POST", path: "/api/v1/users", body: map[string]any{"email": "x@example.com", "manager_id": bob.ID},
				status: 422, code: "validation_failed", fields: []string{"manager_id"}},
			{name: "B's user as manager of A's", method: "PATCH", path: "/api/v1/users/" + ada.ID, body: map[string]any{"manager_id": bob.ID},
				status: 422, code: "validation_failed", fields: []string{"manager_id"}},
			{name: "revoke B's token", method: "DELETE", path: "/api/v1/tokens/" + bobTokenID, status: 404, code: "not_found"},
			{name: "B's user's tokens", method: "GET", path: "/api/v1/tokens?user=" + bob.ID, status: 200, absent: bIDs},
			{name: "all tokens", method: "GET", path: "/api/v1/tokens?all=true", status: 200, absent: bIDs},
			{name: "users", method: "GET", path: "/api/v1/users", status: 200, absent: bIDs},
			{name: "audit", method: "GET", path: "/api/v1/audit", status: 200, absent: bIDs},
			{name: "B's record", method: "GET", path: "/api/v1/objects/contact/records/" + bRecord, status: 404, code: "not_found"},
			{name: "delete B's record", method: "DELETE", path: "/api/v1/objects/contact/records/" + bRecord, status: 404, code: "not_found"},
			{name: "me", method: "GET", path: "/api/v1/auth/me", status: 200, absent: bIDs},
		}
		// Through A's administrator's token, and through A's session.
		runAll(t, a, scenarios)
		sess := make([]scenario, len(scenarios))
		for i, s := range scenarios {
			s.name, s.token, s.headers = "session: "+s.name, "-", sessionHeaders(as)
			sess[i] = s
		}
		runAll(t, a, sess)

		// A's credentials do not sign in to B, nor B's cookie to A: a
		// session is of its tenant whatever the request says.
		wantProblem(t, a.DoAs("", "POST", "/api/v1/auth/sign-in", map[string]string{"tenant": "beta", "email": "ada@example.com", "password": password}),
			http.StatusUnauthorized, "invalid_credentials")
		me := a.DoSession(bs, "GET", "/api/v1/auth/me", nil).JSON()
		assert.Equal(t, "beta", me["tenant"].(map[string]any)["name"])
		assert.Equal(t, bob.ID, me["user"].(map[string]any)["id"])
		wantProblem(t, a.DoSession(bs, "GET", "/api/v1/users/"+ada.ID, nil), http.StatusNotFound, "not_found")

		// B is as it was.
		got := b.MustDo(http.StatusOK, "GET", "/api/v1/users/"+bob.ID, nil)
		assert.Equal(t, "sales", got["role"])
		assert.Equal(t, true, got["active"])
		assert.Nil(t, got["manager_id"])
		require.Equal(t, http.StatusOK, b.DoAs(bobToken, "GET", "/api/v1/auth/me", nil).Status)
		s, r := b.SignIn("bob@example.com", password)
		require.NotNil(t, s, "B's password is unchanged: %s", r.String())
		get(t, b, "contact", bRecord)
		for _, e := range readAudit(t, b, "") {
			if e.ActorUserID != nil {
				assert.NotEqual(t, ada.ID, *e.ActorUserID, "nothing A did is in B's log but the failed sign-in at B")
			}
		}
	})
}
