package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// The sharing tenant: deals are private, memos public_read, notes keep the
// default (public_read_write). vp is above rep and rep2; auditor views all
// deals.
const (
	sharedDealDoc = `{"name": "deal", "sharing": "private", "fields": [
  {"name": "name", "type": "text"}, {"name": "code", "type": "external_id"}, {"name": "amount", "type": "number"}],
  "track_history": ["amount"]}`
	sharedMemoDoc  = `{"name": "memo", "sharing": "public_read", "fields": [{"name": "name", "type": "text"}]}`
	sharedNoteDoc  = `{"name": "note", "fields": [{"name": "name", "type": "text"}, {"name": "deal", "type": "lookup", "settings": {"target": "deal"}}]}`
	sharingSetsDoc = `{"permission_sets": [
  {"name": "sell",
   "objects": {"deal": {"read": true, "create": true, "edit": true, "delete": true},
               "memo": {"read": true, "create": true, "edit": true, "delete": true},
               "note": {"read": true, "create": true, "edit": true, "delete": true}},
   "fields": {"deal": {"name": {"read": true, "edit": true}, "code": {"read": true, "edit": true}, "amount": {"read": true, "edit": true}},
              "memo": {"name": {"read": true, "edit": true}}, "note": {"name": {"read": true, "edit": true}, "deal": {"read": true, "edit": true}}}},
  {"name": "audit", "objects": {"deal": {"read": true, "view_all": true}}, "fields": {"deal": {"name": {"read": true}}}}
]}`
	sharingRolesDoc = `{"roles": [
  {"name": "vp", "permission_sets": ["sell"]},
  {"name": "rep", "parent": "vp", "permission_sets": ["sell"]},
  {"name": "rep2", "parent": "vp", "permission_sets": ["sell"]},
  {"name": "auditor", "permission_sets": ["audit"]}
]}`
)

// TestRecordSharing checks record-level access on every record path: the
// organization-wide defaults, the role hierarchy (up, not down, not
// sideways), view_all, the admin role, and that a record the caller may
// not see answers exactly as one that does not exist.
func TestRecordSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, sharedDealDoc, sharedMemoDoc, sharedNoteDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", sharingSetsDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", sharingRolesDoc)
		_, vp := e.AddUser("vp@example.com", "vp", password)
		_, rep := e.AddUser("rep@example.com", "rep", password)
		_, rep2 := e.AddUser("rep2@example.com", "rep2", password)
		_, auditor := e.AddUser("auditor@example.com", "auditor", password)

		deals := "/api/v1/objects/deal/records"
		mk := func(tok, object, body string) string {
			r := e.DoAs(tok, "POST", "/api/v1/objects/"+object+"/records", body)
			wantStatus(t, r, http.StatusCreated)
			return r.JSON()["id"].(string)
		}
		dealRep := mk(rep, "deal", `{"name": "A", "code": "K-rep", "amount": 1}`)
		dealRep2 := mk(rep2, "deal", `{"name": "B", "code": "K-rep2", "amount": 2}`)
		dealVP := mk(vp, "deal", `{"name": "C", "code": "K-vp", "amount": 3}`)
		memo := mk(rep, "memo", `{"name": "M"}`)
		note := mk(rep, "note", `{"name": "N"}`)
		missing := "00000000-0000-0000-0000-000000000000"

		total := func(tok, object, filter string) int {
			t.Helper()
			path := "/api/v1/objects/" + object + "/records?count=true&limit=200"
			if filter != "" {
				path += "&filter=" + urlQuery(filter)
			}
			r := e.DoAs(tok, "GET", path, nil)
			wantStatus(t, r, http.StatusOK)
			list := r.JSON()
			n, _ := list["total"].(interface{ Int64() (int64, error) }).Int64()
			assert.Len(t, list["records"], int(n), "the page and the count agree")
			return int(n)
		}
		t.Run("lists and counts", func(t *testing.T) {
			assert.Equal(t, 1, total(rep, "deal", ""), "rep sees its own deal only")
			assert.Equal(t, 1, total(rep2, "deal", ""), "not a sibling's")
			assert.Equal(t, 3, total(vp, "deal", ""), "vp sees the deals of the roles below")
			assert.Equal(t, 3, total(auditor, "deal", ""), "view_all sees every deal")
			assert.Equal(t, 3, total(e.Token, "deal", ""), "admin sees every deal")
			assert.Equal(t, 0, total(rep, "deal", `amount >= 2`), "the record predicate and a filter combine")
			assert.Equal(t, 2, total(vp, "deal", `amount >= 2`))
			assert.Equal(t, 1, total(rep2, "memo", ""), "public_read: everyone reads")
			assert.Equal(t, 1, total(rep2, "note", ""), "the default is public_read_write")
		})

		// invisible answers exactly as missing for every path that names a
		// record.
		paths := func(id string) []scenario {
			return []scenario{
				{name: "get", method: "GET", path: deals + "/" + id},
				{name: "patch", method: "PATCH", path: deals + "/" + id, body: `{"amount": 9}`},
				{name: "delete", method: "DELETE", path: deals + "/" + id},
				{name: "history", method: "GET", path: deals + "/" + id + "/history"},
				{name: "batch", method: "POST", path: deals + "/batch", body: `{"operation": "update", "records": [{"id": "` + id + `", "amount": 9}]}`},
			}
		}
		t.Run("invisible is not found", func(t *testing.T) {
			for _, who := range []struct {
				name, tok, id string
			}{{"rep on rep2's", rep, dealRep2}, {"rep on vp's", rep, dealVP}, {"rep2 on rep's", rep2, dealRep}} {
				hidden, gone := paths(who.id), paths(missing)
				for i := range hidden {
					h := e.DoAs(who.tok, hidden[i].method, hidden[i].path, hidden[i].body)
					m := e.DoAs(who.tok, gone[i].method, gone[i].path, gone[i].body)
					want := http.StatusNotFound
					if hidden[i].name == "batch" {
						want = http.StatusUnprocessableEntity // a batch names the missing record's index and id
					}
					assert.Equal(t, want, h.Status, "%s %s: %s", who.name, hidden[i].name, h.String())
					assert.Equal(t, m.Status, h.Status, "%s %s", who.name, hidden[i].name)
					assert.Equal(t, strings.ReplaceAll(m.String(), missing, who.id), h.String(),
						"%s %s: the same answer as a missing record", who.name, hidden[i].name)
				}
			}
			r := e.DoAs(rep, "PUT", deals+"/by/code/K-rep2", `{"amount": 9}`)
			assert.Equal(t, http.StatusNotFound, r.Status, "an upsert onto a record the caller may not see: %s", r.String())
			assert.Equal(t, "B", get(t, e, "deal", dealRep2)["name"], "nothing changed")
		})

		t.Run("hierarchy up", func(t *testing.T) {
			wantStatus(t, e.DoAs(vp, "GET", deals+"/"+dealRep, nil), http.StatusOK)
			wantStatus(t, e.DoAs(vp, "PATCH", deals+"/"+dealRep, `{"amount": 5}`), http.StatusOK)
			wantStatus(t, e.DoAs(vp, "GET", deals+"/"+dealRep+"/history", nil), http.StatusOK)
			wantStatus(t, e.DoAs(vp, "PUT", deals+"/by/code/K-rep2", `{"amount": 6}`), http.StatusOK)
			wantStatus(t, e.DoAs(rep, "PATCH", deals+"/"+dealRep, `{"amount": 7}`), http.StatusOK)
			wantStatus(t, e.DoAs(rep, "POST", deals+"/batch", `{"operation": "update", "records": [{"id": "`+dealRep+`", "amount": 8}]}`), http.StatusOK)
		})

		t.Run("public read", func(t *testing.T) {
			one := "/api/v1/objects/memo/records/" + memo
			wantStatus(t, e.DoAs(rep2, "GET", one, nil), http.StatusOK)
			for _, s := range []scenario{
				{name: "patch", method: "PATCH", path: one, body: `{"name": "X"}`},
				{name: "delete", method: "DELETE", path: one},
				{name: "batch", method: "POST", path: "/api/v1/objects/memo/records/batch", body: `{"operation": "update", "records": [{"id": "` + memo + `", "name": "X"}]}`},
			} {
				r := e.DoAs(rep2, s.method, s.path, s.body)
				assert.Equal(t, http.StatusForbidden, r.Status, "%s: %s", s.name, r.String())
				assert.Equal(t, "forbidden", r.JSON()["code"], s.name)
			}
			wantStatus(t, e.DoAs(vp, "PATCH", one, `{"name": "by vp"}`), http.StatusOK)
			wantStatus(t, e.DoAs(rep2, "PATCH", "/api/v1/objects/note/records/"+note, `{"name": "anyone"}`), http.StatusOK)
		})

		t.Run("lookups", func(t *testing.T) {
			notes := "/api/v1/objects/note/records"
			hidden := e.DoAs(rep, "POST", notes, `{"name": "L", "deal": "`+dealRep2+`"}`)
			gone := e.DoAs(rep, "POST", notes, `{"name": "L", "deal": "`+missing+`"}`)
			assert.Equal(t, http.StatusUnprocessableEntity, hidden.Status, hidden.String())
			assert.Equal(t, strings.ReplaceAll(gone.String(), missing, dealRep2), hidden.String(), "a lookup to a record the caller may not see is as one to no record")
			wantStatus(t, e.DoAs(rep, "POST", notes, `{"name": "L", "deal": "`+dealRep+`"}`), http.StatusCreated)
			r := e.DoAs(rep, "PATCH", notes+"/"+note, `{"deal": "`+dealVP+`"}`)
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
			wantStatus(t, e.DoAs(vp, "PATCH", notes+"/"+note, `{"deal": "`+dealVP+`"}`), http.StatusOK)
			wantStatus(t, e.DoAs(rep, "PATCH", notes+"/"+note, `{"deal": "`+dealVP+`", "name": "kept"}`), http.StatusOK)
		})

		t.Run("view_all reads", func(t *testing.T) {
			wantStatus(t, e.DoAs(auditor, "GET", deals+"/"+dealRep2, nil), http.StatusOK)
		})

		t.Run("delete", func(t *testing.T) {
			wantStatus(t, e.DoAs(rep2, "DELETE", deals+"/"+dealRep, nil), http.StatusNotFound)
			wantStatus(t, e.DoAs(rep, "DELETE", deals+"/"+dealRep2, nil), http.StatusNotFound)
			wantStatus(t, e.DoAs(vp, "DELETE", deals+"/"+dealRep2, nil), http.StatusNoContent)
			assert.Equal(t, 2, total(e.Token, "deal", ""))
		})
	})
}

// TestSharingMetadata checks that an unknown organization-wide default is
// refused when the object is saved, and that changing an object's default
// takes effect with the revision.
func TestSharingMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		r := e.Do("POST", "/api/v1/objects", `{"name": "deal", "sharing": "secret", "fields": [{"name": "name", "type": "text"}]}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Contains(t, r.String(), `"field":"sharing"`)

		mustDefine(t, e, `{"name": "deal", "fields": [{"name": "name", "type": "text"}]}`)
		_, one := e.AddUser("one@example.com", "standard", password)
		_, two := e.AddUser("two@example.com", "standard", password)
		r = e.DoAs(one, "POST", "/api/v1/objects/deal/records", `{"name": "mine"}`)
		wantStatus(t, r, http.StatusCreated)
		path := "/api/v1/objects/deal/records/" + r.JSON()["id"].(string)
		wantStatus(t, e.DoAs(two, "GET", path, nil), http.StatusOK)

		r = e.Do("PATCH", "/api/v1/objects/deal", `{"sharing": "nope"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal", `{"sharing": "private"}`)
		wantStatus(t, e.DoAs(two, "GET", path, nil), http.StatusNotFound)
		wantStatus(t, e.DoAs(one, "GET", path, nil), http.StatusOK)
		wantStatus(t, e.DoAs(e.Token, "GET", path, nil), http.StatusOK)
		assert.Equal(t, "private", e.MustDo(http.StatusOK, "GET", "/api/v1/metadata", nil)["model"].(map[string]any)["objects"].([]any)[0].(map[string]any)["sharing"])
	})
}
