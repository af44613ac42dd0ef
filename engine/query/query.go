// Package query builds the SELECT of a record list: the chosen columns, the
// filter's WHERE, the sort, and keyset (cursor) pagination that stays stable
// while records are inserted. It builds SQL text and arguments only.
package query

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// Limits of a list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	// MaxSortKeys bounds the number of sort columns.
	MaxSortKeys = 5
)

// ErrInvalid is wrapped by every error about a list's parameters.
var ErrInvalid = errors.New("invalid list parameters")

// Sort is one key of a list's order.
type Sort struct {
	Column *compiled.Column
	Desc   bool
}

// ParseSort reads a sort specification: comma-separated column names, each
// optionally prefixed with "-" for descending ("-amount,name"). resolve
// returns the column of a name a caller may sort on.
func ParseSort(spec string, resolve func(name string) (*compiled.Column, bool)) ([]Sort, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	parts := strings.Split(spec, ",")
	if len(parts) > MaxSortKeys {
		return nil, fmt.Errorf("%w: sort by at most %d fields", ErrInvalid, MaxSortKeys)
	}
	var out []Sort
	seen := map[string]bool{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		desc := false
		if name, ok := strings.CutPrefix(p, "-"); ok {
			desc, p = true, name
		} else if name, ok := strings.CutPrefix(p, "+"); ok {
			p = name
		}
		c, ok := resolve(p)
		if !ok {
			return nil, fmt.Errorf("%w: cannot sort by unknown field %q", ErrInvalid, p)
		}
		if c.Name == compiled.ColID {
			// id is always the last key; an explicit id sort sets its direction.
			if len(out) < len(parts)-1 {
				return nil, fmt.Errorf("%w: id must be the last sort key; it already orders every record", ErrInvalid)
			}
			out = append(out, Sort{Column: c, Desc: desc})
			return out, nil
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("%w: field %q appears twice in sort", ErrInvalid, p)
		}
		seen[c.Name] = true
		out = append(out, Sort{Column: c, Desc: desc})
	}
	return out, nil
}

// Visibility is the record-level access of a list: every record, or those
// matching a predicate. A Select without one is refused, so no list can
// forget the caller's record-level access; build one with Unrestricted or
// Restricted.
type Visibility struct {
	set  bool
	sql  string
	args []any
}

// Unrestricted is the visibility of a caller who may see every record.
func Unrestricted() Visibility { return Visibility{set: true} }

// Restricted is the visibility of the records matching sql, a predicate
// whose placeholders are numbered from 1, with its arguments.
func Restricted(sql string, args []any) Visibility {
	return Visibility{set: true, sql: sql, args: args}
}

// Args returns the number of arguments of the predicate: a filter after it
// numbers its placeholders from Args()+1.
func (v Visibility) Args() int { return len(v.args) }

// ErrNoVisibility is returned by a Select built without a Visibility.
var ErrNoVisibility = errors.New("query: a select needs the caller's record visibility")

// Select is a list query over one object.
type Select struct {
	Object *compiled.Object
	// Visible is the caller's record-level access; required. Its
	// predicate is ANDed with Where, its arguments come first.
	Visible Visibility
	// Columns are the columns to read; they must include the sort keys
	// (their values make the next cursor).
	Columns []*compiled.Column
	// Where is a SQL predicate with its arguments (numbered after the
	// Visible predicate's); empty for none.
	Where     string
	WhereArgs []any
	// Sorts is the order; the id is appended as the final key unless it is
	// already there.
	Sorts []Sort
	// After continues after a cursor's row.
	After *Cursor
	// Limit is the number of rows to return; one more is read to tell
	// whether there is a next page.
	Limit int
}

// Keys returns the sort keys with the id as the final tie-breaker.
func (s *Select) Keys() []Sort {
	keys := s.Sorts
	if len(keys) == 0 || keys[len(keys)-1].Column.Name != compiled.ColID {
		id, _ := s.Object.Column(compiled.ColID)
		keys = append(append([]Sort(nil), keys...), Sort{Column: id})
	}
	return keys
}

// SQL builds the statement and its arguments. Argument values of the cursor
// are converted with the dialect.
func (s *Select) SQL(d dialect.Dialect) (string, []any, error) {
	where, args, err := s.conditions()
	if err != nil {
		return "", nil, err
	}
	cols := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		cols[i] = c.Quoted
	}
	keys := s.Keys()
	if s.After != nil {
		pred, more, err := keyset(d, keys, s.After, len(args))
		if err != nil {
			return "", nil, err
		}
		where = append(where, pred)
		args = append(args, more...)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s FROM %s", strings.Join(cols, ", "), s.Object.Table)
	if len(where) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(where, " AND "))
	}
	b.WriteString(" ORDER BY ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.Column.Quoted)
		b.WriteString(d.NullsOrder(k.Desc))
	}
	limit := s.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	fmt.Fprintf(&b, " LIMIT %d", limit+1)
	return b.String(), args, nil
}

// conditions returns the visibility predicate and the filter, and their
// arguments.
func (s *Select) conditions() ([]string, []any, error) {
	if !s.Visible.set {
		return nil, nil, ErrNoVisibility
	}
	var where []string
	args := append([]any(nil), s.Visible.args...)
	if s.Visible.sql != "" {
		where = append(where, "("+s.Visible.sql+")")
	}
	if s.Where != "" {
		where = append(where, "("+s.Where+")")
		args = append(args, s.WhereArgs...)
	}
	return where, args, nil
}

// CountSQL builds the count of the visible rows matching the filter.
func (s *Select) CountSQL() (string, []any, error) {
	where, args, err := s.conditions()
	if err != nil {
		return "", nil, err
	}
	q := "SELECT count(*) FROM " + s.Object.Table
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q, args, nil
}

// keyset builds the predicate "the row sorts after the cursor", with NULLs
// last in ascending and first in descending order (as NullsOrder sorts).
func keyset(d dialect.Dialect, keys []Sort, c *Cursor, offset int) (string, []any, error) {
	if len(c.Values) != len(keys) {
		return "", nil, fmt.Errorf("%w: the cursor does not belong to this sort", ErrInvalid)
	}
	var args []any
	phs := make([]string, len(keys))
	for i, k := range keys {
		if c.Values[i] == nil {
			continue
		}
		v, err := d.Arg(k.Column.Type, c.Values[i])
		if err != nil {
			return "", nil, fmt.Errorf("%w: bad cursor: %v", ErrInvalid, err)
		}
		args = append(args, v)
		phs[i] = d.Placeholder(offset + len(args))
	}
	var ors []string
	for i := range keys {
		var ands []string
		for j := 0; j < i; j++ {
			if c.Values[j] == nil {
				ands = append(ands, keys[j].Column.Quoted+" IS NULL")
			} else {
				ands = append(ands, keys[j].Column.Quoted+" = "+phs[j])
			}
		}
		col := keys[i].Column.Quoted
		var after string
		switch {
		case !keys[i].Desc && c.Values[i] == nil:
			continue // nothing sorts after NULL ascending
		case !keys[i].Desc:
			after = fmt.Sprintf("(%s > %s OR %s IS NULL)", col, phs[i], col)
		case c.Values[i] == nil:
			after = col + " IS NOT NULL"
		default:
			after = fmt.Sprintf("%s < %s", col, phs[i])
		}
		ands = append(ands, after)
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	if len(ors) == 0 {
		return "1 = 0", args, nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, nil
}
