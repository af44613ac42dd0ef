package compiled

import (
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/engine/filter"
	"github.com/mosaic-paas/mosaic/metadata"
)

// Schedule is a compiled scheduled record update (metadata.Schedule): its
// interval, its filter checked to translate to SQL over the object's
// columns, and its updates compiled. It is shared by every run; it must not
// be changed.
type Schedule struct {
	Meta *metadata.Schedule
	// Object is the object whose records the schedule updates.
	Object *Object
	// Every is how often the schedule runs.
	Every time.Duration
	// Limit is the most records one run updates.
	Limit int
	// Updates set the record's fields, sorted by field.
	Updates []*Assignment
	cols    filter.ColumnMap
	d       dialect.Dialect
}

// Where returns the schedule's filter as SQL at now ($now, $today), with
// its placeholders numbered from offset+1. The translation was checked
// when the revision was compiled; only $now and $today differ.
func (s *Schedule) Where(now time.Time, offset int) (*filter.Where, error) {
	return filter.Translate(s.Meta.Filter, s.cols, filter.Options{Dialect: s.d, Now: now, ArgOffset: offset})
}

// MatchSQL returns a query, and its arguments, that yields a row when
// record id of the object matches the schedule's filter at now: a run
// checks it again on the locked record before updating it.
func (s *Schedule) MatchSQL(id string, now time.Time) (string, []any, error) {
	w, err := s.Where(now, 1)
	if err != nil {
		return "", nil, err
	}
	q := fmt.Sprintf("SELECT 1 FROM %s WHERE %s = %s AND (%s)", s.Object.Table, dialect.Quote(ColID), s.d.Placeholder(1), w.SQL)
	return q, append([]any{id}, w.Args...), nil
}

// compileSchedules compiles the schedules of every object, active or not,
// and adds the lookup paths their updates read to their object's paths.
// A filter that does not translate to SQL is a metadata.Problem located at
// the schedule's filter.
func (r *Revision) compileSchedules() error {
	r.schedules = map[string][]*Schedule{}
	var ps metadata.Problems
	for _, co := range r.ordered {
		o := co.Meta
		if len(o.Schedules) == 0 {
			continue
		}
		cols := filter.ColumnMap{}
		for _, c := range co.Columns {
			cols[c.Name] = filter.Column{Name: c.Name, SQL: c.Quoted, Field: c.Field, Type: c.Type}
		}
		env := expression.NewModelEnv(r.Model, o)
		paths := map[string]bool{}
		for _, s := range o.Schedules {
			cs := &Schedule{Meta: s, Object: co, Every: s.Interval(), Limit: s.EffectiveLimit(), cols: cols, d: r.Dialect}
			if _, err := cs.Where(time.Now(), 0); err != nil {
				ps = append(ps, metadata.Problem{Path: metadata.SchedulePath(o, s, "filter"), Code: metadata.ProblemInvalidExpr, Message: err.Error()})
				continue
			}
			for _, f := range s.UpdatedFields() {
				p, err := expression.Compile(s.Updates[f], env)
				if err != nil {
					return fmt.Errorf("compiled: schedule %s of %s: value of %s: %w", s.Name, o.Name, f, err)
				}
				for _, name := range p.Paths() {
					paths[name] = true
				}
				cs.Updates = append(cs.Updates, &Assignment{Field: f, Value: p})
			}
			r.schedules[o.Name] = append(r.schedules[o.Name], cs)
		}
		if len(ps) == 0 {
			if err := r.addPaths(co, paths); err != nil {
				return err
			}
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// Schedules returns the compiled schedules of the object, active or not,
// in the order they are defined.
func (r *Revision) Schedules(object string) []*Schedule { return r.schedules[object] }

// Schedule returns the object's compiled schedule called name.
func (r *Revision) Schedule(object, name string) (*Schedule, bool) {
	for _, s := range r.schedules[object] {
		if s.Meta.Name == name {
			return s, true
		}
	}
	return nil, false
}
