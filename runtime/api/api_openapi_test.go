package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// openAPIDoc is the part of an OpenAPI document the test reads.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Info       map[string]any                        `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Type                 string                    `json:"type"`
			Title                string                    `json:"title"`
			Properties           map[string]map[string]any `json:"properties"`
			Required             []string                  `json:"required"`
			AdditionalProperties *bool                     `json:"additionalProperties"`
		} `json:"schemas"`
	} `json:"components"`
}

// TestOpenAPI reads the generated document: valid JSON, OpenAPI 3.1.0,
// paths for every object, and record schemas with the fields' types.
func TestOpenAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := dealEnv(t, db)
		r := e.Do("GET", "/api/v1/openapi.json", nil, "Accept-Language", "zh-CN")
		require.Equal(t, http.StatusOK, r.Status, r.String())
		assert.Contains(t, r.Header.Get("Content-Type"), "application/json")
		require.True(t, json.Valid(r.Body))
		var doc openAPIDoc
		require.NoError(t, json.Unmarshal(r.Body, &doc))

		assert.Equal(t, "3.1.0", doc.OpenAPI)
		assert.Contains(t, doc.Info["title"], "acme")
		assert.Equal(t, "revision 2", doc.Info["version"])
		for _, obj := range []string{"deal", "account"} {
			base := "/objects/" + obj + "/records"
			assert.Contains(t, doc.Paths[base], "get", obj)
			assert.Contains(t, doc.Paths[base], "post", obj)
			for _, m := range []string{"get", "patch", "delete"} {
				assert.Contains(t, doc.Paths[base+"/{id}"], m, obj)
			}
			assert.Contains(t, doc.Paths[base+"/batch"], "post", obj)
		}
		assert.Contains(t, doc.Paths, "/objects/deal/records/by/ref/{value}")
		assert.Contains(t, doc.Paths, "/objects/deal/records/by/code/{value}", "a unique text field is an upsert key")
		assert.NotContains(t, doc.Paths, "/objects/deal/records/by/title/{value}")
		assert.Contains(t, doc.Paths, "/objects/account/records/by/code/{value}")
		assert.Contains(t, doc.Paths, "/objects/{object}/fields/{field}")

		deal, ok := doc.Components.Schemas["deal"]
		require.True(t, ok)
		assert.Equal(t, "object", deal.Type)
		assert.Equal(t, "交易", deal.Title)
		wantTypes := map[string]any{
			"title": "string", "notes": "string", "email": "string", "phone": "string", "site": "string", "ref": "string",
			"code": "string", "won": "boolean", "close": "string", "remind": "string", "stage": "string", "tags": "array",
			"account": "string", "number": "string",
		}
		for name, want := range wantTypes {
			prop, ok := deal.Properties[name]
			require.True(t, ok, "the record schema has %s", name)
			assert.Contains(t, typesOf(prop["type"]), want, "type of %s: %v", name, prop)
		}
		for _, name := range []string{"amount", "qty", "rate"} {
			prop := deal.Properties[name]
			types := typesOf(prop["type"])
			assert.True(t, contains(types, "number") || contains(types, "string"), "type of %s: %v", name, prop)
		}
		assert.Equal(t, "date", deal.Properties["close"]["format"])
		assert.Equal(t, "date-time", deal.Properties["remind"]["format"])
		assert.ElementsMatch(t, []any{"open", "won"}, enumOf(deal.Properties["stage"]), "only active values can be written")
		for _, sys := range []string{"id", "created_at", "updated_at", "version", "owner_id"} {
			require.Contains(t, deal.Properties, sys)
			assert.Equal(t, true, deal.Properties[sys]["readOnly"], sys)
		}
		assert.Len(t, deal.Properties, 17+8)

		input := doc.Components.Schemas["deal_input"]
		assert.Equal(t, []string{"title"}, input.Required)
		assert.NotContains(t, input.Properties, "id")
		assert.NotContains(t, input.Properties, "number", "an auto-number is not written")
		assert.Contains(t, input.Properties, "amount")
		require.NotNil(t, input.AdditionalProperties)
		assert.False(t, *input.AdditionalProperties)
		assert.Contains(t, doc.Components.Schemas, "Problem")

		// A new field appears in the next document.
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/deal/fields", `{"name": "region", "type": "text"}`)
		var next openAPIDoc
		require.NoError(t, json.Unmarshal(e.Do("GET", "/api/v1/openapi.json", nil).Body, &next))
		assert.Equal(t, "revision 3", next.Info["version"])
		assert.Contains(t, next.Components.Schemas["deal"].Properties, "region")
	})
}

func typesOf(v any) []any {
	switch t := v.(type) {
	case string:
		return []any{t}
	case []any:
		return t
	}
	return nil
}

func contains(list []any, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// enumOf finds the enum of a schema, directly or in its alternatives.
func enumOf(s map[string]any) []any {
	if e, ok := s["enum"].([]any); ok {
		var out []any
		for _, v := range e {
			if v != nil {
				out = append(out, v)
			}
		}
		return out
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := s[k].([]any); ok {
			for _, a := range alts {
				if m, ok := a.(map[string]any); ok {
					if e := enumOf(m); e != nil {
						return e
					}
				}
			}
		}
	}
	return nil
}
