package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestTenantIsolation gives two tenants an object of the same name and one
// of their own each, and checks that A's token reaches nothing of B's: not
// B's records, even by their real ids, nor B's objects, and that A's
// metadata changes leave B's tables alone.
func TestTenantIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		a := apitest.New(t, db, "alpha")
		b := a.Other("beta")
		shared := `{"name": "contact", "fields": [
		  {"name": "name", "type": "text", "required": true},
		  {"name": "email", "type": "email", "unique": true},
		  {"name": "ref", "type": "external_id"}]}`
		mustDefine(t, a, shared, `{"name": "lead", "fields": [{"name": "name", "type": "text"}]}`)
		mustDefine(t, b, shared, `{"name": "secret", "fields": [{"name": "name", "type": "text"}, {"name": "ref", "type": "external_id"}]}`)

		aContact := create(t, a, "contact", `{"name": "A person", "email": "same@example.com", "ref": "R-1"}`)
		bContact := create(t, b, "contact", `{"name": "B person", "email": "same@example.com", "ref": "R-1"}`)
		bSecret := create(t, b, "secret", `{"name": "B secret", "ref": "S-1"}`)
		bContactID, bSecretID := bContact["id"].(string), bSecret["id"].(string)
		assert.Equal(t, 1, count(t, a, "contact"), "the same unique values in another tenant do not conflict")

		runAll(t, a, []scenario{
			{name: "read B's record by id", method: "GET", path: "/api/v1/objects/contact/records/" + bContactID, status: 404, code: "not_found"},
			{name: "update B's record by id", method: "PATCH", path: "/api/v1/objects/contact/records/" + bContactID, body: `{"name": "hacked"}`, status: 404, code: "not_found"},
			{name: "conditional update of B's record", method: "PATCH", path: "/api/v1/objects/contact/records/" + bContactID, body: `{"name": "hacked"}`,
				headers: []string{"If-Match", `"1"`}, status: 404, code: "not_found"},
			{name: "delete B's record by id", method: "DELETE", path: "/api/v1/objects/contact/records/" + bContactID, status: 404, code: "not_found"},
			{name: "batch update of B's record", method: "POST", path: "/api/v1/objects/contact/records/batch",
				body: map[string]any{"operation": "update", "records": []any{map[string]any{"id": bContactID, "name": "hacked"}}}, status: 422, code: "validation_failed", fields: []string{"id"}},
			{name: "B's object", method: "GET", path: "/api/v1/objects/secret", status: 404, code: "unknown_object"},
			{name: "B's object's records", method: "GET", path: "/api/v1/objects/secret/records", status: 404, code: "unknown_object"},
			{name: "B's record in B's object", method: "GET", path: "/api/v1/objects/secret/records/" + bSecretID, status: 404, code: "unknown_object"},
			{name: "write to B's object", method: "POST", path: "/api/v1/objects/secret/records", body: `{"name": "x"}`, status: 404, code: "unknown_object"},
			{name: "upsert into B's object", method: "PUT", path: "/api/v1/objects/secret/records/by/ref/S-1", body: `{"name": "hacked"}`, status: 404, code: "unknown_object"},
			{name: "describe B's object", method: "GET", path: "/api/v1/objects/secret", status: 404, code: "unknown_object"},
			{name: "change B's object", method: "PATCH", path: "/api/v1/objects/secret", body: `{"label": "mine"}`, status: 404, code: "unknown_object"},
			{name: "delete B's object", method: "DELETE", path: "/api/v1/objects/secret?confirm=true", status: 404, code: "unknown_object"},
			{name: "add a field to B's object", method: "POST", path: "/api/v1/objects/secret/fields", body: `{"name": "x", "type": "text"}`, status: 404, code: "unknown_object"},
			{name: "filter for B's record", method: "GET", path: "/api/v1/objects/contact/records?count=true&filter=" + url.QueryEscape(`id == "`+bContactID+`"`), status: 200,
				check: func(t *testing.T, r *apitest.Response) {
					assert.Empty(t, r.JSON()["records"])
					assert.Equal(t, "0", num(t, r.JSON()["total"]))
				}},
			{name: "list sees only A's", method: "GET", path: "/api/v1/objects/contact/records", status: 200,
				contains: []string{aContact["id"].(string)}, absent: []string{bContactID, "B person"}},
			{name: "objects", method: "GET", path: "/api/v1/objects", status: 200, contains: []string{`"lead"`}, absent: []string{"secret"}},
			{name: "metadata", method: "GET", path: "/api/v1/metadata", status: 200, contains: []string{`"lead"`}, absent: []string{"secret"}},
			{name: "revisions", method: "GET", path: "/api/v1/metadata/revisions", status: 200, contains: []string{"lead"}, absent: []string{"secret"}},
			{name: "openapi", method: "GET", path: "/api/v1/openapi.json", status: 200, contains: []string{"/objects/lead/records", "alpha"}, absent: []string{"secret", "beta"}},
		})

		// Upsert by a key B also has creates A's own record.
		r := a.Do("PUT", "/api/v1/objects/contact/records/by/ref/R-1", `{"name": "A person again"}`)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		assert.Equal(t, aContact["id"], r.JSON()["id"])
		r = a.Do("PUT", "/api/v1/objects/contact/records/by/ref/R-2", `{"name": "A new person"}`)
		require.Equal(t, http.StatusCreated, r.Status, r.String())

		// A's metadata changes, even deleting the object both have, leave B
		// as it was.
		a.MustDo(http.StatusCreated, "POST", "/api/v1/objects/contact/fields", `{"name": "phone", "type": "phone"}`)
		a.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/contact/fields/name", `{"settings": {"max_length": 20}}`)
		a.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/contact/fields/email?confirm=true", nil)
		a.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/lead", `{"name": "secret"}`)
		a.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/contact?confirm=true", nil)
		a.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "contact", "fields": [{"name": "nickname", "type": "text"}]}`)
		assert.Equal(t, 0, count(t, a, "contact"))

		assert.Equal(t, bContact, get(t, b, "contact", bContactID), "B's record is unchanged")
		assert.Equal(t, bSecret, get(t, b, "secret", bSecretID))
		assert.Equal(t, 1, count(t, b, "contact"))
		assert.Equal(t, 1, count(t, b, "secret"))
		bDesc := b.MustDo(http.StatusOK, "GET", "/api/v1/objects/contact", nil)
		assert.Len(t, bDesc["fields"], 3)
		field(t, bDesc, "email")
		assert.Equal(t, 2, revision(t, b), "A's changes make no revision of B")
		// And B's records still take B's writes.
		b.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/contact/records/"+bContactID, `{"email": "b@example.com"}`)
		wantProblem(t, b.Do("POST", "/api/v1/objects/contact/records", `{"name": "dup", "email": "b@example.com"}`), http.StatusConflict, "conflict")
	})
}
