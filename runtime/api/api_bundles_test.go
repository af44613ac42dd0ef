package api_test

import (
	"net/http"
	"net/url"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// deskBundle is a small bundle in namespace "desk": tickets, an agent role
// and one seed ticket; version 1.1.0 and later add a comment object.
func deskBundle(version string) fstest.MapFS {
	fs := fstest.MapFS{
		"bundle.yaml": {Data: []byte("name: helpdesk\nnamespace: desk\nversion: " + version + "\npublisher: Acme Apps\nlabel: {en: Help desk}\n")},
		"objects/ticket.yaml": {Data: []byte(`
name: desk__ticket
name_field: title
fields:
  - {name: title, type: text, required: true}
  - {name: status, type: picklist, settings: {values: [{value: Open}, {value: Closed}]}, default: '"Open"'}
`)},
		"security.yaml": {Data: []byte(`
roles: [{name: desk__agent, permission_sets: [desk__agents]}]
permission_sets:
  - name: desk__agents
    objects: {desk__ticket: {read: true, create: true, edit: true}}
`)},
		"seed/tickets.yaml": {Data: []byte("object: desk__ticket\nrecords: [{title: Welcome}]\n")},
	}
	if version != "1.0.0" {
		fs["objects/comment.yaml"] = &fstest.MapFile{Data: []byte(`
name: desk__comment
fields:
  - {name: body, type: long_text}
  - {name: ticket, type: lookup, settings: {target: desk__ticket, on_delete: cascade}}
`)}
	}
	return fs
}

func packDesk(t *testing.T, version string, key []byte) []byte {
	t.Helper()
	archive, err := bundles.Pack(deskBundle(version), key)
	require.NoError(t, err)
	return archive
}

const gzipType = "application/gzip"

// bundleEntry returns the catalog's entry called name.
func bundleEntry(t *testing.T, e *apitest.Env, name string) map[string]any {
	t.Helper()
	for _, x := range e.MustDo(http.StatusOK, "GET", "/api/v1/bundles", nil)["bundles"].([]any) {
		if m := x.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no bundle %s in the catalog", name)
	return nil
}

// TestBundlesBuiltIn installs the built-in CRM app over the API: a dry run
// changes nothing, the install creates its objects, which take records,
// and the catalog shows the version installed.
func TestBundlesBuiltIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		crm := bundleEntry(t, e, "crm")
		assert.Equal(t, "built_in", crm["origin"])
		assert.Nil(t, crm["installed"])

		plan := e.MustDo(http.StatusOK, "POST", "/api/v1/bundles/crm/install?dry_run=true", nil)
		assert.Equal(t, true, plan["dry_run"])
		assert.Equal(t, []any{"crm 1.0.0"}, plan["bundles"])
		assert.Contains(t, plan["components"], "add object crm__lead")
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/crm__lead", nil).Status, "a dry run changes nothing")
		assert.Empty(t, e.MustDo(http.StatusOK, "GET", "/api/v1/bundles/installed", nil)["bundles"])

		res := e.MustDo(http.StatusCreated, "POST", "/api/v1/bundles/crm/install", `{}`)
		assert.Equal(t, false, res["dry_run"])
		assert.NotZero(t, res["revision"])
		e.MustDo(http.StatusOK, "GET", "/api/v1/objects/crm__lead", nil)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/crm__lead/records", `{"last_name": "Li", "company": "Acme Trading", "email": "li@example.com"}`)
		assert.Equal(t, "1.0.0", bundleEntry(t, e, "crm")["installed"])
		inst := e.MustDo(http.StatusOK, "GET", "/api/v1/bundles/installed", nil)["bundles"].([]any)
		require.Len(t, inst, 1)
		assert.Equal(t, "crm", inst[0].(map[string]any)["name"])
		assert.Equal(t, "built_in", inst[0].(map[string]any)["signature"])

		r := e.Do("POST", "/api/v1/bundles/crm/install", nil)
		assert.Equal(t, http.StatusConflict, r.Status, r.String())
		assert.Equal(t, bundles.CodeInstalled, r.JSON()["code"])
		r = e.Do("POST", "/api/v1/bundles/nothing/install", nil)
		assert.Equal(t, http.StatusNotFound, r.Status, r.String())
		assert.Equal(t, bundles.CodeNotFound, r.JSON()["code"])
		r = e.Do("POST", "/api/v1/bundles/crm/install", `{"versio": "1.0.0"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())

		audit := e.MustDo(http.StatusOK, "GET", "/api/v1/audit?event=bundle.installed", nil)["entries"].([]any)
		require.Len(t, audit, 1, "the dry run is not audited")
		assert.Equal(t, "crm", audit[0].(map[string]any)["detail"].(map[string]any)["name"])
	})
}

// TestBundlesUploaded uploads packed bundles, unsigned only when allowed,
// installs one, reads the plan of an upgrade and applies it, then
// uninstalls it, which needs confirming while its tables hold data.
func TestBundlesUploaded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		v1 := packDesk(t, "1.0.0", nil)
		r := e.Do("POST", "/api/v1/bundles", v1, "Content-Type", gzipType)
		assert.Equal(t, http.StatusForbidden, r.Status, r.String())
		assert.Equal(t, bundles.CodeUnsigned, r.JSON()["code"])
		r = e.Do("POST", "/api/v1/bundles?allow_unsigned=true", v1)
		assert.Equal(t, http.StatusUnsupportedMediaType, r.Status, "JSON is not an archive: %s", r.String())
		r = e.Do("POST", "/api/v1/bundles?allow_unsigned=true", []byte("not an archive"), "Content-Type", "application/octet-stream")
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Equal(t, bundles.CodeBadSignature, r.JSON()["code"])
		entry := e.MustDo(http.StatusCreated, "POST", "/api/v1/bundles?allow_unsigned=true", v1, "Content-Type", gzipType)
		assert.Equal(t, "uploaded", entry["origin"])
		assert.Equal(t, "1.0.0", entry["version"])
		r = e.Do("POST", "/api/v1/bundles?allow_unsigned=true", v1, "Content-Type", gzipType)
		assert.Equal(t, http.StatusConflict, r.Status, "the same version twice: %s", r.String())

		r = e.Do("POST", "/api/v1/bundles/helpdesk/install", nil)
		assert.Equal(t, http.StatusForbidden, r.Status, "an unsigned upload is checked again at install: %s", r.String())
		res := e.MustDo(http.StatusCreated, "POST", "/api/v1/bundles/helpdesk/install", `{"allow_unsigned": true}`)
		assert.Equal(t, []any{"helpdesk 1.0.0"}, res["bundles"])
		list := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/desk__ticket/records", nil)["records"].([]any)
		assert.Len(t, list, 1, "the seed ticket")
		assert.Equal(t, "unsigned", e.MustDo(http.StatusOK, "GET", "/api/v1/bundles/installed", nil)["bundles"].([]any)[0].(map[string]any)["signature"])

		// The plan of an upgrade to an uploaded 1.1.0, then the upgrade.
		e.MustDo(http.StatusCreated, "POST", "/api/v1/bundles?allow_unsigned=true", packDesk(t, "1.1.0", nil), "Content-Type", gzipType)
		plan := e.MustDo(http.StatusOK, "POST", "/api/v1/bundles/helpdesk/upgrade?dry_run=true", `{"allow_unsigned": true}`)
		assert.Equal(t, true, plan["dry_run"])
		assert.Contains(t, plan["components"], "add object desk__comment")
		assert.Equal(t, "1.0.0", bundleEntry(t, e, "helpdesk")["installed"], "a plan changes nothing")
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/desk__comment", nil).Status)
		res = e.MustDo(http.StatusOK, "POST", "/api/v1/bundles/helpdesk/upgrade", `{"version": "1.1.0", "allow_unsigned": true}`)
		assert.Equal(t, []any{"helpdesk 1.1.0"}, res["bundles"])
		e.MustDo(http.StatusOK, "GET", "/api/v1/objects/desk__comment", nil)
		r = e.Do("POST", "/api/v1/bundles/helpdesk/upgrade", `{"allow_unsigned": true}`)
		assert.Equal(t, http.StatusConflict, r.Status, r.String())
		assert.Equal(t, bundles.CodeNotNewer, r.JSON()["code"])

		// Uninstall: the seed ticket is data, which needs confirming.
		r = e.Do("DELETE", "/api/v1/bundles/helpdesk", nil)
		assert.Equal(t, http.StatusConflict, r.Status, r.String())
		assert.Equal(t, "data_loss", r.JSON()["code"])
		assert.Contains(t, r.String(), "desk__ticket")
		res = e.MustDo(http.StatusOK, "DELETE", "/api/v1/bundles/helpdesk?confirm=true&dry_run=true", nil)
		assert.Equal(t, true, res["dry_run"])
		e.MustDo(http.StatusOK, "GET", "/api/v1/objects/desk__ticket", nil)
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/bundles/helpdesk?confirm=true", nil)
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/desk__ticket", nil).Status)
		assert.Empty(t, e.MustDo(http.StatusOK, "GET", "/api/v1/bundles/installed", nil)["bundles"])
		r = e.Do("DELETE", "/api/v1/bundles/helpdesk?confirm=true", nil)
		assert.Equal(t, http.StatusNotFound, r.Status, r.String())
		assert.Equal(t, bundles.CodeNotInstalled, r.JSON()["code"])

		audit := e.MustDo(http.StatusOK, "GET", "/api/v1/audit?event=bundle.uploaded,bundle.installed,bundle.upgraded,bundle.uninstalled", nil)["entries"].([]any)
		var events []string
		for _, a := range audit {
			events = append(events, a.(map[string]any)["event"].(string))
		}
		assert.Equal(t, []string{"bundle.uninstalled", "bundle.upgraded", "bundle.uploaded", "bundle.installed", "bundle.uploaded"}, events)
	})
}

// TestBundlesTrustedPublishers adds, lists and removes trusted keys: a
// bundle signed by a trusted key uploads and installs without allowing
// unsigned ones; one signed by another key is refused.
func TestBundlesTrustedPublishers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		pub, key, err := bundles.GenerateKey()
		require.NoError(t, err)
		_, other, err := bundles.GenerateKey()
		require.NoError(t, err)
		pubText := bundles.EncodePublicKey(pub)

		r := e.Do("POST", "/api/v1/bundles", packDesk(t, "1.0.0", key), "Content-Type", gzipType)
		assert.Equal(t, http.StatusForbidden, r.Status, r.String())
		assert.Equal(t, bundles.CodeUntrusted, r.JSON()["code"])

		assert.Empty(t, e.MustDo(http.StatusOK, "GET", "/api/v1/trusted-publishers", nil)["publishers"])
		r = e.Do("POST", "/api/v1/trusted-publishers", `{"name": "Acme Apps", "public_key": "not a key"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		p := e.MustDo(http.StatusCreated, "POST", "/api/v1/trusted-publishers", map[string]any{"name": "Acme Apps", "public_key": pubText})
		assert.Equal(t, pubText, p["public_key"])
		r = e.Do("POST", "/api/v1/trusted-publishers", map[string]any{"name": "Again", "public_key": pubText})
		assert.Equal(t, http.StatusConflict, r.Status, r.String())
		list := e.MustDo(http.StatusOK, "GET", "/api/v1/trusted-publishers", nil)["publishers"].([]any)
		require.Len(t, list, 1)
		assert.Equal(t, "Acme Apps", list[0].(map[string]any)["name"])

		entry := e.MustDo(http.StatusCreated, "POST", "/api/v1/bundles", packDesk(t, "1.0.0", key), "Content-Type", gzipType)
		assert.Equal(t, pubText, entry["signed_by"])
		r = e.Do("POST", "/api/v1/bundles", packDesk(t, "1.1.0", other), "Content-Type", gzipType)
		assert.Equal(t, http.StatusForbidden, r.Status, r.String())
		assert.Equal(t, bundles.CodeUntrusted, r.JSON()["code"])
		e.MustDo(http.StatusCreated, "POST", "/api/v1/bundles/helpdesk/install", nil)
		assert.Equal(t, "trusted", e.MustDo(http.StatusOK, "GET", "/api/v1/bundles/installed", nil)["bundles"].([]any)[0].(map[string]any)["signature"])

		e.MustDo(http.StatusNoContent, "DELETE", "/api/v1/trusted-publishers?public_key="+url.QueryEscape(pubText), nil)
		assert.Empty(t, e.MustDo(http.StatusOK, "GET", "/api/v1/trusted-publishers", nil)["publishers"])
		r = e.Do("DELETE", "/api/v1/trusted-publishers?public_key="+url.QueryEscape(pubText), nil)
		assert.Equal(t, http.StatusNotFound, r.Status, r.String())
		r = e.Do("DELETE", "/api/v1/trusted-publishers", nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, r.String())
		// Once the key is no longer trusted, its upload no longer installs.
		r = e.Do("POST", "/api/v1/bundles/helpdesk/upgrade", nil)
		assert.Equal(t, http.StatusForbidden, r.Status, r.String())

		audit := e.MustDo(http.StatusOK, "GET", "/api/v1/audit?event=publisher.trusted,publisher.distrusted", nil)["entries"].([]any)
		assert.Len(t, audit, 2)
	})
}

// TestBundlesAdminOnly refuses every bundle route to a user who is not an
// administrator.
func TestBundlesAdminOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := apitest.New(t, db, "acme")
		_, std := e.AddUser("std@example.com", "standard", "")
		archive := packDesk(t, "1.0.0", nil)
		for _, rt := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/bundles", nil},
			{"GET", "/api/v1/bundles/installed", nil},
			{"POST", "/api/v1/bundles?allow_unsigned=true", archive},
			{"POST", "/api/v1/bundles/crm/install", nil},
			{"POST", "/api/v1/bundles/crm/install?dry_run=true", nil},
			{"POST", "/api/v1/bundles/crm/upgrade?dry_run=true", nil},
			{"DELETE", "/api/v1/bundles/crm?confirm=true", nil},
			{"GET", "/api/v1/trusted-publishers", nil},
			{"POST", "/api/v1/trusted-publishers", `{"name": "x", "public_key": "x"}`},
			{"DELETE", "/api/v1/trusted-publishers?public_key=x", nil},
		} {
			r := e.DoAs(std, rt.method, rt.path, rt.body, "Content-Type", gzipType)
			assert.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", rt.method, rt.path, r.String())
			assert.Equal(t, "forbidden", r.JSON()["code"], "%s %s", rt.method, rt.path)
		}
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/crm__lead", nil).Status)
	})
}
