package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

const (
	listAccountDoc = `{"name": "account", "label": {"en": "Account", "zh-CN": "客户"}, "name_field": "name", "fields": [{"name": "name", "type": "text"}]}`
	listDealDoc    = `{"name": "deal", "label": {"en": "Deal", "zh-CN": "交易"}, "plural_label": {"en": "Deals", "zh-CN": "交易"},
  "name_field": "title", "fields": [
  {"name": "title", "label": {"en": "Title", "zh-CN": "标题"}, "type": "text"},
  {"name": "notes", "label": {"en": "Notes"}, "type": "long_text"},
  {"name": "amount", "label": {"en": "Amount", "zh-CN": "金额"}, "type": "currency", "settings": {"precision": 12, "scale": 2}},
  {"name": "stage", "label": {"en": "Stage", "zh-CN": "阶段"}, "type": "picklist", "settings": {"values": [
    {"value": "open", "label": {"en": "Open", "zh-CN": "进行中"}}, {"value": "won", "label": {"en": "Won", "zh-CN": "赢单"}}, {"value": "lost", "label": {"en": "Lost"}}]}},
  {"name": "closed", "label": {"en": "Closed", "zh-CN": "已关闭"}, "type": "boolean"},
  {"name": "close_date", "label": {"en": "Close date"}, "type": "date"},
  {"name": "account", "label": {"en": "Account"}, "type": "lookup", "settings": {"target": "account"}},
  {"name": "rate", "label": {"en": "Rate"}, "type": "percent", "settings": {"precision": 5, "scale": 1}},
  {"name": "tags", "label": {"en": "Tags"}, "type": "multi_picklist", "settings": {"values": [{"value": "hot", "label": {"en": "Hot"}}, {"value": "vip", "label": {"en": "VIP"}}]}},
  {"name": "seen_at", "label": {"en": "Seen at"}, "type": "datetime"}]}`
)

// listFixture is a tenant with accounts and deals, and an administrator
// signed in to the UI.
type listFixture struct {
	e       *apitest.Env
	b       *browser
	acme    string
	deals   map[string]string
	dealIDs []string
}

func newListFixture(t *testing.T, db store.DB) *listFixture {
	e, app := newUI(t, db)
	e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", listAccountDoc)
	e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", listDealDoc)
	f := &listFixture{e: e, deals: map[string]string{}}
	f.acme = e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/account/records", `{"name": "Acme Inc"}`)["id"].(string)
	for _, d := range []string{
		`{"title": "ACME Corp renewal", "amount": "1200.5", "stage": "open", "closed": false, "close_date": "2026-03-01", "account": "` + f.acme + `", "rate": "15", "tags": ["hot", "vip"], "seen_at": "2026-03-01T10:20:30Z", "notes": "long words"}`,
		`{"title": "Acme ltd upsell", "amount": "300", "stage": "won", "closed": true, "close_date": "2026-01-15", "tags": ["vip"]}`,
		`{"title": "Globex \"big\" deal", "amount": "99999.99", "stage": "lost", "closed": false, "close_date": "2025-12-31"}`,
		`{"title": "back\\slash", "amount": "5", "stage": "open"}`,
	} {
		rec := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/records", d)
		f.deals[rec["title"].(string)] = rec["id"].(string)
		f.dealIDs = append(f.dealIDs, rec["id"].(string))
	}
	e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+e.Admin.ID+"/password", map[string]any{"password": password})
	f.b = newBrowser(t, app)
	f.b.signIn("acme", e.Admin.Email, password)
	return f
}

// listQuery is the list page of object with query parameters (name, value
// pairs).
func listQuery(object string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return "/o/" + object + "?" + v.Encode()
}

var rowLink = regexp.MustCompile(`<a href="/o/deal/([0-9a-f-]{36})">`)

// rowIDs are the ids of the records a list page shows, in order.
func rowIDs(body string) []string {
	var out []string
	for _, m := range rowLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// titles are the names of the records shown, in order, given the
// fixture's ids.
func (f *listFixture) titles(body string) []string {
	byID := map[string]string{}
	for title, id := range f.deals {
		byID[id] = title
	}
	var out []string
	for _, id := range rowIDs(body) {
		out = append(out, byID[id])
	}
	return out
}

// TestListColumnsAndValues: the name field first and linked, then the
// first readable fields that are not long text; values as users read them;
// the table becomes cards on phones; the New button; the count.
func TestListColumnsAndValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newListFixture(t, db)
		r := f.b.get("/o/deal?sort=title")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		body := r.Body
		assert.Contains(t, body, `<table class="cards list-table">`)
		assert.Contains(t, body, "<caption>Deals · 4 records</caption>")
		assert.Contains(t, body, `<p class="list-count" role="status">4 records</p>`)
		assert.Contains(t, body, `href="/o/deal/new"`)

		heads := regexp.MustCompile(`<th scope="col"[^>]*>(?:<a [^>]*>)?([^<]*)`).FindAllStringSubmatch(body, -1)
		var labels []string
		for _, h := range heads {
			labels = append(labels, h[1])
		}
		assert.Equal(t, []string{"Title", "Amount", "Stage", "Closed", "Close date", "Account", "Rate"}, labels, "the name, then six fields that are not long text")
		assert.NotContains(t, body, `data-label="Notes"`)

		acme := f.deals["ACME Corp renewal"]
		assert.Contains(t, body, `<td data-label="Title"><a href="/o/deal/`+acme+`">ACME Corp renewal</a></td>`)
		assert.Contains(t, body, `<td data-label="Amount" class="num">1200.50</td>`)
		assert.Contains(t, body, `<td data-label="Amount" class="num">300.00</td>`)
		assert.Contains(t, body, `<td data-label="Stage">Open</td>`, "a picklist by its label")
		assert.Contains(t, body, `<td data-label="Closed">No</td>`)
		assert.Contains(t, body, `<td data-label="Closed">Yes</td>`)
		assert.Contains(t, body, `<td data-label="Close date">2026-03-01</td>`)
		assert.Contains(t, body, `<td data-label="Account"><a href="/o/account/`+f.acme+`">Acme Inc</a></td>`, "a lookup by its record's name")
		assert.Contains(t, body, `<td data-label="Rate" class="num">15.0%</td>`)
		assert.Contains(t, body, `Globex &#34;big&#34; deal`, "values are escaped")

		// Chosen columns: the name first all the same; multi-picklists
		// joined; datetimes in UTC.
		r = f.b.get(listQuery("deal", "col", "tags", "col", "seen_at", "sort", "title"))
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Contains(t, r.Body, `<td data-label="Tags">Hot, VIP</td>`)
		assert.Contains(t, r.Body, `<td data-label="Seen at">2026-03-01 10:20</td>`)
		assert.NotContains(t, r.Body, `data-label="Amount"`)
		assert.Contains(t, r.Body, `<td data-label="Title"><a href="/o/deal/`)
		assert.Contains(t, r.Body, `<input type="checkbox" name="col" value="tags" checked>`)

		// Every input has a label.
		for _, m := range regexp.MustCompile(`<(?:input|select|textarea) id="([^"]+)"`).FindAllStringSubmatch(r.Body, -1) {
			assert.Contains(t, r.Body, `for="`+m[1]+`"`, "input %s has a label", m[1])
		}
		assert.NotContains(t, r.Body, `style=`, "no inline styles (CSP)")
		assert.Contains(t, r.Body, `<script src="/assets/list.js" defer></script>`)
		js := f.b.get("/assets/list.js")
		assert.Equal(t, http.StatusOK, js.Status)
		css := f.b.get("/assets/mosaic.css")
		assert.Contains(t, css.Body, ".sr-only")

		assert.Equal(t, http.StatusNotFound, f.b.get("/o/nosuch").Status)
	})
}

// TestListSort: a column's header sorts by it, again descending, with
// aria-sort.
func TestListSort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newListFixture(t, db)
		r := f.b.get("/o/deal")
		assert.Contains(t, r.Body, `<a href="/o/deal?sort=amount"`)
		r = f.b.get("/o/deal?sort=amount")
		assert.Equal(t, []string{"back\\slash", "Acme ltd upsell", "ACME Corp renewal", `Globex "big" deal`}, f.titles(r.Body))
		assert.Contains(t, r.Body, `aria-sort="ascending"><a href="/o/deal?sort=-amount"`)
		r = f.b.get("/o/deal?sort=-amount")
		assert.Equal(t, []string{`Globex "big" deal`, "ACME Corp renewal", "Acme ltd upsell", "back\\slash"}, f.titles(r.Body))
		assert.Contains(t, r.Body, `aria-sort="descending"><a href="/o/deal?sort=amount"`)
		r = f.b.get("/o/deal?sort=nosuch")
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `cannot sort by unknown field &#34;nosuch&#34;`)
	})
}

// TestListFilterBuilder: each kind of operator writes its expression;
// quotes and backslashes in a value neither break nor inject; a bad value
// is told by the rows; an invalid expression shows its located error.
func TestListFilterBuilder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newListFixture(t, db)
		acme, upsell, globex, back := "ACME Corp renewal", "Acme ltd upsell", `Globex "big" deal`, "back\\slash"
		cases := []struct {
			name   string
			conds  [][3]string
			expr   string
			want   []string
			filter string
		}{
			{"text equals", [][3]string{{"title", "eq", acme}}, "", []string{acme}, `title == "ACME Corp renewal"`},
			{"text not equals", [][3]string{{"title", "ne", acme}}, "", []string{upsell, globex, back}, ""},
			{"contains", [][3]string{{"title", "contains", "cme"}}, "", []string{upsell}, `title contains "cme"`},
			{"starts with", [][3]string{{"title", "startswith", "Glo"}}, "", []string{globex}, ""},
			{"quotes", [][3]string{{"title", "eq", `Globex "big" deal`}}, "", []string{globex}, `title == "Globex \"big\" deal"`},
			{"backslash", [][3]string{{"title", "eq", `back\slash`}}, "", []string{back}, ""},
			{"injection", [][3]string{{"title", "eq", `x" || title != "`}}, "", nil, ""},
			{"number >", [][3]string{{"amount", "gt", "300"}}, "", []string{acme, globex}, "amount > 300"},
			{"number ≤", [][3]string{{"amount", "le", "300"}}, "", []string{upsell, back}, ""},
			{"number =", [][3]string{{"amount", "num_eq", "1200.50"}}, "", []string{acme}, ""},
			{"number ≠", [][3]string{{"amount", "num_ne", "5"}}, "", []string{acme, upsell, globex}, ""},
			{"equals on a number", [][3]string{{"amount", "eq", "5"}}, "", []string{back}, ""},
			{"date ≥", [][3]string{{"close_date", "ge", "2026-01-01"}}, "", []string{acme, upsell}, `close_date >= "2026-01-01"`},
			{"date <", [][3]string{{"close_date", "lt", "2026-01-01"}}, "", []string{globex}, ""},
			{"datetime", [][3]string{{"seen_at", "ge", "2026-03-01T10:00"}}, "", []string{acme}, `seen_at >= "2026-03-01T10:00:00Z"`},
			{"is true", [][3]string{{"closed", "true", ""}}, "", []string{upsell}, "closed"},
			{"is false", [][3]string{{"closed", "false", ""}}, "", []string{acme, globex, back}, "!closed"},
			{"picklist is", [][3]string{{"stage", "is", "open"}}, "", []string{acme, back}, `stage == "open"`},
			{"picklist by label", [][3]string{{"stage", "is", "Won"}}, "", []string{upsell}, ""},
			{"picklist is not", [][3]string{{"stage", "isnot", "Open"}}, "", []string{upsell, globex}, `stage != "open"`},
			{"picklist in", [][3]string{{"stage", "in", "won, Lost"}}, "", []string{upsell, globex}, `stage in ["won", "lost"]`},
			{"multi includes", [][3]string{{"tags", "includes", "vip"}}, "", []string{acme, upsell}, `INCLUDES(tags, "vip")`},
			{"lookup is", [][3]string{{"account", "id", f.acme}}, "", []string{acme}, ""},
			{"lookup empty", [][3]string{{"account", "empty", ""}}, "", []string{upsell, globex, back}, "account == nil"},
			{"and", [][3]string{{"stage", "is", "open"}, {"amount", "gt", "10"}}, "", []string{acme}, `(stage == "open") && (amount > 10)`},
			{"rows and expression", [][3]string{{"stage", "is", "open"}}, `amount < 10`, []string{back}, `(stage == "open") && (amount < 10)`},
			{"expression alone", nil, `title startsWith "Acme" || amount > 5000`, []string{upsell, globex}, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				kv := []string{"sort", "title"}
				for _, c := range tc.conds {
					kv = append(kv, "ff", c[0], "fo", c[1], "fv", c[2])
				}
				if tc.expr != "" {
					kv = append(kv, "expr", tc.expr)
				}
				r := f.b.get(listQuery("deal", kv...))
				require.Equal(t, http.StatusOK, r.Status, r.Body)
				want := append([]string(nil), tc.want...)
				sortTitles(want)
				assert.Equal(t, want, f.titles(r.Body))
				if tc.filter != "" {
					assert.Contains(t, html.UnescapeString(r.Body), "<code>"+tc.filter+"</code>")
				}
				if len(tc.conds) > 0 {
					assert.Contains(t, r.Body, `<option value="`+tc.conds[0][0]+`" data-kind=`, "the row keeps its field")
				}
			})
		}

		// A bad value, an operator of another kind, a hidden or unknown
		// field: told by the rows, 422, never a 500.
		for _, tc := range []struct{ field, op, value, msg string }{
			{"amount", "gt", "lots", "Amount: enter a number"},
			{"close_date", "ge", "tomorrow", "enter a date as YYYY-MM-DD"},
			{"closed", "contains", "x", "does not apply"},
			{"title", "contains", "", "Enter a value for Title"},
			{"stage", "is", "nosuch", `nosuch`},
			{"nosuch", "eq", "x", `There is no field &#34;nosuch&#34;`},
		} {
			r := f.b.get(listQuery("deal", "ff", tc.field, "fo", tc.op, "fv", tc.value))
			assert.Equal(t, http.StatusUnprocessableEntity, r.Status, tc.field)
			assert.Contains(t, r.Body, `id="list-builder-error" role="alert">`, tc.field)
			assert.Contains(t, r.Body, tc.msg, tc.field)
			assert.Empty(t, rowIDs(r.Body))
		}

		// An invalid expression: its located error by the box.
		r := f.b.get(listQuery("deal", "expr", "amount > 1 && stauts == 2"))
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="list-expr-error" role="alert">`)
		assert.Contains(t, r.Body, "unknown field &#34;stauts&#34; (1:15)\n | amount &gt; 1 &amp;&amp; stauts == 2\n | ..............^")
		assert.Contains(t, r.Body, `aria-invalid="true"`)
		assert.Contains(t, r.Body, "<details class=\"list-advanced\" open>")
		r = f.b.get(listQuery("deal", "expr", `amount >`))
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="list-expr-error"`)
		assert.Contains(t, r.Body, `(1:`)

		// htmx: only the results region, with the error in it, as 200 so
		// that htmx swaps it.
		r = f.b.do("GET", listQuery("deal", "expr", "stauts == 1"), nil, "HX-Request", "true", "HX-Target", "list-results")
		assert.Equal(t, http.StatusOK, r.Status)
		assert.NotContains(t, r.Body, "<html")
		assert.True(t, strings.HasPrefix(strings.TrimSpace(r.Body), `<div id="list-results"`), r.Body)
		assert.Contains(t, r.Body, "unknown field &#34;stauts&#34;")
		r = f.b.do("GET", listQuery("deal", "ff", "stage", "fo", "is", "fv", "won"), nil, "HX-Request", "true", "HX-Target", "list-results")
		assert.Equal(t, []string{upsell}, f.titles(r.Body))
		assert.NotContains(t, r.Body, "<html")
	})
}

func sortTitles(xs []string) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// TestListQuickSearch: the search box finds names containing the text in
// any of its usual cases, with the filter.
func TestListQuickSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newListFixture(t, db)
		r := f.b.get(listQuery("deal", "q", "acme", "sort", "title"))
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Equal(t, []string{"ACME Corp renewal", "Acme ltd upsell"}, f.titles(r.Body))
		assert.Contains(t, r.Body, `<label for="list-q">Search Title</label>`)
		assert.Contains(t, r.Body, `name="q" value="acme"`)
		r = f.b.get(listQuery("deal", "q", "acme", "ff", "stage", "fo", "is", "fv", "won"))
		assert.Equal(t, []string{"Acme ltd upsell"}, f.titles(r.Body))
		r = f.b.get(listQuery("deal", "q", `"`))
		assert.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, []string{`Globex "big" deal`}, f.titles(r.Body))
	})
}

// TestListPagination: 60 records, 50 a page: the next page has the other
// 10, and a link back to the first; the count is of them all.
func TestListPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "item", "name_field": "code", "fields": [{"name": "code", "type": "text"}, {"name": "n", "type": "number"}]}`)
		recs := make([]map[string]any, 60)
		for i := range recs {
			recs[i] = map[string]any{"code": fmt.Sprintf("I-%02d", i), "n": i}
		}
		e.MustDo(http.StatusOK, "POST", "/api/v1/objects/item/records/batch", map[string]any{"operation": "create", "records": recs})
		e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+e.Admin.ID+"/password", map[string]any{"password": password})
		b := newBrowser(t, app)
		b.signIn("acme", e.Admin.Email, password)

		itemLink := regexp.MustCompile(`<a href="/o/item/[0-9a-f-]{36}">(I-\d\d)</a>`)
		r := b.get("/o/item?sort=-n")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		first := itemLink.FindAllStringSubmatch(r.Body, -1)
		require.Len(t, first, 50)
		assert.Equal(t, "I-59", first[0][1])
		assert.Contains(t, r.Body, "60 records")
		assert.NotContains(t, r.Body, `rel="first"`)
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(r.Body)
		require.NotNil(t, next, "a next page link")
		r = b.get(html.UnescapeString(next[1]))
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		second := itemLink.FindAllStringSubmatch(r.Body, -1)
		require.Len(t, second, 10)
		assert.Equal(t, "I-09", second[0][1])
		assert.Equal(t, "I-00", second[9][1])
		assert.Contains(t, r.Body, "60 records")
		assert.NotContains(t, r.Body, `rel="next"`)
		assert.Contains(t, r.Body, `<a href="/o/item?sort=-n" rel="first">`)

		r = b.get("/o/item?cursor=garbage")
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "a bad cursor is the user's, not a 500")
	})
}

// TestListVisibilityAndHiddenFields: a private object's list shows the
// user's records, not another's; a field the role may not read appears
// nowhere — columns, column choices, the builder — and naming it is as
// naming no field; without create permission there is no New button.
func TestListVisibilityAndHiddenFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "lead", "plural_label": "Leads", "name_field": "name", "sharing": "private", "fields": [
  {"name": "name", "type": "text"}, {"name": "score", "type": "number"}, {"name": "salary", "label": "Salary", "type": "currency"}]}`)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", `{"permission_sets": [
  {"name": "leads", "objects": {"lead": {"read": true, "create": true}}, "fields": {"lead": {"name": {"read": true, "edit": true}, "score": {"read": true, "edit": true}}}},
  {"name": "leads_ro", "objects": {"lead": {"read": true}}, "fields": {"lead": {"name": {"read": true}}}}]}`)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", `{"roles": [{"name": "sales", "permission_sets": ["leads"]}, {"name": "viewer", "permission_sets": ["leads_ro"]}]}`)
		_, ada := e.AddUser("ada@example.com", "sales", password)
		_, bob := e.AddUser("bob@example.com", "sales", password)
		e.AddUser("val@example.com", "viewer", password)
		for _, rec := range []struct{ token, body string }{
			{ada, `{"name": "Ada's lead", "score": 1}`}, {bob, `{"name": "Bob's lead", "score": 2}`},
		} {
			r := e.DoAs(rec.token, "POST", "/api/v1/objects/lead/records", rec.body)
			require.Equal(t, http.StatusCreated, r.Status, r.String())
		}
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/lead/records", `{"name": "Admin's lead", "salary": "99999"}`)

		b := newBrowser(t, app)
		b.signIn("acme", "ada@example.com", password)
		r := b.get("/o/lead")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Contains(t, r.Body, "Ada&#39;s lead")
		assert.NotContains(t, r.Body, "Bob&#39;s lead")
		assert.NotContains(t, r.Body, "Admin&#39;s lead")
		assert.Contains(t, r.Body, "1 record<")
		assert.Contains(t, r.Body, `href="/o/lead/new"`)
		assert.NotContains(t, r.Body, "salary")
		assert.NotContains(t, r.Body, "Salary")

		for _, path := range []string{
			listQuery("lead", "col", "salary"),
			listQuery("lead", "sort", "salary"),
			listQuery("lead", "ff", "salary", "fo", "num_gt", "fv", "1"),
			listQuery("lead", "expr", "salary > 1"),
		} {
			r := b.get(path)
			assert.NotEqual(t, http.StatusInternalServerError, r.Status, path)
			assert.NotContains(t, r.Body, `data-label="Salary"`, path)
			assert.NotContains(t, r.Body, `value="salary" data-kind`, path)
			assert.NotContains(t, r.Body, "99999", path)
		}
		r = b.get(listQuery("lead", "expr", "salary > 1"))
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "unknown field &#34;salary&#34; (1:1)")

		v := newBrowser(t, app)
		v.signIn("acme", "val@example.com", password)
		r = v.get("/o/lead")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.NotContains(t, r.Body, `href="/o/lead/new"`, "no create permission")
		assert.NotContains(t, r.Body, `data-label="score"`)

		// An object the role may not read is not there.
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "secret", "fields": [{"name": "x", "type": "text"}]}`)
		assert.Equal(t, http.StatusNotFound, b.get("/o/secret").Status)
	})
}

// listModel is the tenant's current metadata, as the API gives it.
func listModel(t *testing.T, e *apitest.Env) (int, *metadata.Model) {
	t.Helper()
	r := e.Do("GET", "/api/v1/metadata", nil)
	require.Equal(t, http.StatusOK, r.Status, r.String())
	var doc struct {
		Revision int             `json:"revision"`
		Model    *metadata.Model `json:"model"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc))
	return doc.Revision, doc.Model
}

// TestListSavedViews: an administrator saves the list as a shared view,
// which is metadata of the object (a new revision), and saving under its
// label again replaces it; a user saves personal views, seen by them
// alone; the picker offers each user the shared views and their own;
// applying one shows its list; users delete their own views; only
// administrators share and delete shared views.
func TestListSavedViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newListFixture(t, db)
		e := f.e
		e.AddUser("ada@example.com", "standard", password)
		ada := newBrowser(t, f.b.app)
		ada.signIn("acme", "ada@example.com", password)

		viewID := func(r response) string {
			require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
			u, err := url.Parse(r.Location)
			require.NoError(t, err)
			return u.Query().Get("view")
		}

		rev, _ := listModel(t, e)
		page := f.b.get(listQuery("deal", "ff", "amount", "fo", "gt", "fv", "1000", "col", "amount", "col", "stage", "sort", "-amount"))
		query := regexp.MustCompile(`name="query" value="([^"]*)"`).FindStringSubmatch(page.Body)
		require.NotNil(t, query)
		assert.Contains(t, page.Body, `name="shared"`, "administrators may share")
		shared := viewID(f.b.post("/list-views/deal", url.Values{"name": {"Big deals"}, "query": {html.UnescapeString(query[1])}, "shared": {"1"}}))
		assert.Equal(t, "big_deals", shared, "named after its label")

		next, m := listModel(t, e)
		assert.Equal(t, rev+1, next, "a new revision")
		v := m.Object("deal").ListView("big_deals")
		require.NotNil(t, v, "the view is metadata of the object")
		assert.Equal(t, metadata.ListView{Name: "big_deals", Label: metadata.Text{"en": "Big deals"}, Columns: []string{"amount", "stage"}, Filter: "amount > 1000", Sort: "-amount"}, *v)
		assert.Contains(t, e.Do("GET", "/api/v1/metadata/revisions", nil).String(), "save list view deal.big_deals")

		mine := viewID(ada.post("/list-views/deal", url.Values{"name": {"Won"}, "query": {"ff=stage&fo=is&fv=won"}}))
		page = ada.get("/o/deal")
		assert.NotContains(t, page.Body, `name="shared"`)
		r := ada.post("/list-views/deal", url.Values{"name": {"Sneaky"}, "query": {""}, "shared": {"1"}})
		assert.Equal(t, http.StatusForbidden, r.Status, "only administrators share")
		r = ada.post("/list-views/deal", url.Values{"name": {"  "}, "query": {""}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		after, _ := listModel(t, e)
		assert.Equal(t, next, after, "personal views are no metadata")

		page = ada.get("/o/deal")
		assert.Contains(t, page.Body, `<option value="big_deals">Big deals (shared)</option>`)
		assert.Contains(t, page.Body, `<option value="`+mine+`">Won</option>`)
		page = f.b.get("/o/deal")
		assert.Contains(t, page.Body, "Big deals")
		assert.NotContains(t, page.Body, `<option value="`+mine+`"`, "another user's personal view")
		assert.Equal(t, http.StatusNotFound, f.b.get("/o/deal?view="+mine).Status)
		assert.Equal(t, http.StatusNotFound, f.b.get("/o/deal?view=no_such_view").Status)

		page = ada.get("/o/deal?view=" + shared)
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Equal(t, []string{`Globex "big" deal`, "ACME Corp renewal"}, f.titles(page.Body))
		assert.Contains(t, page.Body, `<th scope="col" class="num" aria-sort="descending">`, "sorted by amount")
		assert.Contains(t, page.Body, `<td data-label="Stage">Lost</td>`, "its columns")
		assert.NotContains(t, page.Body, `<td data-label="Closed">`)
		assert.Contains(t, page.Body, `<option value="`+shared+`" selected>`)
		assert.NotContains(t, page.Body, "Delete view Big deals", "not ada's to delete")
		r = ada.post("/list-views/deal/"+shared+"/delete", nil)
		assert.Equal(t, http.StatusForbidden, r.Status)

		page = ada.get("/o/deal?view=" + mine)
		assert.Equal(t, []string{"Acme ltd upsell"}, f.titles(page.Body))
		assert.Contains(t, page.Body, "Delete view Won")
		assert.Equal(t, http.StatusNotFound, f.b.post("/list-views/deal/"+mine+"/delete", nil).Status, "not the administrator's")
		r = ada.post("/list-views/deal/"+mine+"/delete", nil)
		assert.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.NotContains(t, ada.get("/o/deal").Body, ">Won</option>")
		assert.Equal(t, http.StatusNotFound, ada.post("/list-views/deal/"+mine+"/delete", nil).Status)

		// Saving under the label again replaces the shared view.
		assert.Equal(t, shared, viewID(f.b.post("/list-views/deal", url.Values{"name": {"Big deals"}, "query": {"sort=title"}, "shared": {"1"}})))
		_, m = listModel(t, e)
		require.Len(t, m.Object("deal").ListViews, 1)
		assert.Equal(t, metadata.ListView{Name: "big_deals", Label: metadata.Text{"en": "Big deals"}, Sort: "title"}, *m.Object("deal").ListViews[0])
		assert.Equal(t, "view_all", viewID(f.b.post("/list-views/deal", url.Values{"name": {"All"}, "query": {""}, "shared": {"1"}})), "a reserved word is no name")

		r = f.b.post("/list-views/deal/"+shared+"/delete", nil)
		assert.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.NotContains(t, ada.get("/o/deal").Body, "Big deals")
		_, m = listModel(t, e)
		assert.Nil(t, m.Object("deal").ListView("big_deals"), "deleted from the metadata")
	})
}

// TestListSharedViewsAsMetadata: shared views declared in the object's
// document are offered with their labels in the user's language; a view
// shows only the columns the user may read and drops a sort by a hidden
// field, never an error; a view's filter that does not translate is
// refused with the object; a field rename follows into the view.
func TestListSharedViewsAsMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		r := e.Do("POST", "/api/v1/objects", `{"name": "bad", "fields": [{"name": "x", "type": "text"}], "list_views": [{"name": "v", "filter": "nope > 1"}]}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Contains(t, r.String(), `"field":"objects.bad.list_views.v.filter"`)
		assert.Contains(t, r.String(), `unknown field \"nope\" (1:1)`)

		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "lead", "plural_label": "Leads", "name_field": "name", "fields": [
  {"name": "name", "type": "text"}, {"name": "score", "label": "Score", "type": "number"}, {"name": "salary", "label": "Salary", "type": "currency"}],
  "list_views": [{"name": "top", "label": {"en": "Top leads", "zh-CN": "重点线索"}, "columns": ["score", "salary"], "sort": "-salary", "filter": "score > 0"}]}`)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", `{"permission_sets": [
  {"name": "leads", "objects": {"lead": {"read": true}}, "fields": {"lead": {"name": {"read": true}, "score": {"read": true}}}}]}`)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", `{"roles": [{"name": "sales", "permission_sets": ["leads"]}]}`)
		e.AddUser("ada@example.com", "sales", password)
		for _, rec := range []string{`{"name": "Low", "score": 1, "salary": "900"}`, `{"name": "High", "score": 5, "salary": "10"}`, `{"name": "None", "score": 0}`} {
			e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/lead/records", rec)
		}

		ada := newBrowser(t, app)
		ada.signIn("acme", "ada@example.com", password)
		page := ada.get("/o/lead")
		assert.Contains(t, page.Body, `<option value="top">Top leads (shared)</option>`)
		page = ada.get("/o/lead?view=top")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, `<td data-label="Score" class="num">1</td>`)
		assert.NotContains(t, page.Body, "Salary", "a hidden column is skipped")
		assert.NotContains(t, page.Body, "900")
		assert.NotContains(t, page.Body, "aria-sort", "a sort by a hidden field is dropped")
		assert.Contains(t, page.Body, "2 records<", "the filter applies")
		assert.NotContains(t, page.Body, "Delete view", "only administrators delete shared views")

		ada.lang = "zh-CN,zh;q=0.9"
		assert.Contains(t, ada.get("/o/lead").Body, `<option value="top">重点线索 (共享)</option>`)
		ada.lang = ""

		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/lead/fields/salary", `{"name": "pay"}`)
		_, m := listModel(t, e)
		v := m.Object("lead").ListView("top")
		require.NotNil(t, v)
		assert.Equal(t, []string{"score", "pay"}, v.Columns, "the rename follows into the view")
		assert.Equal(t, "-pay", v.Sort)
		r = e.Do("PATCH", "/api/v1/objects/lead/fields/score", `{"name": "points"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "the filter reads score and is not rewritten")
		assert.Contains(t, r.String(), "objects.lead.list_views.top.filter")
		page = ada.get("/o/lead?view=top")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, "2 records<")
	})
}

// TestListChinese: with Accept-Language zh-CN the page, labels of fields
// and picklist values and booleans are Chinese.
func TestListChinese(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newListFixture(t, db)
		f.b.lang = "zh-CN,zh;q=0.9"
		r := f.b.get("/o/deal?sort=title")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Contains(t, r.Body, `<html lang="zh-CN">`)
		assert.Contains(t, r.Body, "<caption>交易 · 4 条记录</caption>")
		assert.Contains(t, r.Body, `<td data-label="标题">`)
		assert.Contains(t, r.Body, `<td data-label="阶段">进行中</td>`)
		assert.Contains(t, r.Body, `<td data-label="阶段">Lost</td>`, "a label without a translation falls back to English")
		assert.Contains(t, r.Body, `<td data-label="已关闭">否</td>`)
		assert.Contains(t, r.Body, "筛选")
		assert.Contains(t, r.Body, ">新建</a>")
		assert.Contains(t, r.Body, "保存视图")
		r = f.b.get(listQuery("deal", "ff", "stage", "fo", "is", "fv", "赢单"))
		assert.Equal(t, []string{"Acme ltd upsell"}, f.titles(r.Body), "a picklist value by its Chinese label")
	})
}
