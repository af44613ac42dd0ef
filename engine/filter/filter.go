// Package filter translates a filter written in Mosaic's expression language
// (the API's ?filter=, list views) into a parameterized SQL WHERE fragment.
//
// It reads the expression with expr-lang's parser and walks the tree itself.
// A filter may use:
//
//   - comparisons ==, !=, <, <=, >, >= of a field with a value (on either
//     side) or with another field of the same kind (and scale);
//   - field in [v, …] and field not in [v, …] (at most MaxListItems values);
//   - startsWith, endsWith and contains on text fields, case-sensitive;
//   - INCLUDES(list_field, "v") or "v" in list_field on multi-value fields;
//   - field == nil and field != nil; a boolean field alone, or negated;
//   - &&/and, ||/or, !/not and parentheses;
//   - as values: string, number and boolean literals, nil, $today, $now,
//     $user.id, $user.role and $user.manager.
//
// Every value is converted to the canonical value of the field it is
// compared with (through the field's type: a picklist value must exist, a
// date is "YYYY-MM-DD", a number keeps its exact decimal digits) and passed
// as a parameter; no value is ever written into the SQL text. Anything else
// is refused with an error located in the source, in the same format as
// the expression package's.
//
// A row matches the SQL exactly when the expression, evaluated in memory on
// the record, is true: a NULL column is nil, nil == nil, an ordering with nil
// is false, and the negation of a false comparison is true (so
// status != "Closed" keeps the rows whose status is NULL). A number with
// more decimals than its column keeps, or an instant compared with a date
// column, is moved to the nearest stored value that gives the same answer
// (amount > 19.999 is amount > 19.99 on a column of scale 2), and an equality
// that no stored value can meet is false.
package filter

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// Limits of a filter.
const (
	// MaxSourceLen is the longest filter accepted, in bytes.
	MaxSourceLen = 4096
	// MaxNodes bounds the syntax tree of a filter, not counting the items
	// of in-lists.
	MaxNodes = 200
	// MaxListItems bounds the items of one in-list.
	MaxListItems = 1000
	// MaxDepth bounds the nesting of and, or and not.
	MaxDepth = 32
)

// Errors a filter can fail with, reachable with errors.Is. Each comes inside
// an *expression.Error that locates it in the source.
var (
	// ErrSyntax is a filter that does not parse.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownField is a name that is not a column.
	ErrUnknownField = errors.New("unknown field")
	// ErrUnsupported is an operator, function or construct filters do not
	// have.
	ErrUnsupported = errors.New("not supported in filters")
	// ErrType is a comparison of values of different kinds.
	ErrType = errors.New("type mismatch")
	// ErrValue is a literal that does not fit its field.
	ErrValue = errors.New("invalid value")
	// ErrTooComplex is a filter over the size limits.
	ErrTooComplex = errors.New("filter too complex")
)

// Column is a column a filter may name.
type Column struct {
	// Name is the column's name in the filter language.
	Name string
	// SQL is the SQL expression of the column, already quoted (e.g.
	// `"amount"` or `t."amount"`).
	SQL string
	// Field is the field of the column, nil for system columns.
	Field *metadata.Field
	// Type is the storage kind (and scale) of the column, for Dialect.Arg.
	Type dialect.Column
}

// Columns resolves the names a filter uses; the caller builds it from the
// compiled metadata of the object.
type Columns interface {
	Column(name string) (Column, bool)
}

// ColumnMap is a Columns held in a map by name.
type ColumnMap map[string]Column

// Column implements Columns.
func (m ColumnMap) Column(name string) (Column, bool) {
	c, ok := m[name]
	return c, ok
}

// Options are what a translation needs besides the filter and the columns.
type Options struct {
	// Dialect writes placeholders, converts parameters and provides the text
	// predicates.
	Dialect dialect.Dialect
	// ArgOffset is the number of parameters before the fragment's:
	// placeholders start at ArgOffset+1.
	ArgOffset int
	// Now is the value of $now; $today is its date at midnight UTC. The zero
	// time means the current time.
	Now time.Time
	// User is the value of $user ($user.id, $user.role, $user.manager).
	User expression.User
}

// Where is a translated filter: an SQL boolean expression and its
// parameters, to be used as WHERE (SQL) with Args.
type Where struct {
	// SQL is the condition, with placeholders of the dialect.
	SQL string
	// Args are the parameters of the placeholders, in order.
	Args []any
}

// Translate translates the filter src into SQL for the columns cols. Every
// error is an *expression.Error located in src, wrapping one of this
// package's sentinel errors.
func Translate(src string, cols Columns, opt Options) (w *Where, err error) {
	if opt.Dialect == nil {
		return nil, errors.New("filter: no dialect")
	}
	if strings.TrimSpace(src) == "" {
		return nil, expression.NewError("", 0, &failure{"filter is empty", ErrSyntax})
	}
	if len(src) > MaxSourceLen {
		// Not located: the snippet would be the whole, too long, filter.
		return nil, expression.NewError("", 0, &failure{fmt.Sprintf("filter is longer than %d bytes", MaxSourceLen), ErrTooComplex})
	}
	defer func() {
		if r := recover(); r != nil {
			w, err = nil, expression.NewError(src, 0, &failure{fmt.Sprintf("filter could not be translated: %v", r), ErrSyntax})
		}
	}()
	// The parser's own node limit is far above what MaxSourceLen bytes can
	// hold; MaxNodes is counted while walking the tree, without the items
	// of in-lists (which may hold MaxListItems).
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, parseError(src, err)
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	t := &translator{
		src:   src,
		cols:  cols,
		opt:   opt,
		now:   now,
		today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
	}
	sql, err := t.pred(tree.Node, false, 0)
	if err != nil {
		return nil, err
	}
	return &Where{SQL: sql, Args: t.args}, nil
}

// failure is a filter error: its message, and the sentinel it is a case of.
type failure struct {
	msg  string
	kind error
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.kind }

// parseError converts a parse error of expr-lang.
func parseError(src string, err error) error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return expression.NewError(src, 0, &failure{err.Error(), ErrSyntax})
	}
	kind := ErrSyntax
	if strings.Contains(fe.Message, "maximum allowed nodes") {
		kind = ErrTooComplex
	}
	return expression.NewError(src, fe.From, &failure{fe.Message, kind})
}

// translator holds the state of one translation.
type translator struct {
	src        string
	cols       Columns
	opt        Options
	now, today time.Time
	args       []any
	nodes      int
}

// fail returns a located error of the given kind.
func (t *translator) fail(n ast.Node, kind error, format string, args ...any) error {
	return expression.NewError(t.src, n.Location().From, &failure{fmt.Sprintf(format, args...), kind})
}

// param adds a parameter and returns its placeholder.
func (t *translator) param(v any) string {
	t.args = append(t.args, v)
	return t.opt.Dialect.Placeholder(t.opt.ArgOffset + len(t.args))
}

// count charges one node of the tree to the MaxNodes limit.
func (t *translator) count(n ast.Node) error {
	t.nodes++
	if t.nodes > MaxNodes {
		return t.fail(n, ErrTooComplex, "filter has more than %d nodes", MaxNodes)
	}
	return nil
}

const (
	sqlTrue  = "1 = 1"
	sqlFalse = "1 = 0"
)

// pred translates a condition. When neg is true it translates its negation,
// pushed down to the comparisons so that each can say how it treats NULL.
func (t *translator) pred(n ast.Node, neg bool, depth int) (string, error) {
	if err := t.count(n); err != nil {
		return "", err
	}
	if depth > MaxDepth {
		return "", t.fail(n, ErrTooComplex, "filter is nested more than %d levels deep", MaxDepth)
	}
	switch n := n.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "&&", "and", "||", "or":
			return t.logical(n, neg, depth)
		case "==", "!=", "<", "<=", ">", ">=":
			return t.compare(n, neg)
		case "in":
			return t.in(n, neg)
		case "contains", "startsWith", "endsWith":
			return t.text(n, neg)
		}
		return "", t.fail(n, ErrUnsupported, "operator %q is not supported in filters", n.Operator)
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			return t.pred(n.Node, !neg, depth+1)
		}
		return "", t.fail(n, ErrUnsupported, "operator %q is not supported in filters", n.Operator)
	case *ast.BoolNode:
		if n.Value != neg {
			return sqlTrue, nil
		}
		return sqlFalse, nil
	case *ast.IdentifierNode:
		o, err := t.operand(n)
		if err != nil {
			return "", err
		}
		if o.col == nil {
			return "", t.fail(n, ErrType, "%s is not a condition", n.Value)
		}
		return t.boolColumn(n, *o.col, neg)
	case *ast.CallNode:
		return t.call(n, neg)
	case *ast.BuiltinNode:
		return "", t.fail(n, ErrUnsupported, "function %s is not supported in filters", n.Name)
	case *ast.ConditionalNode:
		return "", t.fail(n, ErrUnsupported, "conditional expressions are not supported in filters")
	case *ast.VariableDeclaratorNode, *ast.SequenceNode:
		return "", t.fail(n, ErrUnsupported, "variables are not supported in filters")
	}
	return "", t.fail(n, ErrType, "expected a condition, such as a comparison of a field with a value")
}

// logical translates and/or, flattening chains of the same operator.
func (t *translator) logical(n *ast.BinaryNode, neg bool, depth int) (string, error) {
	and := n.Operator == "&&" || n.Operator == "and"
	if neg {
		and = !and // De Morgan
	}
	var parts []string
	var walk func(x ast.Node) error
	walk = func(x ast.Node) error {
		if b, ok := x.(*ast.BinaryNode); ok && sameLogical(b.Operator, n.Operator) {
			if err := t.count(b); err != nil {
				return err
			}
			if err := walk(b.Left); err != nil {
				return err
			}
			return walk(b.Right)
		}
		s, err := t.pred(x, neg, depth+1)
		parts = append(parts, s)
		return err
	}
	t.nodes-- // n itself is counted by the walk
	if err := walk(n); err != nil {
		return "", err
	}
	sep := " OR "
	if and {
		sep = " AND "
	}
	return "(" + strings.Join(parts, sep) + ")", nil
}

func sameLogical(a, b string) bool {
	isAnd := func(op string) bool { return op == "&&" || op == "and" }
	isOr := func(op string) bool { return op == "||" || op == "or" }
	return (isAnd(a) && isAnd(b)) || (isOr(a) && isOr(b))
}
