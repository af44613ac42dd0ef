package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
	"github.com/mosaic-paas/mosaic/runtime/web"
)

// Environment of the end-to-end tests.
const (
	// envRequireBrowser, set to 1 (as CI does), makes the browser tests
	// fail rather than skip when Chromium is not installed.
	envRequireBrowser = "MOSAIC_REQUIRE_BROWSER"
	// envChromium names the browser to run (default: chromium on PATH).
	envChromium = "MOSAIC_CHROMIUM"
	// envScreenshots names a folder to write the pages' screenshots to
	// (docs/screenshots is where the README shows them from).
	envScreenshots = "MOSAIC_SCREENSHOTS"
)

// site is Mosaic served over loopback for a real browser: the API and the
// web UI on one SQLite store, with tenant "acme" whose administrator has a
// password.
type site struct {
	*apitest.Env
	URL string
}

func newSite(t *testing.T) *site {
	t.Helper()
	e := apitest.New(t, storetest.Open(t, storetest.SQLite), "acme")
	e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+e.Admin.ID+"/password", map[string]any{"password": password})
	app := e.API.App(web.New(e.API).Mount)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return &site{Env: e, URL: "http://" + ln.Addr().String()}
}

// chromium starts a headless browser for the test, or skips (fails when
// envRequireBrowser is 1) when there is none.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv(envChromium)
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv(envRequireBrowser) == "1" {
			t.Fatalf("Chromium is required (%s=1) but not installed; apt-get install chromium", envRequireBrowser)
		}
		t.Skip("Chromium is not installed; set " + envChromium + " or install Debian's chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	// Start the browser now, on this context: the steps run on contexts
	// with their own deadlines, whose end must not close the browser.
	require.NoError(t, chromedp.Do(ctx))
	return ctx
}

// do runs browser actions within 30 seconds, failing the test with the
// page's location and text on an error.
func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if len(body) > 2000 {
			body = body[:2000]
		}
		t.Fatalf("browser step failed: %v\nat %s, showing:\n%s", err, loc, body)
	}
}

// text returns the text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err, sel)
	return s
}

// noHorizontalScroll checks that the page fits its viewport's width.
func noHorizontalScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= document.documentElement.clientWidth`))
	require.NoError(t, err)
	if !fits {
		width, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		t.Errorf("%s scrolls horizontally at 390 px: the page is %d px wide", page, width)
	}
}

// screenshot saves the page as <name>.png in envScreenshots, when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644))
}

// signInBrowser signs in through the form.
func signInBrowser(t *testing.T, ctx context.Context, s *site, email string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(s.URL+"/sign-in"),
		chromedp.WaitVisible(chromedp.ID("tenant")),
		chromedp.SendKeys(chromedp.ID("tenant"), "acme"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/sign-out"]`)),
	)
}

// TestBrowserSignInAndLanguages signs in with a real browser, on a desktop
// and on a phone's width, in English and in Chinese.
func TestBrowserSignInAndLanguages(t *testing.T) {
	s := newSite(t)
	s.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "label": {"en": "Deal", "zh-CN": "交易"}, "plural_label": {"en": "Deals", "zh-CN": "交易"}, "fields": [{"name": "title", "type": "text"}]}`)
	ctx := chromium(t)
	signInBrowser(t, ctx, s, s.Admin.Email)
	require.Contains(t, text(t, ctx, "main h1"), "Welcome")
	screenshot(t, ctx, "home-desktop")

	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	noHorizontalScroll(t, ctx, "home")
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[lang="zh-CN"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"]`)))
	require.Contains(t, text(t, ctx, "main h1"), "欢迎")
	require.Contains(t, text(t, ctx, "body"), "交易")
	noHorizontalScroll(t, ctx, "home in Chinese")
	screenshot(t, ctx, "home-phone-zh")
}

// waitPath waits until the browser is at a path (after a form's redirect).
func waitPath(t *testing.T, ctx context.Context, s *site, want func(string) bool) string {
	t.Helper()
	for i := 0; i < 100; i++ {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		path := strings.TrimPrefix(loc, s.URL)
		if want(path) {
			return path
		}
		time.Sleep(50 * time.Millisecond)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("the browser stayed at %s", loc)
	return ""
}

// submit submits the form of the element sel and waits for the page the
// server answers with (after its redirect).
func submit(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	_, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(sel)))
	require.NoError(t, err, "submit %s", sel)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("main"))))
}

// signOutBrowser signs out through the header's form.
func signOutBrowser(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, chromedp.Submit(chromedp.CSS(`form[action="/sign-out"]`)), chromedp.WaitVisible(chromedp.ID("tenant")))
}

// TestBrowserEndToEnd is the walk-through in a real browser: the
// administrator creates an object, a field and a validation rule in setup;
// a user creates a record through the form, sees the inline error, fixes
// it and saves; filters the list; submits the record for approval; the
// approver approves it from the inbox; the record shows the approved
// status. The same pages fit a 390 px phone, and the UI speaks Chinese.
func TestBrowserEndToEnd(t *testing.T) {
	s := newSite(t)
	ctx := chromium(t)

	// Setup, in the browser: the object, a number field, a rule.
	signInBrowser(t, ctx, s, s.Admin.Email)
	do(t, ctx,
		chromedp.Navigate(s.URL+"/admin/objects"),
		chromedp.WaitVisible(chromedp.ID("o-name")),
		chromedp.SendKeys(chromedp.ID("o-name"), "expense"),
		chromedp.SendKeys(chromedp.ID("o-label-en"), "Expense"),
		chromedp.SendKeys(chromedp.ID("o-label-zh"), "报销"),
		chromedp.SendKeys(chromedp.ID("o-plural-en"), "Expenses"),
		chromedp.SendKeys(chromedp.ID("o-plural-zh"), "报销单"),
	)
	submit(t, ctx, "#o-name")
	waitPath(t, ctx, s, func(p string) bool { return strings.HasPrefix(p, "/admin/objects/expense") })
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#add-field summary")),
		chromedp.WaitVisible(chromedp.ID("f-name")),
		chromedp.SendKeys(chromedp.ID("f-name"), "amount"),
		chromedp.SetValue(chromedp.ID("f-type"), "number"),
		chromedp.SendKeys(chromedp.ID("f-label-en"), "Amount"),
		chromedp.SendKeys(chromedp.ID("f-label-zh"), "金额"),
	)
	submit(t, ctx, "#f-name")
	waitPath(t, ctx, s, func(p string) bool { return strings.HasPrefix(p, "/admin/objects/expense") })
	do(t, ctx,
		chromedp.Navigate(s.URL+"/admin/objects/expense"),
		chromedp.Click(chromedp.CSS("#add-rule summary")),
		chromedp.WaitVisible(chromedp.ID("r-name")),
		chromedp.SendKeys(chromedp.ID("r-name"), "at_most_1000"),
		chromedp.SendKeys(chromedp.ID("r-condition"), "amount > 1000"),
		chromedp.SendKeys(chromedp.ID("r-msg-en"), "An expense is at most 1000"),
		chromedp.SendKeys(chromedp.ID("r-msg-zh"), "报销金额不得超过 1000"),
		chromedp.SetValue(chromedp.ID("r-field"), "amount"),
	)
	submit(t, ctx, "#r-name")
	waitPath(t, ctx, s, func(p string) bool { return strings.HasPrefix(p, "/admin/objects/expense") })
	screenshot(t, ctx, "admin-object-desktop")
	rev, err := s.Catalog.Current(context.Background(), s.Tenant)
	require.NoError(t, err)
	expense, ok := rev.Model.Object("expense"), true
	require.True(t, ok && expense != nil)
	require.Len(t, expense.Rules, 1, "the rule made in the browser")
	require.Equal(t, "amount > 1000", expense.Rules[0].Condition)

	// The rest of the tenant through the API: a title and status, who may
	// do what, the clerk and the boss, a one-step approval.
	s.MustDo(http.StatusCreated, "POST", "/api/v1/objects/expense/fields", `{"name": "title", "type": "text", "label": {"en": "Title", "zh-CN": "标题"}}`)
	s.MustDo(http.StatusCreated, "POST", "/api/v1/objects/expense/fields", `{"name": "status", "type": "text", "default": "\"Draft\"", "label": {"en": "Status", "zh-CN": "状态"}}`)
	s.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/expense", `{"name_field": "title"}`)
	s.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", `{"permission_sets": [{"name": "expenses",
  "objects": {"expense": {"read": true, "create": true, "edit": true}},
  "fields": {"expense": {"title": {"read": true, "edit": true}, "amount": {"read": true, "edit": true}, "status": {"read": true}}}}]}`)
	s.MustDo(http.StatusOK, "PUT", "/api/v1/roles", `{"roles": [{"name": "boss", "permission_sets": ["expenses"]}, {"name": "clerk", "parent": "boss", "permission_sets": ["expenses"]}]}`)
	boss, _ := s.AddUser("boss@example.com", "boss", password)
	clerk, _ := s.AddUser("clerk@example.com", "clerk", password)
	s.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+clerk.ID, map[string]any{"manager_id": boss.ID})
	s.MustDo(http.StatusCreated, "PUT", "/api/v1/approval-processes/expense_approval", `
name: expense_approval
object: expense
steps:
  - {name: manager, approvers: [{manager: 1}]}
on_submit: [{update: 'status := "Submitted"'}]
on_approve: [{update: 'status := "Approved"'}]
`, "Content-Type", "application/yaml")
	signOutBrowser(t, ctx)

	// The clerk: a record through the form, refused, fixed, saved.
	signInBrowser(t, ctx, s, "clerk@example.com")
	do(t, ctx,
		chromedp.Navigate(s.URL+"/o/expense/new"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="title"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="title"]`), "Team dinner"),
		chromedp.SendKeys(chromedp.CSS(`input[name="amount"]`), "5000"),
	)
	submit(t, ctx, `input[name="title"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.field.invalid`)))
	require.Contains(t, text(t, ctx, ".field.invalid"), "An expense is at most 1000")
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name="title"]`)))
	require.NoError(t, err)
	require.Equal(t, "Team dinner", kept, "the input is kept")
	screenshot(t, ctx, "form-error-desktop")
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`input[name="amount"]`), "800"),
	)
	submit(t, ctx, `input[name="title"]`)
	recordPath, _, _ := strings.Cut(waitPath(t, ctx, s, func(p string) bool {
		return strings.HasPrefix(p, "/o/expense/") && !strings.HasPrefix(p, "/o/expense/new")
	}), "?")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("main h1")))
	require.Contains(t, text(t, ctx, "main"), "Team dinner")

	s.MustDo(http.StatusCreated, "POST", "/api/v1/objects/expense/records", `{"title": "Taxi", "amount": 40}`)
	// The list, filtered with the filter builder: amount > 100.
	do(t, ctx,
		chromedp.Navigate(s.URL+"/o/expense"),
		chromedp.WaitVisible(chromedp.CSS(`select[name="ff"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name="ff"]`), "amount"),
		chromedp.SetValue(chromedp.CSS(`select[name="fo"]`), "gt"),
		chromedp.SendKeys(chromedp.CSS(`input[name="fv"]`), "100"),
	)
	submit(t, ctx, `input[name="fv"]`)
	waitPath(t, ctx, s, func(p string) bool { return strings.Contains(p, "ff=amount") })
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("table")))
	listed := text(t, ctx, "table")
	require.Contains(t, listed, "Team dinner")
	require.NotContains(t, listed, "Taxi", "filtered out")
	screenshot(t, ctx, "list-desktop")

	// Submit for approval from the record page.
	do(t, ctx,
		chromedp.Navigate(s.URL+recordPath),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/approval/submit"]`)),
		chromedp.SendKeys(chromedp.ID("c-submit"), "dinner with the customer"),
	)
	submit(t, ctx, "#c-submit")
	waitPath(t, ctx, s, func(p string) bool { return strings.HasPrefix(p, recordPath) })
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("main h1")))
	require.Contains(t, text(t, ctx, "main"), "Submitted")
	screenshot(t, ctx, "record-desktop")

	// The phone's width: list, record, form.
	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for _, p := range []struct{ name, path string }{{"list", "/o/expense"}, {"record", recordPath}, {"form", "/o/expense/new"}} {
		do(t, ctx, chromedp.Navigate(s.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		noHorizontalScroll(t, ctx, p.name)
		screenshot(t, ctx, p.name+"-phone")
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
	signOutBrowser(t, ctx)

	// The boss approves from the inbox.
	signInBrowser(t, ctx, s, "boss@example.com")
	do(t, ctx, chromedp.Navigate(s.URL+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`#inbox-form button[formaction*="approve"]`)))
	require.Contains(t, text(t, ctx, "#inbox-form"), "Team dinner")
	screenshot(t, ctx, "inbox-desktop")
	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("inbox-form")))
	noHorizontalScroll(t, ctx, "inbox")
	screenshot(t, ctx, "inbox-phone")
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#inbox-form button[formaction*="approve"]`)))
	require.NoError(t, err)
	require.Contains(t, text(t, ctx, "main"), "Team dinner")
	do(t, ctx, chromedp.Navigate(s.URL+recordPath), chromedp.WaitVisible(chromedp.CSS("main h1")))
	require.Contains(t, text(t, ctx, "main"), "Approved", "the record's status after the approval")

	// The Chinese UI.
	do(t, ctx, chromedp.Click(chromedp.CSS(`a[lang="zh-CN"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"]`)))
	do(t, ctx, chromedp.Navigate(s.URL+"/o/expense"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	page := text(t, ctx, "body")
	require.Contains(t, page, "报销单", "the object's Chinese label")
	require.Contains(t, page, "金额", "the field's Chinese label")
	screenshot(t, ctx, "list-desktop-zh")
}

// options returns the values of a select's options, the empty one aside.
func options(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	vals, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+"`"+sel+` option`+"`"+`)).map(o => o.value).filter(v => v !== "")`))
	require.NoError(t, err)
	return vals
}

// TestBrowserFormEnhancements checks the form's scripts in a real browser:
// a dependent picklist refilters its options when its controller changes,
// and a lookup's search box fills its options from the target's records
// as the user types.
func TestBrowserFormEnhancements(t *testing.T) {
	s := newSite(t)
	s.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "account", "name_field": "name", "fields": [{"name": "name", "type": "text"}]}`)
	for i := range 60 {
		s.MustDo(http.StatusCreated, "POST", "/api/v1/objects/account/records", map[string]any{"name": fmt.Sprintf("Account %02d", i)})
	}
	s.MustDo(http.StatusCreated, "POST", "/api/v1/objects/account/records", `{"name": "Zebra Works"}`)
	s.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "site", "fields": [
  {"name": "country", "type": "picklist", "settings": {"values": [{"value": "CN"}, {"value": "FR"}]}},
  {"name": "city", "type": "picklist", "controller": "country", "settings": {"values": [{"value": "Shanghai"}, {"value": "Beijing"}, {"value": "Paris"}],
    "dependencies": {"CN": ["Shanghai", "Beijing"], "FR": ["Paris"]}}},
  {"name": "account", "type": "lookup", "settings": {"target": "account"}}]}`)
	ctx := chromium(t)
	signInBrowser(t, ctx, s, s.Admin.Email)
	do(t, ctx, chromedp.Navigate(s.URL+"/o/site/new"), chromedp.WaitVisible(chromedp.CSS(`select[name="country"]`)))

	do(t, ctx, chromedp.SetValue(chromedp.CSS(`select[name="country"]`), "CN"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name="country"]').dispatchEvent(new Event("change", {bubbles: true}))`))
	require.ElementsMatch(t, []string{"Shanghai", "Beijing"}, options(t, ctx, `select[name="city"]`))
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`select[name="country"]`), "FR"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name="country"]').dispatchEvent(new Event("change", {bubbles: true}))`))
	require.Equal(t, []string{"Paris"}, options(t, ctx, `select[name="city"]`))

	// The lookup offers the first 50 accounts; the search finds the 61st.
	require.Len(t, options(t, ctx, `select[name="account"]`), 50)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`input.lookup-search`)), chromedp.SendKeys(chromedp.CSS(`input.lookup-search`), "Zebra"))
	var found []string
	for i := 0; i < 60 && len(found) != 1; i++ {
		time.Sleep(100 * time.Millisecond)
		found = options(t, ctx, `select[name="account"]`)
	}
	require.Len(t, found, 1, "the search narrows the options to Zebra Works")
	label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('select[name="account"] option:not([value=""])').textContent.trim()`))
	require.NoError(t, err)
	require.Equal(t, "Zebra Works", label)
}
