package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// The sharing rules tenant: accounts are private; emea_sales reads the
// EMEA accounts, emea_lead (above emea_junior) edits the big ones with its
// subordinates, and apac_sales has a rule of its own.
const (
	ruleAccountDoc = `{"name": "account", "sharing": "private", "fields": [
  {"name": "name", "type": "text"}, {"name": "region", "type": "text"}, {"name": "amount", "type": "number"}]}`
	ruleSetsDoc = `{"permission_sets": [{"name": "sell",
   "objects": {"account": {"read": true, "create": true, "edit": true, "delete": true}},
   "fields": {"account": {"name": {"read": true, "edit": true}, "region": {"read": true, "edit": true}, "amount": {"read": true, "edit": true}}}}]}`
	ruleRolesDoc = `{"roles": [
  {"name": "emea_sales", "permission_sets": ["sell"]},
  {"name": "emea_lead", "permission_sets": ["sell"]},
  {"name": "emea_junior", "parent": "emea_lead", "permission_sets": ["sell"]},
  {"name": "apac_sales", "permission_sets": ["sell"]},
  {"name": "other", "permission_sets": ["sell"]}
]}`
	ruleRulesDoc = `{"sharing_rules": [
  {"name": "emea_read", "criteria": "region == \"EMEA\"", "access": "read", "roles": ["emea_sales"]},
  {"name": "big_edit", "criteria": "region == \"EMEA\" && amount >= 100", "access": "edit", "roles": ["emea_lead"], "include_subordinates": true},
  {"name": "apac_read", "criteria": "region == \"APAC\"", "access": "read", "roles": ["apac_sales"]}
]}`
)

// TestSharingRules checks that sharing rules open matching records to their
// roles: read rules to list, count and get but not to change (403), edit
// rules to change, include_subordinates, and nothing to other roles.
func TestSharingRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, ruleAccountDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", ruleSetsDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", ruleRolesDoc)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/account", ruleRulesDoc)
		_, sales := e.AddUser("sales@example.com", "emea_sales", password)
		_, lead := e.AddUser("lead@example.com", "emea_lead", password)
		_, junior := e.AddUser("junior@example.com", "emea_junior", password)
		_, apac := e.AddUser("apac@example.com", "apac_sales", password)
		_, other := e.AddUser("other@example.com", "other", password)

		accounts := "/api/v1/objects/account/records"
		mk := func(body string) string {
			r := e.DoAs(other, "POST", accounts, body)
			wantStatus(t, r, http.StatusCreated)
			return r.JSON()["id"].(string)
		}
		small := mk(`{"name": "small", "region": "EMEA", "amount": 10}`)
		big := mk(`{"name": "big", "region": "EMEA", "amount": 500}`)
		us := mk(`{"name": "us", "region": "US", "amount": 500}`)
		asia := mk(`{"name": "asia", "region": "APAC", "amount": 1}`)
		one := func(id string) string { return accounts + "/" + id }

		total := func(tok, filter string) int {
			t.Helper()
			path := accounts + "?count=true&limit=200"
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
			assert.Equal(t, 2, total(sales, ""), "emea_sales reads the EMEA accounts")
			assert.Equal(t, 1, total(sales, `amount > 100`), "the rule and a filter combine")
			assert.Equal(t, 1, total(lead, ""), "emea_lead: the big EMEA account")
			assert.Equal(t, 1, total(junior, ""), "include_subordinates")
			assert.Equal(t, 1, total(apac, ""), "apac_sales: its own rule, not the others'")
			assert.Equal(t, 4, total(other, ""), "the owner")
			assert.Equal(t, 4, total(e.Token, ""), "admin")
		})
		t.Run("read rule", func(t *testing.T) {
			wantStatus(t, e.DoAs(sales, "GET", one(small), nil), http.StatusOK)
			wantStatus(t, e.DoAs(sales, "GET", one(big), nil), http.StatusOK)
			wantStatus(t, e.DoAs(sales, "GET", one(us), nil), http.StatusNotFound)
			wantStatus(t, e.DoAs(sales, "GET", one(asia), nil), http.StatusNotFound)
			r := e.DoAs(sales, "PATCH", one(small), `{"amount": 11}`)
			assert.Equal(t, http.StatusForbidden, r.Status, r.String())
			wantStatus(t, e.DoAs(sales, "DELETE", one(small), nil), http.StatusForbidden)
			wantStatus(t, e.DoAs(sales, "PATCH", one(us), `{"amount": 11}`), http.StatusNotFound)
			wantStatus(t, e.DoAs(apac, "GET", one(small), nil), http.StatusNotFound)
		})
		t.Run("edit rule", func(t *testing.T) {
			wantStatus(t, e.DoAs(lead, "PATCH", one(big), `{"amount": 600}`), http.StatusOK)
			wantStatus(t, e.DoAs(junior, "PATCH", one(big), `{"amount": 700}`), http.StatusOK)
			wantStatus(t, e.DoAs(lead, "GET", one(small), nil), http.StatusNotFound)
			// Out of the criteria after the change: gone from the lead's view.
			wantStatus(t, e.DoAs(lead, "PATCH", one(big), `{"region": "US"}`), http.StatusOK)
			wantStatus(t, e.DoAs(lead, "GET", one(big), nil), http.StatusNotFound)
			assert.Equal(t, 1, total(sales, ""))
		})
		t.Run("admin unaffected", func(t *testing.T) {
			wantStatus(t, e.DoAs(e.Token, "PATCH", one(us), `{"amount": 1}`), http.StatusOK)
			assert.Equal(t, 4, total(e.Token, ""))
		})
	})
}

// TestSharingRulesMetadata checks that sharing rules are refused when saved
// with an unknown role, a bad access, criteria that do not translate or
// that use $user, and that a role in use stays checked.
func TestSharingRulesMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, ruleAccountDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", ruleSetsDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", ruleRolesDoc)
		for _, c := range []struct{ name, rule, want string }{
			{"unknown role", `{"name": "r", "criteria": "region == \"EMEA\"", "access": "read", "roles": ["nobody"]}`, `shares with \"nobody\", which is not a role`},
			{"built-in role", `{"name": "r", "criteria": "region == \"EMEA\"", "access": "read", "roles": ["standard"]}`, `built-in role`},
			{"access", `{"name": "r", "criteria": "region == \"EMEA\"", "access": "all", "roles": ["emea_sales"]}`, `access must be`},
			{"unknown field", `{"name": "r", "criteria": "regio == \"EMEA\"", "access": "read", "roles": ["emea_sales"]}`, `unknown field \"regio\" (1:1)`},
			{"$user", `{"name": "r", "criteria": "region == $user.id", "access": "read", "roles": ["emea_sales"]}`, `$user cannot be used in sharing rule criteria`},
			{"$today", `{"name": "r", "criteria": "region != nil && $today != nil", "access": "read", "roles": ["emea_sales"]}`, `$today cannot be used in sharing rule criteria`},
			{"type", `{"name": "r", "criteria": "amount == \"x\"", "access": "read", "roles": ["emea_sales"]}`, `sharing_rules`},
		} {
			r := e.Do("PATCH", "/api/v1/objects/account", `{"sharing_rules": [`+c.rule+`]}`)
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", c.name, r.String())
			assert.Contains(t, r.String(), c.want, c.name)
		}
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/account", ruleRulesDoc)
		r := e.Do("PUT", "/api/v1/roles", `{"roles": [{"name": "other", "permission_sets": ["sell"]}]}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "a role a sharing rule names cannot go: %s", r.String())
		r = e.Do("PATCH", "/api/v1/objects/account/fields/region", `{"name": "area"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "a rename that breaks criteria: %s", r.String())
		assert.Contains(t, r.String(), `unknown field \"region\" (1:1)`)
		assert.Contains(t, r.String(), `sharing_rules`)
	})
}

// TestManualSharing checks shares of one record: by its owner or an admin
// only, to a user or a role, read (visible, not changeable) or edit, listed
// and deleted, and gone with the record.
func TestManualSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, ruleAccountDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", ruleSetsDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", ruleRolesDoc)
		owner, ownerTok := e.AddUser("owner@example.com", "other", password)
		friend, friendTok := e.AddUser("friend@example.com", "emea_sales", password)
		_, peerTok := e.AddUser("peer@example.com", "emea_sales", password)
		_, apacTok := e.AddUser("apac@example.com", "apac_sales", password)

		accounts := "/api/v1/objects/account/records"
		mk := func(body string) string {
			r := e.DoAs(ownerTok, "POST", accounts, body)
			wantStatus(t, r, http.StatusCreated)
			return r.JSON()["id"].(string)
		}
		acct := mk(`{"name": "shared", "region": "US", "amount": 1}`)
		other := mk(`{"name": "kept", "region": "US", "amount": 2}`)
		one := accounts + "/" + acct
		shares := one + "/shares"
		count := func(tok string) int {
			t.Helper()
			r := e.DoAs(tok, "GET", accounts+"?count=true", nil)
			wantStatus(t, r, http.StatusOK)
			n, _ := r.JSON()["total"].(interface{ Int64() (int64, error) }).Int64()
			assert.Len(t, r.JSON()["records"], int(n), "the page and the count agree")
			return int(n)
		}

		assert.Equal(t, 0, count(friendTok))
		wantStatus(t, e.DoAs(friendTok, "POST", shares, `{"user_id": "`+friend.ID+`", "access": "read"}`), http.StatusNotFound)
		r := e.DoAs(ownerTok, "POST", shares, `{"user_id": "`+friend.ID+`", "access": "read"}`)
		wantStatus(t, r, http.StatusCreated)
		userShare := r.JSON()["id"].(string)
		assert.Equal(t, owner.ID, r.JSON()["created_by"])

		t.Run("read share to a user", func(t *testing.T) {
			assert.Equal(t, 1, count(friendTok))
			wantStatus(t, e.DoAs(friendTok, "GET", one, nil), http.StatusOK)
			wantStatus(t, e.DoAs(friendTok, "PATCH", one, `{"amount": 3}`), http.StatusForbidden)
			wantStatus(t, e.DoAs(friendTok, "DELETE", one, nil), http.StatusForbidden)
			wantStatus(t, e.DoAs(friendTok, "GET", accounts+"/"+other, nil), http.StatusNotFound)
			assert.Equal(t, 0, count(peerTok), "a share to a user is not to the user's role")
			wantStatus(t, e.DoAs(friendTok, "POST", shares, `{"role": "apac_sales", "access": "read"}`), http.StatusForbidden)
			wantStatus(t, e.DoAs(friendTok, "GET", shares, nil), http.StatusForbidden)
		})
		t.Run("edit share to a role", func(t *testing.T) {
			r := e.DoAs(ownerTok, "POST", shares, `{"role": "emea_sales", "access": "edit"}`)
			wantStatus(t, r, http.StatusCreated)
			assert.Equal(t, 1, count(peerTok))
			wantStatus(t, e.DoAs(peerTok, "PATCH", one, `{"amount": 4}`), http.StatusOK)
			wantStatus(t, e.DoAs(friendTok, "PATCH", one, `{"amount": 5}`), http.StatusOK)
			assert.Equal(t, 0, count(apacTok))
		})
		t.Run("bad shares", func(t *testing.T) {
			for _, body := range []string{
				`{"access": "read"}`,
				`{"user_id": "` + friend.ID + `", "role": "emea_sales", "access": "read"}`,
				`{"user_id": "00000000-0000-0000-0000-000000000000", "access": "read"}`,
				`{"role": "nobody", "access": "read"}`,
				`{"role": "admin", "access": "read"}`,
				`{"role": "apac_sales", "access": "all"}`,
			} {
				r := e.DoAs(ownerTok, "POST", shares, body)
				assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", body, r.String())
			}
			r := e.DoAs(ownerTok, "POST", shares, `{"user_id": "`+friend.ID+`", "access": "edit"}`)
			assert.Equal(t, http.StatusConflict, r.Status, "a second share to the same user: %s", r.String())
		})
		t.Run("list and delete", func(t *testing.T) {
			list := e.DoAs(ownerTok, "GET", shares, nil)
			wantStatus(t, list, http.StatusOK)
			assert.Len(t, list.JSON()["shares"], 2)
			wantStatus(t, e.DoAs(e.Token, "GET", shares, nil), http.StatusOK)
			wantStatus(t, e.DoAs(ownerTok, "DELETE", shares+"/"+userShare, nil), http.StatusNoContent)
			for _, event := range []string{"record.shared", "record.unshared"} {
				audit := e.MustDo(http.StatusOK, "GET", "/api/v1/audit?event="+event, nil)
				assert.NotEmpty(t, audit["entries"], "sharing is audited: %s %v", event, audit)
			}
			wantStatus(t, e.DoAs(ownerTok, "DELETE", shares+"/"+userShare, nil), http.StatusNotFound)
			wantStatus(t, e.DoAs(ownerTok, "DELETE", accounts+"/"+other+"/shares/"+userShare, nil), http.StatusNotFound)
		})
		t.Run("gone with the record", func(t *testing.T) {
			wantStatus(t, e.DoAs(e.Token, "POST", shares, `{"role": "apac_sales", "access": "read"}`), http.StatusCreated)
			assert.Equal(t, 1, count(apacTok), "an admin shares any record")
			wantStatus(t, e.DoAs(ownerTok, "DELETE", one, nil), http.StatusNoContent)
			var n int64
			require.NoError(t, e.DB.QueryRow(context.Background(), "SELECT count(*) FROM record_shares WHERE record_id = $1", acct).Scan(&n))
			assert.Zero(t, n)
			assert.Equal(t, 1, count(e.Token))
		})
	})
}
