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

const opportunityDoc = `
name: opportunity
fields:
  - {name: name, type: text, required: true}
  - {name: stage, type: picklist, settings: {values: [{value: Prospecting}, {value: Negotiation}, {value: Closed Won}]}}
  - {name: amount, type: currency}
  - {name: close_date, type: date}
  - {name: discount, type: percent}
  - {name: discount_reason, type: text}
rules:
  - name: close_date_when_won
    condition: stage == "Closed Won" && ISBLANK(close_date)
    message: {en: Close date is required when the stage is Closed Won, zh-CN: 赢单时必须填写结束日期}
    field: close_date
  - name: discount_needs_reason
    condition: discount > 20 && ISBLANK(discount_reason)
    message: A discount above 20% needs a reason
    field: discount_reason
  - name: amount_may_not_decrease
    condition: stage == "Negotiation" && amount < PRIORVALUE(amount)
    message: The amount may not decrease once the stage is Negotiation
    field: amount
  - name: large_deal
    condition: amount > 1000000
    message: Large deal — tell the sales director
    severity: warning
`

// errorsByRule maps each rule named in a problem's errors to its field.
func errorsByRule(t *testing.T, resp *apitest.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	errs, _ := resp.JSON()["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		if r, ok := m["rule"].(string); ok {
			out[r] = m["field"].(string)
		}
	}
	return out
}

func TestValidationRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		resp := e.DoAs(e.Token, "POST", "/api/v1/objects", opportunityDoc, "Content-Type", "application/yaml")
		require.Equal(t, http.StatusCreated, resp.Status, resp.String())
		base := "/api/v1/objects/opportunity/records"

		// Two rules broken at once, reported together with the field errors.
		bad := e.Do("POST", base, `{"name": "Big", "stage": "Closed Won", "discount": 25, "amount": "abc"}`)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.String())
		assert.Contains(t, bad.String(), `"field":"amount","code":"invalid_format"`)

		bad = e.Do("POST", base, `{"name": "Big", "stage": "Closed Won", "discount": 25}`)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.String())
		assert.Equal(t, map[string]string{"close_date_when_won": "close_date", "discount_needs_reason": "discount_reason"}, errorsByRule(t, bad))

		zh := e.Do("POST", base, `{"name": "Big", "stage": "Closed Won"}`, "Accept-Language", "zh-CN")
		assert.Contains(t, zh.String(), "赢单时必须填写结束日期")

		list := e.MustDo(http.StatusOK, "GET", base+"?count=true", nil)
		assert.Equal(t, "0", list["total"].(interface{ String() string }).String(), "refused records are not written")

		rec := e.MustDo(http.StatusCreated, "POST", base, `{"name": "Deal", "stage": "Negotiation", "amount": 500, "discount": 25, "discount_reason": "loyal customer"}`)
		id := rec["id"].(string)

		// PRIORVALUE: the amount may not decrease in Negotiation, may increase.
		down := e.Do("PATCH", base+"/"+id, `{"amount": 400}`)
		require.Equal(t, http.StatusUnprocessableEntity, down.Status, down.String())
		assert.Equal(t, map[string]string{"amount_may_not_decrease": "amount"}, errorsByRule(t, down))
		e.MustDo(http.StatusOK, "PATCH", base+"/"+id, `{"amount": 600}`)
		got := e.MustDo(http.StatusOK, "GET", base+"/"+id, nil)
		assert.Equal(t, "600.00", got["amount"].(interface{ String() string }).String())

		// A warning saves the record and is returned with it.
		warned := e.MustDo(http.StatusOK, "PATCH", base+"/"+id, `{"amount": 2000000}`)
		warnings, _ := warned["_warnings"].([]any)
		require.Len(t, warnings, 1, "%v", warned)
		assert.Equal(t, "large_deal", warnings[0].(map[string]any)["rule"])

		// Batch: rules apply to every record, errors carry the index.
		batch := e.Do("POST", base+"/batch", `{"operation": "create", "records": [{"name": "ok"}, {"name": "bad", "stage": "Closed Won"}]}`)
		require.Equal(t, http.StatusUnprocessableEntity, batch.Status, batch.String())
		assert.Contains(t, batch.String(), `"index":1`)
	})
}

func TestRuleMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "fields": [{"name": "amount", "type": "currency"}]}`)

		bad := e.Do("POST", "/api/v1/objects/deal/rules", `{"name": "r1", "condition": "amout > 5", "message": "m"}`)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.String())
		assert.Contains(t, bad.String(), "amout")
		assert.Contains(t, bad.String(), `^`, "the error points at the mistake")

		notBool := e.Do("POST", "/api/v1/objects/deal/rules", `{"name": "r1", "condition": "amount + 1", "message": "m"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, notBool.Status, notBool.String())

		added := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/rules", `{"name": "positive", "condition": "amount < 0", "message": "must be positive", "field": "amount"}`)
		assert.Equal(t, []any{"add rule deal.positive"}, added["changes"], "the revision says what changed")
		assert.Equal(t, http.StatusUnprocessableEntity, e.Do("POST", "/api/v1/objects/deal/records", `{"amount": -1}`).Status)
		changed := e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal/rules/positive", `{"active": false}`)
		assert.Equal(t, []any{"change rule deal.positive"}, changed["changes"])
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/records", `{"amount": -1}`)
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/deal/rules/positive", nil)
		assert.Equal(t, http.StatusNotFound, e.Do("DELETE", "/api/v1/objects/deal/rules/positive", nil).Status)

		ok := e.MustDo(http.StatusOK, "POST", "/api/v1/expressions/check", `{"object": "deal", "expression": "amount > 100 && ISCHANGED(amount)"}`)
		assert.Equal(t, true, ok["ok"])
		located := e.Do("POST", "/api/v1/expressions/check", `{"object": "deal", "expression": "amount > \"x\"", "kind": "rule"}`)
		require.Equal(t, http.StatusUnprocessableEntity, located.Status, located.String())
		assert.Contains(t, located.String(), "(1:8)")
		assert.Equal(t, http.StatusUnprocessableEntity, e.Do("POST", "/api/v1/expressions/check", `{"object": "deal", "expression": "nope == 1", "kind": "filter"}`).Status)
		assert.Equal(t, http.StatusNotFound, e.Do("POST", "/api/v1/expressions/check", `{"object": "nope", "expression": "1"}`).Status)
	})
}
