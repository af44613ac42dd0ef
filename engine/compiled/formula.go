package compiled

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
)

// FormulaPlan is what an object's formula fields and lookup paths need at
// run time: the compiled formulas, the paths its formulas and rules read
// with the SQL that loads them, and the records of other objects (or of the
// same one) whose formulas read its records and must be recomputed when
// they change.
type FormulaPlan struct {
	// Formulas are the object's formula fields in the order they are
	// computed: each after the formulas of the same record it reads.
	Formulas []*Formula
	// Paths are the lookup paths that the object's formulas and active
	// validation rules read, each once, sorted by name.
	Paths []*Path
	// PathsSQL selects the values of Paths, in order, for a record whose
	// lookups hold the values of PathArgs (arguments in that order; a NULL
	// lookup gives NULL values). It is empty when Paths is.
	PathsSQL string
	PathArgs []*Column
	// RecordsSQL selects records of the object: every column, in order,
	// then the values of Paths. The table is aliased r; callers add a
	// WHERE clause on it (and ORDER BY, LIMIT).
	RecordsSQL string
	// FormulaUpdateSQL writes the formula columns of one record: its
	// arguments are the values of Formulas in order, then the record's id.
	// It leaves version and updated_at alone: a formula recomputed because
	// another record changed is not an edit of the record.
	FormulaUpdateSQL string
	// Dependents are the ways records read records of this object through
	// the lookup paths of their formulas.
	Dependents []*Dependent
}

// Formula is a compiled formula field.
type Formula struct {
	Column  *Column
	Program *expression.Program
}

// Path is a lookup path an expression reads, such as
// "opportunity.account.industry": the lookups it follows and the column it
// ends at.
type Path struct {
	// Name is the path as written, the variable's name in expression.Vars.
	Name string
	// Via are the lookup columns followed, the object's own lookup first;
	// Objects are the objects they belong to, then the object the last one
	// points at: len(Objects) == len(Via)+1.
	Via     []*Column
	Objects []*Object
	// Column is the column read, on the last of Objects.
	Column *Column
}

// Dependent is a way records of Object read records of the object that
// holds it, through the lookups Via (Via[0] a lookup of Object, the last
// one pointing at this object's records), in the paths of their formulas.
type Dependent struct {
	Object *Object
	Via    []*Column
	// Reads are the columns of this object those paths read: when none of
	// them changes, the dependents need no recomputing.
	Reads map[string]bool
	// IDsSQL selects the ids of the records of Object whose lookups lead to
	// a record of this object (argument 1, its id), in id order; on
	// PostgreSQL it locks them, so that concurrent writes of them wait.
	IDsSQL string
}

// compileFormulas compiles every object's formulas and builds the formula
// plans: paths, their SQL, and the dependents. It runs once every object is
// compiled, since paths and dependents cross objects.
func (r *Revision) compileFormulas() error {
	for _, co := range r.ordered {
		if err := r.compileObjectFormulas(co); err != nil {
			return err
		}
	}
	for _, co := range r.ordered {
		for _, f := range co.Formulas {
			for _, name := range f.Program.Paths() {
				p, err := r.resolvePath(co, name)
				if err != nil {
					return err
				}
				r.addDependents(co, p)
			}
		}
	}
	for _, co := range r.ordered {
		sort.Slice(co.Dependents, func(i, j int) bool {
			return dependentKey(co.Dependents[i]) < dependentKey(co.Dependents[j])
		})
	}
	return nil
}

// compileObjectFormulas compiles the formulas of co in dependency order and
// builds its paths and SQL.
func (r *Revision) compileObjectFormulas(co *Object) error {
	o := co.Meta
	env := expression.NewFormulaEnv(r.Model, o)
	byName := map[string]*Formula{}
	var names []string
	for _, c := range co.FieldColumns() {
		if c.Field.Type != "formula" {
			continue
		}
		p, err := expression.Compile(c.Field.Settings.Expression, env)
		if err != nil {
			return fmt.Errorf("compiled: formula %s.%s: %w", o.Name, c.Name, err)
		}
		byName[c.Name] = &Formula{Column: c, Program: p}
		names = append(names, c.Name)
	}
	// Depth-first: a formula after those it reads. Validation refuses
	// cycles; one here is an error all the same.
	state := map[string]int{}
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("compiled: formula %s.%s depends on itself", o.Name, name)
		case 2:
			return nil
		}
		state[name] = 1
		for _, read := range byName[name].Program.Fields() {
			if byName[read] != nil {
				if err := visit(read); err != nil {
					return err
				}
			}
		}
		state[name] = 2
		co.Formulas = append(co.Formulas, byName[name])
		return nil
	}
	for _, name := range names {
		if err := visit(name); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, f := range co.Formulas {
		for _, name := range f.Program.Paths() {
			seen[name] = true
		}
	}
	for _, rule := range co.Rules {
		for _, name := range rule.Condition.Paths() {
			seen[name] = true
		}
	}
	for name := range seen {
		p, err := r.resolvePath(co, name)
		if err != nil {
			return err
		}
		co.Paths = append(co.Paths, p)
	}
	sort.Slice(co.Paths, func(i, j int) bool { return co.Paths[i].Name < co.Paths[j].Name })
	co.buildFormulaSQL(r.Dialect)
	return nil
}

// resolvePath resolves a path read by an expression on co.
func (r *Revision) resolvePath(co *Object, name string) (*Path, error) {
	parts := strings.Split(name, ".")
	p := &Path{Name: name, Objects: []*Object{co}}
	cur := co
	for i, part := range parts {
		c, ok := cur.Column(part)
		if !ok {
			return nil, fmt.Errorf("compiled: path %s of %s: object %s has no field %s", name, co.Meta.Name, cur.Meta.Name, part)
		}
		if i == len(parts)-1 {
			p.Column = c
			return p, nil
		}
		if c.Field == nil || c.Field.Type != "lookup" {
			return nil, fmt.Errorf("compiled: path %s of %s: %s.%s is not a lookup", name, co.Meta.Name, cur.Meta.Name, part)
		}
		next, ok := r.objects[c.Field.Settings.Target]
		if !ok {
			return nil, fmt.Errorf("compiled: path %s of %s: no object %s", name, co.Meta.Name, c.Field.Settings.Target)
		}
		p.Via = append(p.Via, c)
		p.Objects = append(p.Objects, next)
		cur = next
	}
	return nil, fmt.Errorf("compiled: empty path of %s", co.Meta.Name)
}

// addDependents records, on every object that path p of a formula of co
// reads, that co's records read it through the lookups leading there.
func (r *Revision) addDependents(co *Object, p *Path) {
	for k := 1; k <= len(p.Via); k++ {
		x := p.Objects[k]
		read := p.Column.Name
		if k < len(p.Via) {
			read = p.Via[k].Name
		}
		via := p.Via[:k]
		var dep *Dependent
		for _, d := range x.Dependents {
			if d.Object == co && sameColumns(d.Via, via) {
				dep = d
			}
		}
		if dep == nil {
			dep = &Dependent{Object: co, Via: append([]*Column(nil), via...), Reads: map[string]bool{}}
			dep.IDsSQL = dependentIDsSQL(r.Dialect, p.Objects[:k], via)
			x.Dependents = append(x.Dependents, dep)
		}
		dep.Reads[read] = true
	}
}

func sameColumns(a, b []*Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func dependentKey(d *Dependent) string {
	names := []string{d.Object.Meta.Name}
	for _, c := range d.Via {
		names = append(names, c.Name)
	}
	return strings.Join(names, ".")
}

// dependentIDsSQL selects the ids of the records of objs[0] whose lookups
// via lead to a record whose id is argument 1: nested IN subqueries, each
// on an indexed lookup column.
func dependentIDsSQL(d dialect.Dialect, objs []*Object, via []*Column) string {
	id := dialect.Quote(ColID)
	k := len(via) - 1
	q := fmt.Sprintf("%s = %s", via[k].Quoted, d.Placeholder(1))
	for i := k - 1; i >= 0; i-- {
		q = fmt.Sprintf("%s IN (SELECT %s FROM %s WHERE %s)", via[i].Quoted, id, objs[i+1].Table, q)
	}
	q = fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s", id, objs[0].Table, q, id)
	if d.Name() == "postgres" {
		q += " FOR NO KEY UPDATE"
	}
	return q
}

// buildFormulaSQL builds the SQL of the object's paths and formulas. Every
// path prefix is joined once, aliased j1, j2, …: a.b.x and a.b.y share the
// joins of a and a.b.
func (o *Object) buildFormulaSQL(d dialect.Dialect) {
	id := dialect.Quote(ColID)
	aliases := map[string]string{}
	var pathJoins, recordJoins, cols []string
	argOf := map[string]string{}
	for _, p := range o.Paths {
		prev := ""
		for i, via := range p.Via {
			key := pathKey(p.Via[:i+1])
			alias, ok := aliases[key]
			if !ok {
				alias = fmt.Sprintf("j%d", len(aliases)+1)
				aliases[key] = alias
				target := p.Objects[i+1].Table
				if i == 0 {
					ph, ok := argOf[via.Name]
					if !ok {
						o.PathArgs = append(o.PathArgs, via)
						ph = d.Placeholder(len(o.PathArgs))
						argOf[via.Name] = ph
					}
					pathJoins = append(pathJoins, fmt.Sprintf("LEFT JOIN %s AS %s ON %s.%s = %s", target, alias, alias, id, ph))
					recordJoins = append(recordJoins, fmt.Sprintf("LEFT JOIN %s AS %s ON %s.%s = r.%s", target, alias, alias, id, via.Quoted))
				} else {
					join := fmt.Sprintf("LEFT JOIN %s AS %s ON %s.%s = %s.%s", target, alias, alias, id, prev, via.Quoted)
					pathJoins = append(pathJoins, join)
					recordJoins = append(recordJoins, join)
				}
			}
			prev = alias
		}
		cols = append(cols, prev+"."+p.Column.Quoted)
	}
	if len(o.Paths) > 0 {
		o.PathsSQL = fmt.Sprintf("SELECT %s FROM (SELECT 1 AS one) AS r %s", strings.Join(cols, ", "), strings.Join(pathJoins, " "))
	}
	list := make([]string, 0, len(o.Columns)+len(cols))
	for _, c := range o.Columns {
		list = append(list, "r."+c.Quoted)
	}
	list = append(list, cols...)
	o.RecordsSQL = strings.TrimSpace(fmt.Sprintf("SELECT %s FROM %s AS r %s", strings.Join(list, ", "), o.Table, strings.Join(recordJoins, " ")))
	if len(o.Formulas) > 0 {
		sets := make([]string, len(o.Formulas))
		for i, f := range o.Formulas {
			sets[i] = fmt.Sprintf("%s = %s", f.Column.Quoted, d.Placeholder(i+1))
		}
		o.FormulaUpdateSQL = fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", o.Table, strings.Join(sets, ", "), id, d.Placeholder(len(o.Formulas)+1))
	}
}

func pathKey(via []*Column) string {
	names := make([]string, len(via))
	for i, c := range via {
		names[i] = c.Name
	}
	return strings.Join(names, ".")
}
