package records

import (
	"context"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// CreateInTx validates input and inserts a new record inside tx, for work
// that must commit with other changes (a record action's creates). It is
// Create in the caller's transaction: the same normalization, defaults,
// field-level security (actor.Access), lookup visibility, validation rules
// and formulas. A failure leaves the rollback to the caller.
func (s *Service) CreateInTx(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor Actor, input map[string]any) (Record, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	values, err := prepareCreate(obj, input, now, actor, 0)
	if err != nil {
		return nil, err
	}
	return s.insert(ctx, tx, rev, obj, actor, values, now, 0)
}
