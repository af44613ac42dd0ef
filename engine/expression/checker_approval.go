package expression

import (
	"fmt"
	"reflect"

	"github.com/mosaic-paas/mosaic/metadata"
)

var _ metadata.ApprovalChecker = Checker{}

// CheckCondition implements metadata.ApprovalChecker: an approval process's
// entry or step criteria compile over the object's record and the records
// it looks up, and are a boolean.
func (Checker) CheckCondition(m *metadata.Model, o *metadata.Object, src string) error {
	if _, err := CompileCondition(src, NewModelEnv(m, o)); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// CheckAssignment implements metadata.ApprovalChecker: the expression of a
// field update compiles over the object's record and its value fits field
// f (a value whose type is known only at run time is checked then).
func (Checker) CheckAssignment(m *metadata.Model, o *metadata.Object, f *metadata.Field, src string) error {
	p, err := Compile(src, NewModelEnv(m, o))
	if err != nil {
		return fmt.Errorf("update of %q: %w", f.Name, err)
	}
	t, ok := metadata.LookupFieldType(f.Type)
	if !ok {
		return fmt.Errorf("update of %q: unknown field type %q", f.Name, f.Type)
	}
	kind := t.Kind(f)
	out := p.OutputType()
	if out == nil || out.Kind() == reflect.Interface || fits(kind, out) {
		return nil
	}
	return fmt.Errorf("update of %q must be %s, but %s is %s", f.Name, expected(kind), shorten(src), describe(out))
}
