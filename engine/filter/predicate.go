package filter

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
)

// call translates INCLUDES(list, "value").
func (t *translator) call(n *ast.CallNode, neg bool) (string, error) {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return "", t.fail(n, ErrUnsupported, "only INCLUDES can be called in filters")
	}
	if !strings.EqualFold(id.Value, "includes") {
		return "", t.fail(n, ErrUnsupported, "function %s is not supported in filters", id.Value)
	}
	if len(n.Arguments) != 2 {
		return "", t.fail(n, ErrSyntax, "INCLUDES takes a list field and a value, not %d arguments", len(n.Arguments))
	}
	return t.includes(n, n.Arguments[0], n.Arguments[1], neg)
}

// includes translates "list contains value" on a list column.
func (t *translator) includes(at, list, val ast.Node, neg bool) (string, error) {
	lo, err := t.operand(list)
	if err != nil {
		return "", err
	}
	if lo.col == nil || lo.col.Type.Kind != metadata.KindStrings {
		return "", t.fail(list, ErrType, "INCLUDES needs a multi-value field")
	}
	vo, err := t.operand(val)
	if err != nil {
		return "", err
	}
	if vo.col != nil || vo.val.kind != litString {
		return "", t.fail(val, ErrType, "INCLUDES needs a string value")
	}
	c := *lo.col
	s := vo.val.v.(string)
	if c.Field != nil {
		out, ve := normalize(c.Field, []any{s})
		if ve != nil {
			return "", t.fail(val, ErrValue, "invalid value for field %q: %s", c.Name, ve.Message)
		}
		switch l := out.(type) {
		case []string:
			if len(l) == 1 {
				s = l[0]
			}
		case []any:
			if len(l) == 1 {
				s, _ = l[0].(string)
			}
		}
	}
	arg, err := t.opt.Dialect.Arg(dialect.Column{Kind: metadata.KindText}, s)
	if err != nil {
		return "", t.fail(val, ErrValue, "invalid value for field %q: %v", c.Name, err)
	}
	sql := t.opt.Dialect.Includes(c.SQL, t.param(arg))
	if neg {
		return fmt.Sprintf("(NOT (%s) OR %s IS NULL)", sql, c.SQL), nil
	}
	return sql, nil
}

// boolColumn translates a bare boolean column (or its negation) used as a
// condition. Like in memory, !flag is true when flag is NULL.
func (t *translator) boolColumn(at ast.Node, c Column, neg bool) (string, error) {
	if c.Type.Kind != metadata.KindBool {
		return "", t.fail(at, ErrType, "%s is not a condition: compare it with a value", describeColumn(c))
	}
	if neg {
		arg, err := t.opt.Dialect.Arg(c.Type, false)
		if err != nil {
			return "", t.fail(at, ErrValue, "%v", err)
		}
		return fmt.Sprintf("(%s = %s OR %s IS NULL)", c.SQL, t.param(arg), c.SQL), nil
	}
	arg, err := t.opt.Dialect.Arg(c.Type, true)
	if err != nil {
		return "", t.fail(at, ErrValue, "%v", err)
	}
	return fmt.Sprintf("%s = %s", c.SQL, t.param(arg)), nil
}

// text translates contains, startsWith and endsWith on a text column.
func (t *translator) text(n *ast.BinaryNode, neg bool) (string, error) {
	lo, err := t.operand(n.Left)
	if err != nil {
		return "", err
	}
	if lo.col == nil {
		return "", t.fail(n.Left, ErrType, "the left side of %s must be a text field", n.Operator)
	}
	c := *lo.col
	if c.Type.Kind != metadata.KindText {
		if c.Type.Kind == metadata.KindStrings && n.Operator == "contains" {
			return "", t.fail(n, ErrType, "use INCLUDES(%s, \"value\") to find a value in %s", c.Name, describeColumn(c))
		}
		return "", t.fail(n, ErrType, "%s needs a text field, but %s is not one", n.Operator, describeColumn(c))
	}
	ro, err := t.operand(n.Right)
	if err != nil {
		return "", err
	}
	if ro.col != nil || ro.val.kind != litString {
		return "", t.fail(n.Right, ErrType, "the right side of %s must be a string", n.Operator)
	}
	arg, err := t.opt.Dialect.Arg(dialect.Column{Kind: metadata.KindText}, ro.val.v)
	if err != nil {
		return "", t.fail(n.Right, ErrValue, "%v", err)
	}
	ph := t.param(arg)
	var sql string
	switch n.Operator {
	case "contains":
		sql = t.opt.Dialect.Contains(c.SQL, ph)
	case "startsWith":
		sql = t.opt.Dialect.StartsWith(c.SQL, ph)
	default:
		sql = t.opt.Dialect.EndsWith(c.SQL, ph)
	}
	if neg {
		return fmt.Sprintf("(NOT (%s) OR %s IS NULL)", sql, c.SQL), nil
	}
	return sql, nil
}

// describeColumn names a column for messages: `date field "close_date"`,
// `datetime column "created_at"`.
func describeColumn(c Column) string {
	if c.Field != nil {
		return fmt.Sprintf("%s field %q", c.Field.Type, c.Name)
	}
	return fmt.Sprintf("%s column %q", kindName(c.Type.Kind), c.Name)
}

// kindName names a storage kind for messages.
func kindName(k metadata.Kind) string {
	switch k {
	case metadata.KindBool:
		return "boolean"
	case metadata.KindStrings:
		return "list"
	}
	return k.String()
}
