package compiled

import (
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/engine/filter"
	"github.com/mosaic-paas/mosaic/metadata"
)

// Aliases of the parent and child tables in roll-up SQL, so that a roll-up
// whose child is its own object (a self-lookup) reads unambiguously.
const (
	parentAlias = "p"
	childAlias  = "c"
)

// Rollups are the roll-up summaries an object takes part in.
type Rollups struct {
	// Held are the object's own roll-up fields.
	Held []*Rollup
	// Fed are the groups of roll-ups (on this object or others) that
	// summarize this object's records: the object is their child.
	Fed []*RollupGroup
	// Start are the values of a new record's roll-ups, by column: zero for
	// counts and sums (a record has no children when it is created), none
	// for minimums and maximums. Nil when the object holds none.
	Start map[string]any
	// Cascades is true when deleting a record of the object can change a
	// roll-up of another parent through the on-delete actions of the
	// lookups that point at it: a cascade deleting, or a set_null
	// changing, children that feed a roll-up over another lookup — here or
	// further down a chain of cascades.
	Cascades bool
}

// Rollup is a compiled roll-up summary field.
type Rollup struct {
	// Meta is the field; Column its column on Parent.
	Meta   *metadata.Field
	Parent *Object
	Column *Column
	// Child is the summarized object, Lookup its lookup column pointing at
	// Parent, Field the summarized column (nil for a count).
	Child  *Object
	Lookup *Column
	Field  *Column
	// Function is count, sum, min or max.
	Function string
	// Reads are the child columns whose change can change the value: the
	// lookup, the field and every column the filter reads.
	Reads map[string]bool
	// FillSQL computes the roll-up for every record of Parent at once, with
	// FillArgs (used when the field is added or its definition changes).
	FillSQL  string
	FillArgs []any
}

// RollupGroup is the roll-ups of one parent object over one lookup of one
// child object: a write of a child recomputes them together, for each parent
// record concerned, after locking that record.
type RollupGroup struct {
	Parent, Child *Object
	Lookup        *Column
	Rollups       []*Rollup
	// Reads is the union of the roll-ups' Reads.
	Reads map[string]bool
	// LockSQL locks one parent record ($1 its id) until the transaction
	// ends; on PostgreSQL with FOR NO KEY UPDATE, which does not conflict
	// with the key-share locks that foreign keys of child inserts take. On
	// SQLite writes are serialized already and it only reads. LockRowSQL
	// does the same and reads the whole row.
	LockSQL, LockRowSQL string
	// RecomputeSQL recomputes every roll-up of the group from the children
	// of one parent record, $1 its id, followed by RecomputeArgs.
	RecomputeSQL  string
	RecomputeArgs []any
}

// compileRollups compiles every roll-up of the revision and indexes them by
// parent and child object. The filters are translated to SQL over the
// child's columns; a filter that does not translate is a problem located
// at the roll-up's settings.filter.
func (r *Revision) compileRollups() error {
	var ps metadata.Problems
	groups := map[string]*RollupGroup{}
	var order []string
	for _, parent := range r.ordered {
		for _, c := range parent.FieldColumns() {
			if c.Field.Type != "rollup" {
				continue
			}
			ru, p, err := r.compileRollup(parent, c)
			if err != nil {
				return err
			}
			if p != nil {
				ps = append(ps, *p)
				continue
			}
			parent.Rollups.Held = append(parent.Rollups.Held, ru)
			key := parent.Meta.Name + "\x00" + ru.Child.Meta.Name + "\x00" + ru.Lookup.Name
			g, ok := groups[key]
			if !ok {
				g = &RollupGroup{Parent: parent, Child: ru.Child, Lookup: ru.Lookup, Reads: map[string]bool{}}
				groups[key] = g
				order = append(order, key)
			}
			g.Rollups = append(g.Rollups, ru)
			for k := range ru.Reads {
				g.Reads[k] = true
			}
		}
	}
	if len(ps) > 0 {
		return ps
	}
	sort.Strings(order)
	for _, key := range order {
		g := groups[key]
		if err := r.buildGroupSQL(g); err != nil {
			return err
		}
		g.Child.Rollups.Fed = append(g.Child.Rollups.Fed, g)
	}
	for _, o := range r.ordered {
		o.buildStart()
		o.Rollups.Cascades = r.cascades(o, map[*Object]bool{})
	}
	return nil
}

// cascades tells Rollups.Cascades of o; seen guards against cycles of
// lookups.
func (r *Revision) cascades(o *Object, seen map[*Object]bool) bool {
	if seen[o] {
		return false
	}
	seen[o] = true
	for _, ref := range r.Referrers(o.Meta.Name) {
		action := ref.Column.Field.OnDeleteOrDefault()
		if action == metadata.OnDeleteRestrict {
			continue
		}
		for _, g := range ref.Object.Rollups.Fed {
			if g.Lookup != ref.Column && (action == metadata.OnDeleteCascade || g.Reads[ref.Column.Name]) {
				return true
			}
		}
		if action == metadata.OnDeleteCascade && r.cascades(ref.Object, seen) {
			return true
		}
	}
	return false
}

// compileRollup compiles one roll-up field of parent. A filter that does not
// translate is a problem; metadata that did not pass Validate an error.
func (r *Revision) compileRollup(parent *Object, col *Column) (*Rollup, *metadata.Problem, error) {
	f := col.Field
	s := f.Settings
	where := fmt.Sprintf("objects.%s.fields.%s", parent.Meta.Name, f.Name)
	child, ok := r.objects[s.Child]
	if !ok {
		return nil, nil, fmt.Errorf("compiled: rollup %s: child %q is not an object", where, s.Child)
	}
	lookup, ok := child.Column(s.Lookup)
	if !ok || lookup.Field == nil || lookup.Field.Type != "lookup" || lookup.Field.Settings.Target != parent.Meta.Name {
		return nil, nil, fmt.Errorf("compiled: rollup %s: %q is not a lookup of %s pointing at %s", where, s.Lookup, s.Child, parent.Meta.Name)
	}
	ru := &Rollup{Meta: f, Parent: parent, Column: col, Child: child, Lookup: lookup, Function: s.Function,
		Reads: map[string]bool{lookup.Name: true}}
	if s.Function != metadata.RollupCount {
		fc, ok := child.Column(s.Field)
		if !ok || fc.System {
			return nil, nil, fmt.Errorf("compiled: rollup %s: %q is not a field of %s", where, s.Field, s.Child)
		}
		if fc.Type.Kind != col.Type.Kind || (fc.Type.Kind == metadata.KindDecimal && fc.Type.Scale != col.Type.Scale) {
			// SQLite stores decimals as integers scaled by 10^scale: a sum
			// is only exact, and only means the same number, at one scale.
			return nil, nil, fmt.Errorf("compiled: rollup %s: column %+v does not match %s.%s %+v", where, col.Type, s.Child, s.Field, fc.Type)
		}
		ru.Field = fc
		ru.Reads[fc.Name] = true
	}
	if s.Filter != "" {
		reads, err := filterReads(s.Filter, child)
		if err != nil {
			return nil, &metadata.Problem{Path: where + ".settings.filter", Code: metadata.ProblemInvalidExpr, Message: err.Error()}, nil
		}
		for k := range reads {
			ru.Reads[k] = true
		}
		// Translated once here to report a bad filter where it is written;
		// the SQL itself is built per statement, with its own numbering.
		if _, err := ru.condition(r.Dialect, 0); err != nil {
			return nil, &metadata.Problem{Path: where + ".settings.filter", Code: metadata.ProblemInvalidExpr, Message: err.Error()}, nil
		}
	}
	fill, err := ru.valueSQL(r.Dialect, parentAlias+"."+dialect.Quote(ColID), 0)
	if err != nil {
		return nil, nil, err
	}
	ru.FillSQL = fmt.Sprintf("UPDATE %s AS %s SET %s = %s", parent.Table, parentAlias, col.Quoted, fill.SQL)
	ru.FillArgs = fill.Args
	return ru, nil, nil
}

// condition translates the roll-up's filter over the child's columns
// (qualified by the child alias), numbering placeholders after offset.
func (ru *Rollup) condition(d dialect.Dialect, offset int) (*filter.Where, error) {
	if ru.Meta.Settings.Filter == "" {
		return &filter.Where{SQL: "1 = 1"}, nil
	}
	cols := filter.ColumnMap{}
	for _, c := range ru.Child.Columns {
		cols[c.Name] = filter.Column{Name: c.Name, SQL: childAlias + "." + c.Quoted, Field: c.Field, Type: c.Type}
	}
	return filter.Translate(ru.Meta.Settings.Filter, cols, filter.Options{Dialect: d, ArgOffset: offset})
}

// valueSQL is the roll-up's value over the children of the parent whose id
// is the SQL expression parentID: a scalar subquery, with the filter's
// parameters numbered after offset.
func (ru *Rollup) valueSQL(d dialect.Dialect, parentID string, offset int) (*filter.Where, error) {
	cond, err := ru.condition(d, offset)
	if err != nil {
		return nil, fmt.Errorf("compiled: rollup %s.%s: %w", ru.Parent.Meta.Name, ru.Meta.Name, err)
	}
	var agg string
	switch ru.Function {
	case metadata.RollupCount:
		agg = "count(*)"
	case metadata.RollupSum:
		agg = fmt.Sprintf("coalesce(sum(%s.%s), 0)", childAlias, ru.Field.Quoted)
	case metadata.RollupMin, metadata.RollupMax:
		agg = fmt.Sprintf("%s(%s.%s)", ru.Function, childAlias, ru.Field.Quoted)
	default:
		return nil, fmt.Errorf("compiled: rollup %s.%s: unknown function %q", ru.Parent.Meta.Name, ru.Meta.Name, ru.Function)
	}
	sql := fmt.Sprintf("(SELECT %s FROM %s AS %s WHERE %s.%s = %s AND %s)",
		agg, ru.Child.Table, childAlias, childAlias, ru.Lookup.Quoted, parentID, cond.SQL)
	return &filter.Where{SQL: sql, Args: cond.Args}, nil
}

// buildGroupSQL writes the lock and recompute statements of a group.
func (r *Revision) buildGroupSQL(g *RollupGroup) error {
	d := r.Dialect
	id := dialect.Quote(ColID)
	lock := ""
	if d.Name() == "postgres" {
		lock = " FOR NO KEY UPDATE"
	}
	g.LockSQL = fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s%s", id, g.Parent.Table, id, d.Placeholder(1), lock)
	g.LockRowSQL = fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s%s", g.Parent.SelectList, g.Parent.Table, id, d.Placeholder(1), lock)
	sets := make([]string, len(g.Rollups))
	for i, ru := range g.Rollups {
		v, err := ru.valueSQL(d, d.Placeholder(1), 1+len(g.RecomputeArgs))
		if err != nil {
			return err
		}
		sets[i] = fmt.Sprintf("%s = %s", ru.Column.Quoted, v.SQL)
		g.RecomputeArgs = append(g.RecomputeArgs, v.Args...)
	}
	g.RecomputeSQL = fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", g.Parent.Table, strings.Join(sets, ", "), id, d.Placeholder(1))
	return nil
}

// buildStart sets the values of a new record's roll-ups.
func (o *Object) buildStart() {
	for _, ru := range o.Rollups.Held {
		if o.Rollups.Start == nil {
			o.Rollups.Start = map[string]any{}
		}
		var v any
		if ru.Function == metadata.RollupCount || ru.Function == metadata.RollupSum {
			_, scale := metadata.RollupType{}.PrecisionScale(ru.Meta)
			v = decimal.New(0, -int32(scale))
		}
		o.Rollups.Start[ru.Column.Name] = v
	}
}

// filterReads returns the child columns a roll-up filter reads. It refuses
// $now, $today and $user: a stored summary is recomputed when children
// change, not when the clock moves or another user reads it.
func filterReads(src string, child *Object) (map[string]bool, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, nil // the translation reports it, located
	}
	v := &readsVisitor{src: src, child: child, reads: map[string]bool{}}
	ast.Walk(&tree.Node, v)
	return v.reads, v.err
}

type readsVisitor struct {
	src   string
	child *Object
	reads map[string]bool
	err   error
}

func (v *readsVisitor) Visit(n *ast.Node) {
	id, ok := (*n).(*ast.IdentifierNode)
	if !ok || v.err != nil {
		return
	}
	if strings.HasPrefix(id.Value, "$") {
		v.err = expression.NewError(v.src, id.Location().From, &rollupFilterError{
			fmt.Sprintf("%s cannot be used in a roll-up filter: the stored value changes when children change, not as time passes or per user", id.Value)})
		return
	}
	if _, ok := v.child.Column(id.Value); ok {
		v.reads[id.Value] = true
	}
}

// rollupFilterError is a construct filters have but roll-up filters do not:
// a case of filter.ErrUnsupported with its own message.
type rollupFilterError struct{ msg string }

func (e *rollupFilterError) Error() string { return e.msg }
func (e *rollupFilterError) Unwrap() error { return filter.ErrUnsupported }
