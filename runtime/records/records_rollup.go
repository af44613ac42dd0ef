package records

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Roll-up summaries are stored on the parent record and kept exact in the
// transaction of every write of a child: after the child's row is written,
// each parent concerned — the one the child pointed at before and the one
// it points at after — is locked, and then, in a separate statement, its
// roll-ups are recomputed from scratch from its children (compiled
// RollupGroup.LockSQL, then RecomputeSQL).
//
// The two statements matter on PostgreSQL, in READ COMMITTED: each
// statement sees the data committed when it starts, so once the lock is
// granted — after any other writer of a child of the same parent has
// committed — the recompute sees that writer's child too. One UPDATE with a
// subquery would not: a statement that waits for a row lock re-checks the
// row, not the snapshot of its subquery. The parents of one level are all
// locked in a fixed order (object name, then id) before the level above, so
// that two writers never wait for each other in a circle. The lock is FOR
// NO KEY UPDATE, which does not conflict with the key-share lock a child
// insert's foreign key takes on its parent (FOR UPDATE would: two writers
// inserting children of one parent would deadlock). On SQLite writes are
// serialized already.
//
// A recompute is a change of the parent that no user made: it bumps
// neither the parent's version nor its updated_at, and writes no field
// history. When it changes a value, it is a write of the parent for what
// reads it: the roll-ups the parent feeds (a roll-up of a roll-up), the
// parent's formulas and the formulas of records that read the parent
// through lookups, which are brought up to date in turn, up to
// maxRollupDepth levels of roll-ups.
//
// Deleting a record also runs the database's on-delete actions, which may
// delete or change children of other parents: see cascadedRollups.

// maxRollupDepth bounds the chain of writes one child write can cause
// upwards: roll-ups of roll-ups, and formulas in between.
const maxRollupDepth = 16

// errRollupDepth is returned when roll-ups and formulas recompute each
// other more than maxRollupDepth levels deep.
var errRollupDepth = fmt.Errorf("records: roll-ups feed each other more than %d levels deep", maxRollupDepth)

type rollupDepthKey struct{}

// parentKey is a parent record whose roll-ups a write concerns.
type parentKey struct {
	object string
	id     string
}

// parentWork is what to recompute for one parent record: the groups of
// its roll-ups that the write concerns; before and after are its row around
// the recompute, read when something reads its fields.
type parentWork struct {
	parent        *compiled.Object
	id            string
	groups        []*compiled.RollupGroup
	before, after Record
}

// rollupWork is the parent records whose roll-ups to recompute, with the
// groups concerned.
type rollupWork map[parentKey]*parentWork

// startRollups sets the roll-ups of a new record before it is inserted
// (and before its formulas, which may read them, are computed): counts and
// sums start at zero.
func startRollups(obj *compiled.Object, rec Record) {
	for k, v := range obj.Rollups.Start {
		rec[k] = v
	}
}

// maintainRollups recomputes the roll-up fields of the parents a child
// record belongs to (before and after the write): before is nil for an
// insert, after nil for a delete. Groups the write cannot change — the
// lookup, the summarized field and every field the filter reads are
// unchanged — are skipped.
func maintainRollups(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, before, after Record) error {
	if len(obj.Rollups.Fed) == 0 {
		return nil
	}
	work := rollupWork{}
	work.collect(obj, before, after)
	return work.recompute(ctx, tx, rev)
}

// collect adds the parents whose roll-ups a write of a record of obj, from
// before to after, may change.
func (w rollupWork) collect(obj *compiled.Object, before, after Record) {
	for _, g := range obj.Rollups.Fed {
		var ids []any
		switch {
		case before == nil:
			ids = []any{after[g.Lookup.Name]}
		case after == nil:
			ids = []any{before[g.Lookup.Name]}
		default:
			if !changedAny(g.Reads, before, after) {
				continue
			}
			ids = []any{before[g.Lookup.Name], after[g.Lookup.Name]}
		}
		for _, v := range ids {
			if id, ok := v.(string); ok && id != "" {
				w.add(g, id)
			}
		}
	}
}

// add adds a group to recompute for the parent record id.
func (w rollupWork) add(g *compiled.RollupGroup, id string) {
	k := parentKey{g.Parent.Meta.Name, id}
	pw, ok := w[k]
	if !ok {
		pw = &parentWork{parent: g.Parent, id: id}
		w[k] = pw
	}
	for _, have := range pw.groups {
		if have == g {
			return
		}
	}
	pw.groups = append(pw.groups, g)
}

// changedAny reports whether any of the columns differs between two
// versions of a record.
func changedAny(cols map[string]bool, before, after Record) bool {
	for c := range cols {
		if !sameValue(noValue(before[c]), noValue(after[c])) {
			return true
		}
	}
	return false
}

// recompute locks every parent record of the work, in the order of object
// name and id, and recomputes its roll-ups; then, for the parents whose
// roll-ups changed, brings up to date what reads them (see changed), the
// roll-ups of their own parents last, all together, one level up. Locking
// one level completely before the next keeps two writers from each holding
// a parent the other's propagation needs. A parent that no longer exists
// (deleted in the same transaction) is skipped.
func (w rollupWork) recompute(ctx context.Context, tx store.Tx, rev *compiled.Revision) error {
	if len(w) == 0 {
		return nil
	}
	depth, _ := ctx.Value(rollupDepthKey{}).(int)
	if depth >= maxRollupDepth {
		return errRollupDepth
	}
	ctx = context.WithValue(ctx, rollupDepthKey{}, depth+1)
	keys := make([]parentKey, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].object != keys[j].object {
			return keys[i].object < keys[j].object
		}
		return keys[i].id < keys[j].id
	})
	for _, k := range keys {
		if err := w[k].recompute(ctx, tx, rev); err != nil {
			return err
		}
	}
	up := rollupWork{}
	for _, k := range keys {
		if err := w[k].changed(ctx, tx, rev, up); err != nil {
			return err
		}
	}
	return up.recompute(ctx, tx, rev)
}

// recompute locks one parent record and recomputes its groups from its
// children. When something reads the parent's fields — a roll-up of a
// roll-up, the parent's formulas, formulas of other records through
// lookups — its row is read before and after.
func (pw *parentWork) recompute(ctx context.Context, tx store.Tx, rev *compiled.Revision) error {
	p := pw.parent
	read := len(p.Rollups.Fed) > 0 || len(p.Formulas) > 0 || len(p.Dependents) > 0
	g0 := pw.groups[0]
	if read {
		rec, err := readRow(ctx, tx, rev, p, g0.LockRowSQL, pw.id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		pw.before = rec
	} else {
		var id string
		err := tx.QueryRow(ctx, g0.LockSQL, pw.id).Scan(&id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("records: lock %s %s for its roll-ups: %w", p.Meta.Name, pw.id, err)
		}
	}
	for _, g := range pw.groups {
		args := make([]any, 0, 1+len(g.RecomputeArgs))
		args = append(append(args, pw.id), g.RecomputeArgs...)
		if _, err := tx.Exec(ctx, g.RecomputeSQL, args...); err != nil {
			return fmt.Errorf("records: recompute the roll-ups of %s %s over %s.%s: %w", p.Meta.Name, pw.id, g.Child.Meta.Name, g.Lookup.Name, err)
		}
	}
	if !read {
		return nil
	}
	after, err := readRow(ctx, tx, rev, p, p.SelectByIDSQL, pw.id)
	if err != nil {
		return err
	}
	pw.after = after
	return nil
}

// changed brings up to date what reads the parent's roll-ups, when the
// recompute changed one: the records whose formulas read the parent
// through lookups, and the parent's own formulas (written when they
// change, with what reads them in turn); the roll-ups the parent feeds are
// added to up. Only readers of a changed column are recomputed, so that a
// child write does not reload every sibling that reads something else of
// the parent.
func (pw *parentWork) changed(ctx context.Context, tx store.Tx, rev *compiled.Revision, up rollupWork) error {
	p, before, after := pw.parent, pw.before, pw.after
	if before == nil || after == nil {
		return nil
	}
	changed := false
	for _, ru := range p.Rollups.Held {
		if !sameValue(noValue(before[ru.Column.Name]), noValue(after[ru.Column.Name])) {
			changed = true
		}
	}
	if !changed {
		return nil
	}
	up.collect(p, before, after)
	if err := refreshDependents(ctx, tx, rev, p, before, after); err != nil {
		return err
	}
	if len(p.Formulas) == 0 {
		return nil
	}
	// recomputeRecord would also reload every record that reads p, whatever
	// it reads; recompute only follows the formulas that changed.
	return recompute(ctx, tx, rev, p, []string{pw.id}, 0, false)
}

// readRow reads one whole record with sql ($1 its id) inside tx.
func readRow(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, sql, id string) (Record, error) {
	rows, err := tx.Query(ctx, sql, id)
	if err != nil {
		return nil, fmt.Errorf("records: read %s %s for its roll-ups: %w", obj.Meta.Name, id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("records: read %s %s for its roll-ups: %w", obj.Meta.Name, id, err)
		}
		return nil, ErrNotFound
	}
	rec, err := scanRecord(rev.Dialect, rows, obj.Columns)
	if err != nil {
		return nil, err
	}
	return rec, rows.Err()
}

// cascadeChunk is how many ids one IN list of cascadedRollups holds.
const cascadeChunk = 500

// cascadedRollups finds, before a record of obj is deleted, the parents
// whose roll-ups the database's on-delete actions will change, to be
// recomputed once the record is gone (rollupWork.recompute), and the
// records the delete cascades to, whose shares and history go with them
// (cascaded.deleteTraces). Deleting a record cascades to the records whose
// lookups point at it (on_delete cascade), and on to theirs, or empties
// those lookups (set_null). Roll-ups over those lookups belong to the
// deleted records themselves: there is nothing to maintain. But a cascaded
// record may also be the child of another parent through another lookup
// (an opportunity of a deleted account counted on its campaign), and a
// record whose lookup is emptied may leave the filter of a roll-up over
// another lookup: those parents are found here, while the rows still say
// who they are. The deleted record's own parents are maintainRollups'
// work.
func cascadedRollups(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, rec Record) (rollupWork, cascaded, error) {
	rollups := obj.Rollups.Cascades
	if !rollups && !cascadesDeletes(rev, obj) {
		return nil, nil, nil
	}
	work := rollupWork{}
	type step struct {
		obj *compiled.Object
		ids []string
	}
	deleted := map[string]map[string]bool{obj.Meta.Name: {rec.ID(): true}}
	var gone cascaded
	queue := []step{{obj, []string{rec.ID()}}}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, ref := range rev.Referrers(s.obj.Meta.Name) {
			action := ref.Column.Field.OnDeleteOrDefault()
			if action == metadata.OnDeleteRestrict {
				continue // the delete fails if any record points here
			}
			c, l := ref.Object, ref.Column
			for _, g := range c.Rollups.Fed {
				if !rollups || g.Lookup == l || (action == metadata.OnDeleteSetNull && !g.Reads[l.Name]) {
					continue
				}
				q := fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL AND %s IN (%%s)", g.Lookup.Quoted, c.Table, g.Lookup.Quoted, l.Quoted)
				if err := eachIn(ctx, tx, rev, q, s.ids, func(id string) { work.add(g, id) }); err != nil {
					return nil, nil, fmt.Errorf("records: roll-ups over %s.%s: %w", c.Meta.Name, g.Lookup.Name, err)
				}
			}
			if action != metadata.OnDeleteCascade {
				continue
			}
			seen := deleted[c.Meta.Name]
			if seen == nil {
				seen = map[string]bool{}
				deleted[c.Meta.Name] = seen
			}
			var next []string
			q := fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (%%s)", `"id"`, c.Table, l.Quoted)
			if err := eachIn(ctx, tx, rev, q, s.ids, func(id string) {
				if !seen[id] {
					seen[id] = true
					next = append(next, id)
				}
			}); err != nil {
				return nil, nil, fmt.Errorf("records: records of %s deleted with %s: %w", c.Meta.Name, s.obj.Meta.Name, err)
			}
			if len(next) > 0 {
				queue = append(queue, step{c, next})
				gone = append(gone, cascadedIDs{c, next})
			}
		}
	}
	return work, gone, nil
}

// cascadesDeletes reports whether deleting a record of obj can delete
// others: a lookup to obj is on_delete cascade.
func cascadesDeletes(rev *compiled.Revision, obj *compiled.Object) bool {
	for _, ref := range rev.Referrers(obj.Meta.Name) {
		if ref.Column.Field.OnDeleteOrDefault() == metadata.OnDeleteCascade {
			return true
		}
	}
	return false
}

// cascadedIDs are records of one object that a delete cascades to.
type cascadedIDs struct {
	obj *compiled.Object
	ids []string
}

// cascaded are the records a delete cascades to, found by cascadedRollups
// before the delete.
type cascaded []cascadedIDs

// deleteTraces deletes, in the delete's transaction, the manual shares and
// field history of the records the database deleted by cascade: rows that
// name a record by id only, which no foreign key removes.
func (c cascaded) deleteTraces(ctx context.Context, tx store.Tx, rev *compiled.Revision) error {
	d := rev.Dialect
	for _, set := range c {
		for _, table := range []string{"record_shares", "field_history"} {
			for start := 0; start < len(set.ids); start += cascadeChunk {
				chunk := set.ids[start:min(start+cascadeChunk, len(set.ids))]
				args := make([]any, 0, len(chunk)+2)
				args = append(args, rev.TenantID, set.obj.Meta.ID)
				phs := make([]string, len(chunk))
				for i, id := range chunk {
					phs[i] = d.Placeholder(i + 3)
					args = append(args, id)
				}
				q := fmt.Sprintf("DELETE FROM %s WHERE tenant_id = %s AND object_id = %s AND record_id IN (%s)",
					table, d.Placeholder(1), d.Placeholder(2), strings.Join(phs, ", "))
				if _, err := tx.Exec(ctx, q, args...); err != nil {
					return fmt.Errorf("records: delete %s of %s records deleted by cascade: %w", table, set.obj.Meta.Name, err)
				}
			}
		}
	}
	return nil
}

// eachIn runs query, whose %s is replaced by placeholders for ids, in
// chunks, and calls fn with the text value of each row.
func eachIn(ctx context.Context, tx store.Tx, rev *compiled.Revision, query string, ids []string, fn func(string)) error {
	for start := 0; start < len(ids); start += cascadeChunk {
		chunk := ids[start:min(start+cascadeChunk, len(ids))]
		phs := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			phs[i] = rev.Dialect.Placeholder(i + 1)
			args[i] = id
		}
		rows, err := tx.Query(ctx, fmt.Sprintf(query, strings.Join(phs, ", ")), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			fn(v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
