package expression

import (
	"fmt"
	"reflect"

	"github.com/mosaic-paas/mosaic/metadata"
)

var _ metadata.FormulaChecker = Checker{}

// CheckFormula implements metadata.FormulaChecker: the expression of
// formula field f compiles in NewFormulaEnv(m, o) and its value fits the
// field's result type, e.g.
//
//	a formula with result_type number must give a number, but this is a string (1:1)
//	 | name
//	 | ^
//
// A value whose type is only known at run time is accepted; one that does
// not fit then leaves the field empty. It returns the record's fields and
// the lookup paths the formula reads.
func (Checker) CheckFormula(m *metadata.Model, o *metadata.Object, f *metadata.Field) ([]string, error) {
	src := f.Settings.Expression
	p, err := Compile(src, NewFormulaEnv(m, o))
	if err != nil {
		return nil, err
	}
	kind := f.Kind()
	if out := p.OutputType(); out != nil && out.Kind() != reflect.Interface && !fits(kind, out) {
		msg := fmt.Sprintf("a formula with result_type %s must give %s, but this is %s", f.Settings.ResultType, expected(kind), describe(out))
		return nil, NewError(src, 0, &caseError{msg, ErrNotFormulaResult})
	}
	return append(p.Fields(), p.Paths()...), nil
}
