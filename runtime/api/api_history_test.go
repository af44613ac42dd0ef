package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// historyDoc is an object with tracked fields of most kinds and untracked
// ones.
const historyDoc = `{
  "name": "deal",
  "fields": [
    {"name": "number", "type": "auto_number", "settings": {"format": "D-{0000}"}},
    {"name": "title", "type": "text", "required": true},
    {"name": "amount", "type": "currency", "settings": {"precision": 12, "scale": 2}},
    {"name": "stage", "type": "picklist", "settings": {"values": [{"value": "open"}, {"value": "won"}]}},
    {"name": "close", "type": "date"},
    {"name": "remind", "type": "datetime"},
    {"name": "won", "type": "boolean"},
    {"name": "tags", "type": "multi_picklist", "settings": {"values": [{"value": "hot"}, {"value": "vip"}]}},
    {"name": "notes", "type": "long_text"},
    {"name": "code", "type": "text", "unique": true}
  ],
  "rules": [{"name": "not_refused", "condition": "title == \"Refused\"", "message": "Refused is not a title", "field": "title"}],
  "track_history": ["number", "title", "amount", "stage", "close", "remind", "won", "tags"]
}`

// change is one history entry as the tests compare it: the field and its
// old and new values as compact JSON ("null" for none).
type change struct{ Field, Old, New string }

// historyEntry is one entry of a history answer.
type historyEntry struct {
	Field     string          `json:"field"`
	OldValue  json.RawMessage `json:"old_value"`
	NewValue  json.RawMessage `json:"new_value"`
	ChangedBy *string         `json:"changed_by"`
	ChangedAt string          `json:"changed_at"`
}

type historyAnswer struct {
	History    []historyEntry `json:"history"`
	NextCursor *string        `json:"next_cursor"`
}

// readHistory reads a record's whole history, page by page with the given
// query (such as "limit=2").
func readHistory(t *testing.T, e *apitest.Env, id, query string) []historyEntry {
	t.Helper()
	var out []historyEntry
	cursor := ""
	for page := 0; ; page++ {
		require.Less(t, page, 100, "too many pages")
		path := "/api/v1/objects/deal/records/" + id + "/history?" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := at(t, e).Do("GET", path, nil)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		var a historyAnswer
		require.NoError(t, json.Unmarshal(r.Body, &a), r.String())
		require.NotNil(t, a.History, "history is a list, never null: %s", r.String())
		out = append(out, a.History...)
		if a.NextCursor == nil {
			return out
		}
		cursor = *a.NextCursor
	}
}

// changes reduces entries to what the tests compare.
func changes(entries []historyEntry) []change {
	out := make([]change, len(entries))
	for i, e := range entries {
		out[i] = change{e.Field, compact(e.OldValue), compact(e.NewValue)}
	}
	return out
}

// compact is a JSON value as compact text, numbers as written: decimals
// must come back exact.
func compact(v json.RawMessage) string {
	if len(v) == 0 {
		return "null"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return "invalid: " + string(v)
	}
	return b.String()
}

// historyRows counts the stored history rows of a record, whatever its
// tenant or object.
func historyRows(t *testing.T, db store.DB, id string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRow(context.Background(), "SELECT count(*) FROM field_history WHERE record_id = $1", id).Scan(&n))
	return n
}

func TestFieldHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, historyDoc)
		path := func(id string) string { return "/api/v1/objects/deal/records/" + id }

		// Created with tracked and untracked values: a row for each tracked
		// field that has a value, the auto-number included.
		rec := create(t, e, "deal", `{"title": "Acme", "amount": 10, "won": false, "tags": [], "notes": "n", "code": "A"}`)
		id := rec["id"].(string)
		created := []change{
			{"number", "null", `"D-0001"`},
			{"title", "null", `"Acme"`},
			{"amount", "null", "10.00"},
			{"won", "null", "false"},
		}
		got := readHistory(t, e, id, "")
		require.Equal(t, created, changes(got), "a row per tracked field with a value, in the order tracked")
		for _, h := range got {
			require.NotNil(t, h.ChangedBy)
			assert.Equal(t, rec["created_by"], *h.ChangedBy)
			assert.Equal(t, rec["created_at"], h.ChangedAt)
		}

		// Changes that change no tracked value log nothing: an untracked
		// field, the same text, the same amount at another scale, the same
		// instant in another zone, no tags as an empty list.
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"notes": "changed"}`)
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"title": "Acme", "amount": "10.00", "tags": null}`)
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"remind": "2025-01-31T10:00:00+01:00"}`)
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"remind": "2025-01-31T09:00:00.000Z", "amount": 10.0}`)
		require.Len(t, readHistory(t, e, id, ""), len(created)+1, "only the first remind is a change")

		// Several fields in one change: one row each, at the change's time.
		upd := e.MustDo(http.StatusOK, "PATCH", path(id), `{"title": "Acme Corp", "amount": 12.5, "stage": "won", "notes": "x"}`)
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"close": "2025-02-28", "tags": ["vip", "hot"], "won": true}`)
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"tags": ["hot", "vip"]}`)
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"amount": null, "close": ""}`)

		// Refused changes write no history: a missing required value, a
		// broken validation rule, a unique conflict (raised by the row's
		// write in the transaction), a batch that fails on its second record.
		create(t, e, "deal", `{"title": "Other", "code": "B"}`)
		wantProblem(t, e.Do("PATCH", path(id), `{"title": null, "amount": 1}`), http.StatusUnprocessableEntity, "validation_failed")
		wantProblem(t, e.Do("PATCH", path(id), `{"title": "Refused", "amount": 1}`), http.StatusUnprocessableEntity, "validation_failed")
		wantProblem(t, e.Do("PATCH", path(id), `{"code": "B", "amount": 2}`), http.StatusConflict, "conflict")
		wantProblem(t, e.Do("POST", "/api/v1/objects/deal/records/batch", map[string]any{"operation": "update", "records": []any{
			map[string]any{"id": id, "amount": 3},
			map[string]any{"id": "01890000-0000-7000-8000-000000000000", "amount": 4},
		}}), http.StatusUnprocessableEntity, "validation_failed")

		all := readHistory(t, e, id, "")
		assert.Equal(t, expectHistory(), changes(all), "newest first; the fields of one change in the order tracked")
		for _, h := range all {
			if h.Field == "stage" {
				assert.Equal(t, upd["updated_at"], h.ChangedAt, "a change is timed like the record's update")
			}
		}
		// Pages of every size give the same history.
		for _, limit := range []string{"1", "2", "5", "200"} {
			assert.Equal(t, all, readHistory(t, e, id, "limit="+limit), "limit %s", limit)
		}
		first := e.MustDo(http.StatusOK, "GET", path(id)+"/history?limit=3", nil)
		assert.Len(t, first["history"], 3)
		assert.NotNil(t, first["next_cursor"])
		assert.Nil(t, e.MustDo(http.StatusOK, "GET", path(id)+"/history", nil)["next_cursor"])

		// Batches and upserts write history like single writes.
		e.MustDo(http.StatusOK, "POST", "/api/v1/objects/deal/records/batch", map[string]any{"operation": "update", "records": []any{
			map[string]any{"id": id, "stage": "open"},
		}})
		assert.Equal(t, change{"stage", `"won"`, `"open"`}, changes(readHistory(t, e, id, ""))[0])
		e.MustDo(http.StatusOK, "PUT", "/api/v1/objects/deal/records/by/code/A", `{"stage": "won"}`)
		assert.Equal(t, change{"stage", `"open"`, `"won"`}, changes(readHistory(t, e, id, ""))[0])
		batch := e.MustDo(http.StatusOK, "POST", "/api/v1/objects/deal/records/batch", map[string]any{"operation": "create", "records": []any{
			map[string]any{"title": "One"}, map[string]any{"title": "Two", "stage": "open"},
		}})
		results := batch["results"].([]any)
		one := results[0].(map[string]any)["record"].(map[string]any)["id"].(string)
		two := results[1].(map[string]any)["record"].(map[string]any)["id"].(string)
		assert.Equal(t, []change{{"number", "null", `"D-0003"`}, {"title", "null", `"One"`}}, changes(readHistory(t, e, one, "")))
		assert.Equal(t, []change{{"number", "null", `"D-0004"`}, {"title", "null", `"Two"`}, {"stage", "null", `"open"`}}, changes(readHistory(t, e, two, "")))
		upserted := e.MustDo(http.StatusCreated, "PUT", "/api/v1/objects/deal/records/by/code/C", `{"title": "Three"}`)
		assert.Equal(t, []change{{"number", "null", `"D-0005"`}, {"title", "null", `"Three"`}}, changes(readHistory(t, e, upserted["id"].(string), "")))

		// Renaming a tracked field keeps its history under the new name;
		// a deleted field's changes keep the name they were made under.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal/fields/amount", `{"name": "total"}`)
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/deal/fields/won?confirm=true", nil)
		renamed := changes(readHistory(t, e, id, ""))
		var totals, amounts, wons int
		for _, c := range renamed {
			switch c.Field {
			case "total":
				totals++
			case "amount":
				amounts++
			case "won":
				wons++
			}
		}
		assert.Equal(t, 3, totals, "amount's changes are total's now: %v", renamed)
		assert.Zero(t, amounts)
		assert.Equal(t, 2, wons, "a deleted field's changes keep its name")
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"total": 99}`)
		assert.Equal(t, change{"total", "null", "99.00"}, changes(readHistory(t, e, id, ""))[0])

		// Untracking a field stops its history but keeps what was logged.
		// (The API has no call that changes track_history alone yet.)
		_, err := e.Catalog.Change(context.Background(), e.Tenant, catalog.ChangeOptions{Actor: "test"}, func(m *metadata.Model) error {
			m.Object("deal").TrackHistory = []string{"title"}
			return nil
		})
		require.NoError(t, err)
		before := len(readHistory(t, e, id, ""))
		e.MustDo(http.StatusOK, "PATCH", path(id), `{"total": 100, "stage": "won"}`)
		assert.Len(t, readHistory(t, e, id, ""), before)

		// Deleting the record deletes its history in the same transaction.
		require.Positive(t, historyRows(t, db, id))
		e.MustDo(http.StatusNoContent, "DELETE", path(id), nil)
		wantProblem(t, e.Do("GET", path(id)+"/history", nil), http.StatusNotFound, "not_found")
		assert.Zero(t, historyRows(t, db, id))
	})
}

// expectHistory is the history TestFieldHistory builds, newest first.
func expectHistory() []change {
	return []change{
		// {"amount": null, "close": ""}
		{"amount", "12.50", "null"},
		{"close", `"2025-02-28"`, "null"},
		// {"close": "2025-02-28", "tags": ["vip", "hot"], "won": true};
		// the reordered tags that follow are the same choice.
		{"close", "null", `"2025-02-28"`},
		{"won", "false", "true"},
		{"tags", "null", `["hot","vip"]`},
		// {"title": "Acme Corp", "amount": 12.5, "stage": "won"}
		{"title", `"Acme"`, `"Acme Corp"`},
		{"amount", "10.00", "12.50"},
		{"stage", "null", `"won"`},
		// the first remind
		{"remind", "null", `"2025-01-31T09:00:00.000000Z"`},
		// create
		{"number", "null", `"D-0001"`},
		{"title", "null", `"Acme"`},
		{"amount", "null", "10.00"},
		{"won", "null", "false"},
	}
}

func TestFieldHistoryRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		a := apitest.New(t, db, "alpha")
		b := a.Other("beta")
		mustDefine(t, a, historyDoc)
		mustDefine(t, b, historyDoc, `{"name": "secret", "fields": [{"name": "name", "type": "text"}], "track_history": ["name"]}`)
		aID := create(t, a, "deal", `{"title": "A deal", "amount": 5}`)["id"].(string)
		bID := create(t, b, "deal", `{"title": "B deal", "amount": 7}`)["id"].(string)
		bSecret := create(t, b, "secret", `{"name": "B secret"}`)["id"].(string)
		base := "/api/v1/objects/deal/records/"

		runAll(t, a, []scenario{
			{name: "own record", method: "GET", path: base + aID + "/history", status: 200,
				contains: []string{`"field":"title"`, `"new_value":"A deal"`, `"old_value":null`, `"new_value":5.00`, `"next_cursor":null`}},
			{name: "upper-case id", method: "GET", path: base + upper(aID) + "/history", status: 200, contains: []string{`"A deal"`}},
			{name: "B's record by id", method: "GET", path: base + bID + "/history", status: 404, code: "not_found", absent: []string{"B deal"}},
			{name: "B's record by id with a limit", method: "GET", path: base + bID + "/history?limit=1", status: 404, code: "not_found"},
			{name: "B's object", method: "GET", path: "/api/v1/objects/secret/records/" + bSecret + "/history", status: 404, code: "unknown_object"},
			{name: "unknown record", method: "GET", path: base + "01890000-0000-7000-8000-000000000000/history", status: 404, code: "not_found"},
			{name: "malformed id", method: "GET", path: base + "42/history", status: 404, code: "not_found"},
			{name: "no token", method: "GET", path: base + aID + "/history", token: "-", status: 401, code: "unauthorized"},
			{name: "limit 0", method: "GET", path: base + aID + "/history?limit=0", status: 400, code: "invalid_query"},
			{name: "limit too large", method: "GET", path: base + aID + "/history?limit=201", status: 400, code: "invalid_query"},
			{name: "limit not a number", method: "GET", path: base + aID + "/history?limit=ten", status: 400, code: "invalid_query"},
			{name: "malformed cursor", method: "GET", path: base + aID + "/history?cursor=nonsense!", status: 400, code: "invalid_query"},
			{name: "list cursor", method: "GET", path: base + aID + "/history?cursor=eyJzIjoiIiwidiI6WyIxIl19", status: 400, code: "invalid_query"},
			{name: "not writable", method: "POST", path: base + aID + "/history", body: `{}`, status: 404, code: "not_found"},
		})

		// B's own history is B's alone.
		got := changes(readHistory(t, b, bID, ""))
		assert.Equal(t, []change{{"number", "null", `"D-0001"`}, {"title", "null", `"B deal"`}, {"amount", "null", "7.00"}}, got)
	})
}

func upper(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c >= 'a' && c <= 'z' {
			out[i] = c - 'a' + 'A'
		}
	}
	return string(out)
}
