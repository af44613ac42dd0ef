package filter

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

// A formula is generated: its type refuses every value written to it, but
// a filter compares it as a value of its result type.
func TestTranslateFormula(t *testing.T) {
	cols := ColumnMap{}
	for _, f := range []*metadata.Field{
		{Name: "commission", Type: "formula", Settings: metadata.Settings{ResultType: "currency", Expression: "amount * 0.15"}},
		{Name: "due", Type: "formula", Settings: metadata.Settings{ResultType: "date", Expression: "close_date"}},
		{Name: "label", Type: "formula", Settings: metadata.Settings{ResultType: "text", Expression: "name"}},
		{Name: "big", Type: "formula", Settings: metadata.Settings{ResultType: "boolean", Expression: "amount > 10"}},
	} {
		cols[f.Name] = Column{Name: f.Name, SQL: dialect.Quote(f.Name), Field: f, Type: dialect.ColumnOf(f)}
	}
	tests := []struct {
		src, sql string
		args     []any
	}{
		{`commission >= 10.5`, `"commission" >= $1`, []any{"10.5"}},
		{`commission == 10.555`, `1 = 0`, nil}, // off the scale of the result
		{`due < "2026-03-01"`, `"due" < $1`, []any{"2026-03-01"}},
		{`label == "Acme"`, `"label" = $1`, []any{"Acme"}},
		{`big`, `"big" = $1`, []any{"true"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			w, err := Translate(tt.src, cols, options(dialect.Postgres{}))
			require.NoError(t, err)
			assert.Equal(t, tt.sql, w.SQL)
			var args []any
			for _, a := range w.Args {
				args = append(args, fmt.Sprint(a))
			}
			assert.Equal(t, tt.args, args)
		})
	}
	_, err := Translate(`commission == "x"`, cols, options(dialect.Postgres{}))
	require.Error(t, err, "a number formula is compared with numbers")
}
