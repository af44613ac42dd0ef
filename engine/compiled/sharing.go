package compiled

import (
	"fmt"
	"strings"
	"sync"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/engine/filter"
	"github.com/mosaic-paas/mosaic/metadata"
)

// SharingRule is a compiled sharing rule: the roles it applies to and its
// criteria as SQL. It is shared by every request; it must not be changed.
type SharingRule struct {
	Meta *metadata.SharingRule
	// Edit is true for a rule that grants edit (and read).
	Edit bool
	// Roles are the roles the rule applies to: its roles and, with
	// include_subordinates, every role below them.
	Roles map[string]bool
	cols  filter.ColumnMap
	rev   *Revision
	// at caches the criteria translated with placeholders after an
	// offset, by offset (a predicate starts at a fixed offset per kind of
	// statement, so there are only a few).
	at sync.Map // int → *filter.Where
}

// Criteria returns the rule's criteria as SQL with its placeholders
// numbered from offset+1, and their arguments (which must not be changed).
// The translation was checked when the revision was compiled.
func (s *SharingRule) Criteria(offset int) (string, []any) {
	if w, ok := s.at.Load(offset); ok {
		w := w.(*filter.Where)
		return w.SQL, w.Args
	}
	w, err := s.translate(offset)
	if err != nil {
		// Compile translated the same criteria at offset 0: only the
		// numbering differs. Match nothing rather than everything.
		return "1 = 0", nil
	}
	s.at.Store(offset, w)
	return w.SQL, w.Args
}

func (s *SharingRule) translate(offset int) (*filter.Where, error) {
	return filter.Translate(s.Meta.Criteria, s.cols, filter.Options{Dialect: s.rev.Dialect, ArgOffset: offset})
}

// SharingRulesFor returns the sharing rules of the object that open its records to
// role, for editing (edit) or for reading (any rule), in definition order.
func (o *Object) SharingRulesFor(role string, edit bool) []*SharingRule {
	var out []*SharingRule
	for _, r := range o.SharingRules {
		if r.Roles[role] && (r.Edit || !edit) {
			out = append(out, r)
		}
	}
	return out
}

// compileSharingRules compiles every object's sharing rules. Criteria that
// do not translate, or that use a $ variable, are metadata.Problems located
// at the rule.
func (r *Revision) compileSharingRules() error {
	var ps metadata.Problems
	for _, o := range r.ordered {
		if len(o.Meta.SharingRules) == 0 {
			continue
		}
		cols := filter.ColumnMap{}
		for _, c := range o.Columns {
			cols[c.Name] = filter.Column{Name: c.Name, SQL: c.Quoted, Field: c.Field, Type: c.Type}
		}
		for i, m := range o.Meta.SharingRules {
			path := fmt.Sprintf("objects.%s.sharing_rules.%d.criteria", o.Meta.Name, i)
			if err := criteriaVariables(m.Criteria); err != nil {
				ps = append(ps, metadata.Problem{Path: path, Code: metadata.ProblemInvalidExpr, Message: err.Error()})
				continue
			}
			sr := &SharingRule{Meta: m, Edit: m.Access == metadata.ShareEdit, Roles: map[string]bool{}, cols: cols, rev: r}
			w, err := sr.translate(0)
			if err != nil {
				ps = append(ps, metadata.Problem{Path: path, Code: metadata.ProblemInvalidExpr, Message: err.Error()})
				continue
			}
			sr.at.Store(0, w)
			for _, role := range m.Roles {
				sr.Roles[role] = true
				if m.IncludeSubordinates {
					for _, b := range r.RolesBelow(role) {
						sr.Roles[b] = true
					}
				}
			}
			o.SharingRules = append(o.SharingRules, sr)
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// criteriaVariables refuses a $ variable in sharing rule criteria: which
// records a rule shares must not depend on who asks or when.
func criteriaVariables(src string) error {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil // the translation reports it, located
	}
	v := &variablesVisitor{src: src}
	ast.Walk(&tree.Node, v)
	return v.err
}

type variablesVisitor struct {
	src string
	err error
}

func (v *variablesVisitor) Visit(n *ast.Node) {
	id, ok := (*n).(*ast.IdentifierNode)
	if !ok || v.err != nil || !strings.HasPrefix(id.Value, "$") {
		return
	}
	msg := fmt.Sprintf("%s cannot be used in sharing rule criteria: a rule shares the same records with everyone it applies to, at any time", id.Value)
	if id.Value == expression.VarUser {
		msg = "$user cannot be used in sharing rule criteria: a rule shares the same records with every user it applies to; records of the user are already theirs through ownership"
	}
	v.err = expression.NewError(v.src, id.Location().From, &criteriaError{msg})
}

// criteriaError is a construct filters have but sharing rule criteria do
// not: a case of filter.ErrUnsupported with its own message.
type criteriaError struct{ msg string }

func (e *criteriaError) Error() string { return e.msg }
func (e *criteriaError) Unwrap() error { return filter.ErrUnsupported }
