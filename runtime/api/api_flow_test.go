package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

const invoiceDoc = `{
  "name": "invoice",
  "label": {"en": "Invoice", "zh-CN": "发票"},
  "plural_label": "Invoices",
  "name_field": "number",
  "fields": [
    {"name": "number", "type": "auto_number", "settings": {"format": "INV-{0000}"}},
    {"name": "customer", "type": "text", "required": true, "label": {"en": "Customer", "zh-CN": "客户"}},
    {"name": "amount", "type": "currency", "settings": {"precision": 12, "scale": 2}},
    {"name": "status", "type": "picklist", "settings": {"values": [
      {"value": "draft", "label": "Draft", "default": true},
      {"value": "sent", "label": "Sent"},
      {"value": "paid", "label": "Paid"}]}},
    {"name": "due", "type": "date"},
    {"name": "ref", "type": "external_id"}
  ]
}`

// TestInvoiceWalkthrough is the README's walk-through: define an object,
// then create, read, update, list, filter and delete its records.
func TestInvoiceWalkthrough(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", invoiceDoc)

		desc := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/invoice", nil, "Accept-Language", "zh-CN,zh;q=0.9")
		assert.Equal(t, "发票", desc["label"])

		rec := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/invoice/records",
			`{"customer": "Acme Ltd", "amount": 1234.50, "due": "2026-12-31", "ref": "ERP-1"}`)
		assert.Equal(t, "INV-0001", rec["number"])
		assert.Equal(t, "draft", rec["status"])
		assert.Equal(t, "1234.50", rec["amount"].(interface{ String() string }).String())
		id := rec["id"].(string)

		got := e.Do("GET", "/api/v1/objects/invoice/records/"+id, nil)
		require.Equal(t, http.StatusOK, got.Status, got.String())
		assert.Equal(t, `"1"`, got.Header.Get("ETag"))

		upd := e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/invoice/records/"+id, `{"status": "sent"}`, "If-Match", `"1"`)
		assert.Equal(t, "sent", upd["status"])
		stale := e.Do("PATCH", "/api/v1/objects/invoice/records/"+id, `{"status": "paid"}`, "If-Match", `"1"`)
		assert.Equal(t, http.StatusPreconditionFailed, stale.Status, stale.String())

		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/invoice/records", `{"customer": "Beta", "amount": "99.99"}`)
		list := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/invoice/records?filter=amount+%3E+1000&count=true", nil)
		assert.Len(t, list["records"], 1)
		assert.Equal(t, "1", list["total"].(interface{ String() string }).String())

		bad := e.Do("POST", "/api/v1/objects/invoice/records", `{"amount": "abc", "nope": 1, "status": "lost"}`)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.String())
		assert.Equal(t, "application/problem+json", bad.Header.Get("Content-Type"))
		assert.Len(t, bad.JSON()["errors"], 4, bad.String()) // amount, nope, status, customer (required)

		e.MustDo(http.StatusOK, "PUT", "/api/v1/objects/invoice/records/by/ref/ERP-1", `{"amount": 10}`)
		e.MustDo(http.StatusCreated, "PUT", "/api/v1/objects/invoice/records/by/ref/ERP-2", `{"customer": "Gamma"}`)

		assert.Equal(t, http.StatusNoContent, e.Do("DELETE", "/api/v1/objects/invoice/records/"+id, nil).Status)
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/invoice/records/"+id, nil).Status)
	})
}
