package compiled

import (
	"github.com/mosaic-paas/mosaic/engine/filter"
	"github.com/mosaic-paas/mosaic/metadata"
)

// checkListViews translates the filter of every shared list view
// (metadata.ListView) to SQL over its object's fields and system columns,
// so that a view whose filter does not translate is refused when it is
// saved: a metadata.Problem located at the view's filter. Nothing is kept:
// a list page translates the filter on each request, over the columns the
// reader's role may read and with the reader as $user.
func (r *Revision) checkListViews() error {
	var ps metadata.Problems
	for _, co := range r.ordered {
		o := co.Meta
		if len(o.ListViews) == 0 {
			continue
		}
		cols := filter.ColumnMap{}
		for _, c := range co.Columns {
			cols[c.Name] = filter.Column{Name: c.Name, SQL: c.Quoted, Field: c.Field, Type: c.Type}
		}
		for _, v := range o.ListViews {
			if v == nil || v.Filter == "" {
				continue
			}
			if _, err := filter.Translate(v.Filter, cols, filter.Options{Dialect: r.Dialect}); err != nil {
				ps = append(ps, metadata.Problem{Path: metadata.ListViewPath(o, v, "filter"), Code: metadata.ProblemInvalidExpr, Message: err.Error()})
			}
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}
