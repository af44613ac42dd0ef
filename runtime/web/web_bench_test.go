package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
	"github.com/mosaic-paas/mosaic/runtime/web"
)

// BenchmarkPages measures the server time of the UI's main pages, through
// the fiber app in process, signed in as an administrator, on each store:
// a list page of 50 rows of 1,000 (ten columns of text, numbers, dates,
// picklists and a lookup shown by name), a record page, and its edit form.
// The target is under 50 ms per page.
func BenchmarkPages(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			e := apitest.New(b, storetest.Open(b, kind), "bench")
			e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+e.Admin.ID+"/password", map[string]any{"password": password})
			e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "account", "name_field": "name", "fields": [{"name": "name", "type": "text"}]}`)
			e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "name_field": "title", "fields": [
  {"name": "title", "type": "text"}, {"name": "amount", "type": "currency", "settings": {"precision": 14, "scale": 2}},
  {"name": "probability", "type": "percent", "settings": {"precision": 5, "scale": 2}}, {"name": "close_date", "type": "date"},
  {"name": "stage", "type": "picklist", "settings": {"values": [{"value": "Open", "label": {"en": "Open", "zh-CN": "打开"}}, {"value": "Won"}, {"value": "Lost"}]}},
  {"name": "account", "type": "lookup", "settings": {"target": "account"}}, {"name": "region", "type": "text"},
  {"name": "quantity", "type": "number"}, {"name": "hot", "type": "boolean"}, {"name": "notes", "type": "text"}]}`)
			var accounts []string
			for i := range 20 {
				accounts = append(accounts, e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/account/records", map[string]any{"name": fmt.Sprintf("Account %d", i)})["id"].(string))
			}
			var batch []any
			var deal string
			for i := range 1000 {
				batch = append(batch, map[string]any{"title": fmt.Sprintf("Deal %04d", i), "amount": 1000 + i, "probability": i % 100,
					"close_date": "2026-12-01", "stage": "Open", "account": accounts[i%len(accounts)], "region": "EMEA", "quantity": i, "hot": i%2 == 0, "notes": "n"})
				if len(batch) == 200 {
					e.MustDo(http.StatusOK, "POST", "/api/v1/objects/deal/records/batch", map[string]any{"operation": "create", "records": batch})
					batch = nil
				}
			}
			list := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal/records?limit=1", nil)["records"].([]any)
			deal = list[0].(map[string]any)["id"].(string)
			app := e.API.App(web.New(e.API).Mount)
			cookie := benchSignIn(b, app, e)
			for _, p := range []struct{ name, path string }{
				{"list_50", "/o/deal?sort=title"},
				{"record", "/o/deal/" + deal},
				{"edit_form", "/o/deal/" + deal + "/edit"},
			} {
				b.Run(p.name, func(b *testing.B) {
					for b.Loop() {
						req := httptest.NewRequest("GET", p.path, nil)
						req.AddCookie(cookie)
						res, err := app.Test(req, -1)
						if err != nil {
							b.Fatal(err)
						}
						body, _ := io.ReadAll(res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							b.Fatalf("%s: %d %s", p.path, res.StatusCode, body)
						}
						if p.name == "list_50" && strings.Count(string(body), "<tr") != 51 {
							b.Fatalf("the list has %d rows", strings.Count(string(body), "<tr")-1)
						}
					}
				})
			}
		})
	}
}

// benchSignIn signs the administrator in through the form and returns the
// session cookie.
func benchSignIn(b *testing.B, app interface {
	Test(*http.Request, ...int) (*http.Response, error)
}, e *apitest.Env) *http.Cookie {
	b.Helper()
	res, err := app.Test(httptest.NewRequest("GET", "/sign-in", nil), -1)
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	token := regexp.MustCompile(`name="_csrf" value="([^"]*)"`).FindStringSubmatch(string(page))[1]
	form := url.Values{"_csrf": {token}, "tenant": {"bench"}, "email": {e.Admin.Email}, "password": {password}}
	req := httptest.NewRequest("POST", "/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	res, err = app.Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range res.Cookies() {
		if c.Name == "mosaic_session" {
			return c
		}
	}
	b.Fatalf("no session after signing in: %d", res.StatusCode)
	return nil
}
