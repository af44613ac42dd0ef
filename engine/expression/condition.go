package expression

import (
	"fmt"
	"reflect"
)

// CompileCondition compiles a condition: an expression whose value is true
// or false, such as a validation rule or an approval criterion. It is
// Compile, and refuses an expression that can only give something else,
// e.g.
//
//	a condition must be true or false, but this is a number (1:1)
//	 | amount * 2
//	 | ^
//
// An expression whose type is only known at run time is accepted; its
// value is checked by RunCondition.
func CompileCondition(src string, env *Env) (*Program, error) {
	p, err := Compile(src, env)
	if err != nil {
		return nil, err
	}
	if out := p.OutputType(); out != nil && out.Kind() != reflect.Bool && out.Kind() != reflect.Interface {
		msg := fmt.Sprintf("a condition must be true or false, but this is %s", describe(out))
		return nil, NewError(src, 0, &caseError{msg, ErrNotCondition})
	}
	return p, nil
}

// RunCondition runs a condition with vars. Its value nil (a blank boolean
// field, PRIORVALUE of one on create) counts as false, like an unchecked
// box; a value that is not a boolean fails with ErrNotCondition.
func (p *Program) RunCondition(vars Vars) (bool, error) {
	out, err := p.Run(vars)
	if err != nil {
		return false, err
	}
	switch v := out.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	}
	msg := fmt.Sprintf("a condition must be true or false, but its value is %s", describe(reflect.TypeOf(out)))
	return false, NewError(p.source, 0, &caseError{msg, ErrNotCondition})
}
