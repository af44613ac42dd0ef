package expression

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr/file"
)

// Sentinel errors, reachable with errors.Is through an *Error.
var (
	// ErrEmpty is returned for an expression with no text.
	ErrEmpty = errors.New("expression is empty")
	// ErrTooLong is returned for an expression longer than MaxSourceLen.
	ErrTooLong = fmt.Errorf("expression is longer than %d bytes", MaxSourceLen)
	// ErrBudget is returned when a run exceeds its memory or string budget.
	ErrBudget = errors.New("memory budget exceeded")
	// ErrTimeLimit is returned when the loops of a run exceed MaxRunTime.
	ErrTimeLimit = errors.New("time limit exceeded")
	// ErrDivisionByZero is returned when a decimal is divided by zero.
	ErrDivisionByZero = errors.New("division by zero")
	// ErrDecimalRange is returned when a decimal result has more than
	// MaxDecimalDigits digits before the point.
	ErrDecimalRange = fmt.Errorf("decimal out of range (more than %d digits before the point)", MaxDecimalDigits)
	// ErrNoRecord is returned when ISNEW, ISCHANGED or PRIORVALUE runs
	// without a record context (Vars.ForCreate or Vars.ForUpdate): a bug of
	// the caller, not of the expression.
	ErrNoRecord = errors.New("no record context")
	// ErrNotCondition is returned by RunCondition when a condition's value
	// is not a boolean.
	ErrNotCondition = errors.New("not a condition")
	// ErrNotFormulaResult is returned by Checker.CheckFormula when a
	// formula's value cannot be of its result type.
	ErrNotFormulaResult = errors.New("not of the formula's result type")
)

// Error is a compile or run error of an expression, located in its source.
// Its text is the same as expr-lang's: the message, the position, and the
// line with a caret under the position:
//
//	unknown name Noo (1:1)
//	 | Noo
//	 | ^
type Error struct {
	// Line and Column locate the error (1-based; Column counts characters).
	// Both are 0 when the error has no location.
	Line   int
	Column int
	// Message says what is wrong, without the location.
	Message string
	// Snippet is the source line and caret, each line prefixed by "\n | ";
	// empty when the error has no location.
	Snippet string
	err     error
}

// Error formats the error like expr-lang does.
func (e *Error) Error() string {
	if e.Snippet == "" {
		return e.Message
	}
	return fmt.Sprintf("%s (%d:%d)%s", e.Message, e.Line, e.Column, e.Snippet)
}

// Unwrap returns the error the message was made from, if any.
func (e *Error) Unwrap() error { return e.err }

// NewError returns err located at offset (in characters, 0-based) of src,
// with the caret snippet expr-lang prints. It wraps err.
func NewError(src string, offset int, err error) *Error {
	fe := &file.Error{Location: file.Location{From: offset, To: offset}, Message: err.Error()}
	return fromFileError(fe.Bind(file.NewSource(src)), err)
}

// caseError is an error with its own message that is a case of a sentinel
// error (errors.Is finds kind).
type caseError struct {
	msg  string
	kind error
}

func (e *caseError) Error() string { return e.msg }
func (e *caseError) Unwrap() error { return e.kind }

// plainError is an error without a location.
func plainError(err error) *Error { return &Error{Message: err.Error(), err: err} }

// fromFileError converts a bound expr error.
func fromFileError(fe *file.Error, wrapped error) *Error {
	e := &Error{Message: plainTypes.Replace(fe.Message), Snippet: fe.Snippet, err: wrapped}
	if fe.Snippet != "" {
		e.Line, e.Column = fe.Line, fe.Column+1
	}
	if e.err == nil {
		e.err = fe.Unwrap()
	}
	return e
}

// asError turns any error of expr-lang into an *Error.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var fe *file.Error
	if errors.As(err, &fe) {
		e := fromFileError(fe, nil)
		if e.err == nil && strings.HasPrefix(fe.Message, "memory budget exceeded") {
			e.err = ErrBudget
		}
		return e
	}
	return plainError(err)
}

// plainTypes names Go types in expr-lang's messages the way implementers
// know them: "mismatched types number and text", not "decimal.Decimal and
// string".
var plainTypes = strings.NewReplacer(
	"decimal.Decimal", "number",
	"time.Time", "date",
	"[]string", "list",
	"expression.User", "user",
	"*expression.recordState", "record",
)
