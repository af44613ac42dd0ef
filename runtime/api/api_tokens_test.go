package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestTokensAPI creates, lists, scopes and revokes tokens.
func TestTokensAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		grantAll(t, e, "sales", "account", "deal")
		ada, adaToken := e.AddUser("ada@example.com", "sales", password)
		s, _ := e.SignIn("ada@example.com", password)
		acc := create(t, e, "account", `{"name": "Acme"}`)

		// Created by the user (here in a session), shown once.
		r := e.DoSession(s, "POST", "/api/v1/tokens", `{"name": "reports", "read_only": true}`)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		ro := r.JSON()
		roPlain := ro["token"].(string)
		assert.True(t, strings.HasPrefix(roPlain, store.TokenPrefix))
		assert.Equal(t, ada.ID, ro["user_id"])
		assert.Equal(t, true, ro["read_only"])
		assert.Nil(t, ro["objects"])
		assert.Nil(t, ro["last_used_at"])
		r = e.DoSession(s, "POST", "/api/v1/tokens", `{"name": "accounts only", "objects": ["account"]}`)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		scoped := r.JSON()
		scopedPlain := scoped["token"].(string)
		assert.Equal(t, []any{"account"}, scoped["objects"])

		list := e.DoSession(s, "GET", "/api/v1/tokens", nil)
		require.Equal(t, http.StatusOK, list.Status)
		assert.NotContains(t, list.String(), roPlain, "the plaintext is shown once")
		assert.NotContains(t, list.String(), scopedPlain)
		assert.Len(t, list.JSON()["tokens"], 3, "AddUser's token and the two new ones")

		runAll(t, e, []scenario{
			{name: "read-only reads", method: "GET", path: "/api/v1/objects/account/records", token: roPlain, status: 200},
			{name: "read-only HEAD", method: "HEAD", path: "/api/v1/objects/account/records", token: roPlain, status: 200},
			{name: "read-only create", method: "POST", path: "/api/v1/objects/account/records", body: `{"name": "x"}`, token: roPlain, status: 403, code: "forbidden"},
			{name: "read-only update", method: "PATCH", path: "/api/v1/objects/account/records/" + acc["id"].(string), body: `{"name": "x"}`, token: roPlain,
				status: 403, code: "forbidden"},
			{name: "read-only delete", method: "DELETE", path: "/api/v1/objects/account/records/" + acc["id"].(string), token: roPlain, status: 403, code: "forbidden"},
			{name: "read-only metadata change", method: "POST", path: "/api/v1/objects", body: `{"name": "x", "fields": []}`, token: roPlain, status: 403, code: "forbidden"},
			{name: "read-only makes no token", method: "POST", path: "/api/v1/tokens", body: `{"name": "wider"}`, token: roPlain, status: 403, code: "forbidden"},
			{name: "scoped reads its object", method: "GET", path: "/api/v1/objects/account/records", token: scopedPlain, status: 200},
			{name: "scoped writes its object", method: "POST", path: "/api/v1/objects/account/records", body: `{"name": "Scoped"}`, token: scopedPlain, status: 201},
			{name: "scoped describes its object", method: "GET", path: "/api/v1/objects/account", token: scopedPlain, status: 200},
			{name: "scoped, other object", method: "GET", path: "/api/v1/objects/deal/records", token: scopedPlain, status: 403, code: "forbidden"},
			{name: "scoped, other object's record", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x"}`, token: scopedPlain,
				status: 403, code: "forbidden"},
			{name: "scoped, unknown object", method: "GET", path: "/api/v1/objects/nope/records", token: scopedPlain, status: 403, code: "forbidden"},
			{name: "scoped, object list", method: "GET", path: "/api/v1/objects", token: scopedPlain, status: 403, code: "forbidden"},
			{name: "scoped, users", method: "GET", path: "/api/v1/users", token: scopedPlain, status: 403, code: "forbidden"},
			{name: "scoped, tokens", method: "POST", path: "/api/v1/tokens", body: `{"name": "wider"}`, token: scopedPlain, status: 403, code: "forbidden"},
			{name: "scoped, me", method: "GET", path: "/api/v1/auth/me", token: scopedPlain, status: 200, contains: []string{`"objects":["account"]`}},
			{name: "unknown object in scope", method: "POST", path: "/api/v1/tokens", body: `{"name": "x", "objects": ["account", "nope"]}`,
				status: 422, code: "validation_failed", fields: []string{"objects"}},
			{name: "empty scope", method: "POST", path: "/api/v1/tokens", body: `{"name": "x", "objects": []}`, status: 422, code: "validation_failed", fields: []string{"objects"}},
			{name: "nameless token", method: "POST", path: "/api/v1/tokens", body: `{"read_only": true}`, status: 422, code: "validation_failed", fields: []string{"name"}},
		})
		// A scoped token follows its object through a rename.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal", `{"name": "opportunity"}`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/account", `{"name": "company"}`)
		r = e.DoAs(scopedPlain, "GET", "/api/v1/objects/company/records", nil)
		assert.Equal(t, http.StatusOK, r.Status, r.String())
		assert.Equal(t, []any{"company"}, e.DoAs(scopedPlain, "GET", "/api/v1/auth/me", nil).JSON()["token"].(map[string]any)["objects"])

		// Use is recorded.
		for _, tok := range e.DoSession(s, "GET", "/api/v1/tokens", nil).JSON()["tokens"].([]any) {
			m := tok.(map[string]any)
			if m["id"] == ro["id"] {
				assert.NotNil(t, m["last_used_at"])
			}
		}

		// Another user's token is not found for a non-administrator;
		// administrators see and revoke anyone's.
		adminTokens := e.MustDo(http.StatusOK, "GET", "/api/v1/tokens", nil)["tokens"].([]any)
		adminTokenID := adminTokens[0].(map[string]any)["id"].(string)
		wantProblem(t, e.DoSession(s, "DELETE", "/api/v1/tokens/"+adminTokenID, nil), http.StatusNotFound, "not_found")
		wantProblem(t, e.DoSession(s, "GET", "/api/v1/tokens?all=true", nil), http.StatusForbidden, "forbidden")
		wantProblem(t, e.DoSession(s, "GET", "/api/v1/tokens?user="+e.Admin.ID, nil), http.StatusForbidden, "forbidden")
		assert.Len(t, e.MustDo(http.StatusOK, "GET", "/api/v1/tokens?all=true", nil)["tokens"], 4)
		assert.Len(t, e.MustDo(http.StatusOK, "GET", "/api/v1/tokens?user="+ada.ID, nil)["tokens"], 3)

		// Revoked: refused at once on this node.
		require.Equal(t, http.StatusOK, e.DoAs(roPlain, "GET", "/api/v1/auth/me", nil).Status)
		r = e.DoSession(s, "DELETE", "/api/v1/tokens/"+ro["id"].(string), nil)
		require.Equal(t, http.StatusNoContent, r.Status, r.String())
		wantProblem(t, e.DoAs(roPlain, "GET", "/api/v1/auth/me", nil), http.StatusUnauthorized, "unauthorized")
		e.MustDo(http.StatusNoContent, "DELETE", "/api/v1/tokens/"+scoped["id"].(string), nil)
		wantProblem(t, e.DoAs(scopedPlain, "GET", "/api/v1/objects/company/records", nil), http.StatusUnauthorized, "unauthorized")
		listed := e.DoSession(s, "GET", "/api/v1/tokens", nil).JSON()["tokens"].([]any)
		revoked := 0
		for _, tok := range listed {
			if tok.(map[string]any)["revoked_at"] != nil {
				revoked++
			}
		}
		assert.Equal(t, 2, revoked, "revoked tokens stay listed")
		wantProblem(t, e.Do("DELETE", "/api/v1/tokens/nope", nil), http.StatusNotFound, "not_found")
		require.Equal(t, http.StatusOK, e.DoAs(adaToken, "GET", "/api/v1/auth/me", nil).Status, "other tokens work on")
	})
}
