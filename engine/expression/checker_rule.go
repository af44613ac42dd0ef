package expression

import (
	"fmt"

	"github.com/mosaic-paas/mosaic/metadata"
)

// CheckRule implements metadata.ExpressionChecker: a validation rule's
// condition compiles over the object's record and the records it looks up
// (m may be nil: no lookup path is known then) and is a boolean.
func (Checker) CheckRule(m *metadata.Model, o *metadata.Object, r *metadata.Rule) error {
	if _, err := CompileCondition(r.Condition, NewModelEnv(m, o)); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}
