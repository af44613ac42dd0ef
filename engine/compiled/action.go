package compiled

import (
	"fmt"
	"sort"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// Action is a compiled record action (metadata.RecordAction): its
// expressions compiled once per revision.
type Action struct {
	Meta *metadata.RecordAction
	// Object is the object whose records the action runs on.
	Object *Object
	// Criteria is nil when the action applies to every record.
	Criteria *expression.Program
	// Creates are the records to create, in order.
	Creates []*ActionCreate
	// Updates are the changes to the source record, by field, sorted.
	Updates []*Assignment
}

// ActionCreate is one compiled create of a record action.
type ActionCreate struct {
	Meta *metadata.ActionCreate
	// Target is the object the record is created in.
	Target *Object
	// When is nil when the record is always created.
	When *expression.Program
	// Values set the new record's fields, sorted by field.
	Values []*Assignment
}

// Assignment is a field set from an expression.
type Assignment struct {
	Field string
	Value *expression.Program
}

// compileActions compiles the record actions of every object, and adds the
// lookup paths they read to their object's paths so that records read for
// an action carry them.
func (r *Revision) compileActions() error {
	r.actions = map[string][]*Action{}
	for _, co := range r.ordered {
		o := co.Meta
		if len(o.Actions) == 0 {
			continue
		}
		paths := map[string]bool{}
		for _, a := range o.Actions {
			ca, err := r.compileAction(co, a, paths)
			if err != nil {
				return fmt.Errorf("compiled: action %s of %s: %w", a.Name, o.Name, err)
			}
			r.actions[o.Name] = append(r.actions[o.Name], ca)
		}
		if err := r.addPaths(co, paths); err != nil {
			return err
		}
	}
	return nil
}

func (r *Revision) compileAction(co *Object, a *metadata.RecordAction, paths map[string]bool) (*Action, error) {
	m, o := r.Model, co.Meta
	out := &Action{Meta: a, Object: co}
	note := func(p *expression.Program) {
		for _, name := range p.Paths() {
			paths[name] = true
		}
	}
	var err error
	if a.Criteria != "" {
		if out.Criteria, err = expression.CompileCondition(a.Criteria, expression.NewActionEnv(m, o, a, nil)); err != nil {
			return nil, fmt.Errorf("criteria: %w", err)
		}
		note(out.Criteria)
	}
	assign := func(env *expression.Env, mapping map[string]string) ([]*Assignment, error) {
		fields := make([]string, 0, len(mapping))
		for f := range mapping {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		as := make([]*Assignment, 0, len(fields))
		for _, f := range fields {
			p, err := expression.Compile(mapping[f], env)
			if err != nil {
				return nil, fmt.Errorf("value of %s: %w", f, err)
			}
			note(p)
			as = append(as, &Assignment{Field: f, Value: p})
		}
		return as, nil
	}
	var created []string
	for _, c := range a.Creates {
		target, ok := r.objects[c.Object]
		if !ok {
			return nil, fmt.Errorf("create %s: no object %s", c.As, c.Object)
		}
		env := expression.NewActionEnv(m, o, a, created)
		cc := &ActionCreate{Meta: c, Target: target}
		if c.When != "" {
			if cc.When, err = expression.CompileCondition(c.When, env); err != nil {
				return nil, fmt.Errorf("when of create %s: %w", c.As, err)
			}
			note(cc.When)
		}
		if cc.Values, err = assign(env, c.Values); err != nil {
			return nil, fmt.Errorf("create %s: %w", c.As, err)
		}
		out.Creates = append(out.Creates, cc)
		created = append(created, c.As)
	}
	if out.Updates, err = assign(expression.NewActionEnv(m, o, a, created), a.Updates); err != nil {
		return nil, fmt.Errorf("updates: %w", err)
	}
	return out, nil
}

// addPaths adds to co's lookup paths those of names it does not read yet,
// and rebuilds the SQL that reads them.
func (r *Revision) addPaths(co *Object, names map[string]bool) error {
	for _, p := range co.Paths {
		delete(names, p.Name)
	}
	if len(names) == 0 {
		return nil
	}
	for name := range names {
		p, err := r.resolvePath(co, name)
		if err != nil {
			return err
		}
		co.Paths = append(co.Paths, p)
	}
	sort.Slice(co.Paths, func(i, j int) bool { return co.Paths[i].Name < co.Paths[j].Name })
	co.PathArgs, co.PathsSQL, co.RecordsSQL, co.FormulaUpdateSQL = nil, "", "", ""
	co.buildFormulaSQL(r.Dialect)
	return nil
}

// Actions returns the compiled record actions of the object, in the order
// they are defined.
func (r *Revision) Actions(object string) []*Action { return r.actions[object] }

// Action returns the object's compiled record action called name.
func (r *Revision) Action(object, name string) (*Action, bool) {
	for _, a := range r.actions[object] {
		if a.Meta.Name == name {
			return a, true
		}
	}
	return nil, false
}
