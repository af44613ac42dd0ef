// Package apps holds the app bundles that ship with Mosaic, as plain files
// embedded in the binary: crm (leads to payments) and service (cases,
// SLAs, knowledge), each a bundle folder (metadata.LoadBundle).
package apps

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"github.com/mosaic-paas/mosaic/metadata"
)

//go:embed all:crm all:service
var files embed.FS

// Names lists the built-in bundles, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// FS returns the folder of the built-in bundle called name.
func FS(name string) (fs.FS, error) {
	if _, err := fs.Stat(files, name+"/"+metadata.BundleManifestFile); err != nil {
		return nil, fmt.Errorf("apps: no built-in bundle %q", name)
	}
	return fs.Sub(files, name)
}

// Load loads the built-in bundle called name.
func Load(name string) (*metadata.Bundle, error) {
	f, err := FS(name)
	if err != nil {
		return nil, err
	}
	b, err := metadata.LoadBundle(f)
	if err != nil {
		return nil, fmt.Errorf("apps: %s: %w", name, err)
	}
	return b, nil
}
