package expression

import (
	"fmt"
	"reflect"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker/nature"
	"github.com/expr-lang/expr/file"
	"github.com/shopspring/decimal"
)

var (
	anyType      = reflect.TypeFor[any]()
	boolType     = reflect.TypeFor[bool]()
	stringType   = reflect.TypeFor[string]()
	durationType = reflect.TypeFor[time.Duration]()
)

// patcher rewrites a type-checked tree before it is compiled. It is the one
// place where Mosaic's language differs from plain expr-lang:
//
//   - operators with a decimal operand become calls of exact decimal
//     functions, and operators whose operand types are only known at run
//     time become calls that dispatch on the values;
//   - string concatenation, the string functions and matches with a pattern
//     built at run time charge the run's string budget (MaxStringBytes),
//     and every iteration of a loop ticks the run's clock (MaxRunTime);
//   - constructs that could escape the budgets are refused: $env, methods of
//     decimals, time methods outside a short list, calls of anything but a
//     function of the language, groupBy and sortBy;
//   - calls of the CRM functions (ISBLANK, IF, …) are checked argument by
//     argument, and rewritten where they need it (see function);
//   - nil gets the same meaning everywhere: a condition that is nil (a
//     blank boolean field) is false, so !flag is true, and an ordering of
//     texts or dates with nil is false, as it is for decimals.
//
// expr-lang runs it after a type check, so every node's type is known, and
// checks the tree again afterwards: the internal functions declare their
// result types, so that second check types the calls the patcher made and
// still reports every error inside their arguments. (Setting the type of a
// new call node instead would make the checker skip its arguments.) The
// walk goes from children to parents; types records the type of each call
// made, for the parents' decisions.
type patcher struct {
	env     *Env
	err     *file.Error
	metered bool
	types   map[ast.Node]reflect.Type
	// nilable are nodes of a concrete type that may be nil at run time.
	nilable map[ast.Node]bool
	// cases counts the CASE calls rewritten, to name their variables.
	cases int
}

// retype clears the types of call nodes so that the final type check
// checks them fully. expr-lang's checker (v1.17.8) skips the arguments of a
// call that already has a type, assuming a patcher set it; but the checks it
// runs between patchers set those types themselves, so an error inside the
// arguments of a typed call (an unknown name in decimal(foo)) would be lost.
// It is registered after the patcher, as a repeatable visitor, so that it
// runs after the last of those intermediate checks.
type retype struct{}

// Visit implements ast.Visitor.
func (retype) Visit(node *ast.Node) {
	if c, ok := (*node).(*ast.CallNode); ok {
		c.SetNature(nature.Nature{})
	}
}

// Reset and ShouldRepeat make retype a repeatable visitor, run last.
func (retype) Reset() {}

// ShouldRepeat implements expr-lang's repeatable visitor: one pass is enough.
func (retype) ShouldRepeat() bool { return false }

// typeOf is the type of a node, including the calls the patcher made.
func (p *patcher) typeOf(n ast.Node) reflect.Type {
	if t, ok := p.types[n]; ok {
		return t
	}
	return n.Type()
}

// unknown reports whether a node's type is only known at run time.
func (p *patcher) unknown(n ast.Node) bool {
	return !isNil(n) && p.typeOf(n).Kind() == reflect.Interface
}

// refuse records the first construct the language does not allow.
func (p *patcher) refuse(n ast.Node, format string, args ...any) {
	if p.err == nil {
		p.err = &file.Error{Location: n.Location(), Message: fmt.Sprintf(format, args...)}
	}
}

// Visit implements ast.Visitor.
func (p *patcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "$env" {
			p.refuse(n, "unknown name %s", n.Value)
		}
	case *ast.BuiltinNode:
		if refusedPredicates[n.Name] {
			p.refuse(n, "function %s is not available", n.Name)
		}
		p.loop(n)
	case *ast.MemberNode:
		p.member(n)
	case *ast.CallNode:
		p.call(node, n)
	case *ast.UnaryNode:
		p.unary(node, n)
	case *ast.BinaryNode:
		p.binary(node, n)
	case *ast.ConditionalNode:
		n.Cond = p.condition(n.Cond)
	}
}

// loop makes each iteration of a loop builtin (all, map, count, …) tick the
// run's clock: the body of its predicate becomes { #tick(#meter); body },
// whose value and type are the body's.
func (p *patcher) loop(n *ast.BuiltinNode) {
	for _, arg := range n.Arguments {
		pn, ok := arg.(*ast.PredicateNode)
		if !ok || pn.Node == nil {
			continue
		}
		tick := &ast.CallNode{
			Callee:    &ast.IdentifierNode{Value: fnTick},
			Arguments: []ast.Node{&ast.IdentifierNode{Value: meterKey}},
		}
		tick.SetLocation(pn.Node.Location())
		seq := &ast.SequenceNode{Nodes: []ast.Node{tick, pn.Node}}
		seq.SetLocation(pn.Node.Location())
		pn.Node = seq
		p.metered = true
	}
}

func (p *patcher) member(n *ast.MemberNode) {
	recv := p.typeOf(n.Node)
	name := "?"
	if s, ok := n.Property.(*ast.StringNode); ok {
		name = s.Value
	}
	if recv == decimalType {
		p.refuse(n, "a decimal has no field or method %s", name)
		return
	}
	if allowed, ok := timeMethods[recv]; ok && !allowed[name] {
		p.refuse(n, "method %s of %s is not available", name, recv)
	}
}

func (p *patcher) call(node *ast.Node, n *ast.CallNode) {
	switch c := n.Callee.(type) {
	case *ast.IdentifierNode:
		if f, ok := crmFuncs[c.Value]; ok {
			p.function(node, n, f)
			return
		}
		if f, ok := stringFuncByName(c.Value); ok {
			if t := n.Type(); t.Kind() != reflect.Interface {
				p.patch(node, "#"+f.name, t, true, n.Arguments...)
			}
			return
		}
		if !callable[c.Value] {
			p.refuse(n, "%s is not a function", c.Value)
		}
	case *ast.MemberNode:
		if _, ok := timeMethods[p.typeOf(c.Node)]; !ok {
			p.refuse(n, "only methods of dates and durations can be called")
		}
	default:
		p.refuse(n, "only functions can be called")
	}
}

func (p *patcher) unary(node *ast.Node, n *ast.UnaryNode) {
	t := p.typeOf(n.Node)
	switch n.Operator {
	case "!", "not":
		if p.maybeNilBool(n.Node) {
			p.patch(node, fnNot, boolType, false, n.Node)
		}
	case "-":
		if t == decimalType {
			p.patch(node, fnDecNeg, decimalType, false, n.Node)
		} else if p.unknown(n.Node) {
			p.patch(node, fnNeg, anyType, false, n.Node)
		}
	case "+":
		if t == decimalType {
			ast.Patch(node, n.Node)
		}
	}
}

func (p *patcher) binary(node *ast.Node, n *ast.BinaryNode) {
	l, r := p.typeOf(n.Left), p.typeOf(n.Right)
	ld, rd := l == decimalType, r == decimalType
	lu, ru := p.unknown(n.Left), p.unknown(n.Right)
	// number reports whether an operand may meet a decimal.
	lnum := ld || lu || numeric(l)
	rnum := rd || ru || numeric(r)
	switch op := n.Operator; op {
	case "&&", "and", "||", "or":
		n.Left, n.Right = p.condition(n.Left), p.condition(n.Right)
	case "+", "-", "*", "/", "%":
		switch {
		case ld || rd:
			if lnum && rnum {
				p.patch(node, decName(op), decimalType, false, p.decOperand(n.Left), p.decOperand(n.Right))
			}
		case op == "+" && l == stringType && r == stringType:
			if !isLiteral(n.Left) || !isLiteral(n.Right) {
				p.patch(node, fnConcat, stringType, true, n.Left, n.Right)
			}
		case lu || ru:
			p.patch(node, dynName(op), anyType, op == "+", n.Left, n.Right)
		}
	case "==", "!=", "<", "<=", ">", ">=":
		if isNil(n.Left) || isNil(n.Right) {
			return
		}
		switch {
		case ld || rd:
			if lnum && rnum {
				p.patch(node, decName(op), boolType, false, p.decOperand(n.Left), p.decOperand(n.Right))
			}
		case (lu && rnum) || (ru && lnum):
			p.patch(node, dynName(op), boolType, false, n.Left, n.Right)
		case isLiteral(n.Left) && isLiteral(n.Right):
		case op != "==" && op != "!=" && orderedPair(l, r, lu, ru):
			// An ordering of texts or dates is false when one is nil.
			p.patch(node, dynName(op), boolType, false, n.Left, n.Right)
		case (op == "==" || op == "!=") && l.Kind() == reflect.String && r.Kind() == reflect.String:
			// expr-lang compares two texts assuming neither is nil.
			p.patch(node, dynName(op), boolType, false, n.Left, n.Right)
		}
	case "in":
		if ld {
			p.patch(node, fnDecIn, boolType, false, n.Left, n.Right)
		}
	case "matches":
		if _, literal := n.Right.(*ast.StringNode); !literal &&
			(lu || l == stringType) && (ru || r == stringType) {
			p.patch(node, fnMatches, boolType, true, n.Left, n.Right)
		}
	}
}

// patch replaces node by a call of the internal function fn, whose result
// has type t, with the run's meter as first argument when metered.
func (p *patcher) patch(node *ast.Node, fn string, t reflect.Type, metered bool, args ...ast.Node) {
	if metered {
		args = append([]ast.Node{&ast.IdentifierNode{Value: meterKey}}, args...)
		p.metered = true
	}
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args}
	ast.Patch(node, call)
	if p.types == nil {
		p.types = map[ast.Node]reflect.Type{}
	}
	p.types[call] = t
}

// decOperand turns a number literal operand of a decimal operator into a
// decimal constant, so 0.15 is converted once, at compile time.
func (p *patcher) decOperand(n ast.Node) ast.Node {
	d, ok := literalNumber(n)
	if !ok {
		return n
	}
	d, err := bounded(d)
	if err != nil {
		p.refuse(n, "%v", err)
		return n
	}
	c := &ast.ConstantNode{Value: d}
	c.SetType(decimalType)
	c.SetLocation(n.Location())
	return c
}

// literalNumber returns the value of a number literal, negated or not.
func literalNumber(n ast.Node) (decimal.Decimal, bool) {
	switch v := n.(type) {
	case *ast.FloatNode:
		return AsDecimal(v.Value)
	case *ast.IntegerNode:
		return decimal.NewFromInt(int64(v.Value)), true
	case *ast.UnaryNode:
		if d, ok := literalNumber(v.Node); ok && (v.Operator == "-" || v.Operator == "+") {
			if v.Operator == "-" {
				d = d.Neg()
			}
			return d, true
		}
	}
	return decimal.Decimal{}, false
}

// orderedPair reports whether an ordering of operands of types l and r
// (lu and ru: unknown) compares texts or dates, which expr-lang's operators
// do but fail on nil. Other pairs are left to the type check.
func orderedPair(l, r reflect.Type, lu, ru bool) bool {
	text := func(t reflect.Type) bool { return t.Kind() == reflect.String }
	switch {
	case l == timeType:
		return r == timeType || ru
	case r == timeType:
		return lu
	case text(l):
		return text(r) || ru
	case text(r):
		return lu
	}
	return false
}

func isNil(n ast.Node) bool {
	_, ok := n.(*ast.NilNode)
	return ok
}

func isLiteral(n ast.Node) bool {
	_, ok := n.(*ast.StringNode)
	return ok
}

// numeric reports whether t is a Go number type (time.Duration excluded).
func numeric(t reflect.Type) bool {
	if t == nil || t == durationType {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}
