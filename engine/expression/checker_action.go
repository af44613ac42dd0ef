package expression

import (
	"fmt"
	"reflect"

	"github.com/mosaic-paas/mosaic/metadata"
)

var _ metadata.ActionChecker = Checker{}

// CheckActionCondition implements metadata.ActionChecker: a record
// action's criteria or a create's when compiles in NewActionEnv and is a
// boolean.
func (Checker) CheckActionCondition(m *metadata.Model, o *metadata.Object, a *metadata.RecordAction, created []string, src string) error {
	if _, err := CompileCondition(src, NewActionEnv(m, o, a, created)); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// CheckActionAssignment implements metadata.ActionChecker: the expression
// that sets field f compiles in NewActionEnv and its value fits f (a value
// whose type is known only at run time is checked then).
func (Checker) CheckActionAssignment(m *metadata.Model, o *metadata.Object, a *metadata.RecordAction, created []string, f *metadata.Field, src string) error {
	p, err := Compile(src, NewActionEnv(m, o, a, created))
	if err != nil {
		return fmt.Errorf("value of %q: %w", f.Name, err)
	}
	t, ok := metadata.LookupFieldType(f.Type)
	if !ok {
		return fmt.Errorf("value of %q: unknown field type %q", f.Name, f.Type)
	}
	kind := t.Kind(f)
	out := p.OutputType()
	if out == nil || out.Kind() == reflect.Interface || fits(kind, out) {
		return nil
	}
	return fmt.Errorf("value of %q must be %s, but %s is %s", f.Name, expected(kind), shorten(src), describe(out))
}
