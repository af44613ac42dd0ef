// Package planner compares two revisions of a tenant's metadata by stable ids
// and plans the DDL that takes the tables from one to the other: tables and
// columns created, renamed, retyped and dropped, indexes and foreign keys,
// and the checks that must hold on existing data first so that no change
// loses or corrupts data. It builds SQL text only; runtime runs the plan in
// one transaction with the new metadata revision.
package planner

import (
	"fmt"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

// Step is one DDL or data statement of a plan.
type Step struct {
	SQL  string
	Args []any
}

// Check is a count query over existing data that must return zero for the
// change to go ahead. When it does not, Problem explains why, with the count.
type Check struct {
	SQL  string
	Args []any
	// Path and Code locate the problem in the metadata change.
	Path string
	Code string
	// Message formats the refusal given the count.
	Message func(n int64) string
	// Confirmable checks guard data that is deleted on purpose (a dropped
	// object or field): the caller may go ahead when the user confirmed.
	Confirmable bool
}

// Backfill asks the runtime to fill a new required field's column in every
// existing row with the field's default value.
type Backfill struct {
	Object *compiled.Object
	Column *compiled.Column
}

// Plan is everything needed to move a tenant's tables from one metadata
// revision to the next.
type Plan struct {
	Checks    []Check
	Steps     []Step
	Backfills []Backfill
	// Changes describes the plan for people, one line per change.
	Changes []string
}

// Empty reports whether the plan changes no table.
func (p *Plan) Empty() bool { return len(p.Steps) == 0 && len(p.Backfills) == 0 }

// Build plans the change from old to new (both validated) for a tenant
// schema. It returns the problems of changes that are never allowed (a
// conversion between incompatible types on a column with data is instead a
// Check).
func Build(d dialect.Dialect, schema string, old, new *metadata.Model) (*Plan, metadata.Problems) {
	b := &builder{d: d, schema: schema, plan: &Plan{}, oldIDs: objectIDs(old), newIDs: objectIDs(new), droppedFKs: map[string]bool{}}
	b.ddl = ddlFor(d, schema)
	oldByID := map[string]*metadata.Object{}
	for _, o := range old.Objects {
		oldByID[o.ID] = o
	}
	newIDs := map[string]bool{}
	var created []*compiled.Object
	var changed [][2]*compiled.Object
	for _, o := range new.Objects {
		newIDs[o.ID] = true
		co := compiled.CompileObject(d, schema, o)
		if prev, ok := oldByID[o.ID]; ok {
			changed = append(changed, [2]*compiled.Object{compiled.CompileObject(d, schema, prev), co})
		} else {
			created = append(created, co)
		}
	}
	var dropped []*compiled.Object
	for _, o := range old.Objects {
		if !newIDs[o.ID] {
			dropped = append(dropped, compiled.CompileObject(d, schema, o))
		}
	}
	// Order: drops first, then renames, so that their names are free for
	// renamed and created objects (checks read the old tables before any
	// step runs); then alterations and creations; indexes and foreign keys
	// last, once every table exists.
	b.dropForeignKeysTo(dropped, changed)
	for _, o := range dropped {
		b.dropTable(o)
	}
	b.renameTables(changed)
	for _, pair := range changed {
		b.alterTable(pair[0], pair[1])
	}
	for _, o := range created {
		b.createTable(o)
	}
	b.plan.Steps = append(b.plan.Steps, b.late...)
	return b.plan, b.problems
}

type builder struct {
	d        dialect.Dialect
	schema   string
	ddl      ddl
	plan     *Plan
	late     []Step // indexes and foreign keys, after every table exists
	problems metadata.Problems
	// oldIDs and newIDs map object names to stable ids in each revision,
	// so that a lookup whose target was renamed is still the same lookup.
	oldIDs, newIDs map[string]string
	// droppedFKs are the foreign keys the plan drops already.
	droppedFKs map[string]bool
}

func objectIDs(m *metadata.Model) map[string]string {
	ids := make(map[string]string, len(m.Objects))
	for _, o := range m.Objects {
		ids[o.Name] = o.ID
	}
	return ids
}

// sameTarget reports whether a lookup points at the same object in both
// revisions, whatever that object is called now.
func (b *builder) sameTarget(of, nf *metadata.Field) bool {
	return b.oldIDs[of.Settings.Target] == b.newIDs[nf.Settings.Target]
}

// sameForeignKey reports whether a foreign key needs no change: same target
// object and same on-delete action. (A renamed target needs nothing: both
// databases carry a table rename into the constraints that reference it.)
func (b *builder) sameForeignKey(ofk, nfk *compiled.ForeignKey) bool {
	return b.sameTarget(ofk.Column.Field, nfk.Column.Field) && ofk.OnDelete == nfk.OnDelete
}

// tempName is a table or column name no object or field can have (API
// names start with a letter), unique per stable id.
func tempName(purpose string, ids ...string) string {
	return compiled.NameOf("_"+purpose, ids...)
}

func (b *builder) step(sql string, args ...any) {
	b.plan.Steps = append(b.plan.Steps, Step{SQL: sql, Args: args})
}

func (b *builder) change(format string, args ...any) {
	b.plan.Changes = append(b.plan.Changes, fmt.Sprintf(format, args...))
}

func (b *builder) problem(path, code, format string, args ...any) {
	b.problems = append(b.problems, metadata.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (b *builder) createTable(o *compiled.Object) {
	b.change("create object %s", o.Meta.Name)
	b.step(b.ddl.createTable(o, o.Table))
	for _, idx := range o.Indexes {
		b.late = append(b.late, Step{SQL: createIndex(o, idx)})
	}
	b.late = append(b.late, b.ddl.addForeignKeys(o, o.ForeignKeys)...)
}

func (b *builder) dropTable(o *compiled.Object) {
	b.change("delete object %s and its records", o.Meta.Name)
	b.plan.Checks = append(b.plan.Checks, Check{
		SQL:         o.CountSQL,
		Path:        "objects." + o.Meta.Name,
		Code:        metadata.ProblemDataLoss,
		Confirmable: true,
		Message: func(n int64) string {
			return fmt.Sprintf("object %q has %d records; deleting it deletes them", o.Meta.Name, n)
		},
	})
	b.step("DROP TABLE " + o.Table)
}

// dropForeignKeysTo drops the foreign keys held on tables about to be
// dropped, by other dropped tables and by surviving ones (PostgreSQL refuses
// to drop a referenced table; the surviving lookup fields are dropped or
// recreated by alterTable). It runs before any rename: tables have their old
// names.
func (b *builder) dropForeignKeysTo(dropped []*compiled.Object, changed [][2]*compiled.Object) {
	gone := map[string]bool{}
	from := append([]*compiled.Object(nil), dropped...)
	for _, o := range dropped {
		gone[o.Meta.ID] = true
	}
	for _, pair := range changed {
		from = append(from, pair[0])
	}
	for _, o := range from {
		for _, fk := range o.ForeignKeys {
			target := b.oldIDs[fk.Column.Field.Settings.Target]
			if gone[target] && target != o.Meta.ID {
				b.dropForeignKey(o, fk)
			}
		}
	}
}

// dropForeignKey drops a foreign key constraint once per plan.
func (b *builder) dropForeignKey(o *compiled.Object, fk *compiled.ForeignKey) {
	if b.droppedFKs[fk.Name] {
		return
	}
	b.droppedFKs[fk.Name] = true
	b.plan.Steps = append(b.plan.Steps, b.ddl.dropForeignKey(o, fk)...)
}

// renameTables renames the tables of renamed objects. When a new name is
// still held by another renamed table (names swapped or shifted along), every
// rename goes through a temporary name first.
func (b *builder) renameTables(changed [][2]*compiled.Object) {
	held := map[string]bool{}
	for _, pair := range changed {
		held[pair[0].Meta.Name] = true
	}
	var renamed [][2]*compiled.Object
	clash := false
	for _, pair := range changed {
		old, new := pair[0], pair[1]
		if old.Meta.Name == new.Meta.Name {
			continue
		}
		b.change("rename object %s to %s", old.Meta.Name, new.Meta.Name)
		renamed = append(renamed, pair)
		clash = clash || held[new.Meta.Name]
	}
	if !clash {
		for _, pair := range renamed {
			b.step(fmt.Sprintf("ALTER TABLE %s RENAME TO %s", pair[0].Table, dialect.Quote(pair[1].TableName)))
		}
		return
	}
	for _, pair := range renamed {
		tmp := compiled.TableName(b.d, b.schema, tempName("rename", pair[0].Meta.ID))
		b.step(fmt.Sprintf("ALTER TABLE %s RENAME TO %s", pair[0].Table, dialect.Quote(tmp)))
	}
	for _, pair := range renamed {
		tmp := b.d.Table(b.schema, tempName("rename", pair[0].Meta.ID))
		b.step(fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tmp, dialect.Quote(pair[1].TableName)))
	}
}

func createIndex(o *compiled.Object, idx *compiled.Index) string {
	unique := ""
	if idx.Unique {
		unique = "UNIQUE "
	}
	return fmt.Sprintf("CREATE %sINDEX %s ON %s (%s)", unique, idx.CreateName, o.Table, idx.Column.Quoted)
}

// columnDef is the column definition used in CREATE TABLE and ADD COLUMN.
func columnDef(d dialect.Dialect, c *compiled.Column) string {
	def := c.Quoted + " " + d.ColumnType(c.Type)
	if c.System {
		switch c.Name {
		case compiled.ColID:
			def += " PRIMARY KEY NOT NULL"
		case compiled.ColCreatedAt, compiled.ColUpdatedAt, compiled.ColVersion:
			def += " NOT NULL"
		}
	}
	return def
}
