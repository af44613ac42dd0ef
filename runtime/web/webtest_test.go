package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/web"
)

// browser is a test client of the web UI: it keeps cookies and the
// session's CSRF token, and follows nothing (tests see redirects).
type browser struct {
	t       *testing.T
	app     *fiber.App
	cookies map[string]string
	csrf    string
	lang    string
}

// newUI builds the API with the web UI mounted over a tenant "acme".
func newUI(t *testing.T, db store.DB) (*apitest.Env, *fiber.App) {
	e := apitest.New(t, db, "acme")
	return e, e.API.App(web.New(e.API).Mount)
}

func newBrowser(t *testing.T, app *fiber.App) *browser {
	return &browser{t: t, app: app, cookies: map[string]string{}}
}

// response is a page answered.
type response struct {
	Status   int
	Body     string
	Location string
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

func (b *browser) do(method, path string, form url.Values, headers ...string) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := b.app.Test(req, -1)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	r := response{Status: res.StatusCode, Body: string(raw), Location: res.Header.Get("Location")}
	if m := csrfInput.FindStringSubmatch(r.Body); m != nil && path != "/sign-in" {
		b.csrf = m[1]
	}
	return r
}

func (b *browser) get(path string) response { return b.do("GET", path, nil) }

// post sends a form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) response {
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", b.csrf)
	}
	return b.do("POST", path, form)
}

// signIn signs in through the form and loads the home page (for its CSRF
// token).
func (b *browser) signIn(tenant, email, password string) {
	b.t.Helper()
	page := b.get("/sign-in")
	require.Equal(b.t, http.StatusOK, page.Status, page.Body)
	token := csrfInput.FindStringSubmatch(page.Body)[1]
	r := b.do("POST", "/sign-in", url.Values{"_csrf": {token}, "tenant": {tenant}, "email": {email}, "password": {password}})
	require.Equal(b.t, http.StatusSeeOther, r.Status, r.Body)
	home := b.get("/")
	require.Equal(b.t, http.StatusOK, home.Status, home.Body)
}
