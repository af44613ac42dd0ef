package actions_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// The CRM objects of the tests: a lead is converted into an account, a
// contact and, when asked, an opportunity. A contact must have an email
// (a validation rule), which a lead may lack.
const (
	campaignDoc = `
name: campaign
fields:
  - {name: name, type: text}
`
	accountDoc = `
name: account
fields:
  - {name: name, type: text, required: true}
  - {name: industry, type: text}
`
	contactDoc = `
name: contact
fields:
  - {name: last_name, type: text}
  - {name: email, type: email}
  - {name: account, type: lookup, settings: {target: account}}
rules:
  - {name: email_needed, condition: 'ISBLANK(email)', message: A contact needs an email, field: email}
`
	opportunityDoc = `
name: opportunity
fields:
  - {name: name, type: text}
  - {name: amount, type: currency, settings: {precision: 14, scale: 2}}
  - {name: source, type: text}
  - {name: account, type: lookup, settings: {target: account}}
`
	leadDoc = `
name: lead
fields:
  - {name: company, type: text}
  - {name: industry, type: text}
  - {name: last_name, type: text}
  - {name: email, type: email}
  - {name: status, type: text}
  - {name: reason, type: text}
  - {name: campaign, type: lookup, settings: {target: campaign}}
  - {name: converted_account, type: lookup, settings: {target: account, on_delete: set_null}}
  - {name: converted_opportunity, type: lookup, settings: {target: opportunity, on_delete: set_null}}
actions:
  - name: convert
    label: {en: Convert, zh-CN: 转换}
    criteria: 'status == "Qualified"'
    parameters:
      - {name: create_opportunity, type: boolean, default: "true"}
      - {name: opportunity_name, type: text}
      - {name: amount, type: number}
    creates:
      - as: account
        object: account
        values: {name: company, industry: industry}
      - as: contact
        object: contact
        values: {last_name: last_name, email: email, account: '$created.account'}
      - as: opportunity
        object: opportunity
        when: '$params.create_opportunity'
        values:
          name: '$params.opportunity_name ?? (company + " deal")'
          amount: '$params.amount'
          source: campaign.name
          account: '$created.account'
    updates:
      status: '"Converted"'
      converted_account: '$created.account'
      converted_opportunity: '$created.opportunity'
  - name: disqualify
    parameters:
      - {name: reason, type: text, required: true}
    updates: {status: '"Disqualified"', reason: '$params.reason'}
`
)

const permissionSetsDoc = `{"permission_sets": [
  {"name": "leads_only",
   "objects": {"lead": {"read": true, "create": true, "edit": true},
               "account": {"read": true, "create": true},
               "contact": {"read": true},
               "opportunity": {"read": true, "create": true},
               "campaign": {"read": true}},
   "fields": {"lead": %s, "account": %s, "contact": %s, "opportunity": %s, "campaign": %s}}
]}`

// grants gives read and edit on the fields named.
func grants(names ...string) string {
	m := map[string]map[string]bool{}
	for _, n := range names {
		m[n] = map[string]bool{"read": true, "edit": true}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

type env struct {
	*apitest.Env
	campaign string
}

func newEnv(t *testing.T, db store.DB) *env {
	e := apitest.New(t, db, "acme")
	for _, doc := range []string{campaignDoc, accountDoc, contactDoc, opportunityDoc, leadDoc} {
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", doc, "Content-Type", "application/yaml")
	}
	c := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/campaign/records", `{"name": "Spring fair"}`)
	return &env{Env: e, campaign: c["id"].(string)}
}

func (e *env) lead(t *testing.T, fields string) string {
	r := e.Do("POST", "/api/v1/objects/lead/records", fields)
	require.Equal(t, http.StatusCreated, r.Status, r.String())
	return r.JSON()["id"].(string)
}

func (e *env) qualified(t *testing.T) string {
	return e.lead(t, fmt.Sprintf(`{"company": "Acme", "industry": "Retail", "last_name": "Li", "email": "li@acme.example",
		"status": "Qualified", "campaign": %q}`, e.campaign))
}

func (e *env) count(t *testing.T, object string) int {
	r := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/"+object+"/records", nil)
	return len(r["records"].([]any))
}

func (e *env) get(t *testing.T, object, id string) map[string]any {
	return e.MustDo(http.StatusOK, "GET", "/api/v1/objects/"+object+"/records/"+id, nil)
}

// counts are the numbers of accounts, contacts and opportunities.
func (e *env) counts(t *testing.T) [3]int {
	return [3]int{e.count(t, "account"), e.count(t, "contact"), e.count(t, "opportunity")}
}

func convertPath(id string) string { return "/api/v1/objects/lead/records/" + id + "/actions/convert" }

func TestConvertLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		id := e.qualified(t)

		out := e.MustDo(http.StatusOK, "POST", convertPath(id), `{"amount": "1500.50"}`)
		created := out["created"].(map[string]any)
		require.Len(t, created, 3)
		account := created["account"].(map[string]any)
		contact := created["contact"].(map[string]any)
		opp := created["opportunity"].(map[string]any)
		assert.Equal(t, "Acme", account["name"])
		assert.Equal(t, "Retail", account["industry"])
		assert.Equal(t, "li@acme.example", contact["email"])
		assert.Equal(t, account["id"], contact["account"])
		assert.Equal(t, "Acme deal", opp["name"])
		assert.Equal(t, json.Number("1500.50"), opp["amount"])
		assert.Equal(t, "Spring fair", opp["source"], "a lookup path of the lead")
		assert.Equal(t, account["id"], opp["account"])

		rec := out["record"].(map[string]any)
		assert.Equal(t, "Converted", rec["status"])
		assert.Equal(t, account["id"], rec["converted_account"])
		assert.Equal(t, opp["id"], rec["converted_opportunity"])
		lead := e.get(t, "lead", id)
		assert.Equal(t, "Converted", lead["status"])
		assert.Equal(t, account["id"], lead["converted_account"])
		assert.Equal(t, [3]int{1, 1, 1}, e.counts(t))

		// Converted: the criteria no longer hold.
		r := e.Do("POST", convertPath(id), nil)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Equal(t, "action_not_available", r.JSON()["code"])
		assert.Equal(t, [3]int{1, 1, 1}, e.counts(t))
	})
}

func TestConvertLeadWithoutOpportunity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		id := e.qualified(t)
		out := e.MustDo(http.StatusOK, "POST", convertPath(id), `{"create_opportunity": false}`)
		created := out["created"].(map[string]any)
		assert.Len(t, created, 2)
		assert.NotContains(t, created, "opportunity")
		rec := out["record"].(map[string]any)
		assert.Equal(t, "Converted", rec["status"])
		assert.Nil(t, rec["converted_opportunity"], "$created of a create whose when was false is nil")
		assert.Equal(t, created["account"].(map[string]any)["id"], rec["converted_account"])
		assert.Equal(t, [3]int{1, 1, 0}, e.counts(t))

		// A named opportunity.
		id = e.qualified(t)
		out = e.MustDo(http.StatusOK, "POST", convertPath(id), `{"opportunity_name": "Acme renewal"}`)
		assert.Equal(t, "Acme renewal", out["created"].(map[string]any)["opportunity"].(map[string]any)["name"])
	})
}

func TestConvertRefusedLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)

		// Criteria false.
		open := e.lead(t, `{"company": "Acme", "last_name": "Li", "email": "li@acme.example", "status": "Open"}`)
		r := e.Do("POST", convertPath(open), nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Equal(t, "action_not_available", r.JSON()["code"])
		assert.Equal(t, [3]int{0, 0, 0}, e.counts(t))

		// The contact breaks its validation rule after the account was
		// created: nothing is written, the lead is unchanged.
		noEmail := e.lead(t, `{"company": "Acme", "last_name": "Li", "status": "Qualified"}`)
		before := e.get(t, "lead", noEmail)
		r = e.Do("POST", convertPath(noEmail), nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		body := r.JSON()
		assert.Equal(t, "validation_failed", body["code"])
		errs := body["errors"].([]any)
		require.Len(t, errs, 1)
		assert.Equal(t, "contact.email", errs[0].(map[string]any)["field"])
		assert.Equal(t, "email_needed", errs[0].(map[string]any)["rule"])
		assert.Equal(t, [3]int{0, 0, 0}, e.counts(t))
		after := e.get(t, "lead", noEmail)
		assert.Equal(t, before["version"], after["version"])
		assert.Equal(t, "Qualified", after["status"])

		// An account without a name (required) is refused the same way.
		noCompany := e.lead(t, `{"last_name": "Li", "email": "li@acme.example", "status": "Qualified"}`)
		r = e.Do("POST", convertPath(noCompany), nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Equal(t, "account.name", r.JSON()["errors"].([]any)[0].(map[string]any)["field"])
		assert.Equal(t, [3]int{0, 0, 0}, e.counts(t))
	})
}

func TestActionErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		id := e.qualified(t)
		tests := []struct {
			name, path, body string
			status           int
			code             string
			fields           []string
		}{
			{"unknown action", "/api/v1/objects/lead/records/" + id + "/actions/merge", "", http.StatusNotFound, "action_not_found", nil},
			{"unknown record", convertPath("0190a0b0-0000-7000-8000-000000000000"), "", http.StatusNotFound, "not_found", nil},
			{"unknown parameter", convertPath(id), `{"title": "x"}`, http.StatusUnprocessableEntity, "invalid_parameters", []string{"title"}},
			{"wrong type", convertPath(id), `{"create_opportunity": "maybe", "amount": "lots"}`, http.StatusUnprocessableEntity, "invalid_parameters", []string{"amount", "create_opportunity"}},
			{"missing required", "/api/v1/objects/lead/records/" + id + "/actions/disqualify", `{}`, http.StatusUnprocessableEntity, "invalid_parameters", []string{"reason"}},
			{"not an object", convertPath(id), `[1]`, http.StatusBadRequest, "", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body any
				if tt.body != "" {
					body = tt.body
				}
				r := e.Do("POST", tt.path, body)
				require.Equal(t, tt.status, r.Status, r.String())
				if tt.code != "" {
					assert.Equal(t, tt.code, r.JSON()["code"])
				}
				if tt.fields != nil {
					var got []string
					for _, fe := range r.JSON()["errors"].([]any) {
						got = append(got, fe.(map[string]any)["field"].(string))
					}
					assert.Equal(t, tt.fields, got)
				}
			})
		}
		assert.Equal(t, [3]int{0, 0, 0}, e.counts(t))
		assert.Equal(t, "Qualified", e.get(t, "lead", id)["status"])

		out := e.MustDo(http.StatusOK, "POST", "/api/v1/objects/lead/records/"+id+"/actions/disqualify", `{"reason": "No budget"}`)
		rec := out["record"].(map[string]any)
		assert.Equal(t, "Disqualified", rec["status"])
		assert.Equal(t, "No budget", rec["reason"])
		assert.Empty(t, out["created"])
	})
}

// TestActionPermissions runs the conversion as a role that may edit leads
// but not create contacts: refused, nothing written.
func TestActionPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		sets := fmt.Sprintf(permissionSetsDoc,
			grants("company", "industry", "last_name", "email", "status", "reason", "campaign", "converted_account", "converted_opportunity"),
			grants("name", "industry"), grants("last_name", "email", "account"),
			grants("name", "amount", "source", "account"), grants("name"))
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", sets)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", `{"roles": [{"name": "rep", "permission_sets": ["leads_only"]}]}`)
		_, rep := e.AddUser("rep@example.com", "rep", "")

		r := e.DoAs(rep, "POST", "/api/v1/objects/lead/records", fmt.Sprintf(`{"company": "Acme", "last_name": "Li",
			"email": "li@acme.example", "status": "Qualified", "campaign": %q}`, e.campaign))
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		id := r.JSON()["id"].(string)

		r = e.DoAs(rep, "POST", convertPath(id), nil)
		require.Equal(t, http.StatusForbidden, r.Status, r.String())
		assert.Equal(t, "forbidden", r.JSON()["code"])
		assert.Contains(t, r.JSON()["detail"], `"contact"`)
		assert.Equal(t, [3]int{0, 0, 0}, e.counts(t))
		assert.Equal(t, "Qualified", e.get(t, "lead", id)["status"])

		// The list of actions is there for the rep all the same.
		list := e.DoAs(rep, "GET", "/api/v1/objects/lead/actions", nil)
		require.Equal(t, http.StatusOK, list.Status, list.String())
		assert.Len(t, list.JSON()["actions"], 2)
	})
}

func TestListActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		out := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/lead/actions", nil)
		as := out["actions"].([]any)
		require.Len(t, as, 2)
		convert := as[0].(map[string]any)
		assert.Equal(t, "convert", convert["name"])
		assert.Equal(t, "转换", convert["label"].(map[string]any)["zh-CN"])
		assert.Equal(t, []any{"account", "contact", "opportunity"}, convert["creates"])
		params := convert["parameters"].([]any)
		require.Len(t, params, 3)
		assert.Equal(t, "create_opportunity", params[0].(map[string]any)["name"])
		assert.Equal(t, "boolean", params[0].(map[string]any)["type"])

		empty := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/account/actions", nil)
		assert.Empty(t, empty["actions"])
	})
}

// TestActionMetadataRefused checks that a bad action is refused when the
// object is saved, with the path of the problem.
func TestActionMetadataRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		doc := strings.Replace(leadDoc, "name: lead", "name: lead2", 1)
		doc = strings.Replace(doc, `converted_account: '$created.account'`, `converted_account: '$created.acount'`, 1)
		r := e.Do("POST", "/api/v1/objects", doc, "Content-Type", "application/yaml")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Contains(t, r.String(), "objects.lead2.actions.convert.updates.converted_account")
	})
}
