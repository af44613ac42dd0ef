package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// The roll-up fixture: regions hold accounts, accounts (and their
// sub-accounts) hold opportunities, and opportunities may belong to a
// campaign. Roll-ups are added once the children exist.
const (
	rollupRegionDoc  = `{"name": "region", "fields": [{"name": "name", "type": "text"}]}`
	rollupAccountDoc = `{"name": "account", "name_field": "name", "fields": [
  {"name": "name", "type": "text", "required": true},
  {"name": "region", "type": "lookup", "settings": {"target": "region", "on_delete": "set_null"}},
  {"name": "parent", "type": "lookup", "settings": {"target": "account", "on_delete": "set_null"}}
]}`
	rollupCampaignDoc    = `{"name": "campaign", "fields": [{"name": "name", "type": "text"}]}`
	rollupOpportunityDoc = `{"name": "opportunity", "name_field": "name", "fields": [
  {"name": "name", "type": "text", "required": true},
  {"name": "amount", "type": "currency", "settings": {"precision": 12, "scale": 2}},
  {"name": "stage", "type": "picklist", "settings": {"values": [
    {"value": "Prospecting", "default": true}, {"value": "Closed Won"}, {"value": "Closed Lost"}]}},
  {"name": "close", "type": "date"},
  {"name": "account", "type": "lookup", "settings": {"target": "account", "on_delete": "cascade"}},
  {"name": "campaign", "type": "lookup", "settings": {"target": "campaign", "on_delete": "set_null"}}
]}`
)

// rollupFields are the roll-ups of the fixture, by object.
var rollupFields = []struct{ object, doc string }{
	{"account", `{"name": "opps", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "count"}}`},
	{"account", `{"name": "total", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "sum", "field": "amount"}}`},
	{"account", `{"name": "won", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "sum", "field": "amount", "filter": "stage == \"Closed Won\""}}`},
	{"account", `{"name": "won_count", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "count", "filter": "stage == \"Closed Won\""}}`},
	{"account", `{"name": "largest", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "max", "field": "amount"}}`},
	{"account", `{"name": "smallest", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "min", "field": "amount"}}`},
	{"account", `{"name": "first_close", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "min", "field": "close"}}`},
	{"account", `{"name": "subsidiaries", "type": "rollup", "settings": {"child": "account", "lookup": "parent", "function": "count"}}`},
	{"region", `{"name": "total", "type": "rollup", "settings": {"child": "account", "lookup": "region", "function": "sum", "field": "total"}}`},
	{"campaign", `{"name": "pipeline", "type": "rollup", "settings": {"child": "opportunity", "lookup": "campaign", "function": "sum", "field": "amount"}}`},
}

// rollupEnv defines the fixture's objects, without their roll-ups.
func rollupEnv(t *testing.T, db store.DB) *apitest.Env {
	t.Helper()
	e := apitest.New(t, db, "acme")
	mustDefine(t, e, rollupRegionDoc, rollupAccountDoc, rollupCampaignDoc, rollupOpportunityDoc)
	return e
}

// addRollups adds the fixture's roll-ups.
func addRollups(t *testing.T, e *apitest.Env) {
	t.Helper()
	for _, f := range rollupFields {
		at(t, e).MustDo(http.StatusCreated, "POST", "/api/v1/objects/"+f.object+"/fields", f.doc)
	}
}

// rollupsOf reads a record and returns the named members as text: JSON
// numbers and strings as written, null as "null".
func rollupsOf(t *testing.T, e *apitest.Env, object, id string, names ...string) map[string]string {
	t.Helper()
	rec := get(t, e, object, id)
	out := map[string]string{}
	for _, n := range names {
		switch v := rec[n].(type) {
		case nil:
			out[n] = "null"
		case json.Number:
			out[n] = v.String()
		default:
			out[n] = fmt.Sprint(v)
		}
	}
	return out
}

// accountSums are the account's roll-ups over opportunities.
var accountSums = []string{"opps", "total", "won", "won_count", "largest", "smallest", "first_close"}

func sums(opps, total, won, wonCount, largest, smallest, firstClose string) map[string]string {
	return map[string]string{"opps": opps, "total": total, "won": won, "won_count": wonCount,
		"largest": largest, "smallest": smallest, "first_close": firstClose}
}

// TestRollupLifecycle follows an account's roll-ups through the writes of
// its opportunities: create, an update of the summed field, an update of a
// field the filter reads, an update that changes nothing summarized, a
// move to another account and a delete; and the roll-ups a roll-up
// change feeds upwards.
func TestRollupLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := rollupEnv(t, db)
		addRollups(t, e)
		region := create(t, e, "region", `{"name": "EMEA"}`)["id"].(string)
		a := create(t, e, "account", map[string]any{"name": "A", "region": region})
		b := create(t, e, "account", map[string]any{"name": "B", "region": region})["id"].(string)
		aid := a["id"].(string)

		// A new record starts with zero counts and sums, and no minimum or
		// maximum; the answer of the create says so too.
		assert.Equal(t, "0", num(t, a["opps"]))
		assert.Equal(t, "0.00", num(t, a["total"]))
		assert.Nil(t, a["largest"])
		assert.Equal(t, sums("0", "0.00", "0.00", "0", "null", "null", "null"), rollupsOf(t, e, "account", aid, accountSums...))
		assert.Equal(t, map[string]string{"total": "0.00"}, rollupsOf(t, e, "region", region, "total"))

		opp := func(name, amount, stage, close, account string) string {
			return create(t, e, "opportunity", map[string]any{"name": name, "amount": amount, "stage": stage, "close": close, "account": account})["id"].(string)
		}
		o1 := opp("One", "100", "Prospecting", "2026-03-01", aid)
		assert.Equal(t, sums("1", "100.00", "0.00", "0", "100.00", "100.00", "2026-03-01"), rollupsOf(t, e, "account", aid, accountSums...))
		o2 := opp("Two", "250.50", "Closed Won", "2026-01-15", aid)
		assert.Equal(t, sums("2", "350.50", "250.50", "1", "250.50", "100.00", "2026-01-15"), rollupsOf(t, e, "account", aid, accountSums...))
		// The region's roll-up of the accounts' roll-ups follows.
		assert.Equal(t, map[string]string{"total": "350.50"}, rollupsOf(t, e, "region", region, "total"))

		patch := func(id string, body any) {
			at(t, e).MustDo(http.StatusOK, "PATCH", "/api/v1/objects/opportunity/records/"+id, body)
		}
		patch(o1, `{"amount": "120"}`)
		assert.Equal(t, sums("2", "370.50", "250.50", "1", "250.50", "120.00", "2026-01-15"), rollupsOf(t, e, "account", aid, accountSums...))
		patch(o1, `{"stage": "Closed Won"}`)
		assert.Equal(t, sums("2", "370.50", "370.50", "2", "250.50", "120.00", "2026-01-15"), rollupsOf(t, e, "account", aid, accountSums...))
		patch(o1, `{"name": "One, renamed"}`)
		assert.Equal(t, sums("2", "370.50", "370.50", "2", "250.50", "120.00", "2026-01-15"), rollupsOf(t, e, "account", aid, accountSums...))
		patch(o1, `{"amount": null}`)
		assert.Equal(t, sums("2", "250.50", "250.50", "2", "250.50", "250.50", "2026-01-15"), rollupsOf(t, e, "account", aid, accountSums...))
		patch(o1, `{"amount": "120"}`)

		// Moving an opportunity changes both accounts.
		patch(o2, map[string]any{"account": b})
		assert.Equal(t, sums("1", "120.00", "120.00", "1", "120.00", "120.00", "2026-03-01"), rollupsOf(t, e, "account", aid, accountSums...))
		assert.Equal(t, sums("1", "250.50", "250.50", "1", "250.50", "250.50", "2026-01-15"), rollupsOf(t, e, "account", b, accountSums...))
		assert.Equal(t, map[string]string{"total": "370.50"}, rollupsOf(t, e, "region", region, "total"))
		// Out of every account, and back.
		patch(o2, `{"account": null}`)
		assert.Equal(t, sums("0", "0.00", "0.00", "0", "null", "null", "null"), rollupsOf(t, e, "account", b, accountSums...))
		patch(o2, map[string]any{"account": b})

		e.MustDo(http.StatusNoContent, "DELETE", "/api/v1/objects/opportunity/records/"+o1, nil)
		assert.Equal(t, sums("0", "0.00", "0.00", "0", "null", "null", "null"), rollupsOf(t, e, "account", aid, accountSums...))
		assert.Equal(t, map[string]string{"total": "250.50"}, rollupsOf(t, e, "region", region, "total"))

		// An account moving to no region leaves the region's sum.
		at(t, e).MustDo(http.StatusOK, "PATCH", "/api/v1/objects/account/records/"+b, `{"region": null}`)
		assert.Equal(t, map[string]string{"total": "0.00"}, rollupsOf(t, e, "region", region, "total"))

		// Maintaining a roll-up is no edit of the parent: its version and
		// updated_at stay.
		now := get(t, e, "account", aid)
		assert.Equal(t, "1", num(t, now["version"]))
		assert.Equal(t, a["updated_at"], now["updated_at"])

		// A self-lookup: sub-accounts are counted on their parent.
		c := create(t, e, "account", map[string]any{"name": "C", "parent": aid})["id"].(string)
		create(t, e, "account", map[string]any{"name": "D", "parent": aid})
		assert.Equal(t, map[string]string{"subsidiaries": "2"}, rollupsOf(t, e, "account", aid, "subsidiaries"))
		e.MustDo(http.StatusNoContent, "DELETE", "/api/v1/objects/account/records/"+c, nil)
		assert.Equal(t, map[string]string{"subsidiaries": "1"}, rollupsOf(t, e, "account", aid, "subsidiaries"))
	})
}

// TestRollupDeleteActions deletes the records children point at: a
// cascade removes the children from their other parents' roll-ups, and
// set_null empties their lookup.
func TestRollupDeleteActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := rollupEnv(t, db)
		addRollups(t, e)
		region := create(t, e, "region", `{"name": "EMEA"}`)["id"].(string)
		a := create(t, e, "account", map[string]any{"name": "A", "region": region})["id"].(string)
		b := create(t, e, "account", map[string]any{"name": "B", "region": region, "parent": a})["id"].(string)
		camp := create(t, e, "campaign", `{"name": "Spring"}`)["id"].(string)
		for i, acc := range []string{a, a, b} {
			create(t, e, "opportunity", map[string]any{"name": fmt.Sprint("O", i), "amount": "10", "account": acc, "campaign": camp})
		}
		assert.Equal(t, map[string]string{"pipeline": "30.00"}, rollupsOf(t, e, "campaign", camp, "pipeline"))
		assert.Equal(t, map[string]string{"total": "30.00"}, rollupsOf(t, e, "region", region, "total"))

		// Deleting an account deletes its opportunities: the campaign's
		// pipeline loses them, and the region the account.
		e.MustDo(http.StatusNoContent, "DELETE", "/api/v1/objects/account/records/"+a, nil)
		assert.Equal(t, map[string]string{"pipeline": "10.00"}, rollupsOf(t, e, "campaign", camp, "pipeline"))
		assert.Equal(t, map[string]string{"total": "10.00"}, rollupsOf(t, e, "region", region, "total"))
		// B's parent was emptied (set_null): nothing of it is lost.
		assert.Equal(t, map[string]string{"opps": "1", "total": "10.00"}, rollupsOf(t, e, "account", b, "opps", "total"))

		// Deleting the campaign empties the opportunities' campaign.
		e.MustDo(http.StatusNoContent, "DELETE", "/api/v1/objects/campaign/records/"+camp, nil)
		assert.Equal(t, map[string]string{"opps": "1", "total": "10.00"}, rollupsOf(t, e, "account", b, "opps", "total"))
	})
}

// TestRollupWrites refuses writing roll-ups, and lists filter and sort on
// them.
func TestRollupWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := rollupEnv(t, db)
		addRollups(t, e)
		var accounts []string
		for i, amounts := range [][]string{{"5"}, {"300", "20"}, {"100", "100", "100"}, nil} {
			id := create(t, e, "account", map[string]any{"name": fmt.Sprint("Acc", i)})["id"].(string)
			accounts = append(accounts, id)
			for _, amt := range amounts {
				create(t, e, "opportunity", map[string]any{"name": "O", "amount": amt, "account": id})
			}
		}
		readOnly := func(field string) func(t *testing.T, r *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				code, msg := problemOf(t, r).errorOf(t, field)
				assert.Equal(t, "read_only", code, msg)
			}
		}
		runAll(t, e, []scenario{
			{name: "create with a roll-up value", method: "POST", path: "/api/v1/objects/account/records", body: `{"name": "X", "total": 10}`,
				status: 422, code: "validation_failed", fields: []string{"total"}, onlyFields: true, check: readOnly("total")},
			{name: "update a roll-up", method: "PATCH", path: "/api/v1/objects/account/records/" + accounts[0], body: `{"opps": 3, "first_close": null}`,
				status: 422, code: "validation_failed", fields: []string{"opps", "first_close"}, onlyFields: true, check: readOnly("opps")},
			{name: "describe says read-only", method: "GET", path: "/api/v1/objects/account", status: 200,
				check: func(t *testing.T, r *apitest.Response) {
					f := field(t, r.JSON(), "total")
					assert.Equal(t, true, f["read_only"])
					assert.Equal(t, "rollup", f["type"])
				}},
		})
		list := func(query string) []string {
			var names []string
			for _, r := range listAll(t, e, "account", query) {
				names = append(names, r["name"].(string))
			}
			return names
		}
		assert.Equal(t, []string{"Acc1", "Acc2"}, list("filter="+url.QueryEscape("total > 100")+"&sort=-total"))
		assert.Equal(t, []string{"Acc3", "Acc0", "Acc1", "Acc2"}, list("sort=opps,name"))
		assert.Equal(t, []string{"Acc0", "Acc2", "Acc1"}, list("filter="+url.QueryEscape("largest != nil")+"&sort=largest"))
	})
}

// TestRollupMetadata adds roll-ups to existing data, refuses bad ones with
// located problems, follows renames and refuses deleting what a roll-up
// uses.
func TestRollupMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := rollupEnv(t, db)
		a := create(t, e, "account", `{"name": "A"}`)["id"].(string)
		b := create(t, e, "account", `{"name": "B"}`)["id"].(string)
		for _, amt := range []string{"10", "20.25"} {
			create(t, e, "opportunity", map[string]any{"name": "O", "amount": amt, "account": a, "stage": "Closed Won"})
		}
		create(t, e, "opportunity", map[string]any{"name": "O", "amount": "5", "account": a})

		// Adding roll-ups computes them for every existing record.
		addRollups(t, e)
		assert.Equal(t, sums("3", "35.25", "30.25", "2", "20.25", "5.00", "null"), rollupsOf(t, e, "account", a, accountSums...))
		assert.Equal(t, sums("0", "0.00", "0.00", "0", "null", "null", "null"), rollupsOf(t, e, "account", b, accountSums...))

		// Changing a definition computes it again.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/account/fields/won", `{"settings": {"child": "opportunity", "lookup": "account", "function": "sum", "field": "amount", "filter": "stage != \"Closed Won\""}}`)
		assert.Equal(t, map[string]string{"won": "5.00"}, rollupsOf(t, e, "account", a, "won"))
		// A new kind or scale of values makes a new column, computed too.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/account/fields/largest", `{"settings": {"child": "opportunity", "lookup": "account", "function": "count"}}`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/account/fields/first_close", `{"settings": {"child": "opportunity", "lookup": "account", "function": "sum", "field": "amount"}}`)
		assert.Equal(t, map[string]string{"largest": "3", "first_close": "35.25"}, rollupsOf(t, e, "account", a, "largest", "first_close"))
		assert.Equal(t, map[string]string{"largest": "0", "first_close": "0.00"}, rollupsOf(t, e, "account", b, "largest", "first_close"))
		// Another field cannot become one: its values would be lost.
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/account/fields", `{"name": "legacy", "type": "number"}`)
		p := wantProblem(t, e.Do("PATCH", "/api/v1/objects/account/fields/legacy", `{"type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "count"}}`),
			http.StatusUnprocessableEntity, "invalid_metadata")
		_, msg := p.errorOf(t, "objects.account.fields.legacy.type")
		assert.Contains(t, msg, "cannot become a rollup")

		problemAt := func(path, code string, says ...string) func(t *testing.T, r *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				got, msg := problemOf(t, r).errorOf(t, path)
				assert.Equal(t, code, got, msg)
				for _, s := range says {
					assert.Contains(t, msg, s)
				}
			}
		}
		add := "/api/v1/objects/account/fields"
		runAll(t, e, []scenario{
			{name: "unknown child", method: "POST", path: add, body: `{"name": "r", "type": "rollup", "settings": {"child": "invoice", "lookup": "account", "function": "count"}}`,
				status: 422, code: "invalid_metadata", check: problemAt("objects.account.fields.r.settings.child", "unknown_target", `"invoice" is not an object`)},
			{name: "lookup pointing elsewhere", method: "POST", path: add, body: `{"name": "r", "type": "rollup", "settings": {"child": "opportunity", "lookup": "campaign", "function": "count"}}`,
				status: 422, code: "invalid_metadata", check: problemAt("objects.account.fields.r.settings.lookup", "invalid_setting", `points at "campaign", not at "account"`)},
			{name: "sum of a date", method: "POST", path: add, body: `{"name": "r", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "sum", "field": "close"}}`,
				status: 422, code: "invalid_metadata", check: problemAt("objects.account.fields.r.settings.field", "invalid_setting", "sum needs a number")},
			{name: "filter on an unknown field", method: "POST", path: add, body: `{"name": "r", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "count", "filter": "stge == \"Closed Won\""}}`,
				status: 422, code: "invalid_metadata", check: problemAt("objects.account.fields.r.settings.filter", "invalid_expression", "unknown field \"stge\" (1:1)\n | stge == \"Closed Won\"\n | ^")},
			{name: "filter on the clock", method: "POST", path: add, body: `{"name": "r", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "count", "filter": "close < $today"}}`,
				status: 422, code: "invalid_metadata", check: problemAt("objects.account.fields.r.settings.filter", "invalid_expression", "$today cannot be used in a roll-up filter")},
			{name: "deleting the summed field", method: "DELETE", path: "/api/v1/objects/opportunity/fields/amount?confirm=true",
				status: 409, code: "referenced", check: problemAt("objects.account.fields.total.settings.field", "referenced", "field opportunity.amount is the field of rollup account.total")},
			{name: "deleting the lookup", method: "DELETE", path: "/api/v1/objects/opportunity/fields/account?confirm=true",
				status: 409, code: "referenced", check: problemAt("objects.account.fields.opps.settings.lookup", "referenced", "rollup account.opps")},
			{name: "deleting the child object", method: "DELETE", path: "/api/v1/objects/opportunity?confirm=true",
				status: 409, code: "referenced", check: problemAt("objects.account.fields.opps.settings.child", "referenced", `object "opportunity" is summarized by rollup account.opps`)},
			{name: "deleting a field the filter reads", method: "DELETE", path: "/api/v1/objects/opportunity/fields/stage?confirm=true",
				status: 422, code: "invalid_metadata", check: problemAt("objects.account.fields.won.settings.filter", "invalid_expression", `unknown field "stage"`)},
		})

		// Renames are followed, and the roll-ups kept up to date after.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/opportunity/fields/amount", `{"name": "value"}`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/opportunity/fields/account", `{"name": "customer"}`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/opportunity", `{"name": "deal"}`)
		model := e.MustDo(http.StatusOK, "GET", "/api/v1/metadata", nil)["model"].(map[string]any)
		var settings any
		for _, o := range model["objects"].([]any) {
			if o := o.(map[string]any); o["name"] == "account" {
				for _, f := range o["fields"].([]any) {
					if f := f.(map[string]any); f["name"] == "total" {
						settings = f["settings"]
					}
				}
			}
		}
		assert.Equal(t, map[string]any{"child": "deal", "lookup": "customer", "function": "sum", "field": "value"}, settings)
		create(t, e, "deal", map[string]any{"name": "O", "value": "100", "customer": a})
		assert.Equal(t, map[string]string{"opps": "4", "total": "135.25"}, rollupsOf(t, e, "account", a, "opps", "total"))

		// Once the roll-ups are gone, so is what held the child fields.
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/region/fields/total", nil)
		for _, f := range []string{"opps", "total", "won", "won_count", "largest", "smallest", "first_close"} {
			e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/account/fields/"+f+"?confirm=true", nil)
		}
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/campaign/fields/pipeline?confirm=true", nil)
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/deal/fields/value?confirm=true", nil)
	})
}

// TestRollupOverFormula sums a formula field of the children.
func TestRollupOverFormula(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := rollupEnv(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/opportunity/fields", `{"name": "weighted", "type": "formula", "settings": {"expression": "amount * 0.5", "result_type": "currency", "scale": 2}}`)
		a := create(t, e, "account", `{"name": "A"}`)["id"].(string)
		o := create(t, e, "opportunity", map[string]any{"name": "O", "amount": "10.50", "account": a})
		require.Equal(t, "5.25", num(t, o["weighted"]))
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/account/fields", `{"name": "weighted", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "sum", "field": "weighted"}}`)
		assert.Equal(t, map[string]string{"weighted": "5.25"}, rollupsOf(t, e, "account", a, "weighted"))
		create(t, e, "opportunity", map[string]any{"name": "P", "amount": "1", "account": a})
		assert.Equal(t, map[string]string{"weighted": "5.75"}, rollupsOf(t, e, "account", a, "weighted"))
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/opportunity/records/"+o["id"].(string), `{"amount": "20"}`)
		assert.Equal(t, map[string]string{"weighted": "10.50"}, rollupsOf(t, e, "account", a, "weighted"))
	})
}

// TestRollupConcurrentWriters has many writers create, change, move and
// delete opportunities of the same two accounts at once, and edit the
// accounts themselves; the stored counts
// and sums must equal those recomputed from the opportunities at the end,
// and so must the sum of the accounts' sums on their region. On SQLite the
// writers take turns; on PostgreSQL they race.
func TestRollupConcurrentWriters(t *testing.T) {
	const writers, ops = 20, 10
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := rollupEnv(t, db)
		addRollups(t, e)
		region := create(t, e, "region", `{"name": "EMEA"}`)["id"].(string)
		accounts := []string{
			create(t, e, "account", map[string]any{"name": "A", "region": region})["id"].(string),
			create(t, e, "account", map[string]any{"name": "B", "region": region})["id"].(string),
		}
		var wg sync.WaitGroup
		errs := make(chan error, writers*ops)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 7))
				var mine []string
				for i := 0; i < ops; i++ {
					amount := fmt.Sprintf("%d.%02d", r.IntN(1000), r.IntN(100))
					stage := []string{"Prospecting", "Closed Won", "Closed Lost"}[r.IntN(3)]
					account := accounts[r.IntN(2)]
					var err error
					switch op := r.IntN(5); {
					case op == 0 || len(mine) == 0:
						var id string
						id, err = rawCreate(e, "opportunity", map[string]any{"name": "O", "amount": amount, "stage": stage, "account": account})
						if err == nil {
							mine = append(mine, id)
						}
					case op == 1:
						err = rawDo(e, "PATCH", "/api/v1/objects/opportunity/records/"+mine[r.IntN(len(mine))], map[string]any{"amount": amount, "stage": stage}, http.StatusOK)
					case op == 2:
						err = rawDo(e, "PATCH", "/api/v1/objects/opportunity/records/"+mine[r.IntN(len(mine))], map[string]any{"account": account}, http.StatusOK)
					case op == 3:
						// An edit of the parent itself writes its row back,
						// roll-ups included, under its own lock.
						err = rawDo(e, "PATCH", "/api/v1/objects/account/records/"+account, map[string]any{"name": fmt.Sprint("by ", w)}, http.StatusOK)
					default:
						k := r.IntN(len(mine))
						err = rawDo(e, "DELETE", "/api/v1/objects/opportunity/records/"+mine[k], nil, http.StatusNoContent)
						mine = append(mine[:k], mine[k+1:]...)
					}
					if err != nil {
						errs <- fmt.Errorf("writer %d, op %d: %w", w, i, err)
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}

		// The truth, from the opportunities themselves.
		type truth struct {
			n        int
			total    decimal.Decimal
			won      decimal.Decimal
			wonCount int
		}
		want := map[string]*truth{accounts[0]: {}, accounts[1]: {}}
		for _, o := range listAll(t, e, "opportunity", "limit=200") {
			acc, _ := o["account"].(string)
			tr, ok := want[acc]
			if !ok {
				continue
			}
			amt := decimal.RequireFromString(num(t, o["amount"]))
			tr.n++
			tr.total = tr.total.Add(amt)
			if o["stage"] == "Closed Won" {
				tr.won = tr.won.Add(amt)
				tr.wonCount++
			}
		}
		for _, acc := range accounts {
			tr := want[acc]
			got := rollupsOf(t, e, "account", acc, "opps", "total", "won", "won_count")
			assert.Equal(t, map[string]string{
				"opps": fmt.Sprint(tr.n), "total": tr.total.StringFixed(2), "won": tr.won.StringFixed(2), "won_count": fmt.Sprint(tr.wonCount),
			}, got, "account %s", acc)
		}
		assert.Positive(t, want[accounts[0]].n+want[accounts[1]].n, "some opportunities are left")
		// The region's roll-up of the accounts' roll-ups, maintained one
		// level up by the same writers, is exact too.
		assert.Equal(t, map[string]string{"total": want[accounts[0]].total.Add(want[accounts[1]].total).StringFixed(2)},
			rollupsOf(t, e, "region", region, "total"))
	})
}

// rawDo sends a request from any goroutine (no testing.T calls) and
// returns an error unless it answered status.
func rawDo(e *apitest.Env, method, path string, body any, status int) error {
	_, err := rawRequest(e, method, path, body, status)
	return err
}

// rawCreate creates a record from any goroutine and returns its id.
func rawCreate(e *apitest.Env, object string, body any) (string, error) {
	data, err := rawRequest(e, "POST", "/api/v1/objects/"+object+"/records", body, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var rec struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return "", err
	}
	return rec.ID, nil
}

func rawRequest(e *apitest.Env, method, path string, body any, status int) ([]byte, error) {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.Token)
	resp, err := e.App.Test(req, -1)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != status {
		return nil, fmt.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, data)
	}
	return data, nil
}
