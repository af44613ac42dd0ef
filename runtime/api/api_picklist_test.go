package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// plOpportunityDoc has dependent picklists (product by line, tier by a
// boolean, add-ons by product) and record types narrowing line and stage.
const plOpportunityDoc = `{
  "name": "opportunity",
  "fields": [
    {"name": "title", "type": "text"},
    {"name": "ref", "type": "external_id"},
    {"name": "line", "label": {"en": "Product line", "zh-CN": "产品线"}, "type": "picklist", "settings": {"values": [
      {"value": "Hardware", "default": true}, {"value": "Software"}, {"value": "Services"}]}},
    {"name": "product", "type": "picklist", "controller": "line", "settings": {
      "values": [{"value": "Laptop", "default": true}, {"value": "Phone"}, {"value": "Fiber"}, {"value": "CRM"}, {"value": "ERP"}],
      "dependencies": {"Hardware": ["Laptop", "Phone", "Fiber"], "Software": ["CRM", "ERP"]}}},
    {"name": "partner", "label": "Partner", "type": "boolean"},
    {"name": "tier", "type": "picklist", "controller": "partner", "settings": {
      "values": [{"value": "Gold"}, {"value": "Silver"}, {"value": "None"}],
      "dependencies": {"true": ["Gold", "Silver"], "false": ["None"]}}},
    {"name": "addons", "type": "multi_picklist", "controller": "product", "settings": {
      "values": [{"value": "Warranty"}, {"value": "Support"}, {"value": "Training"}],
      "dependencies": {"Laptop": ["Warranty", "Support"], "CRM": ["Training", "Support"]}}},
    {"name": "stage", "type": "picklist", "settings": {"values": [
      {"value": "open", "default": true}, {"value": "won"}, {"value": "lost"}, {"value": "renewal"}]}}
  ],
  "record_types": [
    {"name": "standard", "label": "Standard", "picklists": {
      "addons": {"values": ["Warranty", "Support", "Training"], "default": "Warranty"}}},
    {"name": "enterprise", "label": {"en": "Enterprise", "zh-CN": "企业"}, "default": true, "picklists": {
      "line": {"values": ["Software", "Services"], "default": "Software"},
      "stage": {"values": ["open", "won"]}}},
    {"name": "renewals", "picklists": {"stage": {"values": ["renewal", "won"]}}},
    {"name": "legacy", "active": false}
  ]
}`

const plTicketDoc = `{"name": "ticket", "fields": [{"name": "subject", "type": "text"}]}`

func plEnv(t *testing.T, db store.DB) *apitest.Env {
	t.Helper()
	e := apitest.New(t, db, "acme")
	mustDefine(t, e, plOpportunityDoc, plTicketDoc)
	return e
}

// plErrorSays checks the code and a fragment of the message of the error
// naming field.
func plErrorSays(field, code, fragment string) func(t *testing.T, r *apitest.Response) {
	return func(t *testing.T, r *apitest.Response) {
		t.Helper()
		gotCode, msg := problemOf(t, r).errorOf(t, field)
		assert.Equal(t, code, gotCode, r.String())
		assert.Contains(t, msg, fragment)
	}
}

const plRecords = "/api/v1/objects/opportunity/records"

// TestDependentPicklistsOnCreate checks dependent values and record types
// on create: defaults by type, explicit types, refused types and values.
func TestDependentPicklistsOnCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := plEnv(t, db)

		// No type given: the default type, its picklist default (over the
		// field's), the field default where the type allows it, and no
		// product: its default Laptop does not go with Software.
		rec := create(t, e, "opportunity", `{"title": "defaults"}`)
		assert.Equal(t, "enterprise", rec["record_type"])
		assert.Equal(t, "Software", rec["line"])
		assert.Nil(t, rec["product"])
		assert.Equal(t, "open", rec["stage"])

		// An explicit type: the field defaults and the type's default of a
		// multi-picklist chain (Warranty goes with Laptop).
		rec = create(t, e, "opportunity", `{"record_type": "standard"}`)
		assert.Equal(t, "standard", rec["record_type"])
		assert.Equal(t, "Hardware", rec["line"])
		assert.Equal(t, "Laptop", rec["product"])
		assert.Equal(t, []any{"Warranty"}, rec["addons"])
		// ...and stop where a value given breaks the chain.
		rec = create(t, e, "opportunity", `{"record_type": "standard", "product": "Phone"}`)
		assert.Nil(t, rec["addons"])

		// A type whose subset leaves out the field's default: no stage.
		rec = create(t, e, "opportunity", `{"record_type": "renewals", "line": "Software", "product": "CRM", "addons": ["Training"]}`)
		assert.Equal(t, "renewals", rec["record_type"])
		assert.Nil(t, rec["stage"])
		assert.Equal(t, []any{"Training"}, rec["addons"])

		// A null type is no type: the default one.
		rec = create(t, e, "opportunity", `{"record_type": null}`)
		assert.Equal(t, "enterprise", rec["record_type"])

		// A boolean controller; an empty boolean counts as false.
		rec = create(t, e, "opportunity", `{"record_type": "standard", "partner": true, "tier": "Gold"}`)
		assert.Equal(t, "Gold", rec["tier"])
		rec = create(t, e, "opportunity", `{"record_type": "standard", "tier": "None"}`)
		assert.Equal(t, "None", rec["tier"])

		runAll(t, e, []scenario{
			{name: "dependent value not allowed", method: "POST", path: plRecords,
				body:   `{"record_type": "standard", "line": "Hardware", "product": "CRM"}`,
				status: 422, code: "validation_failed", fields: []string{"product"}, onlyFields: true,
				check: plErrorSays("product", "invalid_choice", `"CRM" is not allowed when Product line is "Hardware"; allowed: "Laptop", "Phone", "Fiber"`)},
			{name: "dependent value without a controlling value", method: "POST", path: plRecords,
				body:   `{"record_type": "standard", "line": null, "product": "Laptop"}`,
				status: 422, code: "validation_failed", fields: []string{"product"}, onlyFields: true,
				check: plErrorSays("product", "invalid_choice", "while Product line is empty")},
			{name: "controlling value that allows nothing", method: "POST", path: plRecords,
				body:   `{"record_type": "standard", "line": "Services", "product": "Laptop"}`,
				status: 422, code: "validation_failed", fields: []string{"product"}, onlyFields: true,
				check: plErrorSays("product", "invalid_choice", "allowed: none")},
			{name: "boolean controller true", method: "POST", path: plRecords,
				body:   `{"record_type": "standard", "partner": true, "tier": "None"}`,
				status: 422, code: "validation_failed", fields: []string{"tier"}, onlyFields: true,
				check: plErrorSays("tier", "invalid_choice", `"None" is not allowed when Partner is true; allowed: "Gold", "Silver"`)},
			{name: "boolean controller empty", method: "POST", path: plRecords,
				body:   `{"record_type": "standard", "tier": "Gold"}`,
				status: 422, code: "validation_failed", fields: []string{"tier"}, onlyFields: true,
				check: plErrorSays("tier", "invalid_choice", "when Partner is false")},
			{name: "multi-picklist dependent", method: "POST", path: plRecords,
				body:   `{"record_type": "standard", "product": "Laptop", "addons": ["Warranty", "Training"]}`,
				status: 422, code: "validation_failed", fields: []string{"addons"}, onlyFields: true,
				check: plErrorSays("addons", "invalid_choice", `"Training" is not allowed when product is "Laptop"`)},
			{name: "every dependency error at once", method: "POST", path: plRecords,
				body:   `{"record_type": "standard", "product": "ERP", "partner": false, "tier": "Gold"}`,
				status: 422, code: "validation_failed", fields: []string{"product", "tier"}, onlyFields: true},
			{name: "value outside the type's subset", method: "POST", path: plRecords,
				body:   `{"line": "Hardware", "product": "Laptop"}`,
				status: 422, code: "validation_failed", fields: []string{"line"}, onlyFields: true,
				check: plErrorSays("line", "invalid_choice", `"Hardware" is not available for record type "Enterprise" (enterprise); allowed: "Software", "Services"`)},
			{name: "stage outside the explicit type's subset", method: "POST", path: plRecords,
				body:   `{"record_type": "renewals", "stage": "open"}`,
				status: 422, code: "validation_failed", fields: []string{"stage"}, onlyFields: true,
				check: plErrorSays("stage", "invalid_choice", `allowed: "won", "renewal"`)},
			{name: "inactive record type", method: "POST", path: plRecords,
				body:   `{"record_type": "legacy"}`,
				status: 422, code: "validation_failed", fields: []string{"record_type"}, onlyFields: true,
				check: plErrorSays("record_type", "invalid_choice", `record type "legacy" is inactive`)},
			{name: "unknown record type", method: "POST", path: plRecords,
				body:   `{"record_type": "premium"}`,
				status: 422, code: "validation_failed", fields: []string{"record_type"}, onlyFields: true,
				check: plErrorSays("record_type", "invalid_choice", `choose one of: "standard", "enterprise", "renewals"`)},
			{name: "record type not a string", method: "POST", path: plRecords,
				body:   `{"record_type": 7}`,
				status: 422, code: "validation_failed", fields: []string{"record_type"}, onlyFields: true,
				check: plErrorSays("record_type", "invalid_type", "record type")},
			{name: "record type and a bad value at once", method: "POST", path: plRecords,
				body:   `{"record_type": "premium", "stage": "nope"}`,
				status: 422, code: "validation_failed", fields: []string{"record_type", "stage"}, onlyFields: true},
			{name: "object without record types", method: "POST", path: "/api/v1/objects/ticket/records",
				body:   `{"subject": "x", "record_type": "standard"}`,
				status: 422, code: "validation_failed", fields: []string{"record_type"}, onlyFields: true,
				check: plErrorSays("record_type", "invalid_choice", `object "ticket" has no record types`)},
		})

		ticket := create(t, e, "ticket", `{"subject": "x"}`)
		assert.Contains(t, ticket, "record_type")
		assert.Nil(t, ticket["record_type"])

		// Nothing refused was written.
		assert.Equal(t, 7, count(t, e, "opportunity"))
		// The type is a column like any other for filters.
		assert.Len(t, listAll(t, e, "opportunity", `filter=record_type+%3D%3D+%22enterprise%22`), 2)
	})
}

// TestDependentPicklistsOnUpdate checks that an update is judged on the
// merged record, that changing a controlling value alone can invalidate its
// dependent, that a record's type cannot change, and that stored values
// are not re-judged against metadata changed since.
func TestDependentPicklistsOnUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := plEnv(t, db)
		std := create(t, e, "opportunity", `{"record_type": "standard", "line": "Hardware", "product": "Fiber", "addons": []}`)
		ent := create(t, e, "opportunity", `{"product": "CRM", "stage": "won"}`)
		stdPath := plRecords + "/" + std["id"].(string)
		entPath := plRecords + "/" + ent["id"].(string)

		runAll(t, e, []scenario{
			{name: "controller changed alone", method: "PATCH", path: stdPath, body: `{"line": "Software"}`,
				status: 422, code: "validation_failed", fields: []string{"product"}, onlyFields: true,
				check: plErrorSays("product", "invalid_choice", `"Fiber" is not allowed when Product line is "Software"`)},
			{name: "controller cleared", method: "PATCH", path: stdPath, body: `{"line": null}`,
				status: 422, code: "validation_failed", fields: []string{"product"}, onlyFields: true},
			{name: "dependent changed alone", method: "PATCH", path: stdPath, body: `{"product": "ERP"}`,
				status: 422, code: "validation_failed", fields: []string{"product"}, onlyFields: true},
			{name: "record type changed", method: "PATCH", path: stdPath, body: `{"record_type": "enterprise"}`,
				status: 422, code: "validation_failed", fields: []string{"record_type"}, onlyFields: true,
				check: plErrorSays("record_type", "read_only", "cannot be changed")},
			{name: "record type removed", method: "PATCH", path: stdPath, body: `{"record_type": null}`,
				status: 422, code: "validation_failed", fields: []string{"record_type"}, onlyFields: true},
			{name: "outside the type's subset", method: "PATCH", path: entPath, body: `{"stage": "lost"}`,
				status: 422, code: "validation_failed", fields: []string{"stage"}, onlyFields: true},
			{name: "type on an object without types", method: "PATCH", path: "/api/v1/objects/ticket/records/" + create(t, e, "ticket", `{}`)["id"].(string),
				body: `{"record_type": "standard"}`, status: 422, code: "validation_failed", fields: []string{"record_type"}, onlyFields: true,
				check: plErrorSays("record_type", "read_only", "")},
		})

		// Controller and dependent changed together; the dependent's
		// dependent must follow too.
		rec := e.MustDo(http.StatusOK, "PATCH", stdPath, `{"line": "Software", "product": "CRM", "addons": ["Training"]}`)
		assert.Equal(t, "CRM", rec["product"])
		// Resending the record's own type is no change.
		rec = e.MustDo(http.StatusOK, "PATCH", stdPath, `{"record_type": "standard", "title": "same type"}`)
		assert.Equal(t, "standard", rec["record_type"])
		assert.Equal(t, "same type", rec["title"])
		// Clearing a controller and its dependents together is fine.
		rec = e.MustDo(http.StatusOK, "PATCH", stdPath, `{"line": null, "product": null, "addons": null}`)
		assert.Nil(t, rec["line"])

		// Metadata narrows after records were written: CRM no longer goes
		// with Software, and the enterprise type drops "won".
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/opportunity/fields/product",
			`{"settings": {"values": [{"value": "Laptop", "default": true}, {"value": "Phone"}, {"value": "Fiber"}, {"value": "CRM"}, {"value": "ERP"}],
			  "dependencies": {"Hardware": ["Laptop", "Phone", "Fiber"], "Software": ["ERP"]}}}`)
		desc := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/opportunity", nil)
		types := desc["record_types"].([]any)
		types[1].(map[string]any)["picklists"].(map[string]any)["stage"] = map[string]any{"values": []any{"open"}}
		for _, rt := range types {
			delete(rt.(map[string]any), "default")
		}
		types[1].(map[string]any)["default"] = true
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/opportunity", map[string]any{"record_types": types})

		// The stored CRM and won stay while their record is edited...
		rec = e.MustDo(http.StatusOK, "PATCH", entPath, `{"title": "still CRM", "product": "CRM"}`)
		assert.Equal(t, "CRM", rec["product"])
		assert.Equal(t, "won", rec["stage"])
		// ...but a new choice must fit, and so must CRM once its line is
		// chosen again.
		r := e.Do("PATCH", entPath, `{"line": "Services"}`)
		p := wantProblem(t, r, 422, "validation_failed")
		code, _ := p.errorOf(t, "product")
		assert.Equal(t, "invalid_choice", code)
		r = e.Do("PATCH", entPath, `{"stage": "won", "line": "Software", "product": "ERP"}`)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		r = e.Do("PATCH", entPath, `{"stage": "lost"}`)
		wantProblem(t, r, 422, "validation_failed")
	})
}

// TestDependentPicklistsInBatchAndUpsert checks the batch and upsert paths.
func TestDependentPicklistsInBatchAndUpsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := plEnv(t, db)
		indexOf := func(want int, field string) func(t *testing.T, r *apitest.Response) {
			return func(t *testing.T, r *apitest.Response) {
				for _, er := range problemOf(t, r).Errors {
					require.NotNil(t, er.Index, r.String())
					assert.Equal(t, want, *er.Index, r.String())
					assert.Equal(t, field, er.Field, r.String())
				}
			}
		}
		batch := plRecords + "/batch"
		res := e.MustDo(http.StatusOK, "POST", batch, map[string]any{"operation": "create", "records": []any{
			map[string]any{"ref": "R-1", "record_type": "standard", "line": "Hardware", "product": "Phone"},
			map[string]any{"ref": "R-2"},
		}})
		results := res["results"].([]any)
		first := results[0].(map[string]any)["record"].(map[string]any)
		second := results[1].(map[string]any)["record"].(map[string]any)
		assert.Equal(t, "standard", first["record_type"])
		assert.Equal(t, "enterprise", second["record_type"])

		runAll(t, e, []scenario{
			{name: "batch create with a bad dependent", method: "POST", path: batch,
				body: map[string]any{"operation": "create", "records": []any{
					map[string]any{"record_type": "standard", "line": "Software", "product": "CRM"},
					map[string]any{"record_type": "standard", "line": "Software", "product": "Laptop"},
				}},
				status: 422, code: "validation_failed", fields: []string{"product"}, check: indexOf(1, "product")},
			{name: "batch create with an inactive type", method: "POST", path: batch,
				body: map[string]any{"operation": "create", "records": []any{
					map[string]any{"title": "fine"}, map[string]any{"record_type": "legacy"},
				}},
				status: 422, code: "validation_failed", fields: []string{"record_type"}, check: indexOf(1, "record_type")},
			{name: "batch update changing a controller", method: "POST", path: batch,
				body: map[string]any{"operation": "update", "records": []any{
					map[string]any{"id": second["id"], "title": "fine"},
					map[string]any{"id": first["id"], "line": "Software"},
				}},
				status: 422, code: "validation_failed", fields: []string{"product"}, check: indexOf(1, "product")},
			{name: "batch update changing a type", method: "POST", path: batch,
				body: map[string]any{"operation": "update", "records": []any{
					map[string]any{"id": first["id"], "record_type": "renewals"},
				}},
				status: 422, code: "validation_failed", fields: []string{"record_type"}, check: indexOf(0, "record_type")},
			{name: "batch upsert creating a bad record", method: "POST", path: batch,
				body: map[string]any{"operation": "upsert", "key": "ref", "records": []any{
					map[string]any{"ref": "R-1", "title": "fine"},
					map[string]any{"ref": "R-9", "partner": true, "tier": "None"},
				}},
				status: 422, code: "validation_failed", fields: []string{"tier"}, check: indexOf(1, "tier")},
			{name: "upsert updating a controller alone", method: "PUT", path: plRecords + "/by/ref/R-1",
				body: `{"line": "Software"}`, status: 422, code: "validation_failed", fields: []string{"product"}, onlyFields: true},
			{name: "upsert changing the type", method: "PUT", path: plRecords + "/by/ref/R-1",
				body: `{"record_type": "enterprise"}`, status: 422, code: "validation_failed", fields: []string{"record_type"}, onlyFields: true},
			{name: "upsert creating outside the type's subset", method: "PUT", path: plRecords + "/by/ref/R-3",
				body: `{"line": "Hardware"}`, status: 422, code: "validation_failed", fields: []string{"line"}, onlyFields: true},
		})
		assert.Equal(t, 2, count(t, e, "opportunity"), "nothing refused was written")

		// Upserts that fit, resending the same type each time.
		body := `{"record_type": "standard", "line": "Software", "product": "ERP"}`
		r := e.Do("PUT", plRecords+"/by/ref/R-3", body)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		assert.Equal(t, "standard", r.JSON()["record_type"])
		r = e.Do("PUT", plRecords+"/by/ref/R-3", body)
		require.Equal(t, http.StatusOK, r.Status, r.String())
		res = e.MustDo(http.StatusOK, "POST", batch, map[string]any{"operation": "upsert", "key": "ref", "records": []any{
			map[string]any{"ref": "R-1", "line": "Software", "product": "CRM", "addons": []any{"Support"}},
			map[string]any{"ref": "R-4", "partner": true, "tier": "Silver"},
		}})
		results = res["results"].([]any)
		assert.Equal(t, "CRM", results[0].(map[string]any)["record"].(map[string]any)["product"])
		assert.Equal(t, "enterprise", results[1].(map[string]any)["record"].(map[string]any)["record_type"])
	})
}

// TestDescribeDependenciesAndRecordTypes checks describe, OpenAPI and the
// metadata paths that rename and delete controlling fields.
func TestDescribeDependenciesAndRecordTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := plEnv(t, db)
		desc := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/opportunity", nil, "Accept-Language", "zh-CN")
		assert.Contains(t, desc["system_fields"], "record_type")
		product := field(t, desc, "product")
		assert.Equal(t, "line", product["controller"])
		assert.Equal(t, map[string]any{"Hardware": []any{"Laptop", "Phone", "Fiber"}, "Software": []any{"CRM", "ERP"}}, product["dependencies"])
		assert.NotContains(t, field(t, desc, "line"), "controller")
		types := desc["record_types"].([]any)
		require.Len(t, types, 4)
		ent := types[1].(map[string]any)
		assert.Equal(t, "enterprise", ent["name"])
		assert.Equal(t, "企业", ent["label"])
		assert.Equal(t, true, ent["default"])
		assert.Equal(t, true, ent["active"])
		assert.Equal(t, map[string]any{"values": []any{"Software", "Services"}, "default": "Software"}, ent["picklists"].(map[string]any)["line"])
		assert.Equal(t, false, types[0].(map[string]any)["default"])
		assert.Equal(t, false, types[3].(map[string]any)["active"])
		assert.NotContains(t, e.MustDo(http.StatusOK, "GET", "/api/v1/objects/ticket", nil), "record_types")

		var doc openAPIDoc
		r := e.Do("GET", "/api/v1/openapi.json", nil)
		require.NoError(t, json.Unmarshal(r.Body, &doc))
		assert.Equal(t, []any{"standard", "enterprise", "renewals", nil}, doc.Components.Schemas["opportunity_input"].Properties["record_type"]["enum"])
		assert.Equal(t, true, doc.Components.Schemas["opportunity"].Properties["record_type"]["readOnly"])
		assert.Contains(t, doc.Components.Schemas["ticket"].Properties, "record_type")
		assert.NotContains(t, doc.Components.Schemas["ticket_input"].Properties, "record_type")

		// Deleting a controlling field is refused while it controls.
		r = e.Do("DELETE", "/api/v1/objects/opportunity/fields/line", nil)
		p := wantProblem(t, r, http.StatusConflict, "referenced")
		_, msg := p.errorOf(t, "objects.opportunity.fields.product.controller")
		assert.Contains(t, msg, `field "line" controls "product"`)

		// Invalid dependencies are refused with every problem.
		r = e.Do("PATCH", "/api/v1/objects/opportunity/fields/tier", `{"controller": "tier"}`)
		wantProblem(t, r, http.StatusUnprocessableEntity, "invalid_metadata")
		r = e.Do("PATCH", "/api/v1/objects/opportunity", `{"record_types": [{"name": "a", "default": true}, {"name": "b", "default": true, "picklists": {"line": {"values": ["Cloud"]}}}]}`)
		p = wantProblem(t, r, http.StatusUnprocessableEntity, "invalid_metadata")
		assert.ElementsMatch(t, []string{"objects.opportunity.record_types.b.default", "objects.opportunity.record_types.b.picklists.line.values.0"}, p.fields())

		// A rename keeps the references: controller and type picklists.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/opportunity/fields/line", `{"name": "product_line"}`)
		desc = e.MustDo(http.StatusOK, "GET", "/api/v1/objects/opportunity", nil)
		assert.Equal(t, "product_line", field(t, desc, "product")["controller"])
		ent = desc["record_types"].([]any)[1].(map[string]any)
		assert.Contains(t, ent["picklists"], "product_line")
		rec := create(t, e, "opportunity", `{"product": "ERP"}`)
		assert.Equal(t, "Software", rec["product_line"])
		r = e.Do("POST", plRecords, `{"product_line": "Software", "product": "Laptop"}`)
		wantProblem(t, r, 422, "validation_failed")

		// A dependent field can go; then its controller can too, and the
		// types stop narrowing it.
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/opportunity/fields/addons?confirm=true", nil)
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/opportunity/fields/product?confirm=true", nil)
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/opportunity/fields/product_line?confirm=true", nil)
		desc = e.MustDo(http.StatusOK, "GET", "/api/v1/objects/opportunity", nil)
		ent = desc["record_types"].([]any)[1].(map[string]any)
		assert.NotContains(t, ent["picklists"], "product_line")
	})
}
