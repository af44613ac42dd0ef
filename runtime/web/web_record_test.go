package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// dealObjects defines an account and a deal with a field of every kind, a
// layout, a validation rule, a dependent picklist, a record action and a
// tracked field; the role "sales" may not read deal.secret, and sees only
// its own accounts.
func dealObjects(t *testing.T, e *apitest.Env) {
	t.Helper()
	e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "account", "label": "Account", "plural_label": "Accounts", "name_field": "name", "sharing": "private",
		"fields": [{"name": "name", "type": "text", "required": true}]}`)
	e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "label": {"en": "Deal", "zh-CN": "交易"}, "plural_label": "Deals", "name_field": "title",
		"fields": [
			{"name": "title", "label": "Title", "type": "text", "required": true, "help_text": "What is sold"},
			{"name": "amount", "label": "Amount", "type": "currency", "settings": {"precision": 12, "scale": 2}},
			{"name": "discount", "label": "Discount", "type": "percent"},
			{"name": "close_date", "label": "Close date", "type": "date"},
			{"name": "won", "label": "Won", "type": "boolean"},
			{"name": "stage", "label": "Stage", "type": "picklist", "settings": {"values": [{"value": "open", "label": {"en": "Open", "zh-CN": "进行中"}}, {"value": "closed", "label": "Closed"}]}},
			{"name": "account", "label": "Account", "type": "lookup", "settings": {"target": "account"}},
			{"name": "line", "label": "Line", "type": "picklist", "settings": {"values": [{"value": "Hardware"}, {"value": "Software"}]}},
			{"name": "product", "label": "Product", "type": "picklist", "controller": "line", "settings": {"values": [{"value": "Laptop"}, {"value": "Phone"}, {"value": "CRM"}],
				"dependencies": {"Hardware": ["Laptop", "Phone"], "Software": ["CRM"]}}},
			{"name": "status", "label": "Status", "type": "text"},
			{"name": "secret", "label": "Secret", "type": "text"},
			{"name": "notes", "label": "Notes", "type": "long_text"}],
		"rules": [{"name": "too_big", "condition": "amount > 1000000", "field": "amount", "message": "Deals over a million need a board decision"},
			{"name": "no_date", "condition": "close_date == nil", "severity": "warning", "message": "No close date yet"}],
		"track_history": ["amount"],
		"actions": [{"name": "close", "label": "Close the deal", "parameters": [{"name": "reason", "type": "text", "required": true}],
			"criteria": "stage != \"closed\"", "updates": {"stage": "\"closed\"", "status": "$params.reason"}}],
		"layout": {"sections": [
			{"label": {"en": "Main", "zh-CN": "主要"}, "columns": 2, "fields": ["title", "amount", "discount", "close_date", "won", "stage", "account", "secret"]},
			{"label": "Product", "columns": 1, "fields": ["line", "product", "status", "notes"]}]}}`)
	e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "task", "label": "Task", "plural_label": "Tasks", "name_field": "subject",
		"fields": [{"name": "subject", "type": "text"}, {"name": "due", "label": "Due", "type": "date"}, {"name": "deal", "type": "lookup", "settings": {"target": "deal"}}]}`)
	fields := map[string]any{}
	for _, f := range []string{"title", "amount", "discount", "close_date", "won", "stage", "account", "line", "product", "status", "notes"} {
		fields[f] = map[string]any{"read": true, "edit": true}
	}
	e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", map[string]any{"permission_sets": []any{map[string]any{
		"name": "sales",
		"objects": map[string]any{
			"deal":    map[string]any{"read": true, "create": true, "edit": true, "delete": true},
			"account": map[string]any{"read": true, "create": true},
			"task":    map[string]any{"read": true, "create": true},
		},
		"fields": map[string]any{"deal": fields,
			"account": map[string]any{"name": map[string]any{"read": true, "edit": true}},
			"task":    map[string]any{"subject": map[string]any{"read": true, "edit": true}, "due": map[string]any{"read": true, "edit": true}, "deal": map[string]any{"read": true, "edit": true}}},
	}}})
	e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", `{"roles": [{"name": "sales", "permission_sets": ["sales"]}]}`)
}

var recordIDIn = regexp.MustCompile(`^/o/deal/([0-9a-f-]{36})`)

// TestRecordPage: the fields by the layout's sections with formatted
// values, an unreadable field hidden, the lookup named and linked, related
// lists with their "New" link, field history, and delete.
func TestRecordPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		dealObjects(t, e)
		_, token := e.AddUser("ada@example.com", "sales", password)
		acct := e.DoAs(token, "POST", "/api/v1/objects/account/records", `{"name": "Acme"}`)
		require.Equal(t, http.StatusCreated, acct.Status, acct.String())
		acctID := acct.JSON()["id"].(string)
		deal := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/records", map[string]any{"title": "Big one", "amount": 1234.5, "discount": 15.5,
			"close_date": "2025-03-01", "won": true, "stage": "open", "account": acctID, "secret": "hush", "line": "Hardware", "product": "Laptop"})
		id := deal["id"].(string)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal/records/"+id, `{"amount": 2000}`)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/task/records", map[string]any{"subject": "Call them", "due": "2025-02-01", "deal": id})

		b := newBrowser(t, app)
		b.signIn("acme", "ada@example.com", password)
		r := b.get("/o/deal/" + id)
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		body := r.Body
		assert.Contains(t, body, "<h1>Big one</h1>")
		main, product := strings.Index(body, "<h2>Main</h2>"), strings.Index(body, "<h2>Product</h2>")
		require.True(t, main >= 0 && product > main, "sections in the layout's order")
		assert.Contains(t, body[main:product], `dl class="fields cols-2"`, "the first section has two columns")
		assert.Contains(t, body[product:], `<dl class="fields">`, "the second one")
		assert.Less(t, strings.Index(body, `data-field="title"`), strings.Index(body, `data-field="amount"`))
		assert.Greater(t, strings.Index(body, `data-field="line"`), product, "line is in the second section")
		assert.Contains(t, body, ">2000.00<", "currency at its scale")
		assert.Contains(t, body, ">15.50 %<", "percent")
		assert.Contains(t, body, ">2025-03-01<")
		assert.Contains(t, body, ">Yes<")
		assert.Contains(t, body, ">Open<", "picklist label")
		assert.Contains(t, body, `<a href="/o/account/`+acctID+`">Acme</a>`, "the lookup named and linked")
		assert.NotContains(t, body, "hush", "an unreadable field is not shown")
		assert.NotContains(t, body, "Secret")
		// Related list of tasks with the prefilled "New" link.
		assert.Contains(t, body, "Tasks")
		assert.Contains(t, body, "Call them")
		assert.Contains(t, body, `href="/o/task/new?deal=`+id+`"`)
		// Field history of the tracked amount.
		assert.Contains(t, body, "Field history")
		assert.Regexp(t, `1234\.50</td><td data-label="New value">2000\.00`, body)
		// Edit and delete are offered.
		assert.Contains(t, body, `href="/o/deal/`+id+`/edit"`)
		assert.Contains(t, body, `action="/o/deal/`+id+`/delete"`)

		// Chinese labels.
		b.lang = "zh-CN"
		zh := b.get("/o/deal/" + id).Body
		assert.Contains(t, zh, "<h2>主要</h2>")
		assert.Contains(t, zh, ">进行中<")
		assert.Contains(t, zh, ">是<")
		b.lang = ""

		// The prefilled new form of the child selects the parent.
		nf := b.get("/o/task/new?deal=" + id)
		require.Equal(t, http.StatusOK, nf.Status, nf.Body)
		assert.Regexp(t, `<option value="`+id+`" selected>Big one</option>`, nf.Body)

		// A task points at the deal: the delete is explained, then works.
		r = b.post("/o/deal/"+id+"/delete", nil)
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Body, "cannot be deleted")
		other := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/records", `{"title": "Small one"}`)["id"].(string)
		r = b.post("/o/deal/"+other+"/delete", nil)
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, "/o/deal?m=deleted", r.Location)
		assert.Equal(t, http.StatusNotFound, b.get("/o/deal/"+other).Status)
		assert.Equal(t, http.StatusNotFound, b.get("/o/deal/0190f3c2-0000-7000-8000-000000000000").Status)
	})
}

// TestRecordActionAndApprovalFromPage: a record action runs from its form
// (and its refusal is shown); the approval panel submits, the approver
// approves with a comment, and the history says so.
func TestRecordActionAndApprovalFromPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		dealObjects(t, e)
		_, token := e.AddUser("ada@example.com", "sales", password)
		boss, _ := e.AddUser("boss@example.com", "sales", password)
		e.MustDo(http.StatusCreated, "PUT", "/api/v1/approval-processes/deal_review", `name: deal_review
label: Deal review
object: deal
entry_criteria: amount > 100
submitters: {owner: true}
steps:
  - name: boss
    label: Boss
    approvers:
      - user: boss@example.com
on_approve:
  - update: status := "Approved"
`, "Content-Type", "application/yaml")
		small := e.DoAs(token, "POST", "/api/v1/objects/deal/records", `{"title": "Tiny", "amount": 5}`)
		require.Equal(t, http.StatusCreated, small.Status, small.String())
		created := e.DoAs(token, "POST", "/api/v1/objects/deal/records", `{"title": "Review me", "amount": 500, "stage": "open"}`)
		require.Equal(t, http.StatusCreated, created.Status, created.String())
		id := created.JSON()["id"].(string)

		ada := newBrowser(t, app)
		ada.signIn("acme", "ada@example.com", password)

		// The action: a missing parameter is refused on the page, then it runs.
		page := ada.get("/o/deal/" + id).Body
		assert.Contains(t, page, `action="/o/deal/`+id+`/actions/close"`)
		r := ada.post("/o/deal/"+id+"/actions/close", url.Values{"reason": {""}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `role="alert"`)
		assert.Contains(t, r.Body, "reason")

		// No process matches the small deal: no submit button.
		assert.NotContains(t, ada.get("/o/deal/"+small.JSON()["id"].(string)).Body, "/approval/submit")
		assert.Contains(t, page, `action="/o/deal/`+id+`/approval/submit"`)
		r = ada.post("/o/deal/"+id+"/approval/submit", url.Values{"comment": {"please"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		page = ada.get(r.Location).Body
		assert.Contains(t, page, "Submitted for approval.")
		assert.Contains(t, page, "Pending")
		assert.Contains(t, page, "<dd>"+boss.Name+"</dd>", "the assignee")
		assert.Contains(t, page, "please")
		assert.NotContains(t, page, "/approve\"", "ada holds no task")
		assert.Contains(t, page, "/approval/recall")
		// Submitting again is refused with the service's message.
		r = ada.post("/o/deal/"+id+"/approval/submit", nil)
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Body, "already pending approval")
		// The record is locked while pending.
		r = ada.post("/o/deal/"+id+"/edit", url.Values{"title": {"Changed"}, "amount": {"500"}, "won": {"false"}})
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Body, "locked")
		assert.Contains(t, r.Body, `value="Changed"`, "the input is kept")

		bb := newBrowser(t, app)
		bb.signIn("acme", "boss@example.com", password)
		page = bb.get("/o/deal/" + id).Body
		m := regexp.MustCompile(`action="(/o/deal/` + id + `/approval/tasks/[0-9a-f-]{36}/)approve"`).FindStringSubmatch(page)
		require.NotNil(t, m, "the approver gets the decision form")
		assert.NotContains(t, page, "/approval/recall", "only the submitter recalls")
		r = bb.post(m[1]+"approve", url.Values{"comment": {"fine by me"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		page = bb.get(r.Location).Body
		assert.Contains(t, page, "Approved.")
		assert.Contains(t, page, `badge approved`)
		assert.Contains(t, page, "fine by me")
		assert.Contains(t, page, "Finally approved")
		assert.Contains(t, page, ">Approved<", "on_approve updated the status")
		r = bb.post(m[1]+"approve", nil)
		assert.Equal(t, http.StatusConflict, r.Status, "a decided task")

		r = ada.post("/o/deal/"+id+"/actions/close", url.Values{"reason": {"signed"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		page = ada.get(r.Location).Body
		assert.Contains(t, page, ">Closed<")
		assert.Contains(t, page, ">signed<")
		r = ada.post("/o/deal/"+id+"/actions/close", url.Values{"reason": {"again"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "the criteria no longer hold")
		assert.Contains(t, r.Body, "not available")
	})
}
