package catalog

import (
	"context"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	enginePlanner "github.com/mosaic-paas/mosaic/engine/planner"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// recomputeFormulas computes again, in the change's transaction, the
// formulas of every existing record of the objects whose formulas may now
// differ from what is stored: objects whose formulas the change from old to
// rev adds or changes (expression, result type, precision or scale), and
// objects whose rows the plan backfilled, with every object whose formulas
// read those through lookup paths. Records whose values change are written,
// and the records that read them are computed again in turn
// (records.Recompute).
func recomputeFormulas(ctx context.Context, tx store.Tx, old *metadata.Model, rev *compiled.Revision, plan *enginePlanner.Plan) error {
	stale := map[*compiled.Object]bool{}
	var mark func(o *compiled.Object)
	mark = func(o *compiled.Object) {
		if stale[o] {
			return
		}
		stale[o] = true
		for _, d := range o.Dependents {
			mark(d.Object)
		}
	}
	for _, bf := range plan.Backfills {
		if o, ok := rev.Object(bf.Object.Meta.Name); ok {
			mark(o)
		}
	}
	for _, o := range rev.Objects() {
		if formulasChanged(old, o.Meta) {
			stale[o] = true
		}
	}
	for _, o := range rev.Objects() {
		if !stale[o] {
			continue
		}
		if err := records.Recompute(ctx, tx, rev, o); err != nil {
			return err
		}
	}
	return nil
}

// formulasChanged reports whether o, an object that existed in old, has a
// formula field that is new or whose value may differ from what is stored.
func formulasChanged(old *metadata.Model, o *metadata.Object) bool {
	prev := old.ObjectByID(o.ID)
	if prev == nil {
		return false // a new table has no records
	}
	for _, f := range o.Fields {
		if f.Type != "formula" {
			continue
		}
		pf := prev.FieldByID(f.ID)
		if pf == nil || pf.Type != "formula" {
			return true
		}
		s, ps := f.Settings, pf.Settings
		if s.Expression != ps.Expression || s.ResultType != ps.ResultType || s.Precision != ps.Precision || f.ScaleOr(-1) != pf.ScaleOr(-1) {
			return true
		}
	}
	return false
}
