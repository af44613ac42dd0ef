package api_test

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

// accountDoc is the target of the deal's lookup.
const accountDoc = `{
  "name": "account",
  "label": "Account",
  "name_field": "name",
  "fields": [
    {"name": "name", "type": "text", "required": true},
    {"name": "code", "type": "external_id"}
  ]
}`

// dealDoc is an object with a field of every type.
const dealDoc = `{
  "name": "deal",
  "label": {"en": "Deal", "zh-CN": "交易"},
  "name_field": "title",
  "fields": [
    {"name": "number", "type": "auto_number", "settings": {"format": "D-{0000}"}},
    {"name": "title", "type": "text", "required": true, "settings": {"max_length": 40}},
    {"name": "notes", "type": "long_text"},
    {"name": "email", "type": "email"},
    {"name": "phone", "type": "phone"},
    {"name": "site", "type": "url"},
    {"name": "ref", "type": "external_id"},
    {"name": "code", "type": "text", "unique": true},
    {"name": "amount", "type": "currency", "settings": {"precision": 12, "scale": 2}},
    {"name": "qty", "type": "number", "settings": {"precision": 10}},
    {"name": "rate", "type": "percent"},
    {"name": "won", "type": "boolean"},
    {"name": "close", "type": "date"},
    {"name": "remind", "type": "datetime"},
    {"name": "stage", "type": "picklist", "settings": {"values": [
      {"value": "open", "label": {"en": "Open", "zh-CN": "进行中"}, "default": true},
      {"value": "won", "label": {"en": "Won", "zh-CN": "赢单"}},
      {"value": "lost", "label": "Lost", "active": false}]}},
    {"name": "tags", "type": "multi_picklist", "settings": {"values": [
      {"value": "hot"}, {"value": "cold"}, {"value": "vip"}]}},
    {"name": "account", "type": "lookup", "settings": {"target": "account"}}
  ]
}`

// dealEnv defines account and deal in a new tenant.
func dealEnv(t *testing.T, db store.DB) *apitest.Env {
	t.Helper()
	e := apitest.New(t, db, "acme")
	mustDefine(t, e, accountDoc, dealDoc)
	return e
}

// fullDeal is a deal with a value in every writable field.
func fullDeal(account string) map[string]any {
	return map[string]any{
		"title":   "Big deal",
		"notes":   "line one\nline two — 中文",
		"email":   "buyer@example.com",
		"phone":   "+86 21 5555-0100",
		"site":    "https://example.com/deal",
		"ref":     "ERP-1",
		"code":    "C-1",
		"amount":  json.Number("1234.50"),
		"qty":     json.Number("42"),
		"rate":    json.Number("12.5"),
		"won":     true,
		"close":   "2026-12-31",
		"remind":  "2026-03-01T08:30:00+08:00",
		"stage":   "won",
		"tags":    []any{"vip", "hot"},
		"account": account,
	}
}

// TestRecordCreateReadUpdateDelete walks one record through its life: the
// headers, the shape of every field type, partial and conditional updates,
// and deletion.
func TestRecordCreateReadUpdateDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		acc := create(t, e, "account", `{"name": "Acme"}`)

		r := e.Do("POST", "/api/v1/objects/deal/records", fullDeal(acc["id"].(string)))
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		rec := r.JSON()
		id := rec["id"].(string)
		assert.Equal(t, "/api/v1/objects/deal/records/"+id, r.Header.Get("Location"))
		assert.Equal(t, `"1"`, r.Header.Get("ETag"))
		assert.Equal(t, "1", num(t, rec["version"]))
		assert.Equal(t, "D-0001", rec["number"])
		assert.Equal(t, "Big deal", rec["title"])
		assert.Equal(t, "line one\nline two — 中文", rec["notes"])
		assert.Equal(t, "1234.50", num(t, rec["amount"]))
		assert.Equal(t, "42", num(t, rec["qty"]))
		assert.Equal(t, "12.50", num(t, rec["rate"]))
		assert.Equal(t, true, rec["won"])
		assert.Equal(t, "2026-12-31", rec["close"])
		assert.Equal(t, "2026-03-01T00:30:00.000000Z", rec["remind"])
		assert.Equal(t, "won", rec["stage"])
		assert.ElementsMatch(t, []any{"vip", "hot"}, rec["tags"])
		assert.Equal(t, acc["id"], rec["account"])
		for _, sys := range []string{"created_at", "updated_at", "created_by", "updated_by", "owner_id"} {
			assert.NotNil(t, rec[sys], sys)
		}

		// A read answers the same record with its ETag.
		g := e.Do("GET", "/api/v1/objects/deal/records/"+id, nil)
		require.Equal(t, http.StatusOK, g.Status, g.String())
		assert.Equal(t, `"1"`, g.Header.Get("ETag"))
		assert.Equal(t, rec, g.JSON())
		// The id is case-insensitive.
		assert.Equal(t, rec, get(t, e, "deal", strings.ToUpper(id)))

		// ?fields= limits the answer; id and version always come.
		some := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal/records/"+id+"?fields=title,amount", nil)
		assert.Len(t, some, 4, some)
		assert.Equal(t, "Big deal", some["title"])
		assert.Equal(t, "1234.50", num(t, some["amount"]))
		assert.Equal(t, id, some["id"])
		assert.Equal(t, "1", num(t, some["version"]))

		// A partial update with If-Match changes only what it names.
		p := e.Do("PATCH", "/api/v1/objects/deal/records/"+id, `{"title": "Bigger deal", "notes": null}`, "If-Match", `"1"`)
		require.Equal(t, http.StatusOK, p.Status, p.String())
		assert.Equal(t, `"2"`, p.Header.Get("ETag"))
		upd := p.JSON()
		assert.Equal(t, "Bigger deal", upd["title"])
		assert.Nil(t, upd["notes"])
		assert.Equal(t, "1234.50", num(t, upd["amount"]))
		assert.Equal(t, rec["created_at"], upd["created_at"])
		assert.Equal(t, "D-0001", upd["number"])

		// The version may come in the body instead; a weak ETag is accepted.
		upd = e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal/records/"+id, `{"amount": 99.9, "version": 2}`)
		assert.Equal(t, "99.90", num(t, upd["amount"]))
		assert.Equal(t, "3", num(t, upd["version"]))
		upd = e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal/records/"+id, `{"qty": 7}`, "If-Match", `W/"3"`)
		assert.Equal(t, "4", num(t, upd["version"]))

		// Without a version an update is unconditional.
		upd = e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal/records/"+id, `{"won": false}`)
		assert.Equal(t, "5", num(t, upd["version"]))
		assert.Equal(t, false, upd["won"])

		// A stale version is refused and changes nothing.
		runAll(t, e, []scenario{
			{name: "stale If-Match", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"title": "lost update"}`,
				headers: []string{"If-Match", `"1"`}, status: http.StatusPreconditionFailed, code: "stale_version"},
			{name: "stale body version", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"title": "lost update", "version": 4}`,
				status: http.StatusPreconditionFailed, code: "stale_version"},
			{name: "If-Match is not an ETag", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"title": "x"}`,
				headers: []string{"If-Match", "yesterday"}, status: http.StatusBadRequest, code: "bad_request"},
			{name: "version is not a number", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"title": "x", "version": "5"}`,
				status: http.StatusUnprocessableEntity, code: "validation_failed"},
			{name: "stale delete", method: "DELETE", path: "/api/v1/objects/deal/records/" + id,
				headers: []string{"If-Match", `"4"`}, status: http.StatusPreconditionFailed, code: "stale_version"},
		})
		after := get(t, e, "deal", id)
		assert.Equal(t, "Bigger deal", after["title"])
		assert.Equal(t, "5", num(t, after["version"]))

		// Delete with the current ETag; then the record is gone.
		d := e.Do("DELETE", "/api/v1/objects/deal/records/"+id, nil, "If-Match", `"5"`)
		require.Equal(t, http.StatusNoContent, d.Status, d.String())
		assert.Empty(t, d.Body)
		runAll(t, e, []scenario{
			{name: "read deleted", method: "GET", path: "/api/v1/objects/deal/records/" + id, status: http.StatusNotFound, code: "not_found"},
			{name: "update deleted", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"title": "x"}`, status: http.StatusNotFound, code: "not_found"},
			{name: "delete deleted", method: "DELETE", path: "/api/v1/objects/deal/records/" + id, status: http.StatusNotFound, code: "not_found"},
		})
		assert.Equal(t, 0, count(t, e, "deal"))
	})
}

// TestRecordWriteErrors sends every kind of bad write and checks the
// problem, the fields its errors name, and that nothing was written.
func TestRecordWriteErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		acc := create(t, e, "account", `{"name": "Acme"}`)
		existing := create(t, e, "deal", fullDeal(acc["id"].(string)))
		id := existing["id"].(string)
		missing := "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"

		wrongTypes := `{
		  "title": 5, "notes": true, "email": "not-an-email", "phone": "call me", "site": "ftp://example.com",
		  "ref": "has space", "code": ["C"], "amount": "12,50", "qty": 1.5, "rate": {}, "won": "yes",
		  "close": "2026-02-30", "remind": "2026-03-01T08:30:00", "stage": "maybe", "tags": "hot",
		  "account": "acme"
		}`
		allFields := []string{"title", "notes", "email", "phone", "site", "ref", "code", "amount", "qty", "rate", "won", "close", "remind", "stage", "tags", "account"}

		codeOf := func(field, code string) func(t *testing.T, r *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				got, msg := problemOf(t, r).errorOf(t, field)
				assert.Equal(t, code, got, msg)
				assert.NotEmpty(t, msg)
			}
		}

		runAll(t, e, []scenario{
			{name: "required field missing", method: "POST", path: "/api/v1/objects/deal/records", body: `{"notes": "no title"}`,
				status: 422, code: "validation_failed", fields: []string{"title"}, onlyFields: true, check: codeOf("title", "required")},
			{name: "required field null", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": null}`,
				status: 422, code: "validation_failed", fields: []string{"title"}, check: codeOf("title", "required")},
			{name: "required field cleared by update", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"title": null}`,
				status: 422, code: "validation_failed", fields: []string{"title"}, check: codeOf("title", "required")},
			{name: "wrong type in every field, all reported", method: "POST", path: "/api/v1/objects/deal/records", body: wrongTypes,
				status: 422, code: "validation_failed", fields: allFields, onlyFields: true},
			{name: "wrong types in an update, all reported", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: wrongTypes,
				status: 422, code: "validation_failed", fields: allFields, onlyFields: true},
			{name: "text too long", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "` + strings.Repeat("x", 41) + `"}`,
				status: 422, code: "validation_failed", fields: []string{"title"}, check: codeOf("title", "too_long")},
			{name: "NUL in text", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "a\u0000b", "notes": "\u0000", "ref": "x\u0000"}`,
				status: 422, code: "validation_failed", fields: []string{"title", "notes", "ref"}, onlyFields: true, check: codeOf("title", "invalid_format")},
			{name: "too many decimal places", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "amount": 1.005}`,
				status: 422, code: "validation_failed", fields: []string{"amount"}, check: codeOf("amount", "out_of_range")},
			{name: "too many digits", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "amount": 12345678901}`,
				status: 422, code: "validation_failed", fields: []string{"amount"}, check: codeOf("amount", "out_of_range")},
			{name: "huge exponent", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "amount": 1e999999999}`,
				status: 422, code: "validation_failed", fields: []string{"amount"}},
			{name: "inactive picklist value", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "stage": "lost"}`,
				status: 422, code: "validation_failed", fields: []string{"stage"}, check: codeOf("stage", "invalid_choice")},
			{name: "multi-picklist value twice", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "tags": ["hot", "hot"]}`,
				status: 422, code: "validation_failed", fields: []string{"tags"}},
			{name: "unknown field", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "nope": 1}`,
				status: 422, code: "validation_failed", fields: []string{"nope"}, onlyFields: true, check: codeOf("nope", "unknown_field")},
			{name: "unknown field in update", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"nope": 1}`,
				status: 422, code: "validation_failed", fields: []string{"nope"}, check: codeOf("nope", "unknown_field")},
			{name: "system fields are read-only", method: "POST", path: "/api/v1/objects/deal/records",
				body:   `{"title": "x", "id": "` + missing + `", "created_at": "2020-01-01T00:00:00Z", "owner_id": "` + missing + `", "version": 7}`,
				status: 422, code: "validation_failed", fields: []string{"id", "created_at", "owner_id", "version"}, onlyFields: true, check: codeOf("id", "read_only")},
			{name: "system field in update", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"created_by": "` + missing + `"}`,
				status: 422, code: "validation_failed", fields: []string{"created_by"}, check: codeOf("created_by", "read_only")},
			{name: "auto-number is read-only", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "number": "D-9999"}`,
				status: 422, code: "validation_failed", fields: []string{"number"}, onlyFields: true, check: codeOf("number", "read_only")},
			{name: "auto-number in update", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"number": "D-9999"}`,
				status: 422, code: "validation_failed", fields: []string{"number"}, check: codeOf("number", "read_only")},
			{name: "lookup to a record that does not exist", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "account": "` + missing + `"}`,
				status: 422, code: "validation_failed", fields: []string{"account"}, onlyFields: true, check: codeOf("account", "not_found")},
			{name: "lookup to a deal id", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{"account": "` + id + `"}`,
				status: 422, code: "validation_failed", fields: []string{"account"}, check: codeOf("account", "not_found")},
			{name: "unique text taken", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "code": "C-1"}`,
				status: 409, code: "conflict", fields: []string{"code"}, onlyFields: true, check: codeOf("code", "unique")},
			{name: "external id taken", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x", "ref": "ERP-1"}`,
				status: 409, code: "conflict", fields: []string{"ref"}, onlyFields: true, check: codeOf("ref", "unique")},
			{name: "malformed JSON", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x",`,
				status: 400, code: "malformed_json"},
			{name: "malformed JSON in update", method: "PATCH", path: "/api/v1/objects/deal/records/" + id, body: `{title: 1}`,
				status: 400, code: "malformed_json"},
			{name: "a JSON array", method: "POST", path: "/api/v1/objects/deal/records", body: `[{"title": "x"}]`,
				status: 400, code: "malformed_json"},
			{name: "a JSON string", method: "POST", path: "/api/v1/objects/deal/records", body: `"title"`,
				status: 400, code: "malformed_json"},
			{name: "JSON null", method: "POST", path: "/api/v1/objects/deal/records", body: `null`,
				status: 400, code: "malformed_json"},
			{name: "empty body", method: "POST", path: "/api/v1/objects/deal/records", body: "",
				status: 400, code: "malformed_json"},
			{name: "blank body", method: "POST", path: "/api/v1/objects/deal/records", body: " \n ",
				status: 400, code: "malformed_json"},
			{name: "no body on update", method: "PATCH", path: "/api/v1/objects/deal/records/" + id,
				status: 400, code: "malformed_json"},
			{name: "data after the JSON value", method: "POST", path: "/api/v1/objects/deal/records", body: `{"title": "x"} {"title": "y"}`,
				status: 400, code: "malformed_json"},
			{name: "unknown object", method: "POST", path: "/api/v1/objects/nope/records", body: `{"title": "x"}`,
				status: 404, code: "unknown_object", contains: []string{`\"nope\"`}},
			{name: "unknown object read", method: "GET", path: "/api/v1/objects/nope/records/" + id,
				status: 404, code: "unknown_object"},
			{name: "unknown object list", method: "GET", path: "/api/v1/objects/nope/records",
				status: 404, code: "unknown_object"},
			{name: "unknown record", method: "GET", path: "/api/v1/objects/deal/records/" + missing,
				status: 404, code: "not_found"},
			{name: "invalid uuid read", method: "GET", path: "/api/v1/objects/deal/records/not-a-uuid",
				status: 404, code: "not_found"},
			{name: "uuid without dashes", method: "GET", path: "/api/v1/objects/deal/records/" + strings.ReplaceAll(id, "-", ""),
				status: 404, code: "not_found"},
			{name: "invalid uuid update", method: "PATCH", path: "/api/v1/objects/deal/records/1", body: `{"title": "x"}`,
				status: 404, code: "not_found"},
			{name: "invalid uuid delete", method: "DELETE", path: "/api/v1/objects/deal/records/%27%20OR%201=1%20--",
				status: 404, code: "not_found"},
			{name: "unknown field in ?fields=", method: "GET", path: "/api/v1/objects/deal/records/" + id + "?fields=title,nope",
				status: 400, code: "invalid_query", contains: []string{"nope"}},
		})

		// Nothing refused was written: one deal, as it was.
		assert.Equal(t, 1, count(t, e, "deal"))
		assert.Equal(t, existing, get(t, e, "deal", id))
	})
}

// TestRecordLookupOnDelete checks the three on-delete behaviours of
// lookups: restrict refuses, set_null clears, cascade deletes.
func TestRecordLookupOnDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		mustDefine(t, e,
			`{"name": "contact", "fields": [{"name": "name", "type": "text"},
			  {"name": "account", "type": "lookup", "settings": {"target": "account", "on_delete": "set_null"}}]}`,
			`{"name": "task", "fields": [{"name": "name", "type": "text"},
			  {"name": "account", "type": "lookup", "settings": {"target": "account", "on_delete": "cascade"}}]}`)
		acc := create(t, e, "account", `{"name": "Acme"}`)["id"].(string)
		other := create(t, e, "account", `{"name": "Other"}`)["id"].(string)
		deal := create(t, e, "deal", map[string]any{"title": "d", "account": acc})["id"].(string)
		contact := create(t, e, "contact", map[string]any{"name": "c", "account": acc})["id"].(string)
		keep := create(t, e, "contact", map[string]any{"name": "k", "account": other})["id"].(string)
		task := create(t, e, "task", map[string]any{"name": "t", "account": acc})["id"].(string)

		// A restrict lookup refuses the delete, and nothing changes.
		r := e.Do("DELETE", "/api/v1/objects/account/records/"+acc, nil)
		p := wantProblem(t, r, http.StatusConflict, "referenced")
		assert.Contains(t, p.Detail, "deal.account")
		get(t, e, "account", acc)
		assert.Equal(t, acc, get(t, e, "contact", contact)["account"])
		get(t, e, "task", task)

		// Once the deal points elsewhere, the delete goes ahead.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal/records/"+deal, map[string]any{"account": other})
		r = e.Do("DELETE", "/api/v1/objects/account/records/"+acc, nil)
		require.Equal(t, http.StatusNoContent, r.Status, r.String())
		c := get(t, e, "contact", contact)
		assert.Nil(t, c["account"], "set_null clears the lookup")
		wantProblem(t, e.Do("GET", "/api/v1/objects/task/records/"+task, nil), http.StatusNotFound, "not_found")
		assert.Equal(t, 0, count(t, e, "task"), "cascade deletes the task")
		assert.Equal(t, other, get(t, e, "contact", keep)["account"], "other accounts' contacts are untouched")
		assert.Equal(t, 2, count(t, e, "contact"))
	})
}

// TestRecordUpsert creates and then updates a record by its external id.
func TestRecordUpsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)

		r := e.Do("PUT", "/api/v1/objects/deal/records/by/ref/ERP-7", `{"title": "First", "amount": 10}`)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		rec := r.JSON()
		id := rec["id"].(string)
		assert.Equal(t, "ERP-7", rec["ref"])
		assert.Equal(t, "/api/v1/objects/deal/records/"+id, r.Header.Get("Location"))
		assert.Equal(t, `"1"`, r.Header.Get("ETag"))

		r = e.Do("PUT", "/api/v1/objects/deal/records/by/ref/ERP-7", `{"amount": 20, "ref": "ERP-7"}`)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		assert.Empty(t, r.Header.Get("Location"))
		assert.Equal(t, `"2"`, r.Header.Get("ETag"))
		rec = r.JSON()
		assert.Equal(t, id, rec["id"])
		assert.Equal(t, "First", rec["title"], "an upsert that updates keeps what it does not name")
		assert.Equal(t, "20.00", num(t, rec["amount"]))

		// A unique text field is a key too; the value is read from the path
		// as the client escaped it.
		r = e.Do("PUT", "/api/v1/objects/deal/records/by/code/Acme%20Ltd%2FEU", `{"title": "By code"}`)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		assert.Equal(t, "Acme Ltd/EU", r.JSON()["code"])
		r = e.Do("PUT", "/api/v1/objects/deal/records/by/code/Acme%20Ltd%2FEU", `{"title": "By code again"}`)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		assert.Equal(t, 2, count(t, e, "deal"))

		runAll(t, e, []scenario{
			{name: "key in the body differs from the path", method: "PUT", path: "/api/v1/objects/deal/records/by/ref/ERP-7", body: `{"ref": "ERP-8"}`,
				status: 422, code: "validation_failed", fields: []string{"ref"}},
			{name: "key in the body differs on create", method: "PUT", path: "/api/v1/objects/deal/records/by/ref/ERP-9", body: `{"title": "x", "ref": "ERP-8"}`,
				status: 422, code: "validation_failed", fields: []string{"ref"}},
			{name: "NUL in a unique text key", method: "PUT", path: "/api/v1/objects/deal/records/by/code/a%00b", body: `{"title": "x"}`,
				status: 422, code: "validation_failed", fields: []string{"code"}},
			{name: "key not a valid external id", method: "PUT", path: "/api/v1/objects/deal/records/by/ref/has%20space", body: `{"title": "x"}`,
				status: 422, code: "validation_failed", fields: []string{"ref"}},
			{name: "create without a required field", method: "PUT", path: "/api/v1/objects/deal/records/by/ref/ERP-9", body: `{"amount": 1}`,
				status: 422, code: "validation_failed", fields: []string{"title"}},
			{name: "update with a bad value", method: "PUT", path: "/api/v1/objects/deal/records/by/ref/ERP-7", body: `{"amount": "lots"}`,
				status: 422, code: "validation_failed", fields: []string{"amount"}},
			{name: "key is not unique", method: "PUT", path: "/api/v1/objects/deal/records/by/title/First", body: `{"amount": 1}`,
				status: 400, code: "bad_request", contains: []string{"title"}},
			{name: "key is an auto-number", method: "PUT", path: "/api/v1/objects/deal/records/by/number/D-0001", body: `{"amount": 1}`,
				status: 400, code: "bad_request"},
			{name: "key is the id", method: "PUT", path: "/api/v1/objects/deal/records/by/id/" + id, body: `{"amount": 1}`,
				status: 400, code: "bad_request"},
			{name: "key is not a field", method: "PUT", path: "/api/v1/objects/deal/records/by/nope/1", body: `{"amount": 1}`,
				status: 400, code: "bad_request"},
			{name: "unknown object", method: "PUT", path: "/api/v1/objects/nope/records/by/ref/1", body: `{"amount": 1}`,
				status: 404, code: "unknown_object"},
			{name: "malformed body", method: "PUT", path: "/api/v1/objects/deal/records/by/ref/ERP-9", body: `{`,
				status: 400, code: "malformed_json"},
		})
		assert.Equal(t, 2, count(t, e, "deal"))
		got := get(t, e, "deal", id)
		assert.Equal(t, "20.00", num(t, got["amount"]))
		assert.Equal(t, "2", num(t, got["version"]))
	})
}

// TestRecordBatch checks that batches are all or nothing and that their
// errors carry the index of the record at fault.
func TestRecordBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		batch := func(op, key string, recs ...any) map[string]any {
			if recs == nil {
				recs = []any{}
			}
			b := map[string]any{"operation": op, "records": recs}
			if key != "" {
				b["key"] = key
			}
			return b
		}
		indexes := func(want ...int) func(t *testing.T, r *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				var got []int
				for _, e := range problemOf(t, r).Errors {
					require.NotNil(t, e.Index, "error without an index: %s", r.String())
					got = append(got, *e.Index)
				}
				assert.ElementsMatch(t, want, got, r.String())
			}
		}

		res := e.MustDo(http.StatusOK, "POST", "/api/v1/objects/deal/records/batch", batch("create", "",
			map[string]any{"title": "a", "ref": "R-1", "amount": 1},
			map[string]any{"title": "b", "ref": "R-2", "amount": 2},
			map[string]any{"title": "c", "ref": "R-3", "amount": 3}))
		results := res["results"].([]any)
		require.Len(t, results, 3)
		var created []string
		for i, r := range results {
			m := r.(map[string]any)
			assert.Equal(t, true, m["created"])
			rec := m["record"].(map[string]any)
			assert.Equal(t, fmt.Sprintf("D-%04d", i+1), rec["number"])
			created = append(created, rec["id"].(string))
		}
		assert.Equal(t, 3, count(t, e, "deal"))

		many := make([]any, 201)
		for i := range many {
			many[i] = map[string]any{"title": fmt.Sprint(i)}
		}
		runAll(t, e, []scenario{
			{name: "one bad record among many", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body: batch("create", "", map[string]any{"title": "ok 1"}, map[string]any{"title": "ok 2", "amount": "x"},
					map[string]any{"title": "ok 3"}, map[string]any{"amount": 5}, map[string]any{"title": "ok 4"}),
				status: 422, code: "validation_failed", fields: []string{"amount", "title"}, check: indexes(1, 3)},
			{name: "a conflict at the end", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("create", "", map[string]any{"title": "new 1"}, map[string]any{"title": "new 2"}, map[string]any{"title": "dup", "ref": "R-2"}),
				status: 409, code: "conflict", fields: []string{"ref"}, check: indexes(2)},
			{name: "a conflict inside the batch", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("create", "", map[string]any{"title": "x", "code": "same"}, map[string]any{"title": "y", "code": "same"}),
				status: 409, code: "conflict", fields: []string{"code"}, check: indexes(1)},
			{name: "a missing lookup", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("create", "", map[string]any{"title": "x"}, map[string]any{"title": "y", "account": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}),
				status: 422, code: "validation_failed", fields: []string{"account"}, check: indexes(1)},
			{name: "201 records", method: "POST", path: "/api/v1/objects/deal/records/batch", body: batch("create", "", many...),
				status: 422, code: "validation_failed", fields: []string{"records"}},
			{name: "no records", method: "POST", path: "/api/v1/objects/deal/records/batch", body: batch("create", ""),
				status: 422, code: "validation_failed", fields: []string{"records"}},
			{name: "records is not a list", method: "POST", path: "/api/v1/objects/deal/records/batch", body: `{"operation": "create", "records": {"title": "x"}}`,
				status: 422, code: "validation_failed"},
			{name: "a record is not an object", method: "POST", path: "/api/v1/objects/deal/records/batch", body: `{"operation": "create", "records": [{"title": "x"}, 5]}`,
				status: 422, code: "validation_failed", contains: []string{"records[1]"}},
			{name: "unknown operation", method: "POST", path: "/api/v1/objects/deal/records/batch", body: batch("merge", "", map[string]any{"title": "x"}),
				status: 422, code: "validation_failed", fields: []string{"operation"}},
			{name: "unknown member", method: "POST", path: "/api/v1/objects/deal/records/batch", body: `{"operation": "create", "records": [], "atomic": false}`,
				status: 422, code: "validation_failed"},
			{name: "update without an id", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("update", "", map[string]any{"id": created[0], "title": "A"}, map[string]any{"title": "B"}),
				status: 422, code: "validation_failed", fields: []string{"id"}, check: indexes(1)},
			{name: "update of an unknown id", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("update", "", map[string]any{"id": created[0], "title": "A"}, map[string]any{"id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "title": "B"}),
				status: 422, code: "validation_failed", fields: []string{"id"}, check: indexes(1)},
			{name: "update with bad values", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("update", "", map[string]any{"id": created[0], "title": "A"}, map[string]any{"id": created[1], "amount": true}, map[string]any{"id": created[2], "nope": 1}),
				status: 422, code: "validation_failed", fields: []string{"amount", "nope"}, check: indexes(1, 2)},
			{name: "upsert on a field that is not a key", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("upsert", "title", map[string]any{"title": "a", "amount": 1}),
				status: 400, code: "bad_request"},
			{name: "upsert without the key", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("upsert", "ref", map[string]any{"ref": "R-1", "amount": 1}, map[string]any{"title": "no key"}),
				status: 422, code: "validation_failed", fields: []string{"ref"}, check: indexes(1)},
			{name: "upsert with a bad record", method: "POST", path: "/api/v1/objects/deal/records/batch",
				body:   batch("upsert", "ref", map[string]any{"ref": "R-1", "amount": 100}, map[string]any{"ref": "R-9", "amount": 1}),
				status: 422, code: "validation_failed", fields: []string{"title"}, check: indexes(1)},
		})
		assert.Equal(t, 3, count(t, e, "deal"), "a refused batch writes nothing")
		for i, id := range created {
			rec := get(t, e, "deal", id)
			assert.Equal(t, "1", num(t, rec["version"]), "record %d was changed by a refused batch", i)
			assert.Equal(t, fmt.Sprintf("%d.00", i+1), num(t, rec["amount"]))
		}

		res = e.MustDo(http.StatusOK, "POST", "/api/v1/objects/deal/records/batch", batch("update", "",
			map[string]any{"id": created[0], "amount": 10}, map[string]any{"id": created[2], "title": "C"}))
		results = res["results"].([]any)
		require.Len(t, results, 2)
		assert.Equal(t, false, results[0].(map[string]any)["created"])
		assert.Equal(t, "10.00", num(t, get(t, e, "deal", created[0])["amount"]))
		assert.Equal(t, "C", get(t, e, "deal", created[2])["title"])

		res = e.MustDo(http.StatusOK, "POST", "/api/v1/objects/deal/records/batch", batch("upsert", "ref",
			map[string]any{"ref": "R-2", "amount": 22}, map[string]any{"ref": "R-4", "title": "d"}))
		results = res["results"].([]any)
		require.Len(t, results, 2)
		assert.Equal(t, false, results[0].(map[string]any)["created"])
		assert.Equal(t, created[1], results[0].(map[string]any)["record"].(map[string]any)["id"])
		assert.Equal(t, true, results[1].(map[string]any)["created"])
		assert.Equal(t, "22.00", num(t, get(t, e, "deal", created[1])["amount"]))
		assert.Equal(t, 4, count(t, e, "deal"))
	})
}
