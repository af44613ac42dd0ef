// Package dialect holds what differs between the SQL databases Mosaic runs
// on: quoting, placeholders, column types per storage kind, value conversion
// to and from the driver, and a few SQL functions. It builds SQL text only;
// it never talks to a database.
package dialect

import (
	"fmt"
	"strings"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Dialect is one SQL database's flavour.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Table returns the quoted, qualified name of a tenant's table. schema is
	// the tenant's schema name from the tenants table.
	Table(schema, table string) string
	// Placeholder returns the SQL text of the n-th (1-based) parameter.
	Placeholder(n int) string
	// ColumnType is the column type for a value of kind k.
	ColumnType(c Column) string
	// Arg converts a canonical value (see metadata.Kind) into what the driver
	// takes as a parameter. nil stays nil.
	Arg(c Column, v any) (any, error)
	// Value converts what the driver returned for a column into the
	// canonical value. nil stays nil.
	Value(c Column, v any) (any, error)
	// StartsWith, EndsWith and Contains return a case-sensitive predicate of
	// column text against the parameter placeholder ph (a plain string, not a
	// pattern).
	StartsWith(col, ph string) string
	EndsWith(col, ph string) string
	Contains(col, ph string) string
	// Includes is a predicate that the list column col contains the string
	// parameter ph.
	Includes(col, ph string) string
	// NullsOrder is the ORDER BY suffix that puts NULLs last in ascending
	// order and first in descending order, the same on every dialect.
	NullsOrder(desc bool) string
}

// Column is what a dialect needs to know of a column to type and convert it.
type Column struct {
	Kind      metadata.Kind
	Precision int
	Scale     int
}

// ColumnOf describes the column of a field.
func ColumnOf(f *metadata.Field) Column {
	c := Column{Kind: f.Kind()}
	if d, ok := f.TypeOf().(metadata.DecimalType); ok && c.Kind == metadata.KindDecimal {
		c.Precision, c.Scale = d.PrecisionScale(f)
	}
	return c
}

// Quote quotes an SQL identifier. Identifiers come from validated metadata
// only; quoting is a second line of defence, and doubles embedded quotes.
func Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// ByName returns the dialect called name.
func ByName(name string) (Dialect, error) {
	switch name {
	case "sqlite":
		return SQLite{}, nil
	case "postgres":
		return Postgres{}, nil
	}
	return nil, fmt.Errorf("dialect: unknown dialect %q", name)
}
