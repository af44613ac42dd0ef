package expression

import (
	"fmt"

	"github.com/mosaic-paas/mosaic/metadata"
)

// CheckRule implements metadata.ExpressionChecker: a validation rule's
// condition compiles over the object's record and is a boolean.
func (Checker) CheckRule(_ *metadata.Model, o *metadata.Object, r *metadata.Rule) error {
	if _, err := CompileCondition(r.Condition, NewEnv(o)); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}
