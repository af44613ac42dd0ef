package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// claimDoc has fields the clerk role may not read: secret (required, no
// default), ref (unique, always the same default) and budget (named by a
// rule the clerk can break through name).
const claimDoc = `{
  "name": "claim",
  "fields": [
    {"name": "name", "type": "text"},
    {"name": "secret", "type": "text", "required": true},
    {"name": "ref", "type": "text", "unique": true, "default": "\"R-1\""},
    {"name": "budget", "type": "number"}
  ],
  "rules": [
    {"name": "no_bad", "condition": "name == \"bad\"", "message": "Bad cases are refused", "field": "budget"},
    {"name": "no_ugly", "condition": "name == \"ugly\"", "message": "Ugly cases are refused", "field": "name"}
  ]
}`

const clerkSetsDoc = `{"permission_sets": [
  {"name": "clerk_claims",
   "objects": {"claim": {"read": true, "create": true, "edit": true}},
   "fields": {"claim": {"name": {"read": true, "edit": true}}}}
]}`

const clerkRolesDoc = `{"roles": [{"name": "clerk", "permission_sets": ["clerk_claims"]}]}`

// TestHiddenFieldsNotNamedInErrors checks that errors about fields the
// caller may not read — a missing required value, a unique conflict, a
// broken rule — are attached to the record without naming the field, while
// the same errors keep the field's name for a caller who reads it.
func TestHiddenFieldsNotNamedInErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, claimDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", clerkSetsDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", clerkRolesDoc)
		_, clerk := e.AddUser("clerk@example.com", "clerk", password)
		rec := "/api/v1/objects/claim/records"

		// A required field the clerk may not read and that has no default.
		for _, tc := range []struct {
			name, token, field, message string
		}{
			{"required hidden", clerk, "", records.MessageHiddenRequired},
			{"required visible to admin", e.Token, "secret", "secret is required"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.DoAs(tc.token, "POST", rec, `{"name": "third"}`)
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
				errs := problemErrors(t, r)
				require.Len(t, errs, 1, r.String())
				assert.Equal(t, tc.field, errs[0]["field"])
				assert.Equal(t, "required", errs[0]["code"])
				assert.Equal(t, tc.message, errs[0]["message"])
				if tc.token == clerk {
					assert.False(t, strings.Contains(r.String(), "secret"), r.String())
				}
			})
		}
		// The administrator creates the one record with.
		first := create(t, e, "claim", `{"name": "first", "secret": "C-1"}`)
		// Lets the clerk's creates pass the required check of secret.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/claim/fields/secret", `{"default": "\"C\""}`)

		type fieldErr struct{ field, code, message string }
		cases := []struct {
			name   string
			token  string
			method string
			path   string
			body   string
			status int
			want   fieldErr
		}{
			{"unique hidden", clerk, "POST", rec, `{"name": "second"}`, http.StatusConflict,
				fieldErr{"", "unique", "another claim record already has a value that must be unique"}},
			{"unique visible to admin", e.Token, "POST", rec, `{"name": "second"}`, http.StatusConflict,
				fieldErr{"ref", "unique", "another claim record already has this ref"}},
			{"rule on hidden field", clerk, "PATCH", rec + "/" + first["id"].(string), `{"name": "bad"}`, http.StatusUnprocessableEntity,
				fieldErr{"", "validation_rule", "Bad cases are refused"}},
			{"rule on hidden field, admin", e.Token, "PATCH", rec + "/" + first["id"].(string), `{"name": "bad"}`, http.StatusUnprocessableEntity,
				fieldErr{"budget", "validation_rule", "Bad cases are refused"}},
			{"rule on visible field", clerk, "PATCH", rec + "/" + first["id"].(string), `{"name": "ugly"}`, http.StatusUnprocessableEntity,
				fieldErr{"name", "validation_rule", "Ugly cases are refused"}},
			{"batch unique hidden", clerk, "POST", rec + "/batch", `{"operation": "create", "records": [{"name": "b"}]}`, http.StatusConflict,
				fieldErr{"", "unique", "another claim record already has a value that must be unique"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.DoAs(tc.token, tc.method, tc.path, tc.body)
				require.Equal(t, tc.status, r.Status, r.String())
				errs := problemErrors(t, r)
				require.Len(t, errs, 1, r.String())
				assert.Equal(t, tc.want.field, errs[0]["field"])
				assert.Equal(t, tc.want.code, errs[0]["code"])
				assert.Equal(t, tc.want.message, errs[0]["message"])
				if tc.token == clerk {
					for _, hidden := range []string{"ref", "budget", "secret"} {
						assert.NotContains(t, r.String(), `"`+hidden+`"`)
					}
				}
			})
		}

		// A hidden field the clerk sends itself is still unknown, by name.
		r := e.DoAs(clerk, "POST", rec, `{"name": "x", "secret": "C-9"}`)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Equal(t, "secret", problemErrors(t, r)[0]["field"])
		assert.Equal(t, "unknown_field", problemErrors(t, r)[0]["code"])
	})
}

// problemErrors returns the errors member of a problem answer.
func problemErrors(t *testing.T, r *apitest.Response) []map[string]any {
	t.Helper()
	list, _ := r.JSON()["errors"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		require.True(t, ok)
		out = append(out, m)
	}
	return out
}
