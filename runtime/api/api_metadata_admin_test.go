package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestMetadataWritesNeedAnAdmin: a standard user reads metadata and records
// but every metadata write answers 403 and changes nothing.
func TestMetadataWritesNeedAnAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "fields": [{"name": "amount", "type": "currency"}]}`)
		_, token := e.AddUser("rep@acme.test", "standard", "")
		writes := []struct{ method, path, body string }{
			{"POST", "/api/v1/objects", `{"name": "other"}`},
			{"PATCH", "/api/v1/objects/deal", `{"label": "Deal"}`},
			{"PUT", "/api/v1/objects/deal", `{"name": "deal"}`},
			{"DELETE", "/api/v1/objects/deal?confirm=true", ``},
			{"POST", "/api/v1/objects/deal/fields", `{"name": "x", "type": "text"}`},
			{"PATCH", "/api/v1/objects/deal/fields/amount", `{"label": "A"}`},
			{"DELETE", "/api/v1/objects/deal/fields/amount?confirm=true", ``},
			{"POST", "/api/v1/objects/deal/rules", `{"name": "r", "condition": "true", "message": "m"}`},
		}
		for _, w := range writes {
			var body any
			if w.body != "" {
				body = w.body
			}
			resp := e.DoAs(token, w.method, w.path, body)
			assert.Equal(t, http.StatusForbidden, resp.Status, "%s %s: %s", w.method, w.path, resp.String())
		}
		assert.Equal(t, http.StatusOK, e.DoAs(token, "GET", "/api/v1/objects/deal", nil).Status, "reading metadata is allowed")
		revs := e.MustDo(http.StatusOK, "GET", "/api/v1/metadata/revisions", nil)
		assert.Len(t, revs["revisions"], 1, "no refused write made a revision")
	})
}

// TestPatchObjectLayoutAndListViews sets an object's layout and shared list
// views with PATCH, and refuses ones that name unknown fields.
func TestPatchObjectLayoutAndListViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "deal", "fields": [{"name": "title", "type": "text"}, {"name": "amount", "type": "number"}]}`)
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal", `{"layout": {"sections": [{"label": "Main", "columns": 1, "fields": ["amount", "title"]}]},
  "list_views": [{"name": "big", "label": "Big deals", "columns": ["title", "amount"], "filter": "amount > 1000", "sort": "-amount"}]}`)
		rev, err := e.Catalog.Current(context.Background(), e.Tenant)
		require.NoError(t, err)
		o := rev.Model.Object("deal")
		require.NotNil(t, o.Layout)
		assert.Equal(t, []string{"amount", "title"}, o.Layout.Sections[0].Fields)
		require.Len(t, o.ListViews, 1)
		assert.Equal(t, "-amount", o.ListViews[0].Sort)
		wantProblem(t, e.Do("PATCH", "/api/v1/objects/deal", `{"layout": {"sections": [{"fields": ["nope"]}]}}`), http.StatusUnprocessableEntity, "invalid_metadata")
		wantProblem(t, e.Do("PATCH", "/api/v1/objects/deal", `{"list_views": [{"name": "bad", "filter": "amount >"}]}`), http.StatusUnprocessableEntity, "invalid_metadata")
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/deal", `{"layout": null, "list_views": []}`)
		rev, err = e.Catalog.Current(context.Background(), e.Tenant)
		require.NoError(t, err)
		assert.Nil(t, rev.Model.Object("deal").Layout)
		assert.Empty(t, rev.Model.Object("deal").ListViews)
	})
}
