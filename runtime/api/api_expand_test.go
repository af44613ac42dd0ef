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

const (
	expandAccountDoc = `{"name": "account", "sharing": "private", "name_field": "name", "fields": [
  {"name": "name", "type": "text"}, {"name": "revenue", "type": "number"}]}`
	expandRegionDoc  = `{"name": "region", "fields": [{"name": "code", "type": "text"}]}`
	expandContactDoc = `{"name": "contact", "sharing": "public_read", "name_field": "last", "fields": [
  {"name": "last", "type": "text"},
  {"name": "account", "type": "lookup", "settings": {"target": "account"}},
  {"name": "region", "type": "lookup", "settings": {"target": "region"}},
  {"name": "partner", "type": "lookup", "settings": {"target": "account"}}]}`
	expandSetsDoc = `{"permission_sets": [
  {"name": "contacts", "objects": {"contact": {"read": true}},
   "fields": {"contact": {"last": {"read": true}, "account": {"read": true}, "region": {"read": true}}}},
  {"name": "accounts", "objects": {"account": {"read": true, "create": true}},
   "fields": {"account": {"name": {"read": true, "edit": true}}}},
  {"name": "accounts_no_name", "objects": {"account": {"read": true}},
   "fields": {"account": {"revenue": {"read": true}}}}
]}`
	expandRolesDoc = `{"roles": [
  {"name": "rep", "permission_sets": ["contacts", "accounts"]},
  {"name": "blind", "permission_sets": ["contacts", "accounts_no_name"]},
  {"name": "outsider", "permission_sets": ["contacts"]}
]}`
)

// TestExpandLookups checks ?expand= on lists and single reads: the name of
// a looked-up record is told only to callers who may read the target
// object and its name field and see the record; others get its id alone.
func TestExpandLookups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, expandAccountDoc, expandRegionDoc, expandContactDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", expandSetsDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", expandRolesDoc)
		_, rep := e.AddUser("rep@example.com", "rep", password)
		_, blind := e.AddUser("blind@example.com", "blind", password)
		_, outsider := e.AddUser("outsider@example.com", "outsider", password)

		// The rep owns Mine; the administrator owns Theirs, which the rep
		// may not see (accounts are private).
		mine := e.DoAs(rep, "POST", "/api/v1/objects/account/records", `{"name": "Mine"}`)
		require.Equal(t, http.StatusCreated, mine.Status, mine.String())
		mineID := mine.JSON()["id"].(string)
		theirsID := create(t, e, "account", `{"name": "Theirs"}`)["id"].(string)
		regionID := create(t, e, "region", `{"code": "EU"}`)["id"].(string)
		c1 := create(t, e, "contact", `{"last": "One", "account": "`+mineID+`", "region": "`+regionID+`", "partner": "`+mineID+`"}`)["id"].(string)
		c2 := create(t, e, "contact", `{"last": "Two", "account": "`+theirsID+`"}`)["id"].(string)

		named := func(id, name string) map[string]any { return map[string]any{"id": id, "name": name} }
		bare := func(id string) map[string]any { return map[string]any{"id": id} }
		cases := []struct {
			name  string
			token string
			query string
			want  map[string]map[string]any // contact id -> field -> value
		}{
			{"admin sees every name", e.Token, "expand=account,region",
				map[string]map[string]any{c1: {"account": named(mineID, "Mine"), "region": named(regionID, regionID)}, c2: {"account": named(theirsID, "Theirs"), "region": nil}}},
			{"rep: only records it sees", rep, "expand=account",
				map[string]map[string]any{c1: {"account": named(mineID, "Mine")}, c2: {"account": bare(theirsID)}}},
			{"rep: no access to the target object", rep, "expand=region",
				map[string]map[string]any{c1: {"region": bare(regionID)}}},
			{"blind: name field hidden", blind, "expand=account",
				map[string]map[string]any{c1: {"account": bare(mineID)}, c2: {"account": bare(theirsID)}}},
			{"outsider: no access to accounts", outsider, "expand=account",
				map[string]map[string]any{c1: {"account": bare(mineID)}, c2: {"account": bare(theirsID)}}},
			{"with fields=, the expanded field is added", e.Token, "fields=last&expand=account",
				map[string]map[string]any{c1: {"account": named(mineID, "Mine")}}},
			{"without expand, an id", e.Token, "",
				map[string]map[string]any{c1: {"account": mineID}}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				list := e.DoAs(tc.token, "GET", "/api/v1/objects/contact/records?sort=last&"+tc.query, nil)
				require.Equal(t, http.StatusOK, list.Status, list.String())
				byID := map[string]map[string]any{}
				for _, r := range list.JSON()["records"].([]any) {
					rec := r.(map[string]any)
					byID[rec["id"].(string)] = rec
				}
				for id, fields := range tc.want {
					one := e.DoAs(tc.token, "GET", "/api/v1/objects/contact/records/"+id+"?"+tc.query, nil)
					require.Equal(t, http.StatusOK, one.Status, one.String())
					for f, want := range fields {
						assert.Equal(t, want, byID[id][f], "list: %s of %s", f, id)
						assert.Equal(t, want, one.JSON()[f], "get: %s of %s", f, id)
					}
				}
			})
		}

		for _, tc := range []struct{ name, token, expand string }{
			{"unknown field", e.Token, "nope"},
			{"not a lookup", e.Token, "last"},
			{"hidden lookup", rep, "partner"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, path := range []string{"/api/v1/objects/contact/records?expand=" + tc.expand, "/api/v1/objects/contact/records/" + c1 + "?expand=" + tc.expand} {
					r := e.DoAs(tc.token, "GET", path, nil)
					require.Equal(t, http.StatusBadRequest, r.Status, r.String())
					assert.Equal(t, "invalid_query", r.JSON()["code"])
					assert.Contains(t, r.JSON()["detail"], `"`+tc.expand+`"`)
				}
			})
		}
	})
}
