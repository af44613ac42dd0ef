package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

const (
	exportItemDoc = `{"name": "item", "sharing": "private", "fields": [
  {"name": "title", "type": "text"},
  {"name": "amount", "type": "number"},
  {"name": "due", "type": "date"},
  {"name": "tags", "type": "multi_picklist", "settings": {"values": [{"value": "red"}, {"value": "blue"}, {"value": "green"}]}},
  {"name": "margin", "type": "number"}]}`
	exportSetsDoc = `{"permission_sets": [
  {"name": "items", "objects": {"item": {"read": true, "create": true}},
   "fields": {"item": {"title": {"read": true, "edit": true}, "amount": {"read": true, "edit": true},
                       "due": {"read": true, "edit": true}, "tags": {"read": true, "edit": true}}}}
]}`
	exportRolesDoc = `{"roles": [{"name": "seller", "permission_sets": ["items"]}, {"name": "stranger"}]}`
)

// TestExportRecords checks GET /objects/{object}/records/export: every
// record a list would return, over several internal pages, in CSV and
// NDJSON, with the list's filter, sort and fields, record-level access and
// field-level security, and an audit entry.
func TestExportRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, exportItemDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", exportSetsDoc)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", exportRolesDoc)
		_, seller := e.AddUser("seller@example.com", "seller", password)
		_, stranger := e.AddUser("stranger@example.com", "stranger", password)
		base := "/api/v1/objects/item/records"

		// 230 records of the administrator: more than one page of 200.
		for start := 0; start < 230; start += 115 {
			var recs []string
			for i := start; i < start+115; i++ {
				recs = append(recs, fmt.Sprintf(`{"title": "A%03d", "amount": %d, "due": "2030-01-02", "tags": ["red", "blue"], "margin": 7}`, i, i))
			}
			e.MustDo(http.StatusOK, "POST", base+"/batch", `{"operation": "create", "records": [`+strings.Join(recs, ",")+`]}`)
		}
		// Three of the seller's own, which are all it may see.
		for i := range 3 {
			r := e.DoAs(seller, "POST", base, fmt.Sprintf(`{"title": "S%d, \"quoted\"", "amount": %d}`, i, 1000+i))
			require.Equal(t, http.StatusCreated, r.Status, r.String())
		}

		readCSV := func(t *testing.T, r *apitest.Response) [][]string {
			t.Helper()
			require.Equal(t, http.StatusOK, r.Status, r.String())
			assert.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
			assert.Equal(t, `attachment; filename="item.csv"`, r.Header.Get("Content-Disposition"))
			rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			require.NoError(t, err)
			require.NotEmpty(t, rows)
			return rows
		}
		column := func(rows [][]string, name string) int {
			for i, h := range rows[0] {
				if h == name {
					return i
				}
			}
			return -1
		}

		t.Run("admin csv, every record", func(t *testing.T) {
			rows := readCSV(t, e.DoAs(e.Token, "GET", base+"/export?format=csv&sort=amount", nil))
			require.Len(t, rows, 1+233)
			for _, h := range []string{"id", "version", "owner_id", "title", "amount", "due", "tags", "margin"} {
				assert.NotEqual(t, -1, column(rows, h), h)
			}
			first := rows[1]
			assert.Equal(t, "A000", first[column(rows, "title")])
			assert.Equal(t, "0", first[column(rows, "amount")])
			assert.Equal(t, "2030-01-02", first[column(rows, "due")])
			assert.Equal(t, "red;blue", first[column(rows, "tags")])
			assert.Equal(t, `S2, "quoted"`, rows[233][column(rows, "title")], "CSV quoting round-trips")
			seen := map[string]bool{}
			for _, row := range rows[1:] {
				seen[row[column(rows, "id")]] = true
			}
			assert.Len(t, seen, 233, "no record twice across pages")
		})

		t.Run("seller: own records, visible fields", func(t *testing.T) {
			rows := readCSV(t, e.DoAs(seller, "GET", base+"/export", nil))
			require.Len(t, rows, 1+3)
			assert.Equal(t, -1, column(rows, "margin"), "a hidden field is not exported")
			for _, row := range rows[1:] {
				assert.True(t, strings.HasPrefix(row[column(rows, "title")], "S"), row)
			}
		})

		t.Run("filter, sort and fields", func(t *testing.T) {
			rows := readCSV(t, e.DoAs(e.Token, "GET", base+"/export?filter="+urlQuery("amount >= 220 && amount < 1000")+"&sort=-amount&fields=title", nil))
			assert.Equal(t, []string{"id", "title", "version"}, sortedCopy(rows[0]))
			require.Len(t, rows, 1+10)
			assert.Equal(t, "A229", rows[1][column(rows, "title")])
			assert.Equal(t, "A220", rows[10][column(rows, "title")])
		})

		t.Run("ndjson", func(t *testing.T) {
			r := e.DoAs(e.Token, "GET", base+"/export?format=ndjson&filter="+urlQuery("amount < 1000"), nil)
			require.Equal(t, http.StatusOK, r.Status, r.String())
			assert.Equal(t, "application/x-ndjson", r.Header.Get("Content-Type"))
			assert.Equal(t, `attachment; filename="item.ndjson"`, r.Header.Get("Content-Disposition"))
			lines := strings.Split(strings.TrimSuffix(string(r.Body), "\n"), "\n")
			require.Len(t, lines, 230)
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
			assert.Equal(t, []any{"red", "blue"}, rec["tags"])
		})

		runAll(t, e, []scenario{
			{name: "no read permission", method: "GET", path: base + "/export", token: stranger, status: 404, code: "unknown_object"},
			{name: "bad format", method: "GET", path: base + "/export?format=xlsx", status: 400, code: "invalid_query"},
			{name: "bad filter", method: "GET", path: base + "/export?filter=" + urlQuery("amount >"), status: 400, code: "invalid_query"},
			{name: "hidden field", method: "GET", path: base + "/export?fields=margin", token: seller, status: 400, code: "invalid_query"},
			{name: "filter on a hidden field", method: "GET", path: base + "/export?filter=" + urlQuery("margin > 1"), token: seller, status: 400, code: "invalid_query"},
		})

		// Each export is audited with its object and count.
		audit := e.MustDo(http.StatusOK, "GET", "/api/v1/audit?event=records.exported", nil)
		entries := audit["entries"].([]any)
		require.Len(t, entries, 4)
		counts := map[string]bool{}
		for _, en := range entries {
			d := en.(map[string]any)["detail"].(map[string]any)
			assert.Equal(t, "item", d["object"])
			counts[fmt.Sprint(d["count"])] = true
		}
		assert.Equal(t, map[string]bool{"233": true, "3": true, "10": true, "230": true}, counts)
	})
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestExportSpreadsheetSafe: a text cell that a spreadsheet would run as a
// formula is exported with a leading apostrophe, numbers never are, and
// raw=true exports the values as stored.
func TestExportSpreadsheetSafe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		mustDefine(t, e, exportItemDoc)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/item/records", `{"title": "=HYPERLINK(\"http://evil\")", "amount": -5}`)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/item/records", `{"title": "@SUM(A1)", "amount": 1}`)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/item/records", `{"title": "plain", "amount": 2}`)
		read := func(query string) map[string]string {
			r := e.Do("GET", "/api/v1/objects/item/records/export?fields=title,amount&sort=amount"+query, nil)
			require.Equal(t, http.StatusOK, r.Status, r.String())
			rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			require.NoError(t, err)
			col := map[string]int{}
			for i, name := range rows[0] {
				col[name] = i
			}
			out := map[string]string{}
			for _, row := range rows[1:] {
				out[row[col["amount"]]] = row[col["title"]]
			}
			return out
		}
		safe := read("")
		assert.Equal(t, `'=HYPERLINK("http://evil")`, safe["-5"])
		assert.Equal(t, "'@SUM(A1)", safe["1"])
		assert.Equal(t, "plain", safe["2"])
		raw := read("&raw=true")
		assert.Equal(t, `=HYPERLINK("http://evil")`, raw["-5"], "numbers are never altered, and raw keeps text")
	})
}
