package planner

import (
	"fmt"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// ddl is what differs between dialects in table DDL.
type ddl interface {
	// createTable is CREATE TABLE for o under the given quoted name.
	createTable(o *compiled.Object, table string) string
	// addColumn is ALTER TABLE … ADD COLUMN for c of o.
	addColumn(o *compiled.Object, c *compiled.Column) string
	// addForeignKeys adds constraints to an existing table (PostgreSQL);
	// SQLite declares them in the column definition instead.
	addForeignKeys(o *compiled.Object, fks []*compiled.ForeignKey) []Step
	// dropForeignKey drops a constraint (PostgreSQL only).
	dropForeignKey(o *compiled.Object, fk *compiled.ForeignKey) []Step
	// alterType changes a column's SQL type in place where the dialect
	// needs it.
	alterType(o *compiled.Object, oldCol, newCol *compiled.Column) []Step
	// canAlterForeignKeys reports whether foreign keys can change without
	// rebuilding the table.
	canAlterForeignKeys() bool
}

func ddlFor(d dialect.Dialect, schema string) ddl {
	if d.Name() == "sqlite" {
		return sqliteDDL{d: d}
	}
	return postgresDDL{d: d}
}

type sqliteDDL struct{ d dialect.Dialect }

func (s sqliteDDL) columnDef(o *compiled.Object, c *compiled.Column) string {
	def := columnDef(s.d, c)
	for _, fk := range o.ForeignKeys {
		if fk.Column.Name == c.Name {
			def += fmt.Sprintf(" REFERENCES %s (%s) ON DELETE %s", fk.TargetTable, dialect.Quote(compiled.ColID), fk.OnDelete)
		}
	}
	return def
}

func (s sqliteDDL) createTable(o *compiled.Object, table string) string {
	defs := make([]string, len(o.Columns))
	for i, c := range o.Columns {
		defs[i] = s.columnDef(o, c)
	}
	return fmt.Sprintf("CREATE TABLE %s (%s) STRICT", table, strings.Join(defs, ", "))
}

func (s sqliteDDL) addColumn(o *compiled.Object, c *compiled.Column) string {
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s", o.Table, s.columnDef(o, c))
}

func (sqliteDDL) addForeignKeys(*compiled.Object, []*compiled.ForeignKey) []Step { return nil }

func (sqliteDDL) dropForeignKey(*compiled.Object, *compiled.ForeignKey) []Step { return nil }

func (sqliteDDL) alterType(*compiled.Object, *compiled.Column, *compiled.Column) []Step { return nil }

func (sqliteDDL) canAlterForeignKeys() bool { return false }

type postgresDDL struct{ d dialect.Dialect }

func (p postgresDDL) createTable(o *compiled.Object, table string) string {
	defs := make([]string, len(o.Columns))
	for i, c := range o.Columns {
		defs[i] = columnDef(p.d, c)
	}
	return fmt.Sprintf("CREATE TABLE %s (%s)", table, strings.Join(defs, ", "))
}

func (p postgresDDL) addColumn(o *compiled.Object, c *compiled.Column) string {
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s", o.Table, columnDef(p.d, c))
}

func (postgresDDL) addForeignKeys(o *compiled.Object, fks []*compiled.ForeignKey) []Step {
	var steps []Step
	for _, fk := range fks {
		steps = append(steps, Step{SQL: fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s",
			o.Table, dialect.Quote(fk.Name), fk.Column.Quoted, fk.TargetTable, dialect.Quote(compiled.ColID), fk.OnDelete)})
	}
	return steps
}

func (postgresDDL) dropForeignKey(o *compiled.Object, fk *compiled.ForeignKey) []Step {
	return []Step{{SQL: fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s", o.Table, dialect.Quote(fk.Name))}}
}

func (p postgresDDL) alterType(o *compiled.Object, oldCol, newCol *compiled.Column) []Step {
	oldType, newType := p.d.ColumnType(oldCol.Type), p.d.ColumnType(newCol.Type)
	if oldType == newType {
		return nil
	}
	return []Step{{SQL: fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s",
		o.Table, newCol.Quoted, newType, newCol.Quoted, newType)}}
}

func (postgresDDL) canAlterForeignKeys() bool { return true }
