package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// adminUI is the UI of tenant acme with its administrator signed in.
func adminUI(t *testing.T, db store.DB) (*apitest.Env, *browser) {
	e, app := newUI(t, db)
	e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+e.Admin.ID+"/password", map[string]any{"password": password})
	b := newBrowser(t, app)
	b.signIn("acme", e.Admin.Email, password)
	return e, b
}

// fieldsOf lists the field names of an object's describe.
func fieldsOf(t *testing.T, describe map[string]any) []string {
	var out []string
	for _, f := range describe["fields"].([]any) {
		out = append(out, f.(map[string]any)["name"].(string))
	}
	return out
}

// jsonOf is v as JSON.
func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func fieldOf(t *testing.T, describe map[string]any, name string) map[string]any {
	for _, f := range describe["fields"].([]any) {
		if f.(map[string]any)["name"] == name {
			return f.(map[string]any)
		}
	}
	t.Fatalf("no field %s in %v", name, describe)
	return nil
}

// TestAdminOnlyForAdministrators: setup pages answer 403 pages to everyone
// but administrators, for reads and posts alike.
func TestAdminOnlyForAdministrators(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		e.AddUser("ada@example.com", "standard", password)
		b := newBrowser(t, app)
		b.signIn("acme", "ada@example.com", password)
		for _, p := range []string{"/admin", "/admin/objects", "/admin/approvals", "/admin/users", "/admin/bundles", "/admin/bundles/crm/install"} {
			r := b.get(p)
			assert.Equal(t, http.StatusForbidden, r.Status, p)
			assert.Contains(t, r.Body, "<html", p)
			assert.Contains(t, r.Body, "You may not do this.", p)
		}
		r := b.post("/admin/objects", url.Values{"name": {"sneaky"}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/sneaky", nil).Status)
	})
}

// TestAdminObjectsAndFields: an object and its fields are created, edited,
// reordered and deleted through the object manager, and the API sees each
// change; refused changes show their problems with paths.
func TestAdminObjectsAndFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		r := b.get("/admin/objects")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		r = b.post("/admin/objects", url.Values{"name": {"deal"}, "label_en": {"Deal"}, "label_zh": {"交易"}, "plural_en": {"Deals"}, "sharing": {"private"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, "/admin/objects/deal?saved=1", r.Location)
		d := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil)
		assert.Equal(t, "Deal", d["label"])

		r = b.post("/admin/objects", url.Values{"name": {"deal"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>objects.deal.name</code>: ")
		assert.Contains(t, r.Body, "already exists")
		r = b.post("/admin/objects", url.Values{"name": {"Bad Name"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>name</code>")

		r = b.post("/admin/objects/deal/fields", url.Values{"name": {"title"}, "type": {"text"}, "label_en": {"Title"}, "required": {"1"}, "s_max_length": {"80"},
			"s_precision": {"9"}, "s_values": {"ignored|for text"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		r = b.post("/admin/objects/deal/fields", url.Values{"name": {"amount"}, "type": {"currency"}, "s_precision": {"12"}, "s_scale": {"2"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		r = b.post("/admin/objects/deal/fields", url.Values{"name": {"stage"}, "type": {"picklist"}, "label_zh": {"阶段"},
			"s_values": {"new|New|新建\nwon|Won|赢单\n"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		d = e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil)
		assert.Equal(t, []string{"title", "amount", "stage"}, fieldsOf(t, d))
		title := fieldOf(t, d, "title")
		assert.Equal(t, true, title["required"])
		assert.Equal(t, "80", fmt.Sprint(title["settings"].(map[string]any)["max_length"]))
		stage := fieldOf(t, d, "stage")
		assert.Len(t, stage["values"], 2)

		r = b.post("/admin/objects/deal/fields", url.Values{"name": {"bad"}, "type": {"text"}, "s_max_length": {"lots"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>settings.max_length</code>")
		assert.Contains(t, r.Body, `value="bad"`, "the input is kept")
		r = b.post("/admin/objects/deal/fields", url.Values{"name": {"who"}, "type": {"lookup"}, "s_target": {"nothing"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "nothing")

		page := b.get("/admin/objects/deal")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, `data-types="picklist multi_picklist"`)
		edit := b.get("/admin/objects/deal/fields/stage")
		require.Equal(t, http.StatusOK, edit.Status, edit.Body)
		assert.Contains(t, edit.Body, "new|New|新建\nwon|Won|赢单")
		assert.NotContains(t, edit.Body, `name="s_max_length"`, "only the settings of the field's type")

		r = b.post("/admin/objects/deal/fields/stage", url.Values{"label_en": {"Stage"}, "help_en": {"Where the deal stands"},
			"s_values": {"new|New|新建\nwon|Won|赢单\nlost|Lost|输单"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		stage = fieldOf(t, e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil), "stage")
		assert.Equal(t, "Stage", stage["label"])
		assert.Equal(t, "Where the deal stands", stage["help_text"])
		assert.Len(t, stage["values"], 3)

		r = b.post("/admin/objects/deal/fields/stage", url.Values{"s_values": {""}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "a picklist needs values")
		assert.Contains(t, r.Body, `class="problems"`)

		r = b.post("/admin/objects/deal/fields/stage/move", url.Values{"dir": {"up"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, []string{"title", "stage", "amount"}, fieldsOf(t, e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil)))

		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/records", map[string]any{"title": "A", "amount": 5})
		r = b.post("/admin/objects/deal/fields/amount/delete", nil)
		assert.Equal(t, http.StatusConflict, r.Status)
		assert.Contains(t, r.Body, "confirm to go ahead")
		assert.Contains(t, r.Body, `name="confirm"`)
		assert.Contains(t, fieldsOf(t, e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil)), "amount")
		r = b.post("/admin/objects/deal/fields/amount/delete", url.Values{"confirm": {"1"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.NotContains(t, fieldsOf(t, e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil)), "amount")

		r = b.post("/admin/objects/deal", url.Values{"label_en": {"Opportunity"}, "sharing": {"public_read"}, "name_field": {"title"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		d = e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil)
		assert.Equal(t, "Opportunity", d["label"])

		r = b.post("/admin/objects/deal/record-types", url.Values{"record_types": {"- name: big\n  default: true\n  picklists:\n    stage: {values: [new, won]}\n"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		model := e.MustDo(http.StatusOK, "GET", "/api/v1/metadata", nil)["model"].(map[string]any)
		assert.Contains(t, jsonOf(t, model), `"record_types":[{"default":true,"name":"big","picklists":{"stage":{"values":["new","won"]}}}]`)
		r = b.post("/admin/objects/deal/record-types", url.Values{"record_types": {"- name: big\n  picklists:\n    stage: {values: [nope]}\n"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "record_types")
		assert.Contains(t, r.Body, "nope")
	})
}

// TestAdminRules: a validation rule added on the page is enforced by the
// API; a rule that does not compile is refused with its path.
func TestAdminRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "fields": [{"name": "amount", "type": "number"}]}`)
		r := b.post("/admin/objects/deal/rules", url.Values{"name": {"positive"}, "condition": {"amount < 0"}, "message_en": {"The amount cannot be negative"},
			"message_zh": {"金额不能为负"}, "field": {"amount"}, "severity": {"error"}, "active": {"1"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		bad := e.Do("POST", "/api/v1/objects/deal/records", `{"amount": -1}`)
		assert.Equal(t, http.StatusUnprocessableEntity, bad.Status)
		assert.Contains(t, bad.String(), "The amount cannot be negative")
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/records", `{"amount": 1}`)

		r = b.post("/admin/objects/deal/rules", url.Values{"name": {"broken"}, "condition": {"amount > \"x\""}, "message_en": {"x"}, "active": {"1"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>objects.deal.rules.broken")
		assert.Contains(t, r.Body, `amount &gt; &#34;x&#34;`, "the input is kept")

		page := b.get("/admin/objects/deal/rules/positive")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, `hx-post="/admin/objects/deal/check"`)
		assert.Contains(t, page.Body, `hx-trigger="keyup changed delay:300ms"`)
		r = b.post("/admin/objects/deal/rules/positive", url.Values{"condition": {"amount < 0"}, "message_en": {"No negatives"}, "severity": {"warning"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/records", `{"amount": -1}`)

		r = b.post("/admin/objects/deal/rules/positive/delete", nil)
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.NotContains(t, b.get("/admin/objects/deal").Body, "positive")
	})
}

// TestAdminExpressionCheck: the check endpoint of the expression box
// answers the located, caret-pointed error of a bad expression and nothing
// for a good one.
func TestAdminExpressionCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "fields": [{"name": "amount", "type": "number"}]}`)
		r := b.do("POST", "/admin/objects/deal/check", url.Values{"_csrf": {b.csrf}, "condition": {"amount > \"x\""}}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Contains(t, r.Body, `class="expr-error error"`)
		assert.Contains(t, r.Body, "(1:")
		assert.Contains(t, r.Body, " | amount &gt; &#34;x&#34;\n")
		assert.Contains(t, r.Body, "^")

		r = b.do("POST", "/admin/objects/deal/check", url.Values{"_csrf": {b.csrf}, "condition": {"amount > 100"}}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Equal(t, "", strings.TrimSpace(r.Body))

		r = b.do("POST", "/admin/objects/deal/check?kind=formula", url.Values{"_csrf": {b.csrf}, "s_expression": {"nope * 2"}, "s_result_type": {"number"}}, "HX-Request", "true")
		assert.Contains(t, r.Body, "nope")
		r = b.do("POST", "/admin/objects/deal/check?kind=formula", url.Values{"_csrf": {b.csrf}, "s_expression": {"amount * 2"}, "s_result_type": {"number"}}, "HX-Request", "true")
		assert.Equal(t, "", strings.TrimSpace(r.Body))

		r = b.do("POST", "/admin/objects/deal/check", url.Values{"condition": {"amount > 1"}})
		assert.Equal(t, http.StatusForbidden, r.Status, "the check is a post: it needs the session's token")
	})
}

// TestAdminFieldSecurity: the grid of fields × permission sets decides what
// a custom role's users see.
func TestAdminFieldSecurity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "fields": [{"name": "title", "type": "text"}, {"name": "margin", "type": "number"}]}`)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", `{"permission_sets": [{"name": "deals", "objects": {"deal": {"read": true, "create": true}}, "fields": {"deal": {"title": {"read": true}}}}]}`)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", `{"roles": [{"name": "sales", "permission_sets": ["deals"]}]}`)
		_, token := e.AddUser("ada@example.com", "sales", password)
		seen := func() []string {
			r := e.DoAs(token, "GET", "/api/v1/objects/deal", nil)
			require.Equal(t, http.StatusOK, r.Status, r.String())
			return fieldsOf(t, r.JSON())
		}
		assert.Equal(t, []string{"title"}, seen())

		page := b.get("/admin/objects/deal/security")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, `name="r.deals.title" value="1" checked aria-label`)
		assert.Contains(t, page.Body, `name="r.deals.margin" value="1"  aria-label`)
		assert.Contains(t, page.Body, "Roles: sales")

		r := b.post("/admin/objects/deal/security", url.Values{"e.deals.margin": {"1"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, []string{"margin"}, seen(), "title hidden, margin readable")
		margin := fieldOf(t, e.DoAs(token, "GET", "/api/v1/objects/deal", nil).JSON(), "margin")
		assert.NotEqual(t, true, margin["read_only"], "edit granted")
		assert.Contains(t, b.get("/admin/objects/deal/security?saved=1").Body, `name="e.deals.margin" value="1" checked aria-label`)
	})
}

// TestAdminLayout: the layout form saves sections, refuses unknown fields
// with their path, and a new field joins the last section.
func TestAdminLayout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "fields": [{"name": "title", "type": "text"}, {"name": "notes", "type": "long_text"}]}`)
		page := b.get("/admin/objects/deal/layout")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, "title\nnotes")

		r := b.post("/admin/objects/deal/layout", url.Values{"sections": {"2"}, "label_en_0": {"Main"}, "columns_0": {"2"}, "fields_0": {"title"},
			"label_en_1": {"More"}, "columns_1": {"1"}, "fields_1": {"notes\n"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		model := jsonOf(t, e.MustDo(http.StatusOK, "GET", "/api/v1/metadata", nil)["model"])
		assert.Contains(t, model, `"layout":{"sections":[{"columns":2,"fields":["title"],"label":{"en":"Main"}},{"columns":1,"fields":["notes"],"label":{"en":"More"}}]}`)

		r = b.post("/admin/objects/deal/layout", url.Values{"sections": {"1"}, "fields_0": {"title\nghost"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>objects.deal.layout.sections.0.fields.1</code>")

		r = b.post("/admin/objects/deal/fields", url.Values{"name": {"due"}, "type": {"date"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		model = jsonOf(t, e.MustDo(http.StatusOK, "GET", "/api/v1/metadata", nil)["model"])
		assert.Contains(t, model, `"fields":["notes","due"]`)
	})
}

const adminProcess = `name: discount
object: quote
label: {en: Discount}
entry_criteria: amount > 100
steps:
  - name: manager
    approvers: [{manager: 1}]
  - name: finance
    criteria: amount > 10000
    approvers: [{role: admin}]
    mode: unanimous
    on_reject: previous
on_approve:
  - update: status := "Approved"
`

// TestAdminApprovalProcesses: the list and the diagram of a process's
// steps, activation toggled, the document edited with problems shown by
// path, and a new process created.
func TestAdminApprovalProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "quote", "fields": [{"name": "amount", "type": "number"}, {"name": "status", "type": "text"}]}`)
		e.MustDo(http.StatusCreated, "PUT", "/api/v1/approval-processes/discount", adminProcess, "Content-Type", "application/yaml")

		list := b.get("/admin/approvals")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		assert.Contains(t, list.Body, `href="/admin/approvals/discount"`)
		assert.Contains(t, list.Body, "Deactivate discount")

		page := b.get("/admin/approvals/discount")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, `class="flow"`)
		assert.Contains(t, page.Body, "amount &gt; 100")
		assert.Contains(t, page.Body, "manager, 1 level(s) up")
		assert.Contains(t, page.Body, "role admin")
		assert.Contains(t, page.Body, "unanimous")
		assert.Contains(t, page.Body, "previous")
		assert.Contains(t, page.Body, "amount &gt; 10000")
		assert.Contains(t, page.Body, `status := &#34;Approved&#34;`)
		assert.Less(t, strings.Index(page.Body, ">1. manager<"), strings.Index(page.Body, ">2. finance<"))

		r := b.post("/admin/approvals/discount/active", url.Values{"active": {"0"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		p := e.MustDo(http.StatusOK, "GET", "/api/v1/approval-processes/discount", nil)["approval_process"].(map[string]any)
		assert.Equal(t, false, p["active"])
		assert.Contains(t, b.get("/admin/approvals").Body, "Activate discount")
		r = b.post("/admin/approvals/discount/active", url.Values{"active": {"1"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		p = e.MustDo(http.StatusOK, "GET", "/api/v1/approval-processes/discount", nil)["approval_process"].(map[string]any)
		assert.Equal(t, true, p["active"])

		broken := strings.Replace(adminProcess, "mode: unanimous", "mode: sometimes", 1)
		r = b.post("/admin/approvals/discount", url.Values{"document": {broken}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>steps.1.mode</code>")
		assert.Contains(t, r.Body, "mode: sometimes", "the document is kept")
		r = b.post("/admin/approvals/discount", url.Values{"document": {strings.Replace(adminProcess, "role: admin", "role: nobody", 1)}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "nobody")
		r = b.post("/admin/approvals/discount", url.Values{"document": {strings.Replace(adminProcess, "amount > 100", "amount > 500", 1)}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		p = e.MustDo(http.StatusOK, "GET", "/api/v1/approval-processes/discount", nil)["approval_process"].(map[string]any)
		assert.Equal(t, "amount > 500", p["entry_criteria"])
		r = b.post("/admin/approvals/discount", url.Values{"document": {strings.Replace(adminProcess, "name: discount", "name: other", 1)}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "the name stays")

		assert.Equal(t, http.StatusOK, b.get("/admin/approvals/new").Status)
		r = b.post("/admin/approvals", url.Values{"document": {strings.Replace(adminProcess, "name: discount", "name: big_deals", 1)}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, "/admin/approvals/big_deals?saved=1", r.Location)
		e.MustDo(http.StatusOK, "GET", "/api/v1/approval-processes/big_deals", nil)
		r = b.post("/admin/approvals", url.Values{"document": {adminProcess}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "a new process does not replace one")
		assert.Contains(t, r.Body, "already exists")
	})
}

// TestAdminUsers: users are created, changed and deactivated from the
// users page; refusals show their field; roles are edited as a document.
func TestAdminUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		page := b.get("/admin/users")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, e.Admin.Email)

		r := b.post("/admin/users", url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "role": {"standard"}, "manager_id": {e.Admin.ID}, "password": {password}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Contains(t, b.get(r.Location).Body, "User ada@example.com created.")
		var ada map[string]any
		for _, u := range e.MustDo(http.StatusOK, "GET", "/api/v1/users", nil)["users"].([]any) {
			if u.(map[string]any)["email"] == "ada@example.com" {
				ada = u.(map[string]any)
			}
		}
		require.NotNil(t, ada)
		assert.Equal(t, "Ada", ada["name"])
		assert.Equal(t, e.Admin.ID, ada["manager_id"])
		assert.Equal(t, true, ada["has_password"])
		id := ada["id"].(string)

		r = b.post("/admin/users", url.Values{"email": {"ada@example.com"}, "role": {"standard"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>email</code>")
		r = b.post("/admin/users", url.Values{"email": {"bob@example.com"}, "role": {"wizard"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>role</code>")
		assert.Contains(t, r.Body, `value="bob@example.com"`, "the input is kept")

		r = b.post("/admin/users/roles", url.Values{"roles": {"roles:\n  - name: manager\n  - name: rep\n    parent: manager\n"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		roles := e.MustDo(http.StatusOK, "GET", "/api/v1/roles", nil)["roles"].([]any)
		assert.Len(t, roles, 2)
		r = b.post("/admin/users/roles", url.Values{"roles": {"roles:\n  - name: rep\n    parent: nowhere\n"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "<code>roles.")

		r = b.post("/admin/users/"+id, url.Values{"role": {"rep"}, "manager_id": {""}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		u := e.MustDo(http.StatusOK, "GET", "/api/v1/users/"+id, nil)
		assert.Equal(t, "rep", u["role"])
		assert.Nil(t, u["manager_id"])

		r = b.post("/admin/users/"+id+"/active", url.Values{"active": {"0"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, false, e.MustDo(http.StatusOK, "GET", "/api/v1/users/"+id, nil)["active"])
		assert.Contains(t, b.get("/admin/users").Body, "Reactivate ada@example.com")
		r = b.post("/admin/users/"+e.Admin.ID+"/active", url.Values{"active": {"0"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "the last administrator stays")
		assert.Contains(t, r.Body, "administrator")
	})
}

// TestAdminBundles: the catalog lists the built-in CRM; installing it
// shows the plan first and changes nothing until confirmed; uninstalling
// asks to confirm the loss of data.
func TestAdminBundles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		list := b.get("/admin/bundles")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		assert.Contains(t, list.Body, `href="/admin/bundles/crm/install"`)

		plan := b.get("/admin/bundles/crm/install")
		require.Equal(t, http.StatusOK, plan.Status, plan.Body)
		assert.Contains(t, plan.Body, "crm 1.0.0")
		assert.Contains(t, plan.Body, "add object crm__lead")
		assert.Contains(t, plan.Body, `action="/admin/bundles/crm/install"`)
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/crm__lead", nil).Status, "the plan changes nothing")

		r := b.post("/admin/bundles/crm/install", nil)
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		e.MustDo(http.StatusOK, "GET", "/api/v1/objects/crm__lead", nil)
		list = b.get(r.Location)
		assert.Contains(t, list.Body, "Done: Install crm")
		assert.Contains(t, list.Body, `href="/admin/bundles/crm/uninstall"`)
		assert.NotContains(t, list.Body, `href="/admin/bundles/crm/install"`)

		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/crm__lead/records", `{"last_name": "Li", "company": "Acme Trading", "email": "li@example.com"}`)
		plan = b.get("/admin/bundles/crm/uninstall")
		require.Equal(t, http.StatusOK, plan.Status, plan.Body)
		assert.Contains(t, plan.Body, "Data would be lost:")
		assert.Contains(t, plan.Body, `name="confirm"`)
		r = b.post("/admin/bundles/crm/uninstall", nil)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "not without the confirmation")
		e.MustDo(http.StatusOK, "GET", "/api/v1/objects/crm__lead", nil)
		r = b.post("/admin/bundles/crm/uninstall", url.Values{"confirm": {"1"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/crm__lead", nil).Status)

		assert.Equal(t, http.StatusNotFound, b.get("/admin/bundles/crm/explode").Status)
	})
}

// TestAdminPagesInChinese: the setup pages speak Chinese.
func TestAdminPagesInChinese(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := adminUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "fields": [{"name": "title", "type": "text"}]}`)
		b.lang = "zh-CN"
		for p, want := range map[string]string{"/admin": "对象管理器", "/admin/objects": "新建对象", "/admin/objects/deal": "添加字段",
			"/admin/objects/deal/security": "字段级安全", "/admin/objects/deal/layout": "布局", "/admin/approvals": "新建审批流程",
			"/admin/users": "新建用户", "/admin/bundles": "安装 crm"} {
			r := b.get(p)
			require.Equal(t, http.StatusOK, r.Status, p+": "+r.Body)
			assert.Contains(t, r.Body, want, p)
			assert.NotRegexp(t, `[^/]admin\.[a-z]`, r.Body, p+": a key without a message")
		}
	})
}
