package records

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Formula fields are stored. A write computes the record's formulas after
// defaults and before validation rules, from the record as the write will
// store it and the values of the lookup paths it reads (account.industry),
// loaded with one SELECT that joins along the lookups from the ids the
// record's lookups hold. After an update, the records whose formulas read
// the updated record through a path — when a field they read changed — are
// found through the compiled Dependents, locked, computed again from their
// stored fields and fresh path values, and written when a formula value
// changed; then their own dependents, up to metadata.MaxFormulaLevels
// levels (deeper chains are refused when the metadata is saved). A delete
// does the same for the records that read the deleted one: its lookups'
// on_delete may have emptied theirs.
//
// Recomputing a formula because another record changed is not an edit of
// the record: version, updated_at and updated_by stay, and no field history
// is written. The parents' roll-ups over a formula that changed are kept
// current (maintainRollups), as for any write.
//
// A formula that fails to evaluate (a division by zero, a value that does
// not fit its result type) leaves the field empty rather than refusing the
// write, which may be of another record; the failure is logged at debug
// level.
//
// On PostgreSQL, the dependents are locked (IDsSQL, FOR NO KEY UPDATE)
// before their paths are read in a separate statement, so that a
// concurrent update of one of them either finishes first and is read, or
// waits and reads the new value. One race is left: a record that starts
// pointing at a record (it is created, or its lookup changes) while that
// record is being updated reads the value from before the update, and the
// update's refresh does not see it yet; it keeps that value until either
// record is written again.

// pathsKey holds, inside a Record being written, the values of the lookup
// paths its formulas and validation rules read (see ruleVars); no field can
// have this name.
const pathsKey = "_paths"

// recomputeChunk is how many records one SELECT of recompute loads.
const recomputeChunk = 200

// idColumn is the quoted id column.
var idColumn = dialect.Quote(compiled.ColID)

// pathValues returns the lookup path values computeFormulas stored in rec.
func pathValues(rec Record) map[string]any {
	p, _ := rec[pathsKey].(map[string]any)
	return p
}

// computeFormulas loads the values of the lookup paths that the object's
// formulas and rules read, keeps them in rec for the rules, and sets every
// formula field of rec (before rules run).
func computeFormulas(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, rec Record, _ int) error {
	if len(obj.Paths) == 0 && len(obj.Formulas) == 0 {
		return nil
	}
	paths, err := loadPaths(ctx, tx, rev, obj, rec)
	if err != nil {
		return err
	}
	if len(paths) > 0 {
		rec[pathsKey] = paths
	}
	evaluateFormulas(ctx, obj, rec, paths)
	return nil
}

// loadPaths reads the values of obj.Paths for a record whose lookups hold
// the values in rec.
func loadPaths(ctx context.Context, tx store.Querier, rev *compiled.Revision, obj *compiled.Object, rec Record) (map[string]any, error) {
	if obj.PathsSQL == "" {
		return nil, nil
	}
	args := make([]any, len(obj.PathArgs))
	for i, c := range obj.PathArgs {
		a, err := rev.Dialect.Arg(c.Type, rec[c.Name])
		if err != nil {
			return nil, fmt.Errorf("records: lookup %s: %w", c.Name, err)
		}
		args[i] = a
	}
	rows, err := tx.Query(ctx, obj.PathsSQL, args...)
	if err != nil {
		return nil, fmt.Errorf("records: read the lookup paths of %s: %w", obj.Meta.Name, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("records: read the lookup paths of %s: %w", obj.Meta.Name, err)
		}
		return nil, fmt.Errorf("records: read the lookup paths of %s: no row", obj.Meta.Name)
	}
	raw, err := rows.Values()
	if err != nil {
		return nil, fmt.Errorf("records: read the lookup paths of %s: %w", obj.Meta.Name, err)
	}
	paths, err := scanPaths(rev, obj, raw)
	if err != nil {
		return nil, err
	}
	return paths, rows.Err()
}

// scanPaths converts the driver values of obj.Paths.
func scanPaths(rev *compiled.Revision, obj *compiled.Object, raw []any) (map[string]any, error) {
	if len(raw) != len(obj.Paths) {
		return nil, fmt.Errorf("records: %d values for %d lookup paths of %s", len(raw), len(obj.Paths), obj.Meta.Name)
	}
	paths := make(map[string]any, len(obj.Paths))
	for i, p := range obj.Paths {
		v, err := rev.Dialect.Value(p.Column.Type, raw[i])
		if err != nil {
			return nil, fmt.Errorf("records: lookup path %s: %w", p.Name, err)
		}
		paths[p.Name] = v
	}
	return paths, nil
}

// evaluateFormulas sets the formula fields of rec, in dependency order,
// from rec's fields and the path values.
func evaluateFormulas(ctx context.Context, obj *compiled.Object, rec Record, paths map[string]any) {
	if len(obj.Formulas) == 0 {
		return
	}
	vars := make(expression.Vars, len(obj.Columns)+len(paths))
	for _, c := range obj.Columns {
		vars[c.Name] = rec[c.Name]
	}
	for k, v := range paths {
		vars[k] = v
	}
	for _, f := range obj.Formulas {
		v := formulaValue(ctx, obj, f, vars)
		rec[f.Column.Name] = v
		vars[f.Column.Name] = v
	}
}

// formulaValue runs one formula: its canonical value, or nil when it fails.
func formulaValue(ctx context.Context, obj *compiled.Object, f *compiled.Formula, vars expression.Vars) any {
	out, err := f.Program.Run(vars)
	if err != nil {
		slog.DebugContext(ctx, "formula left empty", "object", obj.Meta.Name, "field", f.Column.Name, "record", vars[compiled.ColID], "error", err.Error())
		return nil
	}
	v, verr := metadata.FormulaValue(f.Column.Field, out)
	if verr != nil {
		slog.DebugContext(ctx, "formula left empty", "object", obj.Meta.Name, "field", f.Column.Name, "record", vars[compiled.ColID], "error", verr.Message)
		return nil
	}
	return v
}

// refreshDependents recomputes stored formulas of records whose formulas
// read this record through lookups, after it changed.
func refreshDependents(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, prior, rec Record) error {
	return refresh(ctx, tx, rev, obj, prior, rec, 1)
}

// refresh recomputes, at the given level, the dependents of a record of obj
// that changed from prior (nil: treat every field as changed) to rec.
func refresh(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, prior, rec Record, level int) error {
	if level > metadata.MaxFormulaLevels {
		return nil
	}
	for _, dep := range obj.Dependents {
		if prior != nil && !readsChanged(dep.Reads, prior, rec) {
			continue
		}
		ids, err := dependentIDs(ctx, tx, dep, rec.ID())
		if err != nil {
			return err
		}
		if err := recompute(ctx, tx, rev, dep.Object, ids, level, false); err != nil {
			return err
		}
	}
	return nil
}

// readsChanged reports whether a column of reads differs between before
// and after.
func readsChanged(reads map[string]bool, before, after Record) bool {
	for c := range reads {
		if !sameValue(noValue(before[c]), noValue(after[c])) {
			return true
		}
	}
	return false
}

// dependentIDs selects (and on PostgreSQL locks) the ids of the dependents
// of the record id.
func dependentIDs(ctx context.Context, tx store.Tx, dep *compiled.Dependent, id string) ([]string, error) {
	rows, err := tx.Query(ctx, dep.IDsSQL, id)
	if err != nil {
		return nil, fmt.Errorf("records: find the records of %s that read %s: %w", dep.Object.Meta.Name, id, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("records: find the records of %s that read %s: %w", dep.Object.Meta.Name, id, err)
		}
		ids = append(ids, s)
	}
	return ids, rows.Err()
}

// recompute computes the formulas of the records ids of obj again and
// writes those that changed, maintaining the roll-ups over them and
// refreshing their own dependents at the next level; with all, dependents
// are refreshed whether or not a formula changed. Records that no longer
// exist are skipped.
func recompute(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, ids []string, level int, all bool) error {
	for len(ids) > 0 {
		n := min(len(ids), recomputeChunk)
		chunk := ids[:n]
		ids = ids[n:]
		phs := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			phs[i] = rev.Dialect.Placeholder(i + 1)
			args[i] = id
		}
		where := fmt.Sprintf("WHERE r.%s IN (%s) ORDER BY r.%s", idColumn, strings.Join(phs, ", "), idColumn)
		recs, paths, err := loadRecords(ctx, tx, rev, obj, where, args...)
		if err != nil {
			return err
		}
		for i, rec := range recs {
			if err := recomputeLoaded(ctx, tx, rev, obj, rec, paths[i], level, all); err != nil {
				return err
			}
		}
	}
	return nil
}

// recomputeLoaded computes the formulas of a loaded record and writes them
// when one changed; see recompute.
func recomputeLoaded(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, rec Record, paths map[string]any, level int, all bool) error {
	before := make(Record, len(rec))
	for k, v := range rec {
		before[k] = v
	}
	evaluateFormulas(ctx, obj, rec, paths)
	changed := false
	for _, f := range obj.Formulas {
		if !sameValue(noValue(before[f.Column.Name]), noValue(rec[f.Column.Name])) {
			changed = true
		}
	}
	if changed {
		args := make([]any, 0, len(obj.Formulas)+1)
		for _, f := range obj.Formulas {
			a, err := rev.Dialect.Arg(f.Column.Type, rec[f.Column.Name])
			if err != nil {
				return fmt.Errorf("records: formula %s.%s: %w", obj.Meta.Name, f.Column.Name, err)
			}
			args = append(args, a)
		}
		args = append(args, rec.ID())
		if _, err := tx.Exec(ctx, obj.FormulaUpdateSQL, args...); err != nil {
			return fmt.Errorf("records: write the formulas of %s %s: %w", obj.Meta.Name, rec.ID(), err)
		}
		if err := maintainRollups(ctx, tx, rev, obj, before, rec); err != nil {
			return err
		}
	}
	switch {
	case all:
		return refresh(ctx, tx, rev, obj, nil, rec, level+1)
	case changed:
		return refresh(ctx, tx, rev, obj, before, rec, level+1)
	}
	return nil
}

// loadRecords reads the records of obj that where (a clause on the table
// aliased r) selects, with the values of their lookup paths. Every row is
// read before it returns, so the caller may write while going through them.
func loadRecords(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, where string, args ...any) ([]Record, []map[string]any, error) {
	rows, err := tx.Query(ctx, obj.RecordsSQL+" "+where, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("records: read %s for its formulas: %w", obj.Meta.Name, err)
	}
	defer rows.Close()
	var recs []Record
	var paths []map[string]any
	n := len(obj.Columns)
	for rows.Next() {
		raw, err := rows.Values()
		if err != nil {
			return nil, nil, fmt.Errorf("records: read %s for its formulas: %w", obj.Meta.Name, err)
		}
		if len(raw) != n+len(obj.Paths) {
			return nil, nil, fmt.Errorf("records: read %s for its formulas: %d values for %d columns", obj.Meta.Name, len(raw), n+len(obj.Paths))
		}
		rec := make(Record, n)
		for i, c := range obj.Columns {
			v, err := rev.Dialect.Value(c.Type, raw[i])
			if err != nil {
				return nil, nil, fmt.Errorf("records: column %s: %w", c.Name, err)
			}
			rec[c.Name] = v
		}
		p, err := scanPaths(rev, obj, raw[n:])
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
		paths = append(paths, p)
	}
	return recs, paths, rows.Err()
}

// recomputeRecord computes the formulas of one record again — after
// something other than a write of the record changed a field they read,
// such as a roll-up — writes them when they changed, and refreshes the
// records that read it. A record that no longer exists is skipped.
func recomputeRecord(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, id string) error {
	if len(obj.Formulas) == 0 {
		return refresh(ctx, tx, rev, obj, nil, Record{compiled.ColID: id}, 1)
	}
	return recompute(ctx, tx, rev, obj, []string{id}, 0, true)
}

// Recompute computes the formulas of every record of obj again, in pages
// in id order, inside tx: for a metadata change that adds a formula field or
// changes a formula. Records whose values change are written as in
// refreshDependents, and the records that read them are refreshed.
func Recompute(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object) error {
	if len(obj.Formulas) == 0 {
		return nil
	}
	after := "00000000-0000-0000-0000-000000000000"
	for {
		where := fmt.Sprintf("WHERE r.%s > %s ORDER BY r.%s LIMIT %d", idColumn, rev.Dialect.Placeholder(1), idColumn, recomputeChunk)
		recs, paths, err := loadRecords(ctx, tx, rev, obj, where, after)
		if err != nil {
			return err
		}
		for i, rec := range recs {
			if err := recomputeLoaded(ctx, tx, rev, obj, rec, paths[i], 0, false); err != nil {
				return err
			}
		}
		if len(recs) < recomputeChunk {
			return nil
		}
		after = recs[len(recs)-1].ID()
	}
}

// staleRecords are records whose formulas read a record being deleted,
// found before the delete and computed again after it.
type staleRecords []staleSet

type staleSet struct {
	obj *compiled.Object
	ids []string
}

// formulaReaders finds (and on PostgreSQL locks) the records whose
// formulas read the record id of obj through a path, before it is deleted.
func formulaReaders(ctx context.Context, tx store.Tx, obj *compiled.Object, id string) (staleRecords, error) {
	var out staleRecords
	for _, dep := range obj.Dependents {
		ids, err := dependentIDs(ctx, tx, dep, id)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			out = append(out, staleSet{obj: dep.Object, ids: ids})
		}
	}
	return out, nil
}

// recompute computes the stale records' formulas again, after the delete.
func (s staleRecords) recompute(ctx context.Context, tx store.Tx, rev *compiled.Revision) error {
	for _, set := range s {
		if err := recompute(ctx, tx, rev, set.obj, set.ids, 1, false); err != nil {
			return err
		}
	}
	return nil
}
