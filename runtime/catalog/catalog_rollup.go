package catalog

import (
	"context"
	"fmt"
	"reflect"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// followRollups makes the roll-ups of next follow the renames made since
// cur, and refuses deleting a child object or field that a roll-up uses
// (see metadata.Model.FollowRollupReferences). Permission sets follow
// renames too, and lose their grants on what was deleted.
func followRollups(cur, next *metadata.Model) metadata.Problems {
	next.FollowPermissionReferences(cur)
	next.FollowApprovalReferences(cur)
	next.FollowActionReferences(cur)
	return next.FollowRollupReferences(cur)
}

// fillRollups computes, inside the schema transaction, the roll-ups of rev
// that are new or whose definition changed since cur — child, lookup,
// function, field, filter, or the kind and scale of the values — for every
// parent record at once, with one UPDATE each. A roll-up that reads a
// roll-up being filled is filled after it, and filled again even when its
// own definition did not change; so is one that reads a formula that is new
// or was redefined (whose values the formulas' own backfill must have
// stored before this runs).
func fillRollups(ctx context.Context, tx store.Tx, cur, rev *compiled.Revision) error {
	old := map[string]string{}
	oldFields := map[string]*metadata.Field{}
	for _, o := range cur.Objects() {
		for _, ru := range o.Rollups.Held {
			old[o.Meta.ID+"/"+ru.Meta.ID] = rollupSignature(ru)
		}
		for _, f := range o.Meta.Fields {
			oldFields[o.Meta.ID+"/"+f.ID] = f
		}
	}
	// changedComputed reports whether a computed child field (a formula)
	// is new or defined differently: its stored values may have changed.
	changedComputed := func(o *compiled.Object, f *metadata.Field) bool {
		if _, ok := f.TypeOf().(metadata.Computed); !ok {
			return false
		}
		was := oldFields[o.Meta.ID+"/"+f.ID]
		return was == nil || was.Type != f.Type || !reflect.DeepEqual(was.Settings, f.Settings)
	}
	byField := map[*metadata.Field]*compiled.Rollup{}
	var all []*compiled.Rollup
	for _, o := range rev.Objects() {
		for _, ru := range o.Rollups.Held {
			byField[ru.Meta] = ru
			all = append(all, ru)
		}
	}
	// state: 0 not decided, 1 deciding, 2 decided; dirty: to be filled.
	state := map[*compiled.Rollup]int{}
	dirty := map[*compiled.Rollup]bool{}
	var order []*compiled.Rollup
	var visit func(ru *compiled.Rollup) bool
	visit = func(ru *compiled.Rollup) bool {
		switch state[ru] {
		case 1:
			return false // a cycle; Validate refuses them
		case 2:
			return dirty[ru]
		}
		state[ru] = 1
		d := old[ru.Parent.Meta.ID+"/"+ru.Meta.ID] != rollupSignature(ru)
		for name := range ru.Reads {
			col, ok := ru.Child.Column(name)
			if !ok || col.Field == nil {
				continue
			}
			if dep, ok := byField[col.Field]; ok {
				if visit(dep) {
					d = true
				}
			} else if changedComputed(ru.Child, col.Field) {
				d = true
			}
		}
		state[ru] = 2
		dirty[ru] = d
		if d {
			order = append(order, ru)
		}
		return d
	}
	for _, ru := range all {
		visit(ru)
	}
	for _, ru := range order {
		if _, err := tx.Exec(ctx, ru.FillSQL, ru.FillArgs...); err != nil {
			return fmt.Errorf("catalog: compute rollup %s.%s: %w", ru.Parent.Meta.Name, ru.Meta.Name, err)
		}
	}
	return nil
}

// rollupSignature is what a roll-up's stored values depend on, by stable
// ids: a roll-up whose signature changed is computed again.
func rollupSignature(ru *compiled.Rollup) string {
	field := ""
	if ru.Field != nil {
		field = ru.Field.Field.ID
	}
	return fmt.Sprintf("%s|%s|%s|%s|%q|%v", ru.Child.Meta.ID, ru.Lookup.Field.ID, ru.Function, field, ru.Meta.Settings.Filter, ru.Column.Type)
}
