package planner

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

// fieldChange is one field present in both revisions.
type fieldChange struct {
	old, new *compiled.Column
	// recreate means the column is dropped and added again (a change of
	// storage kind, allowed only while the column is empty).
	recreate bool
	// rescale is 10^k for a decimal column whose scale grows (k > 0) or
	// shrinks (k < 0), 0 when the scale is unchanged.
	rescale int
}

// alterTable plans the changes of one object present in both revisions.
// Checks read the old table under its old names: they run before any step.
// Steps run after renameTables: the table has its new name.
func (b *builder) alterTable(old, new *compiled.Object) {
	opath := "objects." + new.Meta.Name
	newByID := map[string]*compiled.Column{}
	for _, c := range new.FieldColumns() {
		newByID[c.Field.ID] = c
	}
	oldByID := map[string]*compiled.Column{}
	for _, c := range old.FieldColumns() {
		oldByID[c.Field.ID] = c
	}
	var dropped, added []*compiled.Column
	var changes []*fieldChange
	for _, c := range old.FieldColumns() {
		if nc, ok := newByID[c.Field.ID]; ok {
			changes = append(changes, b.fieldChange(old, new, c, nc, opath+".fields."+nc.Name))
		} else {
			dropped = append(dropped, c)
		}
	}
	for _, c := range new.FieldColumns() {
		if _, ok := oldByID[c.Field.ID]; !ok {
			added = append(added, c)
		}
	}
	for _, c := range dropped {
		b.change("delete field %s.%s", old.Meta.Name, c.Name)
		b.plan.Checks = append(b.plan.Checks, Check{
			SQL:         fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IS NOT NULL", old.Table, c.Quoted),
			Path:        opath + ".fields." + c.Name,
			Code:        metadata.ProblemDataLoss,
			Confirmable: true,
			Message: func(n int64) string {
				return fmt.Sprintf("field %q has values in %d records; deleting it deletes them", c.Name, n)
			},
		})
	}
	for _, ch := range changes {
		if ch.old.Name != ch.new.Name {
			b.change("rename field %s.%s to %s", new.Meta.Name, ch.old.Name, ch.new.Name)
		}
	}
	for _, c := range added {
		b.change("add field %s.%s (%s)", new.Meta.Name, c.Name, c.Field.Type)
		b.requireFilled(old, new, nil, c, opath+".fields."+c.Name)
	}

	// Indexes and foreign keys are matched by their names, which come from
	// stable ids; slices, not maps, are walked so the plan reads the same
	// every time.
	oldIdx := map[string]*compiled.Index{}
	for _, idx := range old.Indexes {
		oldIdx[idx.Name] = idx
	}
	newIdx := map[string]*compiled.Index{}
	for _, idx := range new.Indexes {
		newIdx[idx.Name] = idx
	}
	oldFKs := map[string]*compiled.ForeignKey{}
	for _, fk := range old.ForeignKeys {
		oldFKs[fk.Name] = fk
	}
	newFKs := map[string]*compiled.ForeignKey{}
	for _, fk := range new.ForeignKeys {
		newFKs[fk.Name] = fk
	}
	fkChanged := false
	for _, ofk := range old.ForeignKeys {
		if nfk, ok := newFKs[ofk.Name]; !ok || !b.sameForeignKey(ofk, nfk) {
			fkChanged = true
		}
	}
	recreate := false
	for _, ch := range changes {
		recreate = recreate || ch.recreate
	}
	if !b.ddl.canAlterForeignKeys() && (fkChanged || recreate) {
		b.rebuild(new, changes)
		return
	}

	// Drop what goes away: indexes first (SQLite refuses to drop an indexed
	// column), then foreign keys that change, then columns.
	for _, idx := range old.Indexes {
		if nidx, ok := newIdx[idx.Name]; !ok || nidx.Unique != idx.Unique || recreatedColumn(changes, idx.Column) {
			b.step("DROP INDEX " + idx.QualifiedName)
		}
	}
	for _, ofk := range old.ForeignKeys {
		if nfk, ok := newFKs[ofk.Name]; !ok || !b.sameForeignKey(ofk, nfk) || recreatedColumn(changes, ofk.Column) {
			b.dropForeignKey(new, ofk)
		}
	}
	for _, c := range dropped {
		b.step(fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", new.Table, c.Quoted))
	}
	b.renameColumns(new, changes)
	for _, ch := range changes {
		switch {
		case ch.recreate:
			b.step(fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", new.Table, ch.new.Quoted))
			b.step(b.ddl.addColumn(new, ch.new))
		case ch.rescale != 0 && b.d.Name() == "sqlite":
			b.rescaleSQLite(new, ch)
		default:
			b.plan.Steps = append(b.plan.Steps, b.ddl.alterType(new, ch.old, ch.new)...)
		}
	}
	for _, c := range added {
		b.step(b.ddl.addColumn(new, c))
	}
	for _, idx := range new.Indexes {
		if oidx, ok := oldIdx[idx.Name]; !ok || oidx.Unique != idx.Unique || recreatedColumn(changes, idx.Column) {
			b.late = append(b.late, Step{SQL: createIndex(new, idx)})
		}
	}
	var addFKs []*compiled.ForeignKey
	for _, nfk := range new.ForeignKeys {
		if ofk, ok := oldFKs[nfk.Name]; !ok || !b.sameForeignKey(ofk, nfk) || recreatedColumn(changes, nfk.Column) {
			addFKs = append(addFKs, nfk)
		}
	}
	b.late = append(b.late, b.ddl.addForeignKeys(new, addFKs)...)
}

// renameColumns renames the columns of renamed fields. When a new name is
// still held by another renamed column (names swapped or shifted along),
// every rename goes through a temporary name first.
func (b *builder) renameColumns(o *compiled.Object, changes []*fieldChange) {
	held := map[string]bool{}
	for _, ch := range changes {
		held[ch.old.Name] = true
	}
	var renamed []*fieldChange
	clash := false
	for _, ch := range changes {
		if ch.old.Name != ch.new.Name {
			renamed = append(renamed, ch)
			clash = clash || held[ch.new.Name]
		}
	}
	rename := func(from, to string) {
		b.step(fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", o.Table, from, to))
	}
	if !clash {
		for _, ch := range renamed {
			rename(ch.old.Quoted, ch.new.Quoted)
		}
		return
	}
	for _, ch := range renamed {
		rename(ch.old.Quoted, dialect.Quote(tempName("rename", ch.new.Field.ID)))
	}
	for _, ch := range renamed {
		rename(dialect.Quote(tempName("rename", ch.new.Field.ID)), ch.new.Quoted)
	}
}

func recreatedColumn(changes []*fieldChange, c *compiled.Column) bool {
	for _, ch := range changes {
		if ch.recreate && ch.new.Field.ID == c.Field.ID {
			return true
		}
	}
	return false
}

// rebuild replaces a SQLite table by a new one with the new definition,
// copying every surviving column: SQLite's documented way to change what
// ALTER TABLE cannot (foreign keys, column types).
func (b *builder) rebuild(new *compiled.Object, changes []*fieldChange) {
	tmp := dialect.Quote(compiled.TableName(b.d, b.schema, tempName("rebuild", new.Meta.ID)))
	b.step(b.ddl.createTable(new, tmp))
	byNewID := map[string]*fieldChange{}
	for _, ch := range changes {
		byNewID[ch.new.Field.ID] = ch
	}
	var cols, exprs []string
	var args []any
	for _, c := range new.Columns {
		expr := ""
		switch {
		case c.System:
			expr = c.Quoted
		default:
			ch, ok := byNewID[c.Field.ID]
			if !ok || ch.recreate {
				continue
			}
			expr = ch.old.Quoted
			if ch.rescale != 0 {
				args = append(args, pow10(abs(ch.rescale)))
				op := "*"
				if ch.rescale < 0 {
					op = "/"
				}
				expr = fmt.Sprintf("(%s %s %s)", ch.old.Quoted, op, b.d.Placeholder(len(args)))
			}
		}
		cols = append(cols, c.Quoted)
		exprs = append(exprs, expr)
	}
	b.change("rebuild table of %s", new.Meta.Name)
	b.step(fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", tmp, strings.Join(cols, ", "), strings.Join(exprs, ", "), new.Table), args...)
	b.step("DROP TABLE " + new.Table)
	b.step(fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tmp, dialect.Quote(new.TableName)))
	for _, idx := range new.Indexes {
		b.late = append(b.late, Step{SQL: createIndex(new, idx)})
	}
}

func (b *builder) rescaleSQLite(o *compiled.Object, ch *fieldChange) {
	op := "*"
	if ch.rescale < 0 {
		op = "/"
	}
	b.step(fmt.Sprintf("UPDATE %s SET %s = %s %s %s", o.Table, ch.new.Quoted, ch.new.Quoted, op, b.d.Placeholder(1)), pow10(abs(ch.rescale)))
}

// fieldChange plans the checks of a field present in both revisions and
// tells how its column changes.
func (b *builder) fieldChange(oldObj, newObj *compiled.Object, oc, nc *compiled.Column, path string) *fieldChange {
	ch := &fieldChange{old: oc, new: nc}
	of, nf := oc.Field, nc.Field
	if nf.Type == "auto_number" && of.Type != "auto_number" {
		b.problem(path+".type", metadata.ProblemUnsupported, "field %q cannot become an auto-number; add a new auto-number field instead", nc.Name)
	}
	if nf.Type == "formula" {
		return b.formulaChange(newObj, ch, path)
	}
	if nf.Type == "rollup" {
		return b.rollupChange(newObj, ch, path)
	}
	if oc.Type.Kind != nc.Type.Kind || (of.Type == "lookup") != (nf.Type == "lookup") ||
		(nf.Type == "lookup" && !b.sameTarget(of, nf)) {
		ch.recreate = true
		b.change("change field %s.%s from %s to %s (only while it is empty)", newObj.Meta.Name, nc.Name, of.Type, nf.Type)
		b.check(oldObj, path, metadata.ProblemDataLoss, fmt.Sprintf("%s IS NOT NULL", oc.Quoted), nil, func(n int64) string {
			return fmt.Sprintf("field %q has values in %d records; changing it from %s to %s is only possible while it is empty (add a new field and copy the values instead)", nc.Name, n, of.Type, nf.Type)
		})
		b.requireFilled(oldObj, newObj, oc, nc, path)
		return ch
	}
	name := newObj.Meta.Name + "." + nc.Name
	if of.Type != nf.Type {
		b.change("change field %s from %s to %s", name, of.Type, nf.Type)
	}
	b.describeSettings(name, oc, nc)
	switch nc.Type.Kind {
	case metadata.KindText:
		if limit := textLimit(nf); limit > 0 && (textLimit(of) == 0 || limit < textLimit(of)) {
			b.check(oldObj, path, metadata.ProblemDataLoss, fmt.Sprintf("length(%s) > %s", oc.Quoted, b.d.Placeholder(1)), []any{int64(limit)}, func(n int64) string {
				return fmt.Sprintf("%d records have a %q longer than %d characters", n, nc.Name, limit)
			})
		}
		if nf.Type == "picklist" {
			b.checkPicklist(oldObj, oc, of, nf, path)
		}
	case metadata.KindStrings:
		b.checkPicklist(oldObj, oc, of, nf, path)
	case metadata.KindDecimal:
		b.checkDecimal(oldObj, ch, path)
	}
	if nf.Required && !of.Required {
		b.requireFilled(oldObj, newObj, oc, nc, path)
	}
	if nf.IsUnique() && !of.IsUnique() {
		b.plan.Checks = append(b.plan.Checks, Check{
			SQL: fmt.Sprintf("SELECT count(*) FROM (SELECT %s FROM %s WHERE %s IS NOT NULL GROUP BY %s HAVING count(*) > 1) d",
				oc.Quoted, oldObj.Table, oc.Quoted, oc.Quoted),
			Path: path,
			Code: metadata.ProblemDataLoss,
			Message: func(n int64) string {
				return fmt.Sprintf("field %q cannot become unique: %d values occur in more than one record", nc.Name, n)
			},
		})
	}
	return ch
}

// formulaChange plans a formula field present in both revisions. Its values
// are computed again for every record after the change (by the runtime), so
// they are never checked: a new result type, precision or scale makes a new
// column. A field of another type cannot become a formula (its values
// would be lost).
func (b *builder) formulaChange(newObj *compiled.Object, ch *fieldChange, path string) *fieldChange {
	of, nf := ch.old.Field, ch.new.Field
	name := newObj.Meta.Name + "." + ch.new.Name
	switch {
	case of.Type != "formula":
		b.problem(path+".type", metadata.ProblemUnsupported, "field %q cannot become a formula; add a new formula field instead", ch.new.Name)
	case of.Settings.ResultType != nf.Settings.ResultType:
		ch.recreate = true
		b.change("change formula %s from result type %s to %s, computing it again for every record", name, of.Settings.ResultType, nf.Settings.ResultType)
	case ch.old.Type != ch.new.Type:
		ch.recreate = true
		b.change("change formula %s to precision %d, scale %d, computing it again for every record", name, ch.new.Type.Precision, ch.new.Type.Scale)
	case of.Settings.Expression != nf.Settings.Expression:
		b.change("compute formula %s again for every record", name)
	}
	return ch
}

// describeSettings adds the lines that tell people about setting changes
// that touch the column or its data (types are told apart by the caller).
func (b *builder) describeSettings(name string, oc, nc *compiled.Column) {
	of, nf := oc.Field, nc.Field
	if ot, nt := oc.Type, nc.Type; nt.Kind == metadata.KindDecimal && (ot.Precision != nt.Precision || ot.Scale != nt.Scale) {
		b.change("change field %s from precision %d, scale %d to precision %d, scale %d", name, ot.Precision, ot.Scale, nt.Precision, nt.Scale)
	}
	if o, n := textLimit(of), textLimit(nf); of.Type == nf.Type && o != n && n > 0 {
		b.change("change the maximum length of field %s from %d to %d characters", name, o, n)
	}
	keep := map[string]bool{}
	for _, v := range nf.Settings.Values {
		keep[v.Value] = true
	}
	if of.Type == nf.Type {
		for _, v := range of.Settings.Values {
			if !keep[v.Value] {
				b.change("remove the value %q of field %s", v.Value, name)
			}
		}
	}
	if nf.Type == "lookup" && of.OnDeleteOrDefault() != nf.OnDeleteOrDefault() {
		b.change("change on_delete of field %s from %s to %s", name, of.OnDeleteOrDefault(), nf.OnDeleteOrDefault())
	}
	switch {
	case nf.Required && !of.Required && nf.Default != "":
		b.change("make field %s required, filling empty records with its default", name)
	case nf.Required && !of.Required:
		b.change("make field %s required", name)
	case !nf.Required && of.Required:
		b.change("make field %s optional", name)
	}
	switch {
	case nf.IsUnique() && !of.IsUnique():
		b.change("make field %s unique", name)
	case !nf.IsUnique() && of.IsUnique():
		b.change("make field %s no longer unique", name)
	}
}

// requireFilled makes sure a required column will have a value in every
// existing row: filled from the default when there is one, else refused
// while rows lack a value. oc is nil for a new column.
func (b *builder) requireFilled(oldObj, newObj *compiled.Object, oc, nc *compiled.Column, path string) {
	if !nc.Field.Required {
		return
	}
	where := "1 = 1"
	if oc != nil {
		where = oc.Quoted + " IS NULL"
	}
	if nc.Field.Default != "" {
		b.plan.Backfills = append(b.plan.Backfills, Backfill{Object: newObj, Column: nc})
		if nc.Field.IsUnique() {
			// Every row filled gets the same value: more than one breaks the
			// unique index (created before the backfill runs).
			b.plan.Checks = append(b.plan.Checks, Check{
				SQL:  fmt.Sprintf("SELECT CASE WHEN count(*) > 1 THEN count(*) ELSE 0 END FROM %s WHERE %s", oldObj.Table, where),
				Path: path,
				Code: metadata.ProblemDataLoss,
				Message: func(n int64) string {
					return fmt.Sprintf("%d records have no value for %q and would all get its default value, but the field is unique; fill them first, or make it optional", n, nc.Name)
				},
			})
		}
		return
	}
	b.check(oldObj, path, metadata.ProblemDataLoss, where, nil, func(n int64) string {
		return fmt.Sprintf("%d records have no value for %q; give the field a default value to fill them, or make it optional", n, nc.Name)
	})
}

func (b *builder) check(o *compiled.Object, path, code, where string, args []any, msg func(int64) string) {
	b.plan.Checks = append(b.plan.Checks, Check{
		SQL:     fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", o.Table, where),
		Args:    args,
		Path:    path,
		Code:    code,
		Message: msg,
	})
}

// checkPicklist refuses removing picklist values that records still use.
func (b *builder) checkPicklist(o *compiled.Object, oc *compiled.Column, of, nf *metadata.Field, path string) {
	keep := map[string]bool{}
	for _, v := range nf.Settings.Values {
		keep[v.Value] = true
	}
	if of.Type != "picklist" && of.Type != "multi_picklist" {
		if nf.Type == "picklist" {
			// Text becoming a picklist: every stored value must be a choice.
			var phs []string
			var args []any
			for _, v := range nf.Settings.Values {
				args = append(args, v.Value)
				phs = append(phs, b.d.Placeholder(len(args)))
			}
			b.check(o, path, metadata.ProblemDataLoss, fmt.Sprintf("%s IS NOT NULL AND %s NOT IN (%s)", oc.Quoted, oc.Quoted, strings.Join(phs, ", ")), args, func(n int64) string {
				return fmt.Sprintf("%d records have a %q that is not one of the picklist values", n, nf.Name)
			})
		}
		return
	}
	for _, v := range of.Settings.Values {
		if keep[v.Value] {
			continue
		}
		value := v.Value
		where := fmt.Sprintf("%s = %s", oc.Quoted, b.d.Placeholder(1))
		if oc.Type.Kind == metadata.KindStrings {
			where = b.d.Includes(oc.Quoted, b.d.Placeholder(1))
		}
		b.check(o, path, metadata.ProblemDataLoss, where, []any{value}, func(n int64) string {
			return fmt.Sprintf("%d records use the value %q of %q; deactivate it (active: false) instead of removing it", n, value, nf.Name)
		})
	}
}

// checkDecimal refuses precision and scale changes that existing values do
// not fit, and plans the rescale of SQLite's scaled integers.
func (b *builder) checkDecimal(o *compiled.Object, ch *fieldChange, path string) {
	ot, nt := ch.old.Type, ch.new.Type
	ch.rescale = nt.Scale - ot.Scale
	name := ch.new.Name
	// Integer digits must fit: |v| < 10^(p-s).
	if nt.Precision-nt.Scale < ot.Precision-ot.Scale {
		limit := decimal.New(1, int32(nt.Precision-nt.Scale))
		var arg any = limit.String()
		if b.d.Name() == "sqlite" {
			scaled := limit.Shift(int32(ot.Scale))
			if !scaled.BigInt().IsInt64() {
				arg = nil
			} else {
				arg = scaled.IntPart()
			}
		}
		if arg != nil {
			b.check(o, path, metadata.ProblemDataLoss, fmt.Sprintf("abs(%s) >= %s", ch.old.Quoted, b.d.Placeholder(1)), []any{arg}, func(n int64) string {
				return fmt.Sprintf("%d records have a %q with more than %d digits before the decimal point", n, name, nt.Precision-nt.Scale)
			})
		}
	}
	if nt.Scale < ot.Scale {
		where := fmt.Sprintf("%s <> round(%s, %d)", ch.old.Quoted, ch.old.Quoted, nt.Scale)
		var args []any
		if b.d.Name() == "sqlite" {
			where = fmt.Sprintf("%s %% %s <> 0", ch.old.Quoted, b.d.Placeholder(1))
			args = []any{pow10(ot.Scale - nt.Scale)}
		}
		b.check(o, path, metadata.ProblemDataLoss, where, args, func(n int64) string {
			return fmt.Sprintf("%d records have a %q with more than %d decimal places", n, name, nt.Scale)
		})
	}
	if b.d.Name() == "sqlite" && ch.rescale > 0 {
		// Growing the scale multiplies stored integers: they must not overflow.
		max := new(big.Int).Quo(big.NewInt(1<<62), big.NewInt(pow10(ch.rescale)))
		b.check(o, path, metadata.ProblemDataLoss, fmt.Sprintf("abs(%s) > %s", ch.old.Quoted, b.d.Placeholder(1)), []any{max.Int64()}, func(n int64) string {
			return fmt.Sprintf("%d records have a %q too large for %d decimal places", n, name, nt.Scale)
		})
	}
}

// textLimits are the default maximum lengths of text-like types; types not
// listed have no length limit to check.
var textLimits = map[string]int{
	"text":        metadata.DefaultTextMaxLength,
	"external_id": 255,
	"long_text":   32768,
	"email":       254,
	"phone":       40,
	"url":         2048,
}

// textLimit is the maximum length of a text-like field, 0 when unlimited.
func textLimit(f *metadata.Field) int {
	def, ok := textLimits[f.Type]
	if !ok {
		return 0
	}
	if f.Settings.MaxLength > 0 {
		return f.Settings.MaxLength
	}
	return def
}

func pow10(n int) int64 {
	p := int64(1)
	for i := 0; i < n; i++ {
		p *= 10
	}
	return p
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
