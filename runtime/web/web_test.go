package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const password = "correct horse battery"

// TestSignInAndNavigation: pages need a session; the sign-in form refuses
// a post without its token and wrong credentials, then signs in; the
// navigation lists the objects the user may read; the language switch
// changes the UI; unknown pages are pages; a post without the session's
// CSRF token is refused; sign-out ends the session.
func TestSignInAndNavigation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "label": {"en": "Deal", "zh-CN": "交易"}, "plural_label": {"en": "Deals", "zh-CN": "交易"}, "fields": [{"name": "title", "type": "text"}]}`)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "secret", "fields": [{"name": "x", "type": "text"}]}`)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", `{"permission_sets": [{"name": "deals", "objects": {"deal": {"read": true}}, "fields": {"deal": {"title": {"read": true}}}}]}`)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", `{"roles": [{"name": "sales", "permission_sets": ["deals"]}]}`)
		e.AddUser("ada@example.com", "sales", password)

		b := newBrowser(t, app)
		r := b.get("/")
		assert.Equal(t, http.StatusSeeOther, r.Status)
		assert.Equal(t, "/sign-in?next=%2F", r.Location)

		page := b.get("/sign-in")
		assert.Contains(t, page.Body, `<label for="email">`)
		r = b.do("POST", "/sign-in", url.Values{"tenant": {"acme"}, "email": {"ada@example.com"}, "password": {password}})
		assert.Equal(t, http.StatusForbidden, r.Status, "no form token")
		token := regexp.MustCompile(`name="_csrf" value="([^"]*)"`).FindStringSubmatch(b.get("/sign-in").Body)[1]
		r = b.do("POST", "/sign-in", url.Values{"_csrf": {token}, "tenant": {"acme"}, "email": {"ada@example.com"}, "password": {"wrong"}})
		assert.Equal(t, http.StatusUnauthorized, r.Status)
		assert.Contains(t, r.Body, "not right")

		b.signIn("acme", "ada@example.com", password)
		home := b.get("/")
		assert.Contains(t, home.Body, `href="/o/deal"`)
		assert.Contains(t, home.Body, "Deals")
		assert.NotContains(t, home.Body, `href="/o/secret"`, "objects the role may not read are not offered")
		assert.NotContains(t, home.Body, `href="/admin"`)

		r = b.get("/language/zh-CN?back=/")
		assert.Equal(t, http.StatusSeeOther, r.Status)
		home = b.get("/")
		assert.Contains(t, home.Body, `<html lang="zh-CN">`)
		assert.Contains(t, home.Body, "退出")
		assert.Contains(t, home.Body, "交易")
		r = b.get("/language/en?back=//evil.example")
		assert.Equal(t, "/", r.Location, "no open redirect")

		r = b.get("/no/such/page")
		assert.Equal(t, http.StatusNotFound, r.Status)
		assert.Contains(t, r.Body, "<html")

		r = b.do("POST", "/sign-out", url.Values{})
		assert.Equal(t, http.StatusForbidden, r.Status, "a post without the CSRF token")
		r = b.post("/sign-out", nil)
		assert.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, http.StatusSeeOther, b.get("/").Status, "signed out")
	})
}

// TestAdminSeesSetup: administrators get the setup entry.
func TestAdminSeesSetup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+e.Admin.ID+"/password", map[string]any{"password": password})
		b := newBrowser(t, app)
		b.signIn("acme", e.Admin.Email, password)
		require.Contains(t, b.get("/").Body, `href="/admin"`)
	})
}
