package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// auditEntry is an entry of GET /audit.
type auditEntry struct {
	ID           string         `json:"id"`
	At           time.Time      `json:"at"`
	Event        string         `json:"event"`
	ActorUserID  *string        `json:"actor_user_id"`
	ActorTokenID *string        `json:"actor_token_id"`
	Address      *string        `json:"address"`
	ObjectID     *string        `json:"object_id"`
	RecordID     *string        `json:"record_id"`
	Detail       map[string]any `json:"detail"`
}

// readAudit reads every page of GET /audit?query, newest first.
func readAudit(t *testing.T, e *apitest.Env, query string) []auditEntry {
	t.Helper()
	var out []auditEntry
	cursor := ""
	for page := 0; ; page++ {
		require.Less(t, page, 100)
		path := "/api/v1/audit?" + query
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := e.Do("GET", path, nil)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		var body struct {
			Entries []auditEntry `json:"entries"`
			Next    *string      `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &body))
		out = append(out, body.Entries...)
		if body.Next == nil {
			return out
		}
		cursor = *body.Next
	}
}

// byEvent returns the entries of an event.
func byEvent(entries []auditEntry, event string) []auditEntry {
	var out []auditEntry
	for _, e := range entries {
		if e.Event == event {
			out = append(out, e)
		}
	}
	return out
}

// TestAuditAPI makes one of each audited event and reads them back.
func TestAuditAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db) // two metadata changes
		tokens := e.MustDo(http.StatusOK, "GET", "/api/v1/tokens", nil)["tokens"].([]any)
		adminTokenID := tokens[0].(map[string]any)["id"].(string)

		u := e.MustDo(http.StatusCreated, "POST", "/api/v1/users", map[string]any{"email": "ada@example.com", "role": "standard", "password": password})
		adaID := u["id"].(string)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+adaID, `{"name": "Ada L."}`)
		e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+adaID+"/password", map[string]any{"password": "another long password"})
		wantProblem(t, e.DoAs("", "POST", "/api/v1/auth/sign-in", map[string]string{"tenant": "acme", "email": "ada@example.com", "password": "not " + password}),
			http.StatusUnauthorized, "invalid_credentials")
		s, r := e.SignIn("ada@example.com", "another long password")
		require.NotNil(t, s, r.String())
		tok := e.DoSession(s, "POST", "/api/v1/tokens", `{"name": "ci"}`).JSON()
		require.Equal(t, http.StatusNoContent, e.DoSession(s, "DELETE", "/api/v1/tokens/"+tok["id"].(string), nil).Status)
		acc := create(t, e, "account", `{"name": "Acme"}`)
		e.MustDo(http.StatusNoContent, "DELETE", "/api/v1/objects/account/records/"+acc["id"].(string), nil)
		e.MustDo(http.StatusOK, "POST", "/api/v1/objects/account/fields?dry_run=true", `{"name": "x", "type": "text"}`)
		require.Equal(t, http.StatusNoContent, e.DoSession(s, "POST", "/api/v1/auth/sign-out", nil).Status)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+adaID, `{"active": false}`)

		all := readAudit(t, e, "limit=3")
		var events []string
		for i := len(all) - 1; i >= 0; i-- {
			events = append(events, all[i].Event)
			if i > 0 {
				assert.False(t, all[i-1].At.Before(all[i].At), "newest first")
			}
			assert.NotContains(t, all[i].Detail, "password")
		}
		// apitest's tenant, administrator and token are made below the API,
		// unaudited; a dry run is not a change.
		assert.Equal(t, []string{
			auth.EventMetadataChanged, auth.EventMetadataChanged,
			auth.EventUserCreated, auth.EventUserUpdated, auth.EventPasswordChanged,
			auth.EventSignInFailed, auth.EventSignIn, auth.EventTokenCreated, auth.EventTokenRevoked,
			auth.EventRecordDeleted, auth.EventSignOut, auth.EventUserDeactivated,
		}, events)

		meta := byEvent(all, auth.EventMetadataChanged)[1]
		assert.Equal(t, e.Admin.ID, *meta.ActorUserID)
		assert.Equal(t, adminTokenID, *meta.ActorTokenID)
		assert.Equal(t, "0.0.0.0", *meta.Address)
		require.NotNil(t, meta.ObjectID)
		assert.Equal(t, "create object account", meta.Detail["summary"])
		assert.EqualValues(t, 1, meta.Detail["revision"])
		assert.NotEmpty(t, meta.Detail["changes"])

		failed := byEvent(all, auth.EventSignInFailed)[0]
		assert.Nil(t, failed.ActorUserID)
		assert.Equal(t, "ada@example.com", failed.Detail["email"])
		assert.NotContains(t, failed.Detail, "password")

		in := byEvent(all, auth.EventSignIn)[0]
		assert.Equal(t, adaID, *in.ActorUserID)
		assert.Nil(t, in.ActorTokenID, "a session, not a token")

		created := byEvent(all, auth.EventTokenCreated)[0]
		assert.Equal(t, tok["id"], created.Detail["token_id"])
		assert.Equal(t, "ci", created.Detail["name"])
		assert.Equal(t, adaID, *created.ActorUserID)

		del := byEvent(all, auth.EventRecordDeleted)[0]
		assert.Equal(t, acc["id"], *del.RecordID)
		require.NotNil(t, del.ObjectID)
		assert.Equal(t, "account", del.Detail["object"])

		deact := byEvent(all, auth.EventUserDeactivated)[0]
		assert.Equal(t, adaID, deact.Detail["user_id"])

		// Filters.
		signIns := readAudit(t, e, "event=auth.sign_in,auth.sign_in_failed")
		assert.Len(t, signIns, 2)
		since := readAudit(t, e, "since="+url.QueryEscape(del.At.Format(time.RFC3339Nano)))
		assert.Len(t, since, 3, "the delete and what came after")
		until := readAudit(t, e, "until="+url.QueryEscape(del.At.Format(time.RFC3339Nano))+"&event=record.deleted")
		assert.Empty(t, until)

		runAll(t, e, []scenario{
			{name: "unknown event", method: "GET", path: "/api/v1/audit?event=nope", status: 400, code: "invalid_query"},
			{name: "bad time", method: "GET", path: "/api/v1/audit?since=yesterday", status: 400, code: "invalid_query"},
			{name: "bad limit", method: "GET", path: "/api/v1/audit?limit=0", status: 400, code: "invalid_query"},
			{name: "bad cursor", method: "GET", path: "/api/v1/audit?cursor=nope", status: 400, code: "invalid_query"},
		})

		// Administrators only.
		_, other := e.AddUser("grace@example.com", "standard", "")
		wantProblem(t, e.DoAs(other, "GET", "/api/v1/audit", nil), http.StatusForbidden, "forbidden")
	})
}
