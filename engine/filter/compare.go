package filter

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/mosaic-paas/mosaic/metadata"
)

// flip is the operator with its operands swapped.
func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// negate is the operator of the negated comparison.
func negate(op string) string {
	switch op {
	case "==":
		return "!="
	case "!=":
		return "=="
	case "<":
		return ">="
	case "<=":
		return ">"
	case ">":
		return "<="
	case ">=":
		return "<"
	}
	return op
}

func sqlOp(op string) string {
	switch op {
	case "==":
		return "="
	case "!=":
		return "<>"
	}
	return op
}

func ordering(op string) bool { return op != "==" && op != "!=" }

// compare translates a comparison of a column with a value or a column.
// In memory, a comparison involving nil is false except nil == nil and
// x != nil; the negation of a comparison is true when it is false. The
// SQL spells out the NULL cases where SQL's three-valued logic differs.
func (t *translator) compare(n *ast.BinaryNode, neg bool) (string, error) {
	l, err := t.operand(n.Left)
	if err != nil {
		return "", err
	}
	r, err := t.operand(n.Right)
	if err != nil {
		return "", err
	}
	op := n.Operator
	switch {
	case l.col != nil && r.col != nil:
		return t.columns(n, *l.col, *r.col, op, neg)
	case l.col == nil && r.col == nil:
		return "", t.fail(n, ErrType, "a comparison must name a field")
	case l.col == nil:
		l, r = r, l
		op = flip(op)
	}
	c, v := *l.col, r.val
	eff := op
	if neg {
		eff = negate(op)
	}
	if v.kind == litNil {
		switch eff {
		case "==":
			return c.SQL + " IS NULL", nil
		case "!=":
			return c.SQL + " IS NOT NULL", nil
		}
		return "", t.fail(n, ErrType, "cannot compare %s with nil using %s", describeColumn(c), n.Operator)
	}
	if c.Type.Kind == metadata.KindStrings {
		return "", t.fail(n, ErrType, "use INCLUDES(%s, \"value\") to filter %s", c.Name, describeColumn(c))
	}
	arg, impossible, err := t.fit(c, eff, v, r.node)
	if err != nil {
		return "", err
	}
	if impossible {
		switch eff {
		case "==":
			return sqlFalse, nil
		case "!=":
			return sqlTrue, nil
		}
		return "", t.fail(r.node, ErrValue, "%s cannot be ordered against this value", describeColumn(c))
	}
	sql := fmt.Sprintf("%s %s %s", c.SQL, sqlOp(eff), t.param(arg))
	if eff == "!=" || (neg && ordering(op)) {
		return fmt.Sprintf("(%s OR %s IS NULL)", sql, c.SQL), nil
	}
	return sql, nil
}

// columns translates a comparison of two columns of the same kind.
func (t *translator) columns(n *ast.BinaryNode, a, b Column, op string, neg bool) (string, error) {
	if a.Type.Kind != b.Type.Kind {
		return "", t.fail(n, ErrType, "cannot compare %s with %s", describeColumn(a), describeColumn(b))
	}
	if a.Type.Kind == metadata.KindStrings {
		return "", t.fail(n, ErrType, "cannot compare %s with %s: lists are not comparable", describeColumn(a), describeColumn(b))
	}
	if a.Type.Kind == metadata.KindDecimal && a.Type.Scale != b.Type.Scale {
		return "", t.fail(n, ErrType, "cannot compare %s with %s: their scales differ (%d and %d)",
			describeColumn(a), describeColumn(b), a.Type.Scale, b.Type.Scale)
	}
	eff := op
	if neg {
		eff = negate(op)
	}
	switch eff {
	case "==":
		return fmt.Sprintf("(%[1]s = %[2]s OR (%[1]s IS NULL AND %[2]s IS NULL))", a.SQL, b.SQL), nil
	case "!=":
		return fmt.Sprintf("(%[1]s <> %[2]s OR (%[1]s IS NULL AND %[2]s IS NOT NULL) OR (%[1]s IS NOT NULL AND %[2]s IS NULL))", a.SQL, b.SQL), nil
	}
	if neg {
		return fmt.Sprintf("(%[1]s %[3]s %[2]s OR %[1]s IS NULL OR %[2]s IS NULL)", a.SQL, b.SQL, eff), nil
	}
	return fmt.Sprintf("%s %s %s", a.SQL, eff, b.SQL), nil
}

// in translates col in [v, …] (and value in list_field, which is INCLUDES).
func (t *translator) in(n *ast.BinaryNode, neg bool) (string, error) {
	l, err := t.operand(n.Left)
	if err != nil {
		return "", err
	}
	if l.col == nil {
		if id, ok := n.Right.(*ast.IdentifierNode); ok {
			if c, ok := t.cols.Column(id.Value); ok && c.Type.Kind == metadata.KindStrings {
				t.nodes--
				return t.includes(n, n.Right, n.Left, neg)
			}
		}
		return "", t.fail(n.Left, ErrType, "the left side of in must be a field")
	}
	c := *l.col
	if c.Type.Kind == metadata.KindStrings {
		return "", t.fail(n, ErrType, "use INCLUDES(%s, \"value\") to filter %s", c.Name, describeColumn(c))
	}
	arr, ok := n.Right.(*ast.ArrayNode)
	if !ok {
		return "", t.fail(n.Right, ErrType, "in needs a list of values, such as [\"a\", \"b\"]")
	}
	if err := t.count(arr); err != nil {
		return "", err
	}
	if len(arr.Nodes) > MaxListItems {
		return "", t.fail(arr, ErrTooComplex, "a list has more than %d items", MaxListItems)
	}
	var phs []string
	hasNil := false
	for _, e := range arr.Nodes {
		o, err := t.operandOf(e)
		if err != nil {
			return "", err
		}
		if o.col != nil {
			return "", t.fail(e, ErrUnsupported, "a list in a filter holds values only")
		}
		if o.val.kind == litNil {
			hasNil = true
			continue
		}
		arg, impossible, err := t.fit(c, "==", o.val, e)
		if err != nil {
			return "", err
		}
		if !impossible {
			phs = append(phs, t.param(arg))
		}
	}
	list := ""
	if len(phs) > 0 {
		list = strings.Join(phs, ", ")
	}
	switch {
	case !neg && len(phs) > 0 && hasNil:
		return fmt.Sprintf("(%s IN (%s) OR %s IS NULL)", c.SQL, list, c.SQL), nil
	case !neg && len(phs) > 0:
		return fmt.Sprintf("%s IN (%s)", c.SQL, list), nil
	case !neg && hasNil:
		return c.SQL + " IS NULL", nil
	case !neg:
		return sqlFalse, nil
	case len(phs) > 0 && hasNil:
		return fmt.Sprintf("(%s NOT IN (%s) AND %s IS NOT NULL)", c.SQL, list, c.SQL), nil
	case len(phs) > 0:
		return fmt.Sprintf("(%s NOT IN (%s) OR %s IS NULL)", c.SQL, list, c.SQL), nil
	case hasNil:
		return c.SQL + " IS NOT NULL", nil
	}
	return sqlTrue, nil
}
