package records

import (
	"context"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// ReadInTx reads record id inside tx as actor may see it (mode; ErrNotFound
// for a record it may not see, ErrForbidden for one it may see but not
// change in ModeEdit), locking the row when forUpdate, together with the
// values of the lookup paths the object's expressions read, so that
// ExpressionVars can evaluate expressions over it (approval criteria and
// field updates).
func (s *Service) ReadInTx(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, mode Mode, forUpdate bool) (Record, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	rec, err := s.readVisible(ctx, tx, rev, obj, actor, id, mode, forUpdate)
	if err != nil {
		return nil, err
	}
	paths, err := loadPaths(ctx, tx, rev, obj, rec)
	if err != nil {
		return nil, err
	}
	if len(paths) > 0 {
		rec[pathsKey] = paths
	}
	return rec, nil
}

// ExpressionVars returns the variables of an expression run over a stored
// record (read by ReadInTx) for actor at now: its fields, its lookup paths,
// $user, $now and $today. The record counts as unchanged: ISNEW() and
// ISCHANGED(f) are false.
func ExpressionVars(obj *compiled.Object, rec Record, now time.Time, actor Actor) expression.Vars {
	return ruleVars(obj, rec, rec, now, actor)
}
