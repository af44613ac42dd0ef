package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// productDoc is object A of the permission matrix: the editor role may not
// see cost and sref, and may read but not edit tier.
const productDoc = `{
  "name": "product",
  "name_field": "name",
  "fields": [
    {"name": "name", "type": "text", "required": true},
    {"name": "sku", "type": "external_id"},
    {"name": "tier", "type": "external_id"},
    {"name": "sref", "type": "external_id"},
    {"name": "price", "type": "number"},
    {"name": "cost", "type": "number"}
  ],
  "track_history": ["price", "cost"]
}`

// vaultDoc is object B: the viewer role has no access to it.
const vaultDoc = `{"name": "vault", "fields": [{"name": "name", "type": "text"}]}`

const permissionSetsDoc = `{"permission_sets": [
  {"name": "view_products", "label": "View products",
   "objects": {"product": {"read": true}},
   "fields": {"product": {"name": {"read": true}, "sku": {"read": true}, "tier": {"read": true}, "sref": {"read": true},
                          "price": {"read": true}, "cost": {"read": true}}}},
  {"name": "edit_products",
   "objects": {"product": {"read": true, "create": true, "edit": true, "delete": true}},
   "fields": {"product": {"name": {"read": true, "edit": true}, "sku": {"read": true, "edit": true},
                          "tier": {"read": true}, "price": {"read": true, "edit": true}}}},
  {"name": "vault_keeper", "objects": {"vault": {"read": true}}, "fields": {"vault": {"name": {"read": true}}}}
]}`

const rolesDoc = `{"roles": [
  {"name": "manager", "label": "Manager"},
  {"name": "viewer", "parent": "manager", "permission_sets": ["view_products"]},
  {"name": "editor", "parent": "manager", "permission_sets": ["edit_products"]}
]}`

// permissionEnv is a tenant with products and vaults, the viewer and editor
// roles, and a user (token) of each role.
type permissionEnv struct {
	*apitest.Env
	standard, viewer, editor string
	product, vault           string
}

func newPermissionEnv(t *testing.T, db store.DB) *permissionEnv {
	e := apitest.New(t, db, "acme")
	mustDefine(t, e, productDoc, vaultDoc)
	e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", permissionSetsDoc)
	e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", rolesDoc)
	pe := &permissionEnv{Env: e}
	_, pe.standard = e.AddUser("std@example.com", "standard", password)
	_, pe.viewer = e.AddUser("viewer@example.com", "viewer", password)
	_, pe.editor = e.AddUser("editor@example.com", "editor", password)
	pe.product = create(t, e, "product", `{"name": "P1", "sku": "P-1", "tier": "gold", "sref": "S-1", "price": 10, "cost": 5}`)["id"].(string)
	pe.vault = create(t, e, "vault", `{"name": "V1"}`)["id"].(string)
	return pe
}

// TestPermissionMatrix asserts, per role, what is allowed and what is
// refused on every record path, with exact statuses and codes.
func TestPermissionMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newPermissionEnv(t, db)
		missing := "00000000-0000-0000-0000-000000000000"
		before := get(t, e.Env, "product", e.product)
		productCount := count(t, e.Env, "product")
		rec := "/api/v1/objects/product/records"
		one := rec + "/" + e.product

		// admin and standard: everything on both objects, every field.
		for _, who := range []struct{ name, token string }{{"admin", e.Token}, {"standard", e.standard}} {
			t.Run(who.name, func(t *testing.T) {
				tok := who.token
				created := ""
				runAll(t, e.Env, []scenario{
					{name: "objects", method: "GET", path: "/api/v1/objects", token: tok, status: 200, contains: []string{`"product"`, `"vault"`}},
					{name: "describe", method: "GET", path: "/api/v1/objects/product", token: tok, status: 200, contains: []string{`"cost"`, `"sref"`}},
					{name: "read", method: "GET", path: one, token: tok, status: 200, contains: []string{`"cost":5`}},
					{name: "filter hidden-to-others", method: "GET", path: rec + "?filter=" + urlQuery("cost > 1") + "&sort=-cost&fields=cost", token: tok, status: 200,
						contains: []string{`"cost":5`}},
					{name: "create", method: "POST", path: rec, body: `{"name": "N", "cost": 1, "tier": "t-` + who.name + `"}`, token: tok, status: 201,
						check: func(t *testing.T, r *apitest.Response) { created = r.JSON()["id"].(string) }},
					{name: "update", method: "PATCH", path: one, body: `{"price": 11}`, token: tok, status: 200, contains: []string{`"cost":5`}},
					{name: "batch", method: "POST", path: rec + "/batch", body: `{"operation": "create", "records": [{"name": "B", "cost": 2}]}`, token: tok, status: 200},
					{name: "upsert", method: "PUT", path: rec + "/by/sku/U-" + who.name, body: `{"name": "U", "cost": 3}`, token: tok, status: 201},
					{name: "history", method: "GET", path: one + "/history", token: tok, status: 200, contains: []string{`"price"`}},
					{name: "vault", method: "GET", path: "/api/v1/objects/vault/records/" + e.vault, token: tok, status: 200},
					{name: "openapi", method: "GET", path: "/api/v1/openapi.json", token: tok, status: 200, contains: []string{"/objects/vault/records", `"cost"`}},
				})
				wantStatus(t, e.DoAs(tok, "DELETE", rec+"/"+created, nil), http.StatusNoContent)
			})
		}
		// The writes above moved the record on; start the refusals from here.
		e.MustDo(http.StatusOK, "PATCH", one, `{"price": 10}`)
		before = get(t, e.Env, "product", e.product)
		productCount = count(t, e.Env, "product")

		t.Run("viewer", func(t *testing.T) {
			tok := e.viewer
			runAll(t, e.Env, []scenario{
				{name: "objects", method: "GET", path: "/api/v1/objects", token: tok, status: 200, contains: []string{`"product"`}, absent: []string{"vault"}},
				{name: "describe B", method: "GET", path: "/api/v1/objects/vault", token: tok, status: 404, code: "unknown_object"},
				{name: "list B", method: "GET", path: "/api/v1/objects/vault/records", token: tok, status: 404, code: "unknown_object"},
				{name: "read B", method: "GET", path: "/api/v1/objects/vault/records/" + e.vault, token: tok, status: 404, code: "unknown_object"},
				{name: "create B", method: "POST", path: "/api/v1/objects/vault/records", body: `{"name": "x"}`, token: tok, status: 404, code: "unknown_object"},
				{name: "delete B", method: "DELETE", path: "/api/v1/objects/vault/records/" + e.vault, token: tok, status: 404, code: "unknown_object"},
				{name: "filter check B", method: "POST", path: "/api/v1/expressions/check", body: `{"object": "vault", "kind": "filter", "expression": "name == \"x\""}`,
					token: tok, status: 404, code: "unknown_object"},
				{name: "read A", method: "GET", path: one, token: tok, status: 200, contains: []string{`"cost":5`}},
				{name: "list A", method: "GET", path: rec + "?filter=" + urlQuery("price > 1") + "&sort=-price", token: tok, status: 200, contains: []string{`"P1"`}},
				{name: "history A", method: "GET", path: one + "/history", token: tok, status: 200},
				{name: "create A", method: "POST", path: rec, body: `{"name": "x"}`, token: tok, status: 403, code: "forbidden"},
				{name: "update A", method: "PATCH", path: one, body: `{"price": 1}`, token: tok, status: 403, code: "forbidden"},
				{name: "delete A", method: "DELETE", path: one, token: tok, status: 403, code: "forbidden"},
				{name: "batch create A", method: "POST", path: rec + "/batch", body: `{"operation": "create", "records": [{"name": "x"}]}`, token: tok, status: 403, code: "forbidden"},
				{name: "batch update A", method: "POST", path: rec + "/batch", body: `{"operation": "update", "records": [{"id": "` + e.product + `", "price": 1}]}`,
					token: tok, status: 403, code: "forbidden"},
				{name: "upsert A", method: "PUT", path: rec + "/by/sku/P-1", body: `{"name": "x"}`, token: tok, status: 403, code: "forbidden"},
				{name: "openapi", method: "GET", path: "/api/v1/openapi.json", token: tok, status: 200,
					contains: []string{"/objects/product/records"}, absent: []string{"/objects/vault", "/objects/product/records/by/", "/objects/product/records/batch"},
					check: func(t *testing.T, r *apitest.Response) {
						paths := r.JSON()["paths"].(map[string]any)
						assert.NotContains(t, paths["/objects/product/records"], "post")
						assert.Contains(t, paths["/objects/product/records"], "get")
					}},
				{name: "whole metadata", method: "GET", path: "/api/v1/metadata", token: tok, status: 403, code: "forbidden"},
				{name: "roles", method: "GET", path: "/api/v1/roles", token: tok, status: 403, code: "forbidden"},
			})
			// The same answer whether or not the record exists.
			for _, m := range []struct{ method, body string }{{"PATCH", `{"price": 1}`}, {"DELETE", ""}} {
				var body any
				if m.body != "" {
					body = m.body
				}
				a, b := e.DoAs(tok, m.method, one, body), e.DoAs(tok, m.method, rec+"/"+missing, body)
				assert.Equal(t, a.Status, b.Status, m.method)
				assert.Equal(t, a.String(), b.String(), m.method)
			}
			a, b := e.DoAs(tok, "GET", "/api/v1/objects/vault/records/"+e.vault, nil), e.DoAs(tok, "GET", "/api/v1/objects/vault/records/"+missing, nil)
			assert.Equal(t, a.String(), b.String())
			a, b = e.DoAs(tok, "GET", "/api/v1/objects/vault", nil), e.DoAs(tok, "GET", "/api/v1/objects/nothing", nil)
			assert.Equal(t, strings.ReplaceAll(a.String(), "vault", "X"), strings.ReplaceAll(b.String(), "nothing", "X"), "a hidden object is answered as one that does not exist")
		})

		t.Run("editor", func(t *testing.T) {
			tok := e.editor
			// Refusing a hidden field reads exactly as refusing an unknown one.
			same := func(t *testing.T, hidden, unknown *apitest.Response, hiddenName, unknownName string) {
				t.Helper()
				assert.Equal(t, unknown.Status, hidden.Status)
				assert.Equal(t, strings.ReplaceAll(unknown.String(), unknownName, "X"), strings.ReplaceAll(hidden.String(), hiddenName, "X"))
			}
			created := ""
			runAll(t, e.Env, []scenario{
				{name: "objects", method: "GET", path: "/api/v1/objects", token: tok, status: 200, absent: []string{"vault"}},
				{name: "describe", method: "GET", path: "/api/v1/objects/product", token: tok, status: 200, absent: []string{`"cost"`, `"sref"`},
					check: func(t *testing.T, r *apitest.Response) {
						d := r.JSON()
						assert.Equal(t, true, field(t, d, "tier")["read_only"])
						assert.Equal(t, false, field(t, d, "price")["read_only"])
					}},
				{name: "read", method: "GET", path: one, token: tok, status: 200, contains: []string{`"tier":"gold"`, `"price":10`}, absent: []string{"cost", "sref", "S-1"}},
				{name: "list", method: "GET", path: rec, token: tok, status: 200, contains: []string{`"tier":"gold"`}, absent: []string{"cost", "sref"}},
				{name: "filter on read-only", method: "GET", path: rec + "?filter=" + urlQuery(`tier == "gold"`) + "&sort=tier", token: tok, status: 200, contains: []string{`"P1"`}},
				{name: "create", method: "POST", path: rec, body: `{"name": "E", "sku": "E-1", "price": 3}`, token: tok, status: 201, absent: []string{"cost"},
					check: func(t *testing.T, r *apitest.Response) { created = r.JSON()["id"].(string) }},
				{name: "update", method: "PATCH", path: one, body: `{"price": 12}`, token: tok, status: 200, contains: []string{`"price":12`}, absent: []string{"cost"}},
				{name: "update back", method: "PATCH", path: one, body: `{"price": 10}`, token: tok, status: 200},
				{name: "batch", method: "POST", path: rec + "/batch", body: `{"operation": "create", "records": [{"name": "EB"}]}`, token: tok, status: 200, absent: []string{"cost"}},
				{name: "upsert", method: "PUT", path: rec + "/by/sku/E-2", body: `{"name": "EU"}`, token: tok, status: 201, absent: []string{"cost"}},
				{name: "write read-only", method: "PATCH", path: one, body: `{"tier": "silver", "price": 99}`, token: tok, status: 422, code: "validation_failed",
					fields: []string{"tier"}, onlyFields: true,
					check: func(t *testing.T, r *apitest.Response) {
						code, msg := problemOf(t, r).errorOf(t, "tier")
						assert.Equal(t, "read_only", code)
						assert.Contains(t, msg, "tier")
					}},
				{name: "create read-only", method: "POST", path: rec, body: `{"name": "x", "tier": "t"}`, token: tok, status: 422, code: "validation_failed", fields: []string{"tier"}},
				{name: "batch read-only", method: "POST", path: rec + "/batch", body: `{"operation": "update", "records": [{"id": "` + e.product + `", "tier": "t"}]}`,
					token: tok, status: 422, code: "validation_failed", fields: []string{"tier"}},
				{name: "upsert by read-only key", method: "PUT", path: rec + "/by/tier/gold", body: `{"name": "x"}`, token: tok, status: 422, code: "validation_failed", fields: []string{"tier"}},
				{name: "vault", method: "GET", path: "/api/v1/objects/vault/records", token: tok, status: 404, code: "unknown_object"},
				{name: "openapi", method: "GET", path: "/api/v1/openapi.json", token: tok, status: 200, absent: []string{`"cost"`, `"sref"`, "/by/tier/", "/objects/vault"},
					contains: []string{"/by/sku/"}},
			})
			for _, c := range []struct{ name, hidden, unknown string }{
				{"fields", rec + "?fields=cost", rec + "?fields=nope"},
				{"filter", rec + "?filter=" + urlQuery("cost > 1"), rec + "?filter=" + urlQuery("nope > 1")},
				{"sort", rec + "?sort=-cost", rec + "?sort=-nope"},
				{"get fields", one + "?fields=cost", one + "?fields=nope"},
			} {
				h := e.DoAs(tok, "GET", c.hidden, nil)
				wantProblem(t, h, http.StatusBadRequest, "invalid_query")
				same(t, h, e.DoAs(tok, "GET", c.unknown, nil), "cost", "nope")
			}
			h := e.DoAs(tok, "PATCH", one, `{"cost": 1}`)
			wantProblem(t, h, http.StatusUnprocessableEntity, "validation_failed")
			same(t, h, e.DoAs(tok, "PATCH", one, `{"nope": 1}`), "cost", "nope")
			h = e.DoAs(tok, "POST", rec, `{"name": "x", "cost": 1}`)
			same(t, h, e.DoAs(tok, "POST", rec, `{"name": "x", "nope": 1}`), "cost", "nope")
			h = e.DoAs(tok, "PUT", rec+"/by/sref/S-1", `{"name": "x"}`)
			same(t, h, e.DoAs(tok, "PUT", rec+"/by/nope/S-1", `{"name": "x"}`), "sref", "nope")
			wantProblem(t, e.DoAs(tok, "POST", "/api/v1/expressions/check", `{"object": "product", "expression": "cost > 1"}`), http.StatusForbidden, "forbidden")
			h = e.DoAs(tok, "POST", "/api/v1/expressions/check", `{"object": "product", "kind": "filter", "expression": "cost > 1"}`)
			same(t, h, e.DoAs(tok, "POST", "/api/v1/expressions/check", `{"object": "product", "kind": "filter", "expression": "nope > 1"}`), "cost", "nope")

			// History: changes of hidden fields are left out.
			e.MustDo(http.StatusOK, "PATCH", one, `{"cost": 6}`)
			hist := e.DoAs(tok, "GET", one+"/history", nil)
			require.Equal(t, http.StatusOK, hist.Status, hist.String())
			assert.Contains(t, hist.String(), `"price"`)
			assert.NotContains(t, hist.String(), "cost")
			assert.Contains(t, e.Do("GET", one+"/history", nil).String(), `"cost"`, "the admin sees it")
			e.MustDo(http.StatusOK, "PATCH", one, `{"cost": 5}`)

			wantStatus(t, e.DoAs(tok, "DELETE", rec+"/"+created, nil), http.StatusNoContent)
		})

		// Nothing refused changed anything: the record is as it was (bar
		// the editor's price round trip and the admin's cost round trip),
		// and no record was added but by the allowed writes.
		after := get(t, e.Env, "product", e.product)
		for _, k := range []string{"name", "sku", "tier", "sref", "price", "cost"} {
			assert.Equal(t, before[k], after[k], k)
		}
		assert.Equal(t, productCount+2, count(t, e.Env, "product"), "the editor's batch and upsert records; its create was deleted")
		assert.Equal(t, 1, count(t, e.Env, "vault"))
	})
}

func wantStatus(t *testing.T, r *apitest.Response, status int) {
	t.Helper()
	require.Equal(t, status, r.Status, r.String())
}

// TestRoleMetadata checks the validation of roles and permission sets, that
// only administrators change them, and that renames and deletions of
// objects and fields are followed.
func TestRoleMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newPermissionEnv(t, db)
		runAll(t, e.Env, []scenario{
			{name: "unknown object", method: "PUT", path: "/api/v1/permission-sets", body: `{"permission_sets": [{"name": "p", "objects": {"nope": {"read": true}}}]}`,
				status: 422, code: "invalid_metadata", fields: []string{"permission_sets.p.objects.nope"}},
			{name: "unknown field", method: "PUT", path: "/api/v1/permission-sets", body: `{"permission_sets": [{"name": "p", "fields": {"product": {"nope": {"read": true}}}}]}`,
				status: 422, code: "invalid_metadata", fields: []string{"permission_sets.p.fields.product.nope"}},
			{name: "edit without read", method: "PUT", path: "/api/v1/permission-sets", body: `{"permission_sets": [{"name": "p", "objects": {"product": {"edit": true}}, "fields": {"product": {"name": {"edit": true}}}}]}`,
				status: 422, code: "invalid_metadata", fields: []string{"permission_sets.p.objects.product", "permission_sets.p.fields.product.name"}},
			{name: "schema", method: "PUT", path: "/api/v1/permission-sets", body: `{"permission_sets": [{"name": "p", "objects": {"product": {"read": "yes"}}}]}`,
				status: 422, code: "invalid_metadata"},
			{name: "set still used", method: "PUT", path: "/api/v1/permission-sets", body: `{"permission_sets": []}`,
				status: 422, code: "invalid_metadata", fields: []string{"roles.viewer.permission_sets.0", "roles.editor.permission_sets.0"}},
			{name: "cycle", method: "PUT", path: "/api/v1/roles", body: `{"roles": [{"name": "a", "parent": "b"}, {"name": "b", "parent": "a"}]}`,
				status: 422, code: "invalid_metadata", fields: []string{"roles.a.parent", "roles.b.parent"}},
			{name: "built in", method: "PUT", path: "/api/v1/roles", body: `{"roles": [{"name": "admin"}, {"name": "standard"}]}`,
				status: 422, code: "invalid_metadata", fields: []string{"roles.admin.name", "roles.standard.name"}},
			{name: "unknown parent and set", method: "PUT", path: "/api/v1/roles", body: `{"roles": [{"name": "a", "parent": "zz", "permission_sets": ["nope"]}]}`,
				status: 422, code: "invalid_metadata", fields: []string{"roles.a.parent", "roles.a.permission_sets.0"}},
			{name: "duplicate", method: "PUT", path: "/api/v1/roles", body: `{"roles": [{"name": "a"}, {"name": "a"}]}`,
				status: 422, code: "invalid_metadata", fields: []string{"roles.a.name"}},
			{name: "other members", method: "PUT", path: "/api/v1/roles", body: `{"roles": [], "permission_sets": []}`, status: 422, code: "invalid_metadata"},
			{name: "not admin", method: "PUT", path: "/api/v1/roles", body: `{"roles": []}`, token: e.standard, status: 403, code: "forbidden"},
			{name: "not admin sets", method: "PUT", path: "/api/v1/permission-sets", body: `{"permission_sets": []}`, token: e.editor, status: 403, code: "forbidden"},
			{name: "read roles", method: "GET", path: "/api/v1/roles", status: 200, contains: []string{`"viewer"`, `"parent":"manager"`}},
			{name: "model has them", method: "GET", path: "/api/v1/metadata", status: 200, contains: []string{`"permission_sets"`, `"edit_products"`}},
		})

		// Renames are followed; deletions remove the grants.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/product", `{"name": "item"}`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/item/fields/price", `{"name": "amount"}`)
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/item/fields/cost?confirm=true", nil)
		sets := e.MustDo(http.StatusOK, "GET", "/api/v1/permission-sets", nil)["permission_sets"].([]any)
		view := sets[0].(map[string]any)
		require.Equal(t, "view_products", view["name"])
		assert.Contains(t, view["objects"], "item")
		assert.NotContains(t, view["objects"], "product")
		fields := view["fields"].(map[string]any)["item"].(map[string]any)
		assert.Contains(t, fields, "amount")
		assert.NotContains(t, fields, "price")
		assert.NotContains(t, fields, "cost")
		r := e.DoAs(e.editor, "PATCH", "/api/v1/objects/item/records/"+e.product, `{"amount": 7}`)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		assert.Contains(t, r.String(), `"amount":7`)

		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/vault?confirm=true", nil)
		sets = e.MustDo(http.StatusOK, "GET", "/api/v1/permission-sets", nil)["permission_sets"].([]any)
		keeper := sets[2].(map[string]any)
		require.Equal(t, "vault_keeper", keeper["name"])
		assert.Empty(t, keeper["objects"])
		assert.Empty(t, keeper["fields"])
	})
}

// grantAll defines role as a custom role that may do everything but view
// and modify all on the objects named, every field included.
func grantAll(t *testing.T, e *apitest.Env, role string, objects ...string) {
	t.Helper()
	objs := map[string]any{}
	fields := map[string]any{}
	for _, o := range objects {
		objs[o] = map[string]any{"read": true, "create": true, "edit": true, "delete": true}
		fs := map[string]any{}
		for _, f := range at(t, e).MustDo(http.StatusOK, "GET", "/api/v1/objects/"+o, nil)["fields"].([]any) {
			fs[f.(map[string]any)["name"].(string)] = map[string]any{"read": true, "edit": true}
		}
		fields[o] = fs
	}
	at(t, e).MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", map[string]any{"permission_sets": []any{
		map[string]any{"name": role + "_all", "objects": objs, "fields": fields}}})
	at(t, e).MustDo(http.StatusOK, "PUT", "/api/v1/roles", map[string]any{"roles": []any{
		map[string]any{"name": role, "permission_sets": []any{role + "_all"}}}})
}
