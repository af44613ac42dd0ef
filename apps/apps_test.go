package apps_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/apps"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// TestBuiltinBundlesValidate loads every built-in bundle with its
// dependencies and runs every check a tenant's install would.
func TestBuiltinBundlesValidate(t *testing.T) {
	names := apps.Names()
	assert.Equal(t, []string{"crm", "service"}, names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b, err := apps.Load(name)
			require.NoError(t, err)
			var deps []*metadata.Bundle
			for _, d := range b.Manifest.Dependencies {
				db, err := apps.Load(d.Name)
				require.NoError(t, err)
				deps = append(deps, db)
			}
			ps := metadata.ValidateBundle(b, deps, expression.Checker{})
			for _, p := range ps {
				t.Errorf("%s [%s] %s", p.Path, p.Code, p.Message)
			}
			assert.NotEmpty(t, b.Model.Objects)
		})
	}
}
