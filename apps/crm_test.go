package apps_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/apps"
	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// installApps installs the built-in bundles named (dependencies resolved
// from the built-ins) into a new tenant.
func installApps(t *testing.T, db store.DB, names ...string) *apitest.Env {
	t.Helper()
	e := apitest.New(t, db, "acme")
	s := bundles.New(db, e.Catalog, records.New(db))
	resolve := func(_ context.Context, name string) (bundles.Source, error) {
		b, err := apps.Load(name)
		return bundles.Source{Bundle: b, Signature: bundles.SignatureBuiltIn}, err
	}
	for _, name := range names {
		src, err := resolve(context.Background(), name)
		require.NoError(t, err)
		_, err = s.Install(context.Background(), e.Tenant, src, resolve, bundles.Options{Actor: e.Admin.ID})
		require.NoError(t, err)
	}
	return e
}

type crm struct {
	*apitest.Env
	t                  *testing.T
	rep, mgr, dir, fin string
}

func (c *crm) do(token string, status int, method, path string, body any) map[string]any {
	c.t.Helper()
	r := c.DoAs(token, method, "/api/v1"+path, body)
	require.Equal(c.t, status, r.Status, "%s %s: %s", method, path, r.String())
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON()
}

func (c *crm) inbox(token string) []string {
	var ids []string
	for _, tk := range c.do(token, http.StatusOK, "GET", "/approvals/inbox", nil)["tasks"].([]any) {
		ids = append(ids, tk.(map[string]any)["id"].(string))
	}
	return ids
}

func text(v any) string {
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case string:
		return x
	}
	return ""
}

// TestCRMLeadToPayment walks the CRM as its users would: a rep converts
// a qualified lead, quotes with a discount that needs the manager, the
// sales director and finance, presents and wins the quote, orders, and
// finance records the payment.
func TestCRMLeadToPayment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := installApps(t, db, "crm")
		c := &crm{Env: e, t: t}
		users := map[string]store.User{}
		add := func(name, role string) string {
			u, tok := e.AddUser(name+"@example.com", role, "")
			users[name] = u
			return tok
		}
		c.dir = add("dir", "crm__sales_director")
		c.mgr = add("mgr", "crm__sales_manager")
		c.rep = add("rep", "crm__sales_rep")
		c.fin = add("fin", "crm__finance")
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+users["rep"].ID, map[string]any{"manager_id": users["mgr"].ID})
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+users["mgr"].ID, map[string]any{"manager_id": users["dir"].ID})

		lead := c.do(c.rep, http.StatusCreated, "POST", "/objects/crm__lead/records", map[string]any{
			"first_name": "Ada", "last_name": "Lovelace", "company": "Analytical Engines", "email": "ada@engines.example",
			"status": "Qualified", "source": "Web", "city": "London"})
		r := c.DoAs(c.rep, "POST", "/api/v1/objects/crm__lead/records/"+lead["id"].(string)+"/actions/convert", map[string]any{"opportunity_name": "Engines rollout"})
		require.Equal(t, http.StatusOK, r.Status, r.String())
		conv := r.JSON()
		created := conv["created"].(map[string]any)
		account := created["account"].(map[string]any)["id"].(string)
		contact := created["contact"].(map[string]any)["id"].(string)
		opp := created["opportunity"].(map[string]any)["id"].(string)
		assert.Equal(t, "Converted", conv["record"].(map[string]any)["status"])
		assert.Equal(t, "Analytical Engines", c.do(c.rep, http.StatusOK, "GET", "/objects/crm__account/records/"+account, nil)["name"])
		c.do(c.rep, http.StatusUnprocessableEntity, "POST", "/objects/crm__lead/records/"+lead["id"].(string)+"/actions/convert", nil)

		products := c.do(c.rep, http.StatusOK, "GET", "/objects/crm__product/records?sort=code", nil)["records"].([]any)
		require.Len(t, products, 5, "the seed products")
		product := products[0].(map[string]any)["id"].(string)

		quote := c.do(c.rep, http.StatusCreated, "POST", "/objects/crm__quote/records", map[string]any{
			"title": "Rollout", "opportunity": opp, "account": account, "contact": contact, "discount": 25})
		q := quote["id"].(string)
		c.do(c.rep, http.StatusCreated, "POST", "/objects/crm__quote_line/records", map[string]any{
			"quote": q, "product": product, "quantity": 100, "unit_price": 1500})
		quote = c.do(c.rep, http.StatusOK, "GET", "/objects/crm__quote/records/"+q, nil)
		assert.Equal(t, "150000.00", text(quote["subtotal"]), "roll-up of the lines")
		assert.Equal(t, "112500.00", text(quote["total"]), "after the 25% discount")

		// The discount approval: manager, sales director (over 20%), finance
		// (over 100,000).
		preview := c.do(c.rep, http.StatusOK, "GET", "/objects/crm__quote/records/"+q+"/approval/preview", nil)
		assert.Equal(t, "crm__quote_discount", preview["process"])
		c.do(c.rep, http.StatusCreated, "POST", "/objects/crm__quote/records/"+q+"/approval/submit", map[string]any{"comment": "strategic account"})
		assert.Equal(t, "In Review", c.do(c.rep, http.StatusOK, "GET", "/objects/crm__quote/records/"+q, nil)["status"])
		for _, approver := range []string{c.mgr, c.dir, c.fin} {
			tasks := c.inbox(approver)
			require.Len(t, tasks, 1)
			c.do(approver, http.StatusOK, "POST", "/approvals/tasks/"+tasks[0]+"/approve", map[string]any{"comment": "ok"})
		}
		quote = c.do(c.rep, http.StatusOK, "GET", "/objects/crm__quote/records/"+q, nil)
		assert.Equal(t, "Approved", quote["status"])
		c.do(c.rep, http.StatusOK, "PATCH", "/objects/crm__quote/records/"+q, map[string]any{"status": "Presented"})
		c.do(c.rep, http.StatusOK, "PATCH", "/objects/crm__quote/records/"+q, map[string]any{"status": "Accepted"})

		order := c.do(c.rep, http.StatusCreated, "POST", "/objects/crm__sales_order/records", map[string]any{
			"account": account, "quote": q, "opportunity": opp, "order_date": "2026-11-29"})
		o := order["id"].(string)
		c.do(c.rep, http.StatusCreated, "POST", "/objects/crm__order_line/records", map[string]any{
			"sales_order": o, "product": product, "quantity": 100, "unit_price": 1125})
		c.do(c.rep, http.StatusOK, "PATCH", "/objects/crm__sales_order/records/"+o, map[string]any{"status": "Activated", "activated_on": "2026-11-29"})

		c.do(c.fin, http.StatusCreated, "POST", "/objects/crm__payment/records", map[string]any{
			"sales_order": o, "amount": 50000, "paid_on": "2026-11-29", "method": "Bank Transfer"})
		order = c.do(c.rep, http.StatusOK, "GET", "/objects/crm__sales_order/records/"+o, nil)
		assert.Equal(t, "112500.00", text(order["total"]))
		assert.Equal(t, "50000.00", text(order["paid_amount"]), "roll-up of the payments")
		assert.Equal(t, "62500.00", text(order["balance"]))
		assert.Equal(t, "Partially Paid", order["payment_status"])

		// Reps see their own records only; the manager sees the team's.
		other := add("rep2", "crm__sales_rep")
		c.do(other, http.StatusNotFound, "GET", "/objects/crm__quote/records/"+q, nil)
		c.do(c.mgr, http.StatusOK, "GET", "/objects/crm__quote/records/"+q, nil)
	})
}

func urlEscape(s string) string { return url.QueryEscape(s) }
