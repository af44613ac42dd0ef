package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestFormCreateAndEdit: the form has a widget per type; a save that
// breaks a rule is a 422 with the message at its field and the input
// kept; the fixed save redirects to the record, whose values are typed;
// an edit with a stale version explains the conflict and keeps the input.
func TestFormCreateAndEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		dealObjects(t, e)
		_, token := e.AddUser("ada@example.com", "sales", password)
		acct := e.DoAs(token, "POST", "/api/v1/objects/account/records", `{"name": "Acme"}`)
		require.Equal(t, http.StatusCreated, acct.Status, acct.String())
		acctID := acct.JSON()["id"].(string)

		b := newBrowser(t, app)
		b.signIn("acme", "ada@example.com", password)
		f := b.get("/o/deal/new")
		require.Equal(t, http.StatusOK, f.Status, f.Body)
		body := f.Body
		assert.Contains(t, body, `<legend>Main</legend>`, "sections are fieldsets")
		assert.Regexp(t, `<label for="f-title">Title <span class="req" aria-hidden="true">\*</span>`, body)
		assert.Contains(t, body, `maxlength="255"`)
		assert.Contains(t, body, `aria-describedby="f-title-help"`)
		assert.Contains(t, body, `id="f-title-help">What is sold<`)
		assert.Regexp(t, `type="number" id="f-amount" name="amount" value="" step="0.01"`, body)
		assert.Regexp(t, `type="date" id="f-close_date"`, body)
		assert.Contains(t, body, `<input type="hidden" name="won" value="false">`)
		assert.Contains(t, body, `<input type="checkbox" id="f-won" name="won" value="true">`)
		assert.Contains(t, body, `<option value="open">Open</option>`)
		assert.Contains(t, body, `<textarea id="f-notes" name="notes"`)
		assert.Contains(t, body, `hx-get="/o/account/lookup"`, "the lookup searches its target")
		assert.Contains(t, body, `<option value="`+acctID+`">Acme</option>`, "without JavaScript, a select of the records")
		assert.Contains(t, body, `data-controller="f-line"`)
		assert.Contains(t, body, `<script src="/assets/record.js" defer></script>`)
		assert.NotContains(t, body, `name="secret"`, "an unreadable field has no input")
		assert.NotContains(t, body, `<option value="Laptop">`, "no product without a line")

		input := url.Values{"title": {"Big <one>"}, "amount": {"2000000"}, "discount": {"12.5"}, "close_date": {"2025-03-01"},
			"won": {"false", "true"}, "stage": {"open"}, "account": {acctID}, "line": {"Hardware"}, "product": {"Laptop"}, "notes": {"  spaced  "}}
		r := b.post("/o/deal/new", input)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Body)
		assert.Contains(t, r.Body, `class="field invalid" data-field="amount"`)
		assert.Contains(t, r.Body, `id="f-amount-error" role="alert">Deals over a million need a board decision<`)
		assert.Contains(t, r.Body, `aria-invalid="true"`)
		assert.Contains(t, r.Body, `value="Big &lt;one&gt;"`, "the input kept exactly")
		assert.Contains(t, r.Body, `value="2000000"`)
		assert.Contains(t, r.Body, `<input type="checkbox" id="f-won" name="won" value="true" checked`)
		assert.Contains(t, r.Body, `<option value="Laptop" selected>Laptop</option>`)
		assert.Contains(t, r.Body, `  spaced  </textarea>`)
		assert.Contains(t, r.Body, "Fix the fields marked below")
		assert.Equal(t, 0, count(t, e, "deal"), "nothing saved")

		input.Set("amount", "2000")
		r = b.post("/o/deal/new", input)
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		m := recordIDIn.FindStringSubmatch(r.Location)
		require.NotNil(t, m, r.Location)
		id := m[1]
		rec := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal/records/"+id, nil)
		assert.Equal(t, "Big <one>", rec["title"])
		assert.Equal(t, "2000.00", fmt.Sprint(rec["amount"]), "a number at its scale")
		assert.Equal(t, "12.50", fmt.Sprint(rec["discount"]))
		assert.Equal(t, "2025-03-01", rec["close_date"])
		assert.Equal(t, true, rec["won"])
		assert.Equal(t, "open", rec["stage"])
		assert.Equal(t, acctID, rec["account"])
		assert.Equal(t, "Laptop", rec["product"])
		assert.Nil(t, rec["status"], "an empty input is left out")
		page := b.get(r.Location)
		assert.Contains(t, page.Body, "Created.")

		// A warning rule: saved, and the warning shown.
		r = b.post("/o/deal/new", url.Values{"title": {"Undated"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Contains(t, r.Location, "w=no_date")
		assert.Contains(t, b.get(r.Location).Body, "No close date yet")

		// Edit: the form holds the record; a stale version keeps the input.
		edit := b.get("/o/deal/" + id + "/edit")
		require.Equal(t, http.StatusOK, edit.Status, edit.Body)
		assert.Contains(t, edit.Body, `name="_version" value="1"`)
		assert.Contains(t, edit.Body, `value="2000.00"`)
		assert.Contains(t, edit.Body, `<option value="Laptop" selected>Laptop</option>`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal/records/"+id, `{"amount": 3000}`)
		change := url.Values{"_version": {"1"}, "title": {"Renamed deal"}, "amount": {"2500"}, "won": {"false"},
			"line": {"Hardware"}, "product": {"Phone"}, "close_date": {""}, "account": {acctID}, "stage": {"open"}}
		r = b.post("/o/deal/"+id+"/edit", change)
		require.Equal(t, http.StatusConflict, r.Status, r.Body)
		assert.Contains(t, r.Body, "Someone else changed this record")
		assert.Contains(t, r.Body, `href="/o/deal/`+id+`/edit"`, "a link to reload")
		assert.Contains(t, r.Body, `value="Renamed deal"`, "the input is not lost")
		assert.Contains(t, r.Body, `value="2500"`)
		assert.Equal(t, "Big <one>", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal/records/"+id, nil)["title"])

		change.Set("_version", "2")
		r = b.post("/o/deal/"+id+"/edit", change)
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		rec = e.MustDo(http.StatusOK, "GET", "/api/v1/objects/deal/records/"+id, nil)
		assert.Equal(t, "Renamed deal", rec["title"])
		assert.Equal(t, false, rec["won"], "an unticked box is false")
		assert.Nil(t, rec["close_date"], "an emptied field is cleared")
		assert.Equal(t, "Phone", rec["product"])
	})
}

// count is the number of records of object.
func count(t *testing.T, e interface {
	MustDo(int, string, string, any, ...string) map[string]any
}, object string) int {
	t.Helper()
	res := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/"+object+"/records?count=true", nil)
	n, err := strconv.Atoi(fmt.Sprint(res["total"]))
	require.NoError(t, err)
	return n
}

// TestFormDependentPicklistAndLookup: the server offers only the values
// the controlling field allows, and the lookup search answers only records
// the user may see.
func TestFormDependentPicklistAndLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		dealObjects(t, e)
		_, token := e.AddUser("ada@example.com", "sales", password)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/account/records", `{"name": "Acme Hidden"}`)
		mine := e.DoAs(token, "POST", "/api/v1/objects/account/records", `{"name": "Acme Mine"}`)
		require.Equal(t, http.StatusCreated, mine.Status, mine.String())
		e.DoAs(token, "POST", "/api/v1/objects/account/records", `{"name": "Globex"}`)

		b := newBrowser(t, app)
		b.signIn("acme", "ada@example.com", password)
		f := b.get("/o/deal/new?line=Software").Body
		i := strings.Index(f, `id="f-product"`)
		require.Greater(t, i, 0)
		product := f[i : i+strings.Index(f[i:], "</select>")]
		assert.Contains(t, product, `<option value="CRM">CRM</option>`)
		assert.NotContains(t, product, `<option value="Laptop"`, "Hardware's products are not offered with Software")
		assert.Contains(t, product, `data-deps="{&#34;Hardware&#34;:[&#34;Laptop&#34;,&#34;Phone&#34;],&#34;Software&#34;:[&#34;CRM&#34;]}"`, "record.js gets the dependency map")

		// A dependent value the controller does not allow is refused at its field.
		r := b.post("/o/deal/new", url.Values{"title": {"x"}, "line": {"Software"}, "product": {"Laptop"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-product-error" role="alert"`)

		r = b.get("/o/account/lookup?q=acme")
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Contains(t, r.Body, ">Acme Mine</option>")
		assert.NotContains(t, r.Body, "Acme Hidden", "a record the user may not see")
		assert.NotContains(t, r.Body, "Globex", "a record that does not match")
		all := b.get("/o/account/lookup").Body
		assert.Contains(t, all, "Globex")
		assert.NotContains(t, all, "Acme Hidden")
		assert.NotContains(t, b.get("/o/deal/new").Body, "Acme Hidden", "nor in the form's select")
	})
}

// TestNewFormShowsDefaults: a new record's form shows the values of the
// fields' default expressions, which the user may change before saving.
func TestNewFormShowsDefaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, app := newUI(t, db)
		e.MustDo(http.StatusNoContent, "PUT", "/api/v1/users/"+e.Admin.ID+"/password", map[string]any{"password": password})
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "visit", "fields": [
  {"name": "title", "type": "text", "default": "\"Checkup\""},
  {"name": "on", "type": "date", "default": "$today"},
  {"name": "count", "type": "number", "default": "3"}]}`)
		b := newBrowser(t, app)
		b.signIn("acme", e.Admin.Email, password)
		page := b.get("/o/visit/new")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Regexp(t, `name="title"[^>]*value="Checkup"|value="Checkup"[^>]*name="title"`, page.Body)
		assert.Contains(t, page.Body, `value="`+time.Now().UTC().Format("2006-01-02")+`"`)
		assert.Regexp(t, `name="count"[^>]*value="3"|value="3"[^>]*name="count"`, page.Body)
		// Given values win over defaults.
		assert.Regexp(t, `value="Flu"`, b.get("/o/visit/new?title=Flu").Body)
	})
}
