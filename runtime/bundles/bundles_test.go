package bundles_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// helpdesk is a small bundle in namespace "desk": tickets with a status
// picklist and a note, an agent role, two seed tickets.
func helpdesk(version string, files map[string]string) fstest.MapFS {
	fs := fstest.MapFS{
		"bundle.yaml": {Data: []byte(`
name: helpdesk
namespace: desk
version: ` + version + `
publisher: Acme Apps
label: {en: Help desk, zh-CN: 服务台}
`)},
		"objects/ticket.yaml": {Data: []byte(`
name: desk__ticket
label: {en: Ticket, zh-CN: 工单}
name_field: title
fields:
  - {name: title, type: text, required: true, label: {en: Title, zh-CN: 标题}}
  - name: status
    type: picklist
    settings: {values: [{value: Open}, {value: Closed}]}
    default: '"Open"'
  - {name: note, type: text}
rules:
  - {name: title_not_placeholder, condition: 'title == "untitled"', message: "Give the ticket a real title"}
`)},
		"security.yaml": {Data: []byte(`
roles: [{name: desk__agent, permission_sets: [desk__agents]}]
permission_sets:
  - name: desk__agents
    objects: {desk__ticket: {read: true, create: true, edit: true}}
    fields: {desk__ticket: {title: {read: true, edit: true}, status: {read: true, edit: true}, note: {read: true, edit: true}}}
`)},
		"seed/tickets.yaml": {Data: []byte(`
object: desk__ticket
records: [{title: Welcome}, {title: Read the manual, status: Closed}]
`)},
	}
	for p, d := range files {
		if d == "" {
			delete(fs, p)
			continue
		}
		fs[p] = &fstest.MapFile{Data: []byte(d)}
	}
	return fs
}

// v2 changes the status picklist (a new value), drops the note, adds a
// comment object and a priority field.
var helpdeskV2 = map[string]string{
	"objects/ticket.yaml": `
name: desk__ticket
label: {en: Ticket, zh-CN: 工单}
name_field: title
fields:
  - {name: title, type: text, required: true, label: {en: Title, zh-CN: 标题}}
  - name: status
    type: picklist
    settings: {values: [{value: Open}, {value: Waiting}, {value: Closed}]}
    default: '"Open"'
  - {name: priority, type: number, default: "3"}
rules:
  - {name: title_not_placeholder, condition: 'title == "untitled"', message: "Give the ticket a real title"}
`,
	"objects/comment.yaml": `
name: desk__comment
fields:
  - {name: body, type: long_text}
  - {name: ticket, type: lookup, settings: {target: desk__ticket, on_delete: cascade}}
`,
	"security.yaml": `
roles: [{name: desk__agent, permission_sets: [desk__agents]}]
permission_sets:
  - name: desk__agents
    objects: {desk__ticket: {read: true, create: true, edit: true}, desk__comment: {read: true, create: true}}
    fields: {desk__ticket: {title: {read: true, edit: true}, status: {read: true, edit: true}, priority: {read: true, edit: true}},
             desk__comment: {body: {read: true, edit: true}, ticket: {read: true, edit: true}}}
`,
}

func load(t *testing.T, fs fstest.MapFS) *metadata.Bundle {
	t.Helper()
	b, err := metadata.LoadBundle(fs)
	require.NoError(t, err)
	return b
}

func code(err error) string {
	var be *bundles.Error
	if errors.As(err, &be) {
		return be.Code
	}
	var ps metadata.Problems
	if errors.As(err, &ps) && len(ps) > 0 {
		return ps[0].Code
	}
	return ""
}

func newService(e *apitest.Env) *bundles.Service {
	return bundles.New(e.DB, e.Catalog, records.New(e.DB))
}

// TestInstallUseUpgrade installs a bundle, uses it with the tenant's own
// field and data and a relabelling, checks what the tenant may not
// change, then upgrades to a version that changes a field, adds an object
// and drops a field: nothing is lost, the customizations survive, the
// dropped field is retired with its data.
func TestInstallUseUpgrade(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := apitest.New(t, db, "acme")
		s := newService(e)
		res, err := s.Install(ctx, e.Tenant, bundles.Source{Bundle: load(t, helpdesk("1.0.0", nil)), Signature: bundles.SignatureBuiltIn}, nil, bundles.Options{Actor: e.Admin.ID})
		require.NoError(t, err)
		assert.Equal(t, []string{"helpdesk 1.0.0"}, res.Bundles)
		assert.Contains(t, res.Components, "add object desk__ticket")

		list := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/desk__ticket/records?sort=title", nil)["records"].([]any)
		require.Len(t, list, 2, "the seed records")

		// The tenant customizes what the bundle allows.
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/desk__ticket", `{"label": {"en": "Case", "zh-CN": "案例"}}`)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/desk__ticket/fields", `{"name": "custom_region", "type": "text"}`)
		r := e.Do("POST", "/api/v1/objects/desk__ticket/fields", `{"name": "region", "type": "text"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Contains(t, r.String(), "custom_")
		r = e.Do("PATCH", "/api/v1/objects/desk__ticket/fields/note", `{"type": "long_text"}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		assert.Contains(t, r.String(), "bundle_component")
		r = e.Do("DELETE", "/api/v1/objects/desk__ticket?confirm=true", nil)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
		r = e.Do("POST", "/api/v1/objects", `{"name": "desk__fake", "fields": [{"name": "x", "type": "text"}]}`)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "names with __ are the bundles': %s", r.String())

		rec := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/desk__ticket/records", `{"title": "Printer", "note": "on fire", "custom_region": "EMEA"}`)
		id := rec["id"].(string)

		// The plan first, then the upgrade.
		v2 := bundles.Source{Bundle: load(t, helpdesk("1.1.0", helpdeskV2)), Signature: bundles.SignatureBuiltIn}
		plan, err := s.Upgrade(ctx, e.Tenant, v2, nil, bundles.Options{DryRun: true})
		require.NoError(t, err)
		assert.True(t, plan.DryRun)
		assert.Contains(t, plan.Components, "add object desk__comment")
		assert.Contains(t, plan.Components, "add field desk__ticket.priority")
		assert.Contains(t, plan.Components, "change field desk__ticket.status")
		assert.Contains(t, plan.Components, "retire field desk__ticket.note: the new version drops it; its data is kept until an administrator deletes it")
		inst, err := s.Installed(ctx, e.Tenant)
		require.NoError(t, err)
		assert.Equal(t, "1.0.0", inst[0].Version, "a plan changes nothing")

		_, err = s.Upgrade(ctx, e.Tenant, v2, nil, bundles.Options{Actor: e.Admin.ID})
		require.NoError(t, err)
		got := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/desk__ticket/records/"+id, nil)
		assert.Equal(t, "Printer", got["title"])
		assert.Equal(t, "EMEA", got["custom_region"], "the tenant's field and data survive")
		assert.Equal(t, "on fire", got["note"], "the retired field's data is kept")
		assert.Nil(t, got["priority"], "an optional new field is empty on existing records (defaults fill new ones)")
		desc := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/desk__ticket", nil)
		assert.Equal(t, "Case", desc["label"], "the tenant's label survives")
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/desk__ticket/records", `{"title": "New", "status": "Waiting"}`)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/desk__comment/records", `{"body": "hi", "ticket": "`+id+`"}`)

		// The retired field is hidden from everyone but administrators.
		_, std := e.AddUser("std@example.com", "standard", "")
		got = e.DoAs(std, "GET", "/api/v1/objects/desk__ticket/records/"+id, nil).JSON()
		assert.NotContains(t, got, "note")
		assert.Equal(t, "EMEA", got["custom_region"])

		inst, err = s.Installed(ctx, e.Tenant)
		require.NoError(t, err)
		assert.Equal(t, "1.1.0", inst[0].Version)
		_, err = s.Upgrade(ctx, e.Tenant, v2, nil, bundles.Options{})
		assert.Equal(t, bundles.CodeNotNewer, code(err))

		// The administrator purges the retired field.
		e.MustDo(http.StatusOK, "DELETE", "/api/v1/objects/desk__ticket/fields/note?confirm=true", nil)

		// Uninstall: data needs confirming, then everything goes.
		_, err = s.Uninstall(ctx, e.Tenant, "helpdesk", bundles.Options{})
		assert.Equal(t, metadata.ProblemDataLoss, code(err))
		_, err = s.Uninstall(ctx, e.Tenant, "helpdesk", bundles.Options{ConfirmDataLoss: true})
		require.NoError(t, err)
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/desk__ticket", nil).Status)
		inst, err = s.Installed(ctx, e.Tenant)
		require.NoError(t, err)
		assert.Empty(t, inst)
	})
}

// TestInstallFailsWithoutTrace injects a fault in the middle of an install
// (a seed record that breaks a validation rule, after the tables were
// created): nothing of the bundle remains.
func TestInstallFailsWithoutTrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := apitest.New(t, db, "acme")
		s := newService(e)
		before, err := e.Catalog.Current(ctx, e.Tenant)
		require.NoError(t, err)
		bad := helpdesk("1.0.0", map[string]string{"seed/tickets.yaml": `
object: desk__ticket
records: [{title: Fine}, {title: untitled}]
`})
		_, err = s.Install(ctx, e.Tenant, bundles.Source{Bundle: load(t, bad), Signature: bundles.SignatureBuiltIn}, nil, bundles.Options{})
		require.Error(t, err)
		assert.Equal(t, bundles.CodeInvalidBundle, code(err))
		assert.Contains(t, err.Error(), "record 1")
		after, err := e.Catalog.Current(ctx, e.Tenant)
		require.NoError(t, err)
		assert.Equal(t, before.Number, after.Number, "no revision")
		assert.Equal(t, http.StatusNotFound, e.Do("GET", "/api/v1/objects/desk__ticket", nil).Status)
		inst, err := s.Installed(ctx, e.Tenant)
		require.NoError(t, err)
		assert.Empty(t, inst)
		// The tables are gone too: installing the good bundle works.
		_, err = s.Install(ctx, e.Tenant, bundles.Source{Bundle: load(t, helpdesk("1.0.0", nil)), Signature: bundles.SignatureBuiltIn}, nil, bundles.Options{})
		require.NoError(t, err)
	})
}

// TestSignatures packs, signs and opens archives: a trusted signature
// installs, an untrusted or tampered one and an unsigned one (unless
// allowed) are refused.
func TestSignatures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := apitest.New(t, db, "acme")
		s := newService(e)
		pub, key, err := bundles.GenerateKey()
		require.NoError(t, err)
		signed, err := bundles.Pack(helpdesk("1.0.0", nil), key)
		require.NoError(t, err)
		unsigned, err := bundles.Pack(helpdesk("1.0.0", nil), nil)
		require.NoError(t, err)

		_, err = s.OpenArchive(ctx, e.Tenant, signed, false)
		assert.Equal(t, bundles.CodeUntrusted, code(err))
		_, err = s.OpenArchive(ctx, e.Tenant, unsigned, false)
		assert.Equal(t, bundles.CodeUnsigned, code(err))
		src, err := s.OpenArchive(ctx, e.Tenant, unsigned, true)
		require.NoError(t, err)
		assert.Equal(t, bundles.SignatureUnsigned, src.Signature)

		_, err = s.TrustPublisher(ctx, e.Tenant, "Acme Apps", bundles.EncodePublicKey(pub))
		require.NoError(t, err)
		src, err = s.OpenArchive(ctx, e.Tenant, signed, false)
		require.NoError(t, err)
		assert.Equal(t, bundles.SignatureTrusted, src.Signature)

		// Another key's signature over the same files, and a tampered file.
		_, other, err := bundles.GenerateKey()
		require.NoError(t, err)
		resigned, err := bundles.Sign(signed, other)
		require.NoError(t, err)
		_, err = s.OpenArchive(ctx, e.Tenant, resigned, false)
		assert.Equal(t, bundles.CodeUntrusted, code(err))
		tampered := helpdesk("1.0.0", nil)
		tamperedArchive, err := bundles.Pack(tampered, key)
		require.NoError(t, err)
		o, err := bundles.Open(tamperedArchive)
		require.NoError(t, err)
		mfs := o.FS.(fstest.MapFS)
		mfs["objects/ticket.yaml"].Data = append(mfs["objects/ticket.yaml"].Data, []byte("\n# changed\n")...)
		_, err = bundles.Open(repack(t, mfs, tamperedArchive))
		assert.ErrorIs(t, err, bundles.ErrBadArchive)

		_, err = s.Install(ctx, e.Tenant, src, nil, bundles.Options{})
		require.NoError(t, err)
		inst, err := s.Installed(ctx, e.Tenant)
		require.NoError(t, err)
		assert.Equal(t, bundles.SignatureTrusted, inst[0].Signature)
	})
}

// repack writes files back into an archive with the checksums and
// signature of orig, as an attacker who changed a file would.
func repack(t *testing.T, files fstest.MapFS, orig []byte) []byte {
	t.Helper()
	raw, err := bundles.ReadFiles(orig)
	require.NoError(t, err)
	for p, f := range files {
		raw[p] = f.Data
	}
	out, err := bundles.WriteFiles(raw)
	require.NoError(t, err)
	return out
}

// TestDependenciesAndCollisions installs a bundle with its dependency
// resolved from the catalog, refuses a version conflict, a missing
// dependency, a namespace taken by another bundle and uninstalling a
// bundle others depend on.
func TestDependenciesAndCollisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := apitest.New(t, db, "acme")
		s := newService(e)
		desk := bundles.Source{Bundle: load(t, helpdesk("1.0.0", nil)), Signature: bundles.SignatureBuiltIn}
		sla := func(constraint string) bundles.Source {
			return bundles.Source{Signature: bundles.SignatureBuiltIn, Bundle: load(t, fstest.MapFS{
				"bundle.yaml": {Data: []byte("name: sla\nnamespace: sla\nversion: 1.0.0\npublisher: Acme Apps\ndependencies: [{name: helpdesk, version: '" + constraint + "'}]\n")},
				"objects/policy.yaml": {Data: []byte(`
name: sla__policy
fields:
  - {name: hours, type: number}
  - {name: ticket, type: lookup, settings: {target: desk__ticket}}
`)},
			})}
		}
		resolver := func(_ context.Context, name string) (bundles.Source, error) {
			if name == "helpdesk" {
				return desk, nil
			}
			return bundles.Source{}, errors.New("not found")
		}
		_, err := s.Install(ctx, e.Tenant, sla("^1.0"), nil, bundles.Options{})
		assert.Equal(t, bundles.CodeMissingDependency, code(err))
		_, err = s.Install(ctx, e.Tenant, sla("^2.0"), resolver, bundles.Options{})
		assert.Equal(t, bundles.CodeVersionConflict, code(err))

		res, err := s.Install(ctx, e.Tenant, sla("^1.0"), resolver, bundles.Options{})
		require.NoError(t, err)
		assert.Equal(t, []string{"helpdesk 1.0.0", "sla 1.0.0"}, res.Bundles, "the dependency first, in the same change")

		_, err = s.Uninstall(ctx, e.Tenant, "helpdesk", bundles.Options{ConfirmDataLoss: true})
		assert.Equal(t, bundles.CodeHasDependents, code(err))
		_, err = s.Install(ctx, e.Tenant, desk, nil, bundles.Options{})
		assert.Equal(t, bundles.CodeInstalled, code(err))

		other := load(t, fstest.MapFS{
			"bundle.yaml":       {Data: []byte("name: other\nnamespace: desk\nversion: 1.0.0\npublisher: Someone Else\n")},
			"objects/note.yaml": {Data: []byte("name: desk__note\nfields: [{name: body, type: text}]\n")},
		})
		_, err = s.Install(ctx, e.Tenant, bundles.Source{Bundle: other, Signature: bundles.SignatureUnsigned}, nil, bundles.Options{})
		assert.Equal(t, bundles.CodeNamespaceTaken, code(err))

		outside := load(t, fstest.MapFS{
			"bundle.yaml":       {Data: []byte("name: loose\nnamespace: loose\nversion: 1.0.0\npublisher: X\n")},
			"objects/note.yaml": {Data: []byte("name: note\nfields: [{name: body, type: text}]\n")},
		})
		_, err = s.Install(ctx, e.Tenant, bundles.Source{Bundle: outside, Signature: bundles.SignatureUnsigned}, nil, bundles.Options{})
		var ps metadata.Problems
		require.ErrorAs(t, err, &ps)
		assert.Equal(t, "objects/note.yaml: name", ps[0].Path)
	})
}

// TestHostileArchives: archives that are not gzip, whose paths leave the
// bundle, or that list a file they lack are refused before anything is
// read into a tenant.
func TestHostileArchives(t *testing.T) {
	good, err := bundles.Pack(helpdesk("1.0.0", nil), nil)
	require.NoError(t, err)
	files, err := bundles.ReadFiles(good)
	require.NoError(t, err)
	withFile := func(name string, data []byte) []byte {
		raw := map[string][]byte{}
		for k, v := range files {
			raw[k] = v
		}
		raw[name] = data
		out, err := bundles.WriteFiles(raw)
		require.NoError(t, err)
		return out
	}
	without := func(name string) []byte {
		raw := map[string][]byte{}
		for k, v := range files {
			if k != name {
				raw[k] = v
			}
		}
		out, err := bundles.WriteFiles(raw)
		require.NoError(t, err)
		return out
	}
	tests := map[string][]byte{
		"not gzip":           []byte("PK\x03\x04 not a tarball"),
		"path leaves bundle": withFile("../../etc/passwd", []byte("x")),
		"absolute path":      withFile("/etc/passwd", []byte("x")),
		"unlisted file":      withFile("objects/extra.yaml", []byte("name: desk__extra\n")),
		"listed file gone":   without("objects/ticket.yaml"),
		"no checksums":       without(bundles.ChecksumsFile),
	}
	for name, archive := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := bundles.Open(archive)
			assert.ErrorIs(t, err, bundles.ErrBadArchive)
			if strings.Contains(name, "path") {
				assert.ErrorContains(t, err, "leaves the bundle", "refused for its path, before any checksum")
			}
		})
	}
	_, err = bundles.Open(good)
	require.NoError(t, err, "the untouched archive opens")
}
