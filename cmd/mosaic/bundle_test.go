package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// writeBundle writes a bundle folder of files (path → content) under dir.
func writeBundle(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return dir
}

// deskFiles is a small bundle: tickets in namespace "desk", at version;
// 1.1.0 adds a comment object.
func deskFiles(version string) map[string]string {
	files := map[string]string{
		"bundle.yaml":         "name: helpdesk\nnamespace: desk\nversion: " + version + "\npublisher: Acme Apps\n",
		"objects/ticket.yaml": "name: desk__ticket\nname_field: title\nfields:\n  - {name: title, type: text, required: true}\n",
	}
	if version != "1.0.0" {
		files["objects/comment.yaml"] = "name: desk__comment\nfields:\n  - {name: body, type: long_text}\n  - {name: ticket, type: lookup, settings: {target: desk__ticket}}\n"
	}
	return files
}

// TestBundleValidate validates the built-in apps' folders and a broken
// one, whose every problem is printed with its file and path.
func TestBundleValidate(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"bundle", "validate", "../../apps/crm"}, nil, &out), out.String())
	assert.Equal(t, "ok: crm 1.0.0\n", out.String())
	out.Reset()
	require.NoError(t, run([]string{"bundle", "validate", "../../apps/service"}, nil, &out), "crm resolves as a built-in dependency: %s", out.String())
	assert.Regexp(t, `^ok: service \d+\.\d+\.\d+\n$`, out.String())

	bad := writeBundle(t, t.TempDir(), map[string]string{
		"bundle.yaml":       "name: loose\nnamespace: loose\nversion: 1.0.0\npublisher: X\ndependencies: [{name: nowhere, version: ^1.0}]\n",
		"objects/note.yaml": "name: note\nfields: [{name: body, type: text}]\n",
	})
	out.Reset()
	err := run([]string{"bundle", "validate", bad}, nil, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 problem(s)")
	assert.Contains(t, out.String(), `objects/note.yaml: name: object "note" must be named in the bundle's namespace: loose__<name>`+"\n")
	assert.Contains(t, out.String(), `bundle.yaml: dependencies.0: depends on bundle "nowhere", which is not available`+"\n")

	out.Reset()
	err = run([]string{"bundle", "pack", bad, "--out", filepath.Join(t.TempDir(), "bad.tgz")}, nil, &out)
	assert.ErrorContains(t, err, "not packed")

	schema := writeBundle(t, t.TempDir(), map[string]string{"bundle.yaml": "name: x\nnamespace: 1\n"})
	out.Reset()
	require.Error(t, run([]string{"bundle", "validate", schema}, nil, &out))
	assert.Contains(t, out.String(), "bundle.yaml: ")
}

// TestBundleLifecycle makes a key, packs and signs a small bundle, and
// installs it into a tenant of a SQLite store once its publisher is
// trusted; then plans an upgrade from a folder, installs the built-in CRM
// by name, lists the catalog and uninstalls both.
func TestBundleLifecycle(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	mosaic := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(append(args, "--data-dir", dir), strings.NewReader(""), &out)
		return out.String(), err
	}
	_, err := mosaic("tenant", "create", "acme")
	require.NoError(t, err)

	keyFile := filepath.Join(work, "acme.key")
	out, err := mosaic("bundle", "keygen", "--out", keyFile)
	require.NoError(t, err, out)
	m := regexp.MustCompile(`public key: (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	pub := m[1]
	info, err := os.Stat(keyFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	_, err = mosaic("bundle", "keygen", "--out", keyFile)
	assert.Error(t, err, "an existing key is never overwritten")

	desk := writeBundle(t, filepath.Join(work, "desk"), deskFiles("1.0.0"))
	packed, signed := filepath.Join(work, "desk.tgz"), filepath.Join(work, "desk-signed.tgz")
	out, err = mosaic("bundle", "pack", desk, "--out", packed)
	require.NoError(t, err, out)
	assert.Contains(t, out, "packed helpdesk 1.0.0 into "+packed+" (unsigned)")
	out, err = mosaic("bundle", "sign", packed, "--key", keyFile, "--out", signed)
	require.NoError(t, err, out)
	assert.Contains(t, out, "signed by "+pub)

	_, err = mosaic("bundle", "install", "acme", packed)
	assert.ErrorContains(t, err, "not signed")
	_, err = mosaic("bundle", "install", "acme", signed)
	assert.ErrorContains(t, err, "not one of the tenant's trusted publishers")
	out, err = mosaic("bundle", "trust", "acme", "Acme Apps", pub)
	require.NoError(t, err, out)
	out, err = mosaic("bundle", "install", "acme", signed, "--dry-run")
	require.NoError(t, err, out)
	assert.True(t, strings.HasPrefix(out, "plan (nothing applied):\n"), out)
	assert.Contains(t, out, "    helpdesk 1.0.0\n")
	assert.Contains(t, out, "    add object desk__ticket\n")
	out, err = mosaic("bundle", "install", "acme", signed)
	require.NoError(t, err, out)
	assert.Contains(t, out, "installed in acme (revision 1):")

	// An upgrade from a folder: unsigned, so it needs --allow-unsigned.
	desk2 := writeBundle(t, filepath.Join(work, "desk2"), deskFiles("1.1.0"))
	_, err = mosaic("bundle", "upgrade", "acme", desk2, "--plan")
	assert.ErrorContains(t, err, "--allow-unsigned")
	out, err = mosaic("bundle", "upgrade", "acme", desk2, "--plan", "--allow-unsigned")
	require.NoError(t, err, out)
	assert.Contains(t, out, "plan (nothing applied):")
	assert.Contains(t, out, "    add object desk__comment\n")

	out, err = mosaic("bundle", "install", "acme", "crm")
	require.NoError(t, err, out)
	assert.Contains(t, out, "    crm 1.0.0\n")
	assert.Contains(t, out, "    add object crm__lead\n")

	out, err = mosaic("bundle", "list", "acme")
	require.NoError(t, err, out)
	assert.Regexp(t, `(?m)^NAME\s+VERSION\s+ORIGIN\s+PUBLISHER\s+SIGNED BY\s+INSTALLED$`, out)
	assert.Regexp(t, `(?m)^crm\s+1\.0\.0\s+built_in\s+Mosaic\s+-\s+1\.0\.0$`, out)
	assert.Regexp(t, `(?m)^service\s+\S+\s+built_in\s+.*-$`, out)

	// Without a tenant: what every tenant of the instance has installed.
	out, err = mosaic("bundle", "list")
	require.NoError(t, err, out)
	assert.Regexp(t, `(?m)^TENANT\s+BUNDLE\s+VERSION\s+PUBLISHER\s+SIGNATURE\s+INSTALLED AT$`, out)
	assert.Regexp(t, `(?m)^acme\s+crm\s+1\.0\.0\s+Mosaic\s+built_in\s+\d{4}-`, out)

	// The CRM's seed products are data: removing them needs --confirm.
	out, err = mosaic("bundle", "uninstall", "acme", "crm")
	require.Error(t, err)
	assert.Contains(t, out, "crm__product")
	out, err = mosaic("bundle", "uninstall", "acme", "crm", "--confirm")
	require.NoError(t, err, out)
	assert.Contains(t, out, "uninstalled in acme")
	out, err = mosaic("bundle", "uninstall", "acme", "helpdesk")
	require.NoError(t, err, out)
	out, err = mosaic("bundle", "list", "acme")
	require.NoError(t, err)
	assert.NotRegexp(t, `(?m)^crm\s+1\.0\.0\s+built_in\s+Mosaic\s+-\s+1\.0\.0$`, out)

	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	require.NoError(t, err)
	defer db.Close()
	ten, err := store.TenantByName(ctx, db, "acme")
	require.NoError(t, err)
	page, err := store.ListAudit(ctx, db, ten.ID, store.AuditQuery{Events: []string{"bundle.installed", "bundle.uninstalled", "publisher.trusted"}})
	require.NoError(t, err)
	require.Len(t, page.Entries, 5, "trust, two installs, two uninstalls; not the plans")
	assert.Contains(t, string(page.Entries[0].Detail), `"via":"cli"`)
}
