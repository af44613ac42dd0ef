package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

const itemDoc = `{
  "name": "item",
  "fields": [
    {"name": "name", "type": "text"},
    {"name": "score", "type": "number"},
    {"name": "price", "type": "currency"},
    {"name": "due", "type": "date"},
    {"name": "flag", "type": "boolean"},
    {"name": "stage", "type": "picklist", "settings": {"values": [{"value": "open"}, {"value": "won"}]}},
    {"name": "tags", "type": "multi_picklist", "settings": {"values": [{"value": "hot"}, {"value": "cold"}]}}
  ]
}`

// names returns the name of each record, in order.
func names(records []map[string]any) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i], _ = r["name"].(string)
	}
	return out
}

// TestListFilterSortAndLimits runs list queries over a small fixed set of
// records: every filter operator, filter errors, sorts and page limits.
func TestListFilterSortAndLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, itemDoc)
		now := time.Now().UTC()
		day := func(offset int) string { return now.AddDate(0, 0, offset).Format("2006-01-02") }
		for _, r := range []map[string]any{
			{"name": "alpha", "score": 10, "price": "1.50", "due": day(-1), "flag": true, "stage": "open", "tags": []string{"hot"}},
			{"name": "beta", "score": 20, "price": "2.00", "due": day(0), "flag": false, "stage": "won", "tags": []string{"cold"}},
			{"name": "gamma", "due": day(1)},
			{"name": "alphabet", "score": 30, "price": "0.99", "tags": []string{"hot", "cold"}},
			{"name": "delta", "score": 20, "stage": "open"},
		} {
			create(t, e, "item", r)
		}

		filters := []struct {
			filter string
			want   []string // in creation order
		}{
			{`score == 20`, []string{"beta", "delta"}},
			{`score != 20`, []string{"alpha", "gamma", "alphabet"}},
			{`score > 10`, []string{"beta", "alphabet", "delta"}},
			{`score >= 20`, []string{"beta", "alphabet", "delta"}},
			{`score < 20`, []string{"alpha"}},
			{`score <= 20`, []string{"alpha", "beta", "delta"}},
			{`price > 1`, []string{"alpha", "beta"}},
			{`price == 2`, []string{"beta"}},
			{`name == "gamma"`, []string{"gamma"}},
			{`name startsWith "alpha"`, []string{"alpha", "alphabet"}},
			{`name endsWith "a"`, []string{"alpha", "beta", "gamma", "delta"}},
			{`name contains "ph"`, []string{"alpha", "alphabet"}},
			{`not (name contains "ph")`, []string{"beta", "gamma", "delta"}},
			{`name in ["alpha", "gamma", "omega"]`, []string{"alpha", "gamma"}},
			{`name not in ["alpha", "gamma"]`, []string{"beta", "alphabet", "delta"}},
			{`score in [10, 30]`, []string{"alpha", "alphabet"}},
			{`score == nil`, []string{"gamma"}},
			{`score != nil`, []string{"alpha", "beta", "alphabet", "delta"}},
			{`stage == nil`, []string{"gamma", "alphabet"}},
			{`stage == "open"`, []string{"alpha", "delta"}},
			{`due < $today`, []string{"alpha"}},
			{`due == $today`, []string{"beta"}},
			{`due >= $today`, []string{"beta", "gamma"}},
			{`due > "` + day(0) + `"`, []string{"gamma"}},
			{`due == nil`, []string{"alphabet", "delta"}},
			{`flag`, []string{"alpha"}},
			{`!flag`, []string{"beta", "gamma", "alphabet", "delta"}},
			{`flag == false`, []string{"beta"}},
			{`INCLUDES(tags, "hot")`, []string{"alpha", "alphabet"}},
			{`!INCLUDES(tags, "hot")`, []string{"beta", "gamma", "delta"}},
			{`score > 10 && name startsWith "a"`, []string{"alphabet"}},
			{`stage == "won" || score == 30`, []string{"beta", "alphabet"}},
			{`(score == 20 or score == nil) and not (name == "delta")`, []string{"beta", "gamma"}},
			{`created_by == $user.id`, []string{"alpha", "beta", "gamma", "alphabet", "delta"}},
			{`created_at <= $now`, []string{"alpha", "beta", "gamma", "alphabet", "delta"}},
			{`version == 1`, []string{"alpha", "beta", "gamma", "alphabet", "delta"}},
			{`false`, []string{}},
		}
		for _, f := range filters {
			t.Run("filter "+f.filter, func(t *testing.T) {
				res := at(t, e).MustDo(http.StatusOK, "GET", "/api/v1/objects/item/records?count=true&filter="+url.QueryEscape(f.filter), nil)
				var got []map[string]any
				for _, r := range res["records"].([]any) {
					got = append(got, r.(map[string]any))
				}
				assert.Equal(t, f.want, append([]string{}, names(got)...))
				assert.Equal(t, fmt.Sprint(len(f.want)), num(t, res["total"]))
				assert.Nil(t, res["next_cursor"])
			})
		}

		q := func(query string) string { return "/api/v1/objects/item/records?" + query }
		order := func(want ...string) func(t *testing.T, r *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				var res struct {
					Records []map[string]any `json:"records"`
				}
				require.NoError(t, json.Unmarshal(r.Body, &res))
				assert.Equal(t, append([]string{}, want...), names(res.Records))
			}
		}
		located := func(fragments ...string) func(t *testing.T, r *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				p := problemOf(t, r)
				for _, f := range fragments {
					assert.Contains(t, p.Detail, f)
				}
			}
		}
		runAll(t, e, []scenario{
			{name: "creation order by default", method: "GET", path: q(""), status: 200,
				check: order("alpha", "beta", "gamma", "alphabet", "delta")},
			{name: "sort ascending, nulls last, ties by id", method: "GET", path: q("sort=score"), status: 200,
				check: order("alpha", "beta", "delta", "alphabet", "gamma")},
			{name: "sort descending, nulls first", method: "GET", path: q("sort=-score"), status: 200,
				check: order("gamma", "alphabet", "beta", "delta", "alpha")},
			{name: "sort on two keys", method: "GET", path: q("sort=score,-name"), status: 200,
				check: order("alpha", "delta", "beta", "alphabet", "gamma")},
			{name: "sort on text", method: "GET", path: q("sort=-name"), status: 200,
				check: order("gamma", "delta", "beta", "alphabet", "alpha")},
			{name: "sort on a date with nulls", method: "GET", path: q("sort=due,name"), status: 200,
				check: order("alpha", "beta", "gamma", "alphabet", "delta")},
			{name: "explicit + and id", method: "GET", path: q("sort=%2Bstage,-id"), status: 200,
				check: order("delta", "alpha", "beta", "alphabet", "gamma")},
			{name: "filter and sort", method: "GET", path: q("filter=" + url.QueryEscape(`score != nil`) + "&sort=-price"), status: 200,
				check: order("delta", "beta", "alpha", "alphabet")},
			{name: "limit and count", method: "GET", path: q("limit=2&count=true"), status: 200,
				check: func(t *testing.T, r *apitest.Response) {
					res := r.JSON()
					assert.Len(t, res["records"], 2)
					assert.Equal(t, "5", num(t, res["total"]))
					assert.NotEmpty(t, res["next_cursor"])
				}},
			{name: "no count unless asked", method: "GET", path: q(""), status: 200, absent: []string{`"total"`}},
			{name: "fields", method: "GET", path: q("fields=name&sort=name&limit=1"), status: 200,
				check: func(t *testing.T, r *apitest.Response) {
					rec := r.JSON()["records"].([]any)[0].(map[string]any)
					assert.Len(t, rec, 3, rec)
					assert.Equal(t, "alpha", rec["name"])
					assert.Contains(t, rec, "id")
					assert.Contains(t, rec, "version")
				}},
			{name: "limit 200", method: "GET", path: q("limit=200"), status: 200},
			{name: "limit 1", method: "GET", path: q("limit=1"), status: 200, check: order("alpha")},
			{name: "limit 0", method: "GET", path: q("limit=0"), status: 400, code: "invalid_query"},
			{name: "limit 201", method: "GET", path: q("limit=201"), status: 400, code: "invalid_query"},
			{name: "negative limit", method: "GET", path: q("limit=-1"), status: 400, code: "invalid_query"},
			{name: "limit not a number", method: "GET", path: q("limit=ten"), status: 400, code: "invalid_query"},
			{name: "count not a boolean", method: "GET", path: q("count=maybe"), status: 400, code: "bad_request"},
			{name: "unknown field in filter", method: "GET", path: q("filter=" + url.QueryEscape(`scor > 1`)), status: 400, code: "invalid_query",
				check: located("scor", "(1:1)", "\n | scor > 1\n | ^")},
			{name: "unknown field later in filter", method: "GET", path: q("filter=" + url.QueryEscape(`score > 1 && nope == 2`)), status: 400, code: "invalid_query",
				check: located("nope", "(1:14)", "\n | score > 1 && nope == 2\n | .............^")},
			{name: "filter syntax error", method: "GET", path: q("filter=" + url.QueryEscape(`name ==`)), status: 400, code: "invalid_query",
				check: located("(1:", " | name ==")},
			{name: "filter type mismatch", method: "GET", path: q("filter=" + url.QueryEscape(`score > "abc"`)), status: 400, code: "invalid_query",
				check: located("(1:")},
			{name: "filter bad date", method: "GET", path: q("filter=" + url.QueryEscape(`due > "tomorrow"`)), status: 400, code: "invalid_query"},
			{name: "filter picklist value that does not exist", method: "GET", path: q("filter=" + url.QueryEscape(`stage == "lost"`)), status: 400, code: "invalid_query"},
			{name: "filter with a function", method: "GET", path: q("filter=" + url.QueryEscape(`len(name) > 1`)), status: 400, code: "invalid_query"},
			{name: "filter with arithmetic", method: "GET", path: q("filter=" + url.QueryEscape(`score * 2 > 1`)), status: 400, code: "invalid_query"},
			{name: "filter not a condition", method: "GET", path: q("filter=" + url.QueryEscape(`name`)), status: 400, code: "invalid_query"},
			{name: "filter too long", method: "GET", path: q("filter=" + url.QueryEscape(strings.Repeat("x", 5000))), status: 400, code: "invalid_query"},
			{name: "NUL in a filter value", method: "GET", path: q("filter=" + url.QueryEscape(`name == "a\u0000"`)), status: 400, code: "invalid_query"},
			{name: "SQL in a filter is a value", method: "GET", path: q("filter=" + url.QueryEscape(`name == "x' OR 1=1 --"`)), status: 200, check: order()},
			{name: "sort on unknown field", method: "GET", path: q("sort=nope"), status: 400, code: "invalid_query", contains: []string{"nope"}},
			{name: "sort on a field twice", method: "GET", path: q("sort=name,-name"), status: 400, code: "invalid_query"},
			{name: "sort on too many fields", method: "GET", path: q("sort=name,score,price,due,flag,stage"), status: 400, code: "invalid_query"},
			{name: "unknown field in fields", method: "GET", path: q("fields=name,nope"), status: 400, code: "invalid_query"},
			{name: "malformed cursor", method: "GET", path: q("cursor=not-a-cursor"), status: 400, code: "invalid_query"},
			{name: "unknown object", method: "GET", path: "/api/v1/objects/nope/records", status: 404, code: "unknown_object"},
		})
	})
}

// row is a record of the pagination fixture as the test knows it.
type row struct {
	id    string
	n     int
	grp   *int
	label string
	// amt is in cents; at and day are text that sorts as the values do.
	amt *int
	at  *string
	day *string
	won *bool
}

// TestListCursorPagination walks every page of 120 records with sorts that
// have duplicates and NULLs, checks each record comes exactly once and in
// order, then walks again while records are inserted between pages.
func TestListCursorPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, `{"name": "row", "fields": [
		  {"name": "n", "type": "number"},
		  {"name": "grp", "type": "number"},
		  {"name": "label", "type": "text"},
		  {"name": "amt", "type": "currency", "settings": {"precision": 10, "scale": 2}},
		  {"name": "at", "type": "datetime"},
		  {"name": "day", "type": "date"},
		  {"name": "won", "type": "boolean"}]}`)

		var rows []row
		for start := 0; start < 120; start += 40 {
			var batch []any
			for i := start; i < start+40; i++ {
				r := map[string]any{"n": i, "label": fmt.Sprintf("L%d", i%4)}
				if i%5 != 0 {
					r["grp"] = i % 7
				}
				if i%4 != 0 {
					r["amt"] = fmt.Sprintf("%d.%02d", i%9, (i*25)%100)
				}
				if i%6 != 0 {
					r["at"] = fmt.Sprintf("2026-03-0%dT08:%02d:00.%06dZ", 1+i%3, i%5, (i*1234)%1000000)
				}
				if i%3 != 0 {
					r["day"] = fmt.Sprintf("2026-0%d-1%d", 1+i%2, i%4)
				}
				if i%7 != 0 {
					r["won"] = i%2 == 0
				}
				batch = append(batch, r)
			}
			res := e.MustDo(http.StatusOK, "POST", "/api/v1/objects/row/records/batch", map[string]any{"operation": "create", "records": batch})
			for _, x := range res["results"].([]any) {
				rec := x.(map[string]any)["record"].(map[string]any)
				rows = append(rows, rowOf(t, rec))
			}
		}
		require.Len(t, rows, 120)

		for _, spec := range []string{"grp", "-grp", "grp,-label", "-grp,label,-n", "label,-id", "-label", "", "amt", "-amt,grp", "at", "-at,-amt", "day,-at", "-day,won", "won,-grp,amt"} {
			t.Run("sort "+spec, func(t *testing.T) {
				want := sortedRows(rows, spec)
				got := listAll(t, e, "row", "limit=25&sort="+url.QueryEscape(spec))
				require.Len(t, got, 120)
				assert.Equal(t, idsOf(want), ids(got), "every record once, in order")
			})
		}

		t.Run("stable under inserts", func(t *testing.T) {
			e := at(t, e)
			spec := "-grp,label"
			want := sortedRows(rows, spec)
			seen := map[string]int{}
			var originals []string
			isOriginal := map[string]bool{}
			for _, r := range rows {
				isOriginal[r.id] = true
			}
			cursor := ""
			for page := 0; ; page++ {
				require.Less(t, page, 50)
				path := "/api/v1/objects/row/records?limit=25&sort=" + url.QueryEscape(spec)
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				res := e.MustDo(http.StatusOK, "GET", path, nil)
				for _, x := range res["records"].([]any) {
					id := x.(map[string]any)["id"].(string)
					seen[id]++
					if isOriginal[id] {
						originals = append(originals, id)
					}
				}
				// New records that sort before, among and after the page.
				for _, grp := range []any{nil, 0, 3, 6} {
					create(t, e, "row", map[string]any{"n": 1000 + page, "grp": grp, "label": "L2"})
				}
				next, _ := res["next_cursor"].(string)
				if next == "" {
					break
				}
				cursor = next
			}
			for id, n := range seen {
				assert.Equal(t, 1, n, "record %s came %d times", id, n)
			}
			assert.Equal(t, idsOf(want), originals, "every original record once, in order")
		})

		t.Run("cursor of another query", func(t *testing.T) {
			e := at(t, e)
			res := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/row/records?limit=5&sort=grp", nil)
			cursor := res["next_cursor"].(string)
			r := e.Do("GET", "/api/v1/objects/row/records?limit=5&sort=-grp&cursor="+cursor, nil)
			p := wantProblem(t, r, http.StatusBadRequest, "invalid_query")
			assert.Contains(t, p.Detail, "sort")
			r = e.Do("GET", "/api/v1/objects/row/records?limit=5&cursor="+cursor, nil)
			wantProblem(t, r, http.StatusBadRequest, "invalid_query")
			r = e.Do("GET", "/api/v1/objects/row/records?limit=5&sort=grp&cursor="+cursor[:len(cursor)-3], nil)
			wantProblem(t, r, http.StatusBadRequest, "invalid_query")
			// The same cursor with its own sort continues.
			e.MustDo(http.StatusOK, "GET", "/api/v1/objects/row/records?limit=5&sort=grp&cursor="+cursor, nil)
		})
	})
}

func rowOf(t *testing.T, rec map[string]any) row {
	t.Helper()
	r := row{id: rec["id"].(string), label: rec["label"].(string)}
	fmt.Sscan(num(t, rec["n"]), &r.n)
	if rec["grp"] != nil {
		var g int
		fmt.Sscan(num(t, rec["grp"]), &g)
		r.grp = &g
	}
	if rec["amt"] != nil {
		var units, cents int
		_, err := fmt.Sscanf(num(t, rec["amt"]), "%d.%d", &units, &cents)
		require.NoError(t, err)
		a := units*100 + cents
		r.amt = &a
	}
	if s, ok := rec["at"].(string); ok {
		r.at = &s
	}
	if s, ok := rec["day"].(string); ok {
		r.day = &s
	}
	if b, ok := rec["won"].(bool); ok {
		r.won = &b
	}
	return r
}

// sortedRows orders rows as the API must for a sort spec: NULLs last
// ascending and first descending, the id as the final key.
func sortedRows(rows []row, spec string) []row {
	out := append([]row(nil), rows...)
	type key struct {
		name string
		desc bool
	}
	var keys []key
	for _, p := range strings.Split(spec, ",") {
		if p == "" {
			continue
		}
		k := key{name: strings.TrimPrefix(p, "-"), desc: strings.HasPrefix(p, "-")}
		keys = append(keys, k)
	}
	if len(keys) == 0 || keys[len(keys)-1].name != "id" {
		keys = append(keys, key{name: "id"})
	}
	nulls := func(aNil, bNil bool) (int, bool) {
		switch {
		case aNil && bNil:
			return 0, true
		case aNil:
			return 1, true // NULL after every value ascending
		case bNil:
			return -1, true
		}
		return 0, false
	}
	cmp := func(a, b row, name string) int {
		switch name {
		case "grp":
			if c, ok := nulls(a.grp == nil, b.grp == nil); ok {
				return c
			}
			return *a.grp - *b.grp
		case "amt":
			if c, ok := nulls(a.amt == nil, b.amt == nil); ok {
				return c
			}
			return *a.amt - *b.amt
		case "at":
			if c, ok := nulls(a.at == nil, b.at == nil); ok {
				return c
			}
			return strings.Compare(*a.at, *b.at)
		case "day":
			if c, ok := nulls(a.day == nil, b.day == nil); ok {
				return c
			}
			return strings.Compare(*a.day, *b.day)
		case "won":
			if c, ok := nulls(a.won == nil, b.won == nil); ok {
				return c
			}
			switch {
			case *a.won == *b.won:
				return 0
			case *b.won:
				return -1 // false before true
			}
			return 1
		case "n":
			return a.n - b.n
		case "label":
			return strings.Compare(a.label, b.label)
		}
		return strings.Compare(a.id, b.id)
	}
	sort.SliceStable(out, func(i, j int) bool {
		for _, k := range keys {
			c := cmp(out[i], out[j], k.name)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	return out
}

func idsOf(rows []row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.id
	}
	return out
}
