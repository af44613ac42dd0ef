// Package compiled turns one revision of a tenant's metadata into the
// in-memory form that requests run against: per object its table, columns,
// prepared SQL text and field lookups. A revision is compiled once, when it
// becomes current, never per request.
package compiled

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// System column names.
const (
	ColID        = "id"
	ColCreatedAt = "created_at"
	ColCreatedBy = "created_by"
	ColUpdatedAt = "updated_at"
	ColUpdatedBy = "updated_by"
	ColOwnerID   = "owner_id"
	ColVersion   = "version"
	// ColRecordType holds the record type's name, set at create only
	// (NULL on objects without record types).
	ColRecordType = "record_type"
)

// systemColumns are the columns every record table starts with, in order.
var systemColumns = []Column{
	{Name: ColID, Type: dialect.Column{Kind: metadata.KindID}, System: true},
	{Name: ColCreatedAt, Type: dialect.Column{Kind: metadata.KindDateTime}, System: true},
	{Name: ColCreatedBy, Type: dialect.Column{Kind: metadata.KindID}, System: true},
	{Name: ColUpdatedAt, Type: dialect.Column{Kind: metadata.KindDateTime}, System: true},
	{Name: ColUpdatedBy, Type: dialect.Column{Kind: metadata.KindID}, System: true},
	{Name: ColOwnerID, Type: dialect.Column{Kind: metadata.KindID}, System: true},
	{Name: ColVersion, Type: dialect.Column{Kind: metadata.KindInteger}, System: true},
	{Name: ColRecordType, Type: dialect.Column{Kind: metadata.KindText}, System: true},
}

// Column is one column of a record table.
type Column struct {
	// Name is the column's (and the field's) API name.
	Name string
	// Quoted is the quoted identifier, ready for SQL.
	Quoted string
	// Field is the metadata of a field column; nil for system columns.
	Field *metadata.Field
	// Type is the storage type for the dialect.
	Type dialect.Column
	// System is true for the columns every table has.
	System bool
	// Index is the position in Object.Columns (and in every SELECT list).
	Index int
}

// Index is a secondary index of a record table.
type Index struct {
	// Name is the index name derived from stable ids. CreateName is the
	// quoted name for CREATE INDEX; QualifiedName the quoted name for DROP
	// INDEX (schema-qualified on PostgreSQL).
	Name, CreateName, QualifiedName string
	Column                          *Column
	Unique                          bool
}

// ForeignKey is the constraint of a lookup column.
type ForeignKey struct {
	Name        string
	Column      *Column
	TargetTable string
	OnDelete    string
}

// Object is the compiled form of one object.
type Object struct {
	Meta *metadata.Object
	// Table is the quoted, qualified table name.
	Table string
	// TableName is the unquoted name as the dialect stores it (used for
	// renames and error mapping).
	TableName string
	// Columns are the system columns followed by the fields, in order.
	Columns []*Column
	byName  map[string]*Column
	// Indexes and ForeignKeys are derived from unique, external id and
	// lookup fields.
	Indexes     []*Index
	ForeignKeys []*ForeignKey
	// SelectList is the comma-separated list of every column, in order.
	SelectList string
	// InsertSQL inserts every column; its arguments are in column order.
	InsertSQL string
	// SelectByIDSQL selects one row by id; SelectByIDForUpdateSQL also
	// locks it on PostgreSQL, FOR NO KEY UPDATE: the id never changes, and
	// the key-share lock that the foreign key of a record pointing at it
	// takes must not wait (a writer holding a record while it recomputes
	// the formulas of records pointing at it would deadlock with them).
	SelectByIDSQL, SelectByIDForUpdateSQL string
	// UpdateSQL writes every column but id, created_* and record_type
	// (fixed at create): arguments are the field columns in order, then
	// updated_at, updated_by, owner_id, the new version, the id and the
	// expected old version.
	UpdateSQL string
	// DeleteSQL deletes by id (argument 1).
	DeleteSQL string
	// CountSQL counts every row.
	CountSQL string
	// Defaults are the compiled default-value expressions by field name.
	Defaults map[string]*expression.Program
	// Rules are the active validation rules with their compiled conditions,
	// in definition order.
	Rules []*Rule
	// Rollups are the roll-up summaries the object holds and feeds.
	Rollups Rollups
	// SharingRules are the object's sharing rules with the roles they
	// apply to (sharing.go).
	SharingRules []*SharingRule
	// FormulaPlan holds the formulas, the lookup paths that expressions on
	// the object read, and the records that read the object's (formula.go).
	FormulaPlan
}

// Rule is a compiled validation rule.
type Rule struct {
	Meta      *metadata.Rule
	Condition *expression.Program
}

// Column returns the column with the given name (field or system).
func (o *Object) Column(name string) (*Column, bool) {
	c, ok := o.byName[name]
	return c, ok
}

// FieldColumns returns the columns of the object's fields (not system).
func (o *Object) FieldColumns() []*Column { return o.Columns[len(systemColumns):] }

// NameOf returns the name of an index or constraint of a table, from stable
// ids so that renames keep it, short enough for every database.
func NameOf(prefix string, ids ...string) string {
	h := sha256.Sum256([]byte(strings.Join(ids, "/")))
	return prefix + "_" + hex.EncodeToString(h[:8])
}

// CompileObject builds the compiled form of o for a tenant schema: its
// columns, indexes and SQL. Expressions are compiled by Compile.
func CompileObject(d dialect.Dialect, schema string, o *metadata.Object) *Object {
	co := &Object{
		Meta:      o,
		Table:     d.Table(schema, o.Name),
		TableName: TableName(d, schema, o.Name),
		byName:    map[string]*Column{},
		Defaults:  map[string]*expression.Program{},
	}
	for _, sc := range systemColumns {
		c := sc
		co.addColumn(&c)
	}
	for _, f := range o.Fields {
		co.addColumn(&Column{Name: f.Name, Field: f, Type: dialect.ColumnOf(f)})
	}
	for _, c := range co.FieldColumns() {
		f := c.Field
		switch {
		case f.IsUnique():
			name := NameOf("u", o.ID, f.ID)
			co.Indexes = append(co.Indexes, newIndex(d, schema, name, c, true))
		case f.Kind() == metadata.KindID:
			name := NameOf("i", o.ID, f.ID)
			co.Indexes = append(co.Indexes, newIndex(d, schema, name, c, false))
		}
		if f.Type == "lookup" {
			co.ForeignKeys = append(co.ForeignKeys, &ForeignKey{
				Name:        NameOf("f", o.ID, f.ID),
				Column:      c,
				TargetTable: d.Table(schema, f.Settings.Target),
				OnDelete:    onDelete(f),
			})
		}
	}
	co.buildSQL(d)
	return co
}

func newIndex(d dialect.Dialect, schema, name string, c *Column, unique bool) *Index {
	return &Index{
		Name:          name,
		CreateName:    dialect.Quote(TableName(d, schema, name)),
		QualifiedName: d.Table(schema, name),
		Column:        c,
		Unique:        unique,
	}
}

func onDelete(f *metadata.Field) string {
	switch f.Settings.OnDelete {
	case metadata.OnDeleteCascade:
		return "CASCADE"
	case metadata.OnDeleteSetNull:
		return "SET NULL"
	}
	return "RESTRICT"
}

// TableName is the unquoted name of a tenant's table as the dialect stores
// it: "<schema>__<table>" on SQLite, "<table>" within the schema on
// PostgreSQL.
func TableName(d dialect.Dialect, schema, table string) string {
	if d.Name() == "sqlite" {
		return schema + "__" + table
	}
	return table
}

func (o *Object) addColumn(c *Column) {
	c.Quoted = dialect.Quote(c.Name)
	c.Index = len(o.Columns)
	o.Columns = append(o.Columns, c)
	o.byName[c.Name] = c
}

func (o *Object) buildSQL(d dialect.Dialect) {
	names := make([]string, len(o.Columns))
	phs := make([]string, len(o.Columns))
	for i, c := range o.Columns {
		names[i] = c.Quoted
		phs[i] = d.Placeholder(i + 1)
	}
	o.SelectList = strings.Join(names, ", ")
	o.InsertSQL = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", o.Table, o.SelectList, strings.Join(phs, ", "))
	o.SelectByIDSQL = fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s", o.SelectList, o.Table, dialect.Quote(ColID), d.Placeholder(1))
	o.SelectByIDForUpdateSQL = o.SelectByIDSQL
	if d.Name() == "postgres" {
		o.SelectByIDForUpdateSQL += " FOR NO KEY UPDATE"
	}
	var sets []string
	n := 0
	for _, c := range o.FieldColumns() {
		n++
		sets = append(sets, fmt.Sprintf("%s = %s", c.Quoted, d.Placeholder(n)))
	}
	for _, name := range []string{ColUpdatedAt, ColUpdatedBy, ColOwnerID, ColVersion} {
		n++
		sets = append(sets, fmt.Sprintf("%s = %s", dialect.Quote(name), d.Placeholder(n)))
	}
	o.UpdateSQL = fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s AND %s = %s", o.Table, strings.Join(sets, ", "),
		dialect.Quote(ColID), d.Placeholder(n+1), dialect.Quote(ColVersion), d.Placeholder(n+2))
	o.DeleteSQL = fmt.Sprintf("DELETE FROM %s WHERE %s = %s", o.Table, dialect.Quote(ColID), d.Placeholder(1))
	o.CountSQL = fmt.Sprintf("SELECT count(*) FROM %s", o.Table)
}

// Revision is a compiled revision of a tenant's metadata.
type Revision struct {
	// TenantID is the tenant whose metadata this is.
	TenantID string
	// Number is the metadata revision number (0 before the first change).
	Number int
	// Model is the metadata this was compiled from; it must not be changed.
	Model   *metadata.Model
	Dialect dialect.Dialect
	Schema  string
	objects map[string]*Object
	ordered []*Object
	// permissions is each custom role's access by object (permission.go).
	permissions map[string]map[string]*Access
	// below is, per custom role, every role beneath it in the role
	// hierarchy, sorted (permission.go).
	below map[string][]string
	// standard is the standard role's access to the objects that have
	// retired fields (permission.go).
	standard map[string]*Access
	// approvals are the compiled approval processes by object, in the
	// order they are tried, and by name (approval.go).
	approvals       map[string][]*approval.Process
	approvalsByName map[string]*approval.Process
	// actions are the compiled record actions by object (action.go).
	actions map[string][]*Action
	// schedules are the compiled schedules by object (schedule.go).
	schedules map[string][]*Schedule
}

// Compile compiles a whole model of a tenant: every object and every
// expression, the formulas and their lookup paths (formula.go), and the
// roll-ups (see rollup.go; it resolves the model's roll-ups first). The
// model must have passed metadata.Validate; an expression that does not
// compile is an error, and roll-up filters that do not translate to SQL are
// metadata.Problems located at each filter.
func Compile(d dialect.Dialect, tenantID, schema string, number int, m *metadata.Model) (*Revision, error) {
	r := &Revision{TenantID: tenantID, Number: number, Model: m, Dialect: d, Schema: schema, objects: map[string]*Object{}}
	m.ResolveRollups()
	defaults := expression.DefaultsEnv()
	for _, o := range m.Objects {
		co := CompileObject(d, schema, o)
		for _, f := range o.Fields {
			if f.Default == "" {
				continue
			}
			p, err := expression.Compile(f.Default, defaults)
			if err != nil {
				return nil, fmt.Errorf("compiled: default of %s.%s: %w", o.Name, f.Name, err)
			}
			co.Defaults[f.Name] = p
		}
		if len(o.Rules) > 0 {
			env := expression.NewModelEnv(m, o)
			for _, r := range o.Rules {
				if !r.IsActive() {
					continue
				}
				p, err := expression.CompileCondition(r.Condition, env)
				if err != nil {
					return nil, fmt.Errorf("compiled: rule %s of %s: %w", r.Name, o.Name, err)
				}
				co.Rules = append(co.Rules, &Rule{Meta: r, Condition: p})
			}
		}
		r.objects[o.Name] = co
		r.ordered = append(r.ordered, co)
	}
	sort.Slice(r.ordered, func(i, j int) bool { return r.ordered[i].Meta.Name < r.ordered[j].Meta.Name })
	if err := r.compileFormulas(); err != nil {
		return nil, err
	}
	if err := r.compileRollups(); err != nil {
		return nil, err
	}
	r.compilePermissions()
	if err := r.compileSharingRules(); err != nil {
		return nil, err
	}
	if err := r.compileApprovals(); err != nil {
		return nil, err
	}
	if err := r.compileActions(); err != nil {
		return nil, err
	}
	if err := r.compileSchedules(); err != nil {
		return nil, err
	}
	if err := r.checkListViews(); err != nil {
		return nil, err
	}
	return r, nil
}

// Object returns the compiled object with the given API name.
func (r *Revision) Object(name string) (*Object, bool) {
	o, ok := r.objects[name]
	return o, ok
}

// Objects returns every compiled object, sorted by name.
func (r *Revision) Objects() []*Object { return r.ordered }

// Referrers returns the lookup fields of every object that point at target.
func (r *Revision) Referrers(target string) []Referrer {
	var out []Referrer
	for _, o := range r.ordered {
		for _, fk := range o.ForeignKeys {
			if fk.Column.Field.Settings.Target == target {
				out = append(out, Referrer{Object: o, Column: fk.Column})
			}
		}
	}
	return out
}

// Referrer is a lookup column that points at an object.
type Referrer struct {
	Object *Object
	Column *Column
}
