package records

import (
	"context"
	"errors"
	"fmt"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/engine/filter"
	"github.com/mosaic-paas/mosaic/engine/query"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Get reads one record by id, if the actor may see it: a record it may not
// see is ErrNotFound, as one that does not exist.
func (s *Service) Get(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string) (Record, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	return s.readVisible(ctx, s.db, rev, obj, actor, id, ModeRead, false)
}

func (s *Service) getTx(ctx context.Context, q store.Querier, rev *compiled.Revision, obj *compiled.Object, sql string, args ...any) (Record, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("records: read %s: %w", obj.Meta.Name, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("records: read %s: %w", obj.Meta.Name, err)
		}
		return nil, ErrNotFound
	}
	rec, err := scanRecord(rev.Dialect, rows, obj.Columns)
	if err != nil {
		return nil, err
	}
	return rec, rows.Err()
}

// scanRecord reads the current row of cols into a Record. To read many
// rows, a rowScanner made once reuses its holders.
func scanRecord(d dialect.Dialect, rows store.Rows, cols []*compiled.Column) (Record, error) {
	return newRowScanner(d, cols).scan(rows)
}

// ListQuery is what a caller asks of a list.
type ListQuery struct {
	// Filter is an expression in the platform's language ("" for all).
	Filter string
	// Sort is a sort spec such as "-amount,name" ("" for creation order).
	Sort string
	// Fields limits the fields read and returned (nil for all); id and
	// version are always returned, and the records also hold the sort
	// keys.
	Fields []string
	// Limit is the page size (default 50, at most 200).
	Limit int
	// Cursor continues a previous page.
	Cursor string
	// Count asks for the total number of matching records.
	Count bool
	// User is the caller, for $user in filters and for record-level
	// access: the list holds only the records the caller may see.
	User expression.User
	// Access is what the caller's role may do with the object: a field it
	// may not read is, to the filter, the sort and Fields, a field the
	// object does not have. nil means every field and every record
	// (system work).
	Access *compiled.Access
}

// ListResult is one page of records.
type ListResult struct {
	Records    []Record
	NextCursor string
	// Total is set when the query asked for a count.
	Total *int64
}

// ErrInvalidQuery is wrapped by errors in a list's filter, sort, fields or
// cursor.
var ErrInvalidQuery = errors.New("invalid query")

// List reads one page of the records the caller may see matching the
// query.
func (s *Service) List(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, q ListQuery) (*ListResult, error) {
	viewer := Actor{ID: q.User.ID, Role: q.User.Role, Manager: q.User.Manager, Access: q.Access}
	sel := &query.Select{Object: obj, Limit: q.Limit, Visible: recordVisibility(rev, obj, viewer, ModeRead).restrict()}
	if sel.Limit > query.MaxLimit {
		return nil, fmt.Errorf("%w: limit may be at most %d", ErrInvalidQuery, query.MaxLimit)
	}
	if sel.Limit < 0 {
		return nil, fmt.Errorf("%w: limit must be positive", ErrInvalidQuery)
	}
	if sel.Limit == 0 {
		sel.Limit = query.DefaultLimit
	}
	resolve := visibleColumn(obj, q.Access)
	for _, f := range q.Fields {
		if _, ok := resolve(f); !ok {
			return nil, fmt.Errorf("%w: object %q has no field %q", ErrInvalidQuery, obj.Meta.Name, f)
		}
	}
	if q.Filter != "" {
		w, err := filter.Translate(q.Filter, VisibleFilterColumns(obj, q.Access), filter.Options{Dialect: rev.Dialect, Now: s.now(), User: q.User, ArgOffset: sel.Visible.Args()})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
		}
		sel.Where, sel.WhereArgs = w.SQL, w.Args
	}
	sorts, err := query.ParseSort(q.Sort, resolve)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	sel.Sorts = sorts
	keys := sel.Keys()
	cols := selectColumns(obj, q.Fields, keys)
	sel.Columns = cols
	if q.Cursor != "" {
		c, err := query.DecodeCursor(q.Cursor, q.Sort, keys)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
		}
		sel.After = c
	}
	sqlText, args, err := sel.SQL(rev.Dialect)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	rows, err := s.db.Query(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("records: list %s: %w", obj.Meta.Name, err)
	}
	defer rows.Close()
	res := &ListResult{Records: make([]Record, 0, sel.Limit+1)}
	scanner := newRowScanner(rev.Dialect, cols)
	for rows.Next() {
		rec, err := scanner.scan(rows)
		if err != nil {
			return nil, err
		}
		res.Records = append(res.Records, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("records: list %s: %w", obj.Meta.Name, err)
	}
	if len(res.Records) > sel.Limit {
		res.Records = res.Records[:sel.Limit]
		last := res.Records[sel.Limit-1]
		res.NextCursor, err = query.EncodeCursor(q.Sort, keys, last)
		if err != nil {
			return nil, err
		}
	}
	if q.Count {
		cq, cargs, err := sel.CountSQL()
		if err != nil {
			return nil, err
		}
		var n int64
		if err := s.db.QueryRow(ctx, cq, cargs...).Scan(&n); err != nil {
			return nil, fmt.Errorf("records: count %s: %w", obj.Meta.Name, err)
		}
		res.Total = &n
	}
	return res, nil
}

// selectColumns returns the columns a list reads, in the object's order:
// every column when no fields are named, else id, version, the named fields
// and the sort keys, whose values make the next cursor.
func selectColumns(obj *compiled.Object, fields []string, keys []query.Sort) []*compiled.Column {
	if len(fields) == 0 {
		return obj.Columns
	}
	keep := make([]bool, len(obj.Columns))
	for _, name := range append([]string{compiled.ColID, compiled.ColVersion}, fields...) {
		if c, ok := obj.Column(name); ok {
			keep[c.Index] = true
		}
	}
	for _, k := range keys {
		keep[k.Column.Index] = true
	}
	cols := make([]*compiled.Column, 0, len(fields)+len(keys)+2)
	for i, c := range obj.Columns {
		if keep[i] {
			cols = append(cols, c)
		}
	}
	return cols
}

// FilterColumns adapts a compiled object to the filter's column resolver:
// every field and system column may be filtered on.
func FilterColumns(obj *compiled.Object) filter.Columns { return columns{obj, nil} }

// VisibleFilterColumns is FilterColumns limited to the columns a role may
// read (acc; nil for all): the others do not exist for the filter.
func VisibleFilterColumns(obj *compiled.Object, acc *compiled.Access) filter.Columns {
	return columns{obj, acc}
}

// visibleColumn resolves the columns of obj that acc may read (every one
// when acc is nil).
func visibleColumn(obj *compiled.Object, acc *compiled.Access) func(string) (*compiled.Column, bool) {
	if acc == nil {
		return obj.Column
	}
	return func(name string) (*compiled.Column, bool) {
		col, ok := obj.Column(name)
		if !ok || !acc.CanRead(name) {
			return nil, false
		}
		return col, true
	}
}

type columns struct {
	obj *compiled.Object
	acc *compiled.Access
}

func (c columns) Column(name string) (filter.Column, bool) {
	col, ok := visibleColumn(c.obj, c.acc)(name)
	if !ok {
		return filter.Column{}, false
	}
	return filter.Column{Name: col.Name, SQL: col.Quoted, Field: col.Field, Type: col.Type}, true
}
