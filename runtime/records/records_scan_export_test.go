package records

import (
	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// NewRowScanner exposes rowScanner to the package's external tests: the
// returned function reads the current row.
func NewRowScanner(d dialect.Dialect, cols []*compiled.Column) func(rows store.Rows) (Record, error) {
	return newRowScanner(d, cols).scan
}

// RowArgs exposes rowArgs to the package's external tests.
var RowArgs = rowArgs
