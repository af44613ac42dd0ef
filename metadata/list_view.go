package metadata

import (
	"fmt"
	"slices"
	"strings"
)

// ListView is a shared view of an object's record list: the columns it
// shows, the records it keeps and their order, offered by name to every
// user of the tenant. Each user sees only the columns their role may read.
// The views a user keeps for themselves are not metadata: they belong to
// that user and are stored with them (runtime/store).
type ListView struct {
	Name  string `json:"name"`
	Label Text   `json:"label,omitempty"`
	// Columns are the fields (or system columns) shown after the name
	// field, in order; empty means the list's default columns.
	Columns []string `json:"columns,omitempty"`
	// Filter is an expression in the filter language of lists (the REST
	// API's ?filter=); empty keeps every record.
	Filter string `json:"filter,omitempty"`
	// Sort is the column the list is ordered by, descending with a leading
	// "-"; empty is the list's default order.
	Sort string `json:"sort,omitempty"`
}

// MaxListViewColumns is the most columns a list view may name.
const MaxListViewColumns = 30

// ListView returns the object's list view called name, or nil.
func (o *Object) ListView(name string) *ListView {
	for _, v := range o.ListViews {
		if v != nil && v.Name == name {
			return v
		}
	}
	return nil
}

// SortColumn returns the column the view sorts by and whether it sorts
// descending; "" when it sets no order.
func (v *ListView) SortColumn() (column string, desc bool) {
	if name, ok := strings.CutPrefix(v.Sort, "-"); ok {
		return name, true
	}
	return v.Sort, false
}

// Clone returns a deep copy of the view.
func (v *ListView) Clone() *ListView {
	c := *v
	c.Label = v.Label.clone()
	if v.Columns != nil {
		c.Columns = append([]string{}, v.Columns...)
	}
	return &c
}

// ListViewPath is the path of a member of list view v of object o
// ("filter", "sort") in metadata.Problems, for checks made outside this
// package, such as the translation of the filter to SQL.
func ListViewPath(o *Object, v *ListView, member string) string {
	return fmt.Sprintf("objects.%s.list_views.%s.%s", o.Name, v.Name, member)
}

// isColumnOf reports whether name is a field or a system column of o.
func isColumnOf(o *Object, name string) bool {
	return o.Field(name) != nil || slices.Contains(SystemColumns, name)
}

// validateListViews checks the object's list views: names, columns that
// are fields or system columns, each at most once, and a sort by one of
// them. Filters are translated to SQL when the revision is compiled
// (engine/compiled), which reports those that do not translate.
func validateListViews(o *Object, opath string) []Problem {
	var ps []Problem
	seen := map[string]bool{}
	for i, v := range o.ListViews {
		if v == nil {
			ps = append(ps, problemf(fmt.Sprintf("%s.list_views.%d", opath, i), ProblemInvalidSetting, "a list view may not be empty"))
			continue
		}
		vpath := opath + ".list_views." + v.Name
		ps = append(ps, checkName(vpath+".name", "list view", v.Name, MaxFieldNameLength)...)
		if seen[v.Name] {
			ps = append(ps, problemf(vpath+".name", ProblemDuplicate, "list view %q is defined twice on object %q", v.Name, o.Name))
		}
		seen[v.Name] = true
		if len(v.Columns) > MaxListViewColumns {
			ps = append(ps, problemf(vpath+".columns", ProblemInvalidSetting, "list view %q names %d columns; at most %d are allowed", v.Name, len(v.Columns), MaxListViewColumns))
		}
		cols := map[string]bool{}
		for j, name := range v.Columns {
			cpath := fmt.Sprintf("%s.columns.%d", vpath, j)
			switch {
			case !isColumnOf(o, name):
				ps = append(ps, problemf(cpath, ProblemUnknownField, "list view %q shows %q, which is not a field of object %q", v.Name, truncateForMessage(name), o.Name))
			case cols[name]:
				ps = append(ps, problemf(cpath, ProblemDuplicate, "list view %q shows %q twice", v.Name, name))
			}
			cols[name] = true
		}
		if v.Sort != "" {
			if name, _ := v.SortColumn(); !isColumnOf(o, name) {
				ps = append(ps, problemf(vpath+".sort", ProblemInvalidSetting, "list view %q sorts by %q: give a field of object %q, with a leading \"-\" to sort descending", v.Name, truncateForMessage(v.Sort), o.Name))
			}
		}
	}
	return ps
}

// renameListViewColumn makes the views name the column old by its new name,
// in their columns and sort.
func (o *Object) renameListViewColumn(old, new string) {
	for _, v := range o.ListViews {
		if v == nil {
			continue
		}
		for i, name := range v.Columns {
			if name == old {
				v.Columns[i] = new
			}
		}
		if name, desc := v.SortColumn(); name == old {
			v.Sort = new
			if desc {
				v.Sort = "-" + new
			}
		}
	}
}

// dropListViewColumn removes a deleted field from the views' columns and
// their sort.
func (o *Object) dropListViewColumn(field string) {
	for _, v := range o.ListViews {
		if v == nil {
			continue
		}
		if v.Columns != nil {
			kept := v.Columns[:0]
			for _, name := range v.Columns {
				if name != field {
					kept = append(kept, name)
				}
			}
			v.Columns = kept
		}
		if name, _ := v.SortColumn(); name == field {
			v.Sort = ""
		}
	}
}
