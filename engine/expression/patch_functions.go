package expression

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// function checks a call of a CRM function, locating a wrong argument at
// the argument, and rewrites the calls that need it:
//
//   - TODAY() and NOW() become $today and $now;
//   - ISNEW(), ISCHANGED(f) and PRIORVALUE(f) become calls of internal
//     functions that read the run's record context, with the field's name;
//   - IF and CASE become conditional expressions, evaluated lazily;
//   - REGEX with a literal pattern gets the pattern compiled once, now;
//   - TEXT, LOWER and UPPER get the run's string budget.
func (p *patcher) function(node *ast.Node, n *ast.CallNode, f *crmFunc) {
	if f.record && (p.env == nil || !p.env.record) {
		p.refuse(n, "%s can only be used in expressions on records, not in default values", f.name)
		return
	}
	if err := f.checkArity(len(n.Arguments)); err != nil {
		p.refuse(n, "%v", err)
		return
	}
	for i, arg := range n.Arguments {
		prm := f.paramAt(i, len(n.Arguments))
		if prm.kind == argField {
			if msg := p.fieldArg(f, prm, arg); msg != "" {
				p.refuse(startOf(arg), "%s", msg)
				return
			}
			continue
		}
		if t := p.typeOf(arg); !isNil(arg) && !fitsKind(prm.kind, t) {
			p.refuse(startOf(arg), "%s", f.argError(prm, t))
			return
		}
	}
	args := n.Arguments
	switch f.name {
	case "TODAY", "NOW":
		name := VarToday
		if f.name == "NOW" {
			name = VarNow
		}
		id := &ast.IdentifierNode{Value: name}
		ast.Patch(node, id)
		p.setType(id, timeType)
	case "ISNEW":
		p.patch(node, fnIsNew, boolType, false, p.recordArg())
	case "ISCHANGED":
		p.patch(node, fnIsChanged, boolType, false, p.recordArg(), fieldName(args[0]), args[0])
	case "PRIORVALUE":
		p.patch(node, fnPriorValue, p.typeOf(args[0]), false, p.recordArg(), fieldName(args[0]), args[0])
		p.mayBeNil(*node)
	case "IF":
		p.conditional(node, n, f)
	case "CASE":
		p.caseOf(node, n, f)
	case "REGEX":
		p.regex(node, n)
	case "MIN", "MAX":
		p.sameOrder(n, f)
	default:
		if f.metered {
			p.patch(node, f.internalName(), f.resultType(p.argTypes(args)), true, args...)
		}
	}
}

// fieldArg says why arg is not the name of a field of the record, or "".
func (p *patcher) fieldArg(f *crmFunc, prm param, arg ast.Node) string {
	id, ok := arg.(*ast.IdentifierNode)
	if s, isStr := arg.(*ast.StringNode); isStr {
		if _, known := p.env.Lookup(s.Value); known && !strings.HasPrefix(s.Value, "$") {
			return fmt.Sprintf("%s: write the field's name without quotes: %s(%s)", f.signature(), f.name, s.Value)
		}
	}
	if !ok {
		return fmt.Sprintf("%s: %s must be the name of a field of the record, not an expression", f.signature(), prm.name)
	}
	if p.env.paths[id.Value] != nil {
		return fmt.Sprintf("%s: %s is a field of a looked-up record; %s reads the record's own fields only", f.signature(), id.Value, f.name)
	}
	if _, known := p.env.Lookup(id.Value); known && !strings.HasPrefix(id.Value, "$") {
		return ""
	}
	return fmt.Sprintf("%s: %s is not a field of the record", f.signature(), id.Value)
}

func fieldName(arg ast.Node) ast.Node {
	s := &ast.StringNode{Value: arg.(*ast.IdentifierNode).Value}
	s.SetLocation(arg.Location())
	return s
}

// recordArg is the hidden variable of the run's record context.
func (p *patcher) recordArg() ast.Node { return &ast.IdentifierNode{Value: recordKey} }

func (p *patcher) argTypes(args []ast.Node) []reflect.Type {
	ts := make([]reflect.Type, len(args))
	for i, a := range args {
		ts[i] = p.typeOf(a)
	}
	return ts
}

// setType records the type of a node the patcher made.
func (p *patcher) setType(n ast.Node, t reflect.Type) {
	if p.types == nil {
		p.types = map[ast.Node]reflect.Type{}
	}
	p.types[n] = t
}

// mayBeNil records that a node of a static type other than interface{} may
// still be nil at run time (PRIORVALUE of a field).
func (p *patcher) mayBeNil(n ast.Node) {
	if p.nilable == nil {
		p.nilable = map[ast.Node]bool{}
	}
	p.nilable[n] = true
}

// conditional rewrites IF(c, a, b) to c ? a : b.
func (p *patcher) conditional(node *ast.Node, n *ast.CallNode, f *crmFunc) {
	results, t := p.results([]ast.Node{n.Arguments[1], n.Arguments[2]})
	c := &ast.ConditionalNode{Cond: p.condition(n.Arguments[0]), Exp1: results[0], Exp2: results[1]}
	ast.Patch(node, c)
	p.setType(c, t)
}

// caseOf rewrites CASE(v, m1, r1, m2, r2, e) to
// let #caseN = v; #caseN == m1 ? r1 : (#caseN == m2 ? r2 : e), with the
// language's equality (decimals by value, times by instant).
func (p *patcher) caseOf(node *ast.Node, n *ast.CallNode, f *crmFunc) {
	args := n.Arguments
	vt := p.typeOf(args[0])
	for i := 1; i < len(args)-1; i += 2 {
		if mt := p.typeOf(args[i]); !isNil(args[i]) && !comparable(vt, mt) {
			p.refuse(startOf(args[i]), "%s: %s cannot match %s", f.signature(), describeValue(mt), describeValue(vt))
			return
		}
	}
	var resultNodes []ast.Node
	for i := 2; i < len(args)-1; i += 2 {
		resultNodes = append(resultNodes, args[i])
	}
	resultNodes = append(resultNodes, args[len(args)-1])
	resultNodes, t := p.results(resultNodes)

	p.cases++
	name := fmt.Sprintf("#case%d", p.cases)
	loc := n.Location()
	out := resultNodes[len(resultNodes)-1]
	for i := len(args) - 3; i >= 1; i -= 2 {
		eq := &ast.CallNode{
			Callee:    &ast.IdentifierNode{Value: dynName("==")},
			Arguments: []ast.Node{&ast.IdentifierNode{Value: name}, args[i]},
		}
		eq.SetLocation(args[i].Location())
		c := &ast.ConditionalNode{Cond: eq, Exp1: resultNodes[(i-1)/2], Exp2: out}
		c.SetLocation(loc)
		out = c
	}
	decl := &ast.VariableDeclaratorNode{Name: name, Value: args[0], Expr: out}
	ast.Patch(node, decl)
	p.setType(decl, t)
}

// comparable reports whether values of types a and b may be equal.
func comparable(a, b reflect.Type) bool {
	if a == nil || b == nil || a.Kind() == reflect.Interface || b.Kind() == reflect.Interface || a == b {
		return true
	}
	number := func(t reflect.Type) bool { return t == decimalType || numeric(t) }
	if number(a) || number(b) {
		return number(a) && number(b)
	}
	return a.Kind() == b.Kind() && a.Kind() != reflect.Struct
}

// results prepares the results of IF or CASE: when one is a decimal, the
// others that are numbers become decimals too (a literal now, an integer
// expression at run time), so that the value has one type. It returns the
// results and that type.
func (p *patcher) results(nodes []ast.Node) ([]ast.Node, reflect.Type) {
	types := p.argTypes(nodes)
	for i, n := range nodes {
		if isNil(n) {
			types[i] = nil
		}
	}
	t := commonType(types)
	if t != decimalType {
		return nodes, t
	}
	out := make([]ast.Node, len(nodes))
	for i, n := range nodes {
		out[i] = n
		if nt := types[i]; nt == nil || !numeric(nt) {
			continue
		}
		if c := p.decOperand(n); c != n {
			out[i] = c
			continue
		}
		conv := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "decimal"}, Arguments: []ast.Node{n}}
		conv.SetLocation(n.Location())
		out[i] = conv
		p.setType(conv, decimalType)
	}
	return out, t
}

// regex compiles a literal pattern of REGEX now, locating a bad one at the
// pattern; a pattern built at run time is compiled then, charged to the
// budget.
func (p *patcher) regex(node *ast.Node, n *ast.CallNode) {
	text, pattern := n.Arguments[0], n.Arguments[1]
	lit, ok := pattern.(*ast.StringNode)
	if !ok {
		p.patch(node, fnRegex, boolType, true, text, pattern)
		return
	}
	re, err := compilePattern(lit.Value)
	if err != nil {
		p.refuse(startOf(pattern), "%v", err)
		return
	}
	c := &ast.ConstantNode{Value: re}
	c.SetLocation(pattern.Location())
	p.patch(node, fnRegex, boolType, false, text, c)
}

// sameOrder refuses MIN and MAX of numbers and dates together.
func (p *patcher) sameOrder(n *ast.CallNode, f *crmFunc) {
	var first reflect.Type
	for _, arg := range n.Arguments {
		t := p.typeOf(arg)
		switch {
		case t == timeType:
		case t == decimalType || numeric(t):
			t = decimalType
		default:
			continue
		}
		if first == nil {
			first = t
		} else if t != first {
			p.refuse(startOf(arg), "%s: cannot compare numbers with dates", f.signature())
			return
		}
	}
}

// condition returns n read as a condition: wrapped in #bool when its value
// may be nil (a boolean field, a value of unknown type), so that nil reads
// as false instead of failing.
func (p *patcher) condition(n ast.Node) ast.Node {
	if !p.maybeNilBool(n) {
		return n
	}
	c := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnBool}, Arguments: []ast.Node{n}}
	c.SetLocation(n.Location())
	p.setType(c, boolType)
	return c
}

// maybeNilBool reports whether a condition may be nil at run time: a value
// of unknown type, or a boolean read from a variable, a member or
// PRIORVALUE. Comparisons, literals and functions never give nil.
func (p *patcher) maybeNilBool(n ast.Node) bool {
	t := p.typeOf(n)
	if t.Kind() == reflect.Interface {
		return true
	}
	if t.Kind() != reflect.Bool {
		return false
	}
	switch n.(type) {
	case *ast.IdentifierNode, *ast.MemberNode, *ast.PointerNode:
		return true
	}
	return p.nilable[n]
}

// startOf is the node where the text of n starts, to put a caret under the
// start of an argument rather than under its operator: amount in amount + 1.
func startOf(n ast.Node) ast.Node {
	for {
		switch x := n.(type) {
		case *ast.BinaryNode:
			n = x.Left
		case *ast.MemberNode:
			n = x.Node
		case *ast.CallNode:
			id, _ := x.Callee.(*ast.IdentifierNode)
			if id == nil || !binaryFns[id.Value] {
				return n
			}
			// A binary operator the patcher made a call: its location is
			// the operator's; its first operand follows the meter, if any.
			args := x.Arguments
			if len(args) > 0 && isHidden(args[0]) {
				args = args[1:]
			}
			if len(args) == 0 {
				return n
			}
			n = args[0]
		case *ast.ConditionalNode:
			n = x.Cond
		case *ast.SliceNode:
			n = x.Node
		case *ast.ChainNode:
			n = x.Node
		default:
			return n
		}
	}
}

// binaryFns are the internal functions that stand for binary operators.
var binaryFns = func() map[string]bool {
	m := map[string]bool{fnConcat: true, fnMatches: true, fnDecIn: true}
	for _, op := range append(append([]string{}, arithOps...), compareOps...) {
		m[dynName(op)] = true
		m[decName(op)] = true
	}
	return m
}()

// isHidden reports whether n is a hidden variable (#meter, #record).
func isHidden(n ast.Node) bool {
	id, ok := n.(*ast.IdentifierNode)
	return ok && strings.HasPrefix(id.Value, "#")
}
