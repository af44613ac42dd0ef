package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestDescribe reads the objects and one object's fields, types and
// picklist values, in the default language and in Chinese.
func TestDescribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)

		r := e.Do("GET", "/api/v1/objects", nil)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		list := r.JSON()
		assert.Equal(t, "2", num(t, list["revision"]))
		objs := list["objects"].([]any)
		require.Len(t, objs, 2)
		assert.Equal(t, "account", objs[0].(map[string]any)["name"])
		deal := objs[1].(map[string]any)
		assert.Equal(t, "deal", deal["name"])
		assert.Equal(t, "Deal", deal["label"])
		assert.NotEmpty(t, deal["id"])
		assert.NotContains(t, deal, "fields", "the list does not describe fields")
		assert.Equal(t, "en", r.Header.Get("Content-Language"))

		zh := e.MustDo(http.StatusOK, "GET", "/api/v1/objects", nil, "Accept-Language", "zh-CN")
		assert.Equal(t, "交易", zh["objects"].([]any)[1].(map[string]any)["label"])
		assert.Equal(t, "Account", zh["objects"].([]any)[0].(map[string]any)["label"], "no translation falls back to the default")

		r = e.Do("GET", "/api/v1/objects/deal", nil)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		desc := r.JSON()
		assert.Equal(t, "deal", desc["name"])
		assert.Equal(t, "Deal", desc["label"])
		assert.Equal(t, "title", desc["name_field"])
		assert.ElementsMatch(t, []any{"id", "created_at", "created_by", "updated_at", "updated_by", "owner_id", "version", "record_type"}, desc["system_fields"])
		types := map[string]string{}
		for _, f := range desc["fields"].([]any) {
			m := f.(map[string]any)
			types[m["name"].(string)] = m["type"].(string)
			assert.NotEmpty(t, m["id"], "field %s has a stable id", m["name"])
			assert.NotNil(t, m["schema"], "field %s has a JSON schema", m["name"])
		}
		assert.Equal(t, map[string]string{
			"number": "auto_number", "title": "text", "notes": "long_text", "email": "email", "phone": "phone", "site": "url",
			"ref": "external_id", "code": "text", "amount": "currency", "qty": "number", "rate": "percent", "won": "boolean",
			"close": "date", "remind": "datetime", "stage": "picklist", "tags": "multi_picklist", "account": "lookup",
		}, types)
		title := field(t, desc, "title")
		assert.Equal(t, true, title["required"])
		assert.Equal(t, "40", num(t, title["settings"].(map[string]any)["max_length"]))
		assert.Equal(t, true, field(t, desc, "number")["read_only"])
		assert.Equal(t, true, field(t, desc, "ref")["unique"])
		assert.Equal(t, true, field(t, desc, "code")["unique"])
		assert.Equal(t, false, field(t, desc, "notes")["unique"])
		amount := field(t, desc, "amount")
		assert.Equal(t, "12", num(t, amount["settings"].(map[string]any)["precision"]))
		assert.Equal(t, "2", num(t, amount["settings"].(map[string]any)["scale"]))
		assert.Equal(t, "account", field(t, desc, "account")["settings"].(map[string]any)["target"])
		stage := field(t, desc, "stage")
		assert.Equal(t, []any{
			map[string]any{"value": "open", "label": "Open", "active": true, "default": true},
			map[string]any{"value": "won", "label": "Won", "active": true},
			map[string]any{"value": "lost", "label": "Lost", "active": false},
		}, stage["values"])
		assert.NotContains(t, stage, "settings", "picklist values are answered as values, not settings")
		tags := field(t, desc, "tags")
		assert.Equal(t, "Hot", tags["values"].([]any)[0].(map[string]any)["label"], "a value without a label is labelled after it")

		r = e.Do("GET", "/api/v1/objects/deal", nil, "Accept-Language", "zh-CN")
		require.Equal(t, http.StatusOK, r.Status, r.String())
		assert.Equal(t, "zh-CN", r.Header.Get("Content-Language"))
		zhDesc := r.JSON()
		assert.Equal(t, "交易", zhDesc["label"])
		zhStage := field(t, zhDesc, "stage")["values"].([]any)
		assert.Equal(t, "进行中", zhStage[0].(map[string]any)["label"])
		assert.Equal(t, "赢单", zhStage[1].(map[string]any)["label"])
		assert.Equal(t, "Lost", zhStage[2].(map[string]any)["label"], "no translation falls back to the default")

		// A base language matches a regional translation; weights are honoured.
		assert.Equal(t, "交易", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil, "Accept-Language", "zh")["label"])
		assert.Equal(t, "交易", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil, "Accept-Language", "fr;q=0.5, zh-CN;q=0.9")["label"])
		assert.Equal(t, "Deal", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal", nil, "Accept-Language", "fr")["label"])

		r = e.Do("GET", "/api/v1/objects/nope", nil)
		p := wantProblem(t, r, http.StatusNotFound, "unknown_object")
		assert.Contains(t, p.Detail, `"nope"`)
	})
}

// TestMetadataCreateObjectRefusals sends object documents that must be
// refused and checks that none of them changes the metadata.
func TestMetadataCreateObjectRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		before := revision(t, e)
		objectsBefore := e.MustDo(http.StatusOK, "GET", "/api/v1/objects", nil)

		obj := func(name string, fields string) string {
			return `{"name": ` + name + `, "fields": [` + fields + `]}`
		}
		caret := func(field string) func(t *testing.T, r *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				code, msg := problemOf(t, r).errorOf(t, field)
				assert.Equal(t, "invalid_expression", code)
				assert.Regexp(t, `\(1:\d+\)\n \| .*\n \| \.*\^`, msg, "a located message with a caret")
			}
		}
		runAll(t, e, []scenario{
			{name: "duplicate object", method: "POST", path: "/api/v1/objects", body: obj(`"deal"`, `{"name": "x", "type": "text"}`),
				status: 422, code: "invalid_metadata", fields: []string{"objects.deal.name"}, contains: []string{"duplicate"}},
			{name: "reserved object name", method: "POST", path: "/api/v1/objects", body: obj(`"select"`, ``),
				status: 422, code: "invalid_metadata", fields: []string{"objects.select.name"}, contains: []string{"reserved_name"}},
			{name: "reserved API word", method: "POST", path: "/api/v1/objects", body: obj(`"records"`, ``),
				status: 422, code: "invalid_metadata", contains: []string{"reserved_name"}},
			{name: "hostile object name", method: "POST", path: "/api/v1/objects", body: obj(`"x\"; drop table t_acme__deal; --"`, ``),
				status: 422, code: "invalid_metadata", fields: []string{"name"}},
			{name: "upper-case object name", method: "POST", path: "/api/v1/objects", body: obj(`"Invoice"`, ``),
				status: 422, code: "invalid_metadata", fields: []string{"name"}},
			{name: "object name too long", method: "POST", path: "/api/v1/objects", body: obj(`"`+strings.Repeat("a", 41)+`"`, ``),
				status: 422, code: "invalid_metadata", fields: []string{"name"}},
			{name: "object name missing", method: "POST", path: "/api/v1/objects", body: `{"fields": []}`,
				status: 422, code: "invalid_metadata"},
			{name: "reserved field name", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "version", "type": "text"}`),
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.fields.version.name"}},
			{name: "hostile field name", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "a\" text); drop table x; --", "type": "text"}`),
				status: 422, code: "invalid_metadata", fields: []string{"fields.0.name"}},
			{name: "field name too long", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "`+strings.Repeat("f", 51)+`", "type": "text"}`),
				status: 422, code: "invalid_metadata", fields: []string{"fields.0.name"}},
			{name: "field defined twice", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "a", "type": "text"}, {"name": "a", "type": "number"}`),
				status: 422, code: "invalid_metadata", contains: []string{"duplicate"}},
			{name: "unknown field type", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "a", "type": "blob"}`),
				status: 422, code: "invalid_metadata", fields: []string{"fields.0.type"}},
			{name: "setting of another type", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "a", "type": "boolean", "settings": {"max_length": 3}}`),
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.fields.a.settings.max_length"}},
			{name: "lookup to a missing object", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "owner", "type": "lookup", "settings": {"target": "person"}}`),
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.fields.owner.settings.target"}, contains: []string{"unknown_target"}},
			{name: "default that does not compile", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "qty", "type": "number", "default": "1 +"}`),
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.fields.qty.default"}, check: caret("objects.thing.fields.qty.default")},
			{name: "default with an unknown name", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "due", "type": "date", "default": "$tomorow"}`),
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.fields.due.default"}, check: caret("objects.thing.fields.due.default")},
			{name: "default of the wrong type", method: "POST", path: "/api/v1/objects", body: obj(`"thing"`, `{"name": "qty", "type": "number", "default": "\"many\""}`),
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.fields.qty.default"}},
			{name: "every problem at once", method: "POST", path: "/api/v1/objects",
				body:   obj(`"thing"`, `{"name": "qty", "type": "number", "default": "1 +"}, {"name": "owner", "type": "lookup", "settings": {"target": "person"}}, {"name": "select", "type": "text"}`),
				status: 422, code: "invalid_metadata",
				fields: []string{"objects.thing.fields.qty.default", "objects.thing.fields.owner.settings.target", "objects.thing.fields.select.name"}},
			{name: "NUL in a label", method: "POST", path: "/api/v1/objects", body: `{"name": "thing", "label": {"en": "a\u0000b"}, "fields": []}`,
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.label.en"}, onlyFields: true},
			{name: "NUL in a picklist value", method: "POST", path: "/api/v1/objects",
				body:   obj(`"thing"`, `{"name": "s", "type": "picklist", "settings": {"values": [{"value": "ok"}, {"value": "a\u0000"}]}}`),
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.fields.s.settings.values.1.value"}},
			{name: "NUL in YAML", method: "POST", path: "/api/v1/objects", body: "name: thing\nlabel: \"a\\0b\"\nfields: []\n", headers: []string{"Content-Type", "application/yaml"},
				status: 422, code: "invalid_metadata", fields: []string{"objects.thing.label.en"}},
			{name: "unknown member", method: "POST", path: "/api/v1/objects", body: `{"name": "thing", "colour": "red", "fields": []}`,
				status: 422, code: "invalid_metadata"},
			{name: "malformed JSON", method: "POST", path: "/api/v1/objects", body: `{"name": "thing",`,
				status: 400, code: "malformed_json"},
			{name: "empty body", method: "POST", path: "/api/v1/objects", body: ``,
				status: 400, code: "malformed_json"},
			{name: "malformed YAML", method: "POST", path: "/api/v1/objects", body: "name: thing\nfields: [\n", headers: []string{"Content-Type", "application/yaml"},
				status: 422, code: "invalid_metadata"},
		})

		assert.Equal(t, before, revision(t, e), "no refused change makes a revision")
		assert.Equal(t, objectsBefore, e.MustDo(http.StatusOK, "GET", "/api/v1/objects", nil))
	})
}

// TestMetadataLifecycle changes objects and fields of a tenant that has
// records, and checks both the refusals that protect data and the changes
// that keep it.
func TestMetadataLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		changes := 0

		// Create objects from JSON and from YAML.
		r := e.Do("POST", "/api/v1/objects", accountDoc)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		changes++
		res := r.JSON()
		assert.Equal(t, "1", num(t, res["revision"]))
		assert.Equal(t, []any{"create object account"}, res["changes"])
		assert.Equal(t, false, res["dry_run"])
		assert.Equal(t, "account", res["object"].(map[string]any)["name"])

		yamlDoc := `
name: ticket
label:
  en: Ticket
  zh-CN: 工单
name_field: subject
fields:
  - name: subject
    type: text
    required: true
    settings:
      max_length: 80
  - name: priority
    type: picklist
    settings:
      values:
        - {value: low, default: true}
        - {value: high}
        - {value: urgent}
  - name: cost
    type: currency
    settings: {precision: 12, scale: 2}
  - name: account
    type: lookup
    settings: {target: account}
  - name: code
    type: text
`
		r = e.Do("POST", "/api/v1/objects", yamlDoc, "Content-Type", "application/yaml")
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		changes++
		assert.Equal(t, "工单", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/ticket", nil, "Accept-Language", "zh-CN")["label"])

		acc := create(t, e, "account", `{"name": "Acme"}`)["id"].(string)
		t1 := create(t, e, "ticket", map[string]any{"subject": "Printer on fire", "priority": "urgent", "cost": "1234.56", "account": acc, "code": "A"})["id"].(string)
		t2 := create(t, e, "ticket", map[string]any{"subject": "Paper jam", "cost": "0.10", "code": "A"})["id"].(string)

		// Dry runs answer the plan and change nothing.
		rev := revision(t, e)
		res = e.MustDo(http.StatusOK, "POST", "/api/v1/objects/ticket/fields?dry_run=true", `{"name": "region", "type": "text"}`)
		assert.Equal(t, true, res["dry_run"])
		assert.Equal(t, []any{"add field ticket.region (text)"}, res["changes"])
		res = e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/ticket?dry_run=true&confirm=true", nil)
		assert.Equal(t, true, res["dry_run"])
		assert.Contains(t, res["changes"], "delete object ticket and its records")
		res = e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/fields/subject?dry_run=true", `{"name": "title"}`)
		assert.Equal(t, []any{"rename field ticket.subject to title"}, res["changes"])
		wantProblem(t, e.Do("DELETE", "/api/v1/objects/ticket?dry_run=true", nil), http.StatusConflict, "data_loss")
		assert.Equal(t, rev, revision(t, e))
		desc := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/ticket", nil)
		assert.Len(t, desc["fields"], 5)
		field(t, desc, "subject")
		assert.Equal(t, 2, count(t, e, "ticket"))

		// Adding fields: optional; required with a default fills existing
		// records; required without one is refused while records exist.
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/ticket/fields", `{"name": "region", "type": "text"}`)
		changes++
		assert.Nil(t, get(t, e, "ticket", t1)["region"])
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/ticket/fields", "name: channel\ntype: text\nrequired: true\ndefault: '\"email\"'\n", "Content-Type", "application/yaml")
		changes++
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/ticket/fields", `{"name": "opened", "type": "date", "required": true, "default": "$today"}`)
		changes++
		for _, id := range []string{t1, t2} {
			rec := get(t, e, "ticket", id)
			assert.Equal(t, "email", rec["channel"], "existing records are filled from the default")
			assert.NotNil(t, rec["opened"])
		}
		assert.Equal(t, "email", create(t, e, "ticket", `{"subject": "new"}`)["channel"])
		t3 := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/ticket/records?filter=subject+%3D%3D+%22new%22", nil)["records"].([]any)[0].(map[string]any)["id"].(string)

		rev = revision(t, e)
		runAll(t, e, []scenario{
			{name: "required field without a default on records", method: "POST", path: "/api/v1/objects/ticket/fields", body: `{"name": "owner", "type": "text", "required": true}`,
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.owner"}, onlyFields: true, contains: []string{"3 records"}},
			{name: "field that exists", method: "POST", path: "/api/v1/objects/ticket/fields", body: `{"name": "region", "type": "text"}`,
				status: 422, code: "invalid_metadata", contains: []string{"duplicate"}},
			{name: "field with a reserved name", method: "POST", path: "/api/v1/objects/ticket/fields", body: `{"name": "created_at", "type": "datetime"}`,
				status: 422, code: "invalid_metadata", contains: []string{"reserved_name"}},
			{name: "field of an unknown type", method: "POST", path: "/api/v1/objects/ticket/fields", body: `{"name": "blob", "type": "binary"}`,
				status: 422, code: "invalid_metadata", fields: []string{"type"}},
			{name: "field with a bad default", method: "POST", path: "/api/v1/objects/ticket/fields", body: `{"name": "n", "type": "number", "default": "(1"}`,
				status: 422, code: "invalid_metadata", fields: []string{"objects.ticket.fields.n.default"}},
			{name: "field on an unknown object", method: "POST", path: "/api/v1/objects/nope/fields", body: `{"name": "x", "type": "text"}`,
				status: 404, code: "unknown_object"},
			{name: "text narrowed below existing data", method: "PATCH", path: "/api/v1/objects/ticket/fields/subject", body: `{"settings": {"max_length": 5}}`,
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.subject"}, onlyFields: true},
			{name: "scale reduced below existing data", method: "PATCH", path: "/api/v1/objects/ticket/fields/cost", body: `{"settings": {"precision": 12, "scale": 1}}`,
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.cost"}},
			{name: "precision reduced below existing data", method: "PATCH", path: "/api/v1/objects/ticket/fields/cost", body: `{"settings": {"precision": 4, "scale": 2}}`,
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.cost"}},
			{name: "picklist value removed while in use", method: "PATCH", path: "/api/v1/objects/ticket/fields/priority",
				body:   `{"settings": {"values": [{"value": "low", "default": true}, {"value": "high"}]}}`,
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.priority"}, contains: []string{"urgent"}},
			{name: "unique on duplicated data", method: "PATCH", path: "/api/v1/objects/ticket/fields/code", body: `{"unique": true}`,
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.code"}},
			{name: "type change of an empty field", method: "PATCH", path: "/api/v1/objects/ticket/fields/region", body: `{"type": "number"}`,
				status: 200},
			{name: "type change of a field with data", method: "PATCH", path: "/api/v1/objects/ticket/fields/code", body: `{"type": "number"}`,
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.code"}},
			{name: "field becomes required while empty somewhere", method: "PATCH", path: "/api/v1/objects/ticket/fields/cost", body: `{"required": true}`,
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.cost"}},
			{name: "field id changed", method: "PATCH", path: "/api/v1/objects/ticket/fields/subject", body: `{"id": "x"}`,
				status: 422, code: "invalid_metadata", fields: []string{"id"}},
			{name: "field renamed to a reserved word", method: "PATCH", path: "/api/v1/objects/ticket/fields/subject", body: `{"name": "select"}`,
				status: 422, code: "invalid_metadata"},
			{name: "field patch with a bad setting", method: "PATCH", path: "/api/v1/objects/ticket/fields/subject", body: `{"settings": {"max_length": -1}}`,
				status: 422, code: "invalid_metadata"},
			{name: "unknown field", method: "PATCH", path: "/api/v1/objects/ticket/fields/nope", body: `{"required": true}`,
				status: 404, code: "unknown_field"},
			{name: "field patch malformed", method: "PATCH", path: "/api/v1/objects/ticket/fields/subject", body: `{"required":`,
				status: 400, code: "malformed_json"},
			{name: "delete field with data", method: "DELETE", path: "/api/v1/objects/ticket/fields/cost",
				status: 409, code: "data_loss", fields: []string{"objects.ticket.fields.cost"}, contains: []string{"confirm"}},
			{name: "delete unknown field", method: "DELETE", path: "/api/v1/objects/ticket/fields/nope",
				status: 404, code: "unknown_field"},
			{name: "delete object with records", method: "DELETE", path: "/api/v1/objects/ticket",
				status: 409, code: "data_loss", fields: []string{"objects.ticket"}, contains: []string{"3 records"}},
			{name: "delete object a lookup points at", method: "DELETE", path: "/api/v1/objects/account?confirm=true",
				status: 409, code: "referenced", fields: []string{"objects.ticket.fields.account"}},
			{name: "delete unknown object", method: "DELETE", path: "/api/v1/objects/nope",
				status: 404, code: "unknown_object"},
			{name: "rename object to one that exists", method: "PATCH", path: "/api/v1/objects/ticket", body: `{"name": "account"}`,
				status: 422, code: "invalid_metadata", contains: []string{"duplicate"}},
			{name: "rename object to a bad name", method: "PATCH", path: "/api/v1/objects/ticket", body: `{"name": "Tickets!"}`,
				status: 422, code: "invalid_metadata"},
			{name: "object label with NUL", method: "PATCH", path: "/api/v1/objects/ticket", body: `{"label": "a\u0000"}`,
				status: 422, code: "invalid_metadata", fields: []string{"objects.ticket.label.en"}},
			{name: "field help text with NUL", method: "PATCH", path: "/api/v1/objects/ticket/fields/subject", body: `{"help_text": {"zh-CN": "\u0000"}}`,
				status: 422, code: "invalid_metadata", fields: []string{"objects.ticket.fields.subject.help_text.zh-CN"}},
			{name: "object patch with an unknown member", method: "PATCH", path: "/api/v1/objects/ticket", body: `{"colour": "red"}`,
				status: 422, code: "invalid_metadata"},
			{name: "patch unknown object", method: "PATCH", path: "/api/v1/objects/nope", body: `{"label": "x"}`,
				status: 404, code: "unknown_object"},
			{name: "name field that is not a field", method: "PATCH", path: "/api/v1/objects/ticket", body: `{"name_field": "nope"}`,
				status: 422, code: "invalid_metadata", fields: []string{"objects.ticket.name_field"}},
		})
		changes++ // region became a number while empty
		assert.Equal(t, rev+1, revision(t, e), "only the one allowed change made a revision")
		desc = e.MustDo(http.StatusOK, "GET", "/api/v1/objects/ticket", nil)
		assert.Equal(t, "80", num(t, field(t, desc, "subject")["settings"].(map[string]any)["max_length"]), "a refused change changes nothing")
		assert.Len(t, field(t, desc, "priority")["values"], 3)
		assert.Equal(t, false, field(t, desc, "code")["unique"])
		assert.Equal(t, "number", field(t, desc, "region")["type"])
		assert.Equal(t, 3, count(t, e, "ticket"))
		assert.Equal(t, "Printer on fire", get(t, e, "ticket", t1)["subject"])

		// Changes that keep data.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/fields/cost", `{"settings": {"precision": 14, "scale": 4}}`)
		changes++
		assert.Equal(t, "1234.5600", num(t, get(t, e, "ticket", t1)["cost"]), "a wider scale keeps the value exact")
		assert.Equal(t, "0.1000", num(t, get(t, e, "ticket", t2)["cost"]))
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/fields/cost", `{"settings": {"precision": 12, "scale": 2}}`)
		changes++
		assert.Equal(t, "1234.56", num(t, get(t, e, "ticket", t1)["cost"]), "a narrower scale that the values fit keeps them exact")
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/records/"+t2, `{"cost": "9999999999.99"}`)
		assert.Equal(t, "9999999999.99", num(t, get(t, e, "ticket", t2)["cost"]))

		res = e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/fields/subject", `{"name": "title", "label": "Title"}`)
		changes++
		assert.Equal(t, "title", res["object"].(map[string]any)["name_field"], "the name field follows a rename")
		rec := get(t, e, "ticket", t1)
		assert.Equal(t, "Printer on fire", rec["title"], "a renamed field keeps its data")
		assert.NotContains(t, rec, "subject")
		wantProblem(t, e.Do("POST", "/api/v1/objects/ticket/records", `{"subject": "x"}`), 422, "validation_failed")

		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/fields/priority",
			`{"settings": {"values": [{"value": "low", "default": true}, {"value": "high", "active": false}, {"value": "urgent", "label": "Urgent!"}]}}`)
		changes++
		assert.Equal(t, "urgent", get(t, e, "ticket", t1)["priority"])
		wantProblem(t, e.Do("POST", "/api/v1/objects/ticket/records", `{"title": "x", "priority": "high"}`), 422, "validation_failed")
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/fields/priority",
			`{"settings": {"values": [{"value": "low", "default": true}, {"value": "urgent"}]}}`)
		changes++

		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/records/"+t2, `{"code": "B"}`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket/fields/code", `{"unique": true}`)
		changes++
		r = e.Do("PATCH", "/api/v1/objects/ticket/records/"+t3, `{"code": "A"}`)
		p := wantProblem(t, r, http.StatusConflict, "conflict")
		assert.Equal(t, []string{"code"}, p.fields())

		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/ticket/fields/region", nil)
		changes++
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/ticket/fields/cost?confirm=true", nil)
		changes++
		assert.NotContains(t, get(t, e, "ticket", t1), "cost")
		wantProblem(t, e.Do("POST", "/api/v1/objects/ticket/records", `{"title": "x", "cost": 1}`), 422, "validation_failed")

		// Renaming an object keeps its records, and lookups follow it.
		res = e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/ticket", `{"name": "incident", "label": {"en": "Case", "zh-CN": "个案"}}`)
		changes++
		assert.Equal(t, "incident", res["object"].(map[string]any)["name"])
		wantProblem(t, e.Do("GET", "/api/v1/objects/ticket/records/"+t1, nil), http.StatusNotFound, "unknown_object")
		rec = get(t, e, "incident", t1)
		assert.Equal(t, "Printer on fire", rec["title"])
		assert.Equal(t, acc, rec["account"])
		assert.Equal(t, 3, count(t, e, "incident"))
		assert.Equal(t, "个案", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/incident", nil, "Accept-Language", "zh-CN")["label"])
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/account", `{"name": "customer"}`)
		changes++
		assert.Equal(t, "customer", field(t, e.MustDo(http.StatusOK, "GET", "/api/v1/objects/incident", nil), "account")["settings"].(map[string]any)["target"])
		assert.Equal(t, "Acme", get(t, e, "customer", acc)["name"])
		wantProblem(t, e.Do("DELETE", "/api/v1/objects/customer/records/"+acc, nil), http.StatusConflict, "referenced")
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/incident/records", map[string]any{"title": "linked", "account": acc})

		// Deleting an object: refused with records unless confirmed.
		wantProblem(t, e.Do("DELETE", "/api/v1/objects/incident", nil), http.StatusConflict, "data_loss")
		res = e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/incident?confirm=true", nil)
		changes++
		assert.NotContains(t, res, "object")
		wantProblem(t, e.Do("GET", "/api/v1/objects/incident", nil), http.StatusNotFound, "unknown_object")
		wantProblem(t, e.Do("GET", "/api/v1/objects/incident/records", nil), http.StatusNotFound, "unknown_object")
		// Nothing points at customer any more; an empty object goes without confirming.
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "empty", "fields": [{"name": "x", "type": "text"}]}`)
		changes++
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/empty", nil)
		changes++
		// A recreated object starts empty.
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "incident", "fields": [{"name": "title", "type": "text"}]}`)
		changes++
		assert.Equal(t, 0, count(t, e, "incident"))

		// One revision per change, newest first.
		m := e.MustDo(http.StatusOK, "GET", "/api/v1/metadata", nil)
		assert.Equal(t, num(t, m["revision"]), itoa(changes))
		model := m["model"].(map[string]any)
		var objNames []string
		for _, o := range model["objects"].([]any) {
			objNames = append(objNames, o.(map[string]any)["name"].(string))
		}
		assert.ElementsMatch(t, []string{"customer", "incident"}, objNames)

		revs := e.MustDo(http.StatusOK, "GET", "/api/v1/metadata/revisions", nil)["revisions"].([]any)
		require.Len(t, revs, changes)
		for i, x := range revs {
			r := x.(map[string]any)
			assert.Equal(t, itoa(changes-i), num(t, r["revision"]), "newest first")
			assert.NotEmpty(t, r["summary"])
			assert.NotEmpty(t, r["created_at"])
			assert.NotEmpty(t, r["created_by"])
		}
		assert.Equal(t, "create object incident", revs[0].(map[string]any)["summary"])
		assert.Equal(t, "create object account", revs[changes-1].(map[string]any)["summary"])
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
