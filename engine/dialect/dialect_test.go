package dialect_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

var (
	sqlite   = dialect.SQLite{}
	postgres = dialect.Postgres{}
)

// dialects are every dialect, for the cases that hold on all of them.
var dialects = []dialect.Dialect{sqlite, postgres}

func TestByName(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		d, err := dialect.ByName(name)
		require.NoError(t, err)
		assert.Equal(t, name, d.Name())
	}
	for _, name := range []string{"", "SQLite", "mysql", "pg"} {
		d, err := dialect.ByName(name)
		assert.Error(t, err, name)
		assert.Nil(t, d)
	}
}

func TestPlaceholder(t *testing.T) {
	tests := []struct {
		n          int
		sqlite, pg string
	}{
		{1, "?1", "$1"},
		{2, "?2", "$2"},
		{10, "?10", "$10"},
		{65535, "?65535", "$65535"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.sqlite, sqlite.Placeholder(tt.n))
		assert.Equal(t, tt.pg, postgres.Placeholder(tt.n))
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"name", `"name"`},
		{"", `""`},
		{`a"b`, `"a""b"`},
		{`"`, `""""`},
		{`x"; DROP TABLE t; --`, `"x""; DROP TABLE t; --"`},
		{"Straße ü", `"Straße ü"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, dialect.Quote(tt.in), tt.in)
	}
}

func TestTable(t *testing.T) {
	tests := []struct {
		schema, table string
		sqlite, pg    string
	}{
		{"t_acme", "deal", `"t_acme__deal"`, `"t_acme"."deal"`},
		{`t"x`, `de"al`, `"t""x__de""al"`, `"t""x"."de""al"`},
		{`t`, `"; DROP TABLE users; --`, `"t__""; DROP TABLE users; --"`, `"t"."""; DROP TABLE users; --"`},
		{`a.b`, `c`, `"a.b__c"`, `"a.b"."c"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.sqlite, sqlite.Table(tt.schema, tt.table))
		assert.Equal(t, tt.pg, postgres.Table(tt.schema, tt.table))
	}
}

func TestColumnType(t *testing.T) {
	tests := []struct {
		col        dialect.Column
		sqlite, pg string
	}{
		{dialect.Column{Kind: metadata.KindText}, "TEXT", "text"},
		{dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 2}, "INTEGER", "numeric(18,2)"},
		{dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 0}, "INTEGER", "numeric(18,0)"},
		{dialect.Column{Kind: metadata.KindDecimal, Precision: 7, Scale: 6}, "INTEGER", "numeric(7,6)"},
		{dialect.Column{Kind: metadata.KindInteger}, "INTEGER", "bigint"},
		{dialect.Column{Kind: metadata.KindBool}, "INTEGER", "boolean"},
		{dialect.Column{Kind: metadata.KindDate}, "TEXT", "date"},
		{dialect.Column{Kind: metadata.KindDateTime}, "TEXT", "timestamptz"},
		{dialect.Column{Kind: metadata.KindStrings}, "TEXT", "text[]"},
		{dialect.Column{Kind: metadata.KindID}, "TEXT", "uuid"},
		// An unknown kind falls back to text rather than failing DDL.
		{dialect.Column{Kind: metadata.Kind(99)}, "TEXT", "text"},
	}
	for _, tt := range tests {
		t.Run(tt.col.Kind.String(), func(t *testing.T) {
			assert.Equal(t, tt.sqlite, sqlite.ColumnType(tt.col))
			assert.Equal(t, tt.pg, postgres.ColumnType(tt.col))
		})
	}
}

func TestColumnOf(t *testing.T) {
	tests := []struct {
		field *metadata.Field
		want  dialect.Column
	}{
		{&metadata.Field{Type: "text"}, dialect.Column{Kind: metadata.KindText}},
		{&metadata.Field{Type: "long_text"}, dialect.Column{Kind: metadata.KindText}},
		{&metadata.Field{Type: "email"}, dialect.Column{Kind: metadata.KindText}},
		{&metadata.Field{Type: "phone"}, dialect.Column{Kind: metadata.KindText}},
		{&metadata.Field{Type: "url"}, dialect.Column{Kind: metadata.KindText}},
		{&metadata.Field{Type: "picklist"}, dialect.Column{Kind: metadata.KindText}},
		{&metadata.Field{Type: "external_id"}, dialect.Column{Kind: metadata.KindText}},
		{&metadata.Field{Type: "auto_number"}, dialect.Column{Kind: metadata.KindText}},
		{&metadata.Field{Type: "multi_picklist"}, dialect.Column{Kind: metadata.KindStrings}},
		{&metadata.Field{Type: "boolean"}, dialect.Column{Kind: metadata.KindBool}},
		{&metadata.Field{Type: "date"}, dialect.Column{Kind: metadata.KindDate}},
		{&metadata.Field{Type: "datetime"}, dialect.Column{Kind: metadata.KindDateTime}},
		{&metadata.Field{Type: "lookup"}, dialect.Column{Kind: metadata.KindID}},
		// Decimal types carry their precision and scale, defaults applied.
		{&metadata.Field{Type: "currency"}, dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 2}},
		{&metadata.Field{Type: "percent"}, dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 2}},
		{&metadata.Field{Type: "number"}, dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 0}},
		{&metadata.Field{Type: "number", Settings: metadata.Settings{Precision: 10, Scale: intp(4)}},
			dialect.Column{Kind: metadata.KindDecimal, Precision: 10, Scale: 4}},
		{&metadata.Field{Type: "currency", Settings: metadata.Settings{Scale: intp(0)}},
			dialect.Column{Kind: metadata.KindDecimal, Precision: 18, Scale: 0}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, dialect.ColumnOf(tt.field), tt.field.Type)
	}
}

func TestTextPredicates(t *testing.T) {
	tests := []struct {
		name       string
		build      func(d dialect.Dialect) string
		sqlite, pg string
	}{
		{"starts with", func(d dialect.Dialect) string { return d.StartsWith(`"name"`, "?1") },
			`substr("name", 1, length(?1)) = ?1`,
			`starts_with("name", ?1)`},
		{"ends with", func(d dialect.Dialect) string { return d.EndsWith(`"name"`, "?1") },
			`(length(?1) = 0 OR substr("name", -length(?1)) = ?1)`,
			`right("name", length(?1)) = ?1`},
		{"contains", func(d dialect.Dialect) string { return d.Contains(`"name"`, "?1") },
			`instr("name", ?1) > 0`,
			`strpos("name", ?1) > 0`},
		{"includes", func(d dialect.Dialect) string { return d.Includes(`"tags"`, "?1") },
			`EXISTS (SELECT 1 FROM json_each("tags") WHERE value = ?1)`,
			`?1 = ANY("tags")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.sqlite, tt.build(sqlite))
			assert.Equal(t, tt.pg, tt.build(postgres))
		})
	}
}

func TestNullsOrder(t *testing.T) {
	for _, d := range dialects {
		assert.Equal(t, " ASC NULLS LAST", d.NullsOrder(false), d.Name())
		assert.Equal(t, " DESC NULLS FIRST", d.NullsOrder(true), d.Name())
	}
}

func intp(n int) *int { return &n }
