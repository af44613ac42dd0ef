package expression

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Lookup paths: in an expression on a record, account.industry reads the
// field industry of the record that the lookup field account points at, and
// opportunity.account.owner_id follows two lookups. A path follows at most
// MaxPathHops lookups and may end at any field or system column of the
// last record; the bare lookup (account) is still the id it holds.
//
// Before expr-lang compiles an expression, its source is parsed once to find
// the paths it uses, resolve them against the model (an unknown field is
// refused there, located at its name) and add each as a variable of its
// field's type, named by the dotted path. A patcher then rewrites every
// member chain that starts at a lookup into the identifier of its path, so
// that the type check and the compiled program see one variable; the
// caller sets that variable (Vars["account.industry"]) to the looked-up
// value, nil when a lookup on the way is empty. expr-lang (v1.17.8) runs
// its patchers in the order they are given, each after a type check whose
// errors it ignores, and checks the tree fully after the last: the
// rewriting patcher goes first, so the checks that count see the path
// variables.

// MaxPathHops is the most lookups a path may follow:
// opportunity.account.owner.name follows three.
const MaxPathHops = 3

// formulaRefused are the names a formula may not use: its value is stored
// and recomputed when the record or a record it reads changes, not when the
// clock turns, the user changes, or as a change goes by.
var formulaRefused = map[string]bool{
	VarUser: true, VarNow: true, VarToday: true,
	"TODAY": true, "NOW": true, "ISNEW": true, "ISCHANGED": true, "PRIORVALUE": true,
}

// NewModelEnv returns the environment of expressions on records of o that
// may read the records o looks up (validation rules, approval criteria):
// NewEnv(o), plus lookup paths resolved in m. m may be nil: no path is
// known then.
func NewModelEnv(m *metadata.Model, o *metadata.Object) *Env {
	env := NewEnv(o)
	env.model, env.object = m, o
	return env
}

// NewFormulaEnv returns the environment of o's formula fields: NewModelEnv,
// but $user, $now and $today, TODAY(), NOW(), ISNEW(), ISCHANGED() and
// PRIORVALUE() are refused, since a formula's value is stored and
// recomputed only when the record or a record it reads changes.
func NewFormulaEnv(m *metadata.Model, o *metadata.Object) *Env {
	env := NewModelEnv(m, o)
	env.formula = true
	return env
}

// Paths lists the lookup paths the expression reads ("account.industry"),
// sorted: the variables its runs need besides the record's own fields.
func (p *Program) Paths() []string { return p.paths }

// Fields lists the record's own fields and system columns the expression
// reads, sorted. Paths and Fields are known for expressions compiled in
// NewModelEnv or NewFormulaEnv; they are nil otherwise.
func (p *Program) Fields() []string { return p.fields }

// withPaths returns the environment of one compilation of src: e with a
// variable for each lookup path src uses, and the patcher that rewrites the
// paths into those variables (nil when src uses none). An unknown field in
// a path, a path of more than MaxPathHops lookups, and in formulas a name
// formulas may not use, are errors located in src. A source that does not
// parse is left to the compiler to report.
func (e *Env) withPaths(src string) (*Env, *pathPatcher, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		return e, nil, nil
	}
	s := &pathScan{env: e, found: map[string]reflect.Type{}}
	ast.Walk(&tree.Node, s)
	if s.err != nil {
		return nil, nil, fromFileError(s.err.Bind(file.NewSource(src)), nil)
	}
	if len(s.found) == 0 {
		if len(e.members) > 0 {
			return e, &pathPatcher{paths: e.members}, nil
		}
		return e, nil, nil
	}
	vars := make(map[string]reflect.Type, len(e.vars)+len(s.found))
	for name, t := range e.vars {
		vars[name] = t
	}
	for name, t := range s.found {
		vars[name] = t
	}
	env := newEnv(vars)
	env.record, env.formula, env.model, env.object = e.record, e.formula, e.model, e.object
	env.paths = s.found
	rewrite := s.found
	if len(e.members) > 0 {
		env.members = e.members
		rewrite = make(map[string]reflect.Type, len(s.found)+len(e.members))
		for name, t := range s.found {
			rewrite[name] = t
		}
		for name, t := range e.members {
			rewrite[name] = t
		}
	}
	return env, &pathPatcher{paths: rewrite}, nil
}

// pathScan finds the lookup paths of a parsed source and resolves them.
type pathScan struct {
	env   *Env
	found map[string]reflect.Type
	err   *file.Error
}

func (s *pathScan) refuse(n ast.Node, format string, args ...any) {
	if s.err == nil {
		s.err = &file.Error{Location: n.Location(), Message: fmt.Sprintf(format, args...)}
	}
}

// Visit implements ast.Visitor.
func (s *pathScan) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if s.env.formula && strings.HasPrefix(n.Value, "$") && formulaRefused[n.Value] {
			s.refuse(n, "%s cannot be used in a formula: its value is stored, and recomputed only when the record or a record it reads changes", n.Value)
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && s.env.formula && formulaRefused[id.Value] {
			s.refuse(n, "%s() cannot be used in a formula: its value is stored, and recomputed only when the record or a record it reads changes", id.Value)
		}
	case *ast.MemberNode:
		s.member(n)
	}
}

// member resolves the chain of property accesses that ends at n when it
// starts at a lookup field of the record: every prefix that is a path
// becomes a variable. The walk reaches inner members first, so an error is
// reported at the first bad name.
func (s *pathScan) member(n *ast.MemberNode) {
	if s.env.model == nil || s.env.object == nil {
		return
	}
	var props []*ast.StringNode
	var cur ast.Node = n
	for {
		m, ok := cur.(*ast.MemberNode)
		if !ok {
			break
		}
		p, ok := m.Property.(*ast.StringNode)
		if !ok || m.Method {
			return
		}
		props = append(props, p)
		cur = m.Node
	}
	// A field cannot be hidden by a variable: expr-lang refuses let of a
	// name of the environment.
	root, ok := cur.(*ast.IdentifierNode)
	if !ok {
		return
	}
	lookup := s.env.object.Field(root.Value)
	if lookup == nil || lookup.Type != "lookup" {
		return
	}
	name, hops := root.Value, 1
	target := s.env.model.Object(lookup.Settings.Target)
	for i := len(props) - 1; i >= 0; i-- {
		prop := props[i]
		if target == nil {
			return // an unknown target: metadata validation reports it
		}
		f := target.Field(prop.Value)
		var t reflect.Type
		switch {
		case f != nil:
			ft, ok := metadata.LookupFieldType(f.Type)
			if !ok {
				return
			}
			t = ft.ExprType(f)
		case systemVars[prop.Value] != nil:
			t = systemVars[prop.Value]
		default:
			s.refuse(prop, "object %q has no field %q", target.Name, prop.Value)
			return
		}
		name += "." + prop.Value
		s.found[name] = t
		if i == 0 || f == nil || f.Type != "lookup" {
			// The rest (if any) are members of the value: expr-lang
			// checks them.
			return
		}
		if hops == MaxPathHops {
			next := props[i-1]
			s.refuse(next, "%s.%s follows %d lookups; a path may follow at most %d", name, next.Value, hops+1, MaxPathHops)
			return
		}
		hops++
		target = s.env.model.Object(f.Settings.Target)
	}
}

// pathPatcher rewrites member chains that are lookup paths into the
// identifier of the path's variable. Chains are rewritten from the inside
// out (the walk reaches children first): opportunity.account becomes one
// identifier, which .owner_id then extends.
type pathPatcher struct {
	paths map[string]reflect.Type
}

// Visit implements ast.Visitor.
func (pp *pathPatcher) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok || m.Method {
		return
	}
	p, ok := m.Property.(*ast.StringNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok {
		return
	}
	name := id.Value + "." + p.Value
	if _, ok := pp.paths[name]; !ok {
		return
	}
	n := &ast.IdentifierNode{Value: name}
	ast.Patch(node, n)
	// Errors about the path point at its start.
	n.SetLocation(id.Location())
}

// reads returns the paths and the record's own fields (and system columns)
// a compiled tree reads, each sorted.
func (e *Env) reads(tree ast.Node) (paths, fields []string) {
	seenP, seenF := map[string]bool{}, map[string]bool{}
	ast.Walk(&tree, identVisitor(func(name string) {
		switch {
		case e.paths[name] != nil:
			seenP[name] = true
		case strings.HasPrefix(name, "$") || strings.HasPrefix(name, "#"):
		default:
			if _, ok := e.vars[name]; ok {
				seenF[name] = true
			}
		}
	}))
	for n := range seenP {
		paths = append(paths, n)
	}
	for n := range seenF {
		fields = append(fields, n)
	}
	sort.Strings(paths)
	sort.Strings(fields)
	return paths, fields
}

// identVisitor calls a function with the name of every identifier.
type identVisitor func(name string)

// Visit implements ast.Visitor.
func (f identVisitor) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok {
		f(id.Value)
	}
}
