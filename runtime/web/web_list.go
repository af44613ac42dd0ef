package web

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/filter"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// The list page of an object (GET /o/:object): chosen columns, sorting by a
// column, a filter builder that writes an expression in the platform's
// filter language, quick search on the name field, cursor pagination, a
// count, and saved views. Its state is the query string alone, so that
// every link and the plain GET form carry it. A personal view is that
// string, kept for its user (store.ListView); a shared view is metadata of
// the object (metadata.ListView: columns, filter, sort), saved by an
// administrator as a new revision. The view parameter names either: a
// shared view by its API name, a personal one by its id (a UUID, which no
// API name is).

func init() {
	register(func(h *Handler, r fiber.Router) {
		r.Get("/o/:object", h.listPage)
		r.Post("/list-views/:object", h.saveListView)
		r.Post("/list-views/:object/:view/delete", h.deleteListView)
	})
	addMessages(listMessages)
}

// Limits of a list's state: the builder's rows (blank ones are dropped)
// and the columns chosen.
const (
	listBuilderRows = 3
	listMaxConds    = 20
	listMaxCols     = 30
	// listDefaultCols is how many fields follow the name field when no
	// columns are chosen.
	listDefaultCols = 6
	// listResultsID is the id of the results region that htmx swaps.
	listResultsID = "list-results"
)

// Query parameters of the list page.
const (
	listParamCol    = "col"
	listParamSort   = "sort"
	listParamField  = "ff"
	listParamOp     = "fo"
	listParamValue  = "fv"
	listParamExpr   = "expr"
	listParamSearch = "q"
	listParamCursor = "cursor"
	listParamView   = "view"
)

// listState is what a list shows, as its query string says.
type listState struct {
	Cols   []string
	Sort   string
	Conds  []listCond
	Expr   string
	Search string
	Cursor string
	View   string
}

// listCond is one row of the filter builder: field · operator · value.
type listCond struct {
	Field, Op, Value string
}

// parseListState reads a list's state from query values.
func parseListState(v url.Values) listState {
	s := listState{
		Sort:   strings.TrimSpace(v.Get(listParamSort)),
		Expr:   strings.TrimSpace(v.Get(listParamExpr)),
		Search: strings.TrimSpace(v.Get(listParamSearch)),
		Cursor: v.Get(listParamCursor),
		View:   v.Get(listParamView),
	}
	seen := map[string]bool{}
	for _, c := range v[listParamCol] {
		for _, name := range strings.Split(c, ",") {
			name = strings.TrimSpace(name)
			if name != "" && !seen[name] && len(s.Cols) < listMaxCols {
				seen[name] = true
				s.Cols = append(s.Cols, name)
			}
		}
	}
	fields, ops, values := v[listParamField], v[listParamOp], v[listParamValue]
	for i, f := range fields {
		if f == "" || len(s.Conds) == listMaxConds {
			continue
		}
		c := listCond{Field: f}
		if i < len(ops) {
			c.Op = ops[i]
		}
		if i < len(values) {
			c.Value = values[i]
		}
		s.Conds = append(s.Conds, c)
	}
	return s
}

// values encodes the state as query values, without the cursor and the
// view unless asked.
func (s listState) values(cursor, view bool) url.Values {
	v := url.Values{}
	for _, c := range s.Cols {
		v.Add(listParamCol, c)
	}
	if s.Sort != "" {
		v.Set(listParamSort, s.Sort)
	}
	for _, c := range s.Conds {
		v.Add(listParamField, c.Field)
		v.Add(listParamOp, c.Op)
		v.Add(listParamValue, c.Value)
	}
	if s.Expr != "" {
		v.Set(listParamExpr, s.Expr)
	}
	if s.Search != "" {
		v.Set(listParamSearch, s.Search)
	}
	if cursor && s.Cursor != "" {
		v.Set(listParamCursor, s.Cursor)
	}
	if view && s.View != "" {
		v.Set(listParamView, s.View)
	}
	return v
}

// href is the list's address with the state.
func (s listState) href(object string, cursor, view bool) string {
	q := s.values(cursor, view).Encode()
	if q == "" {
		return "/o/" + url.PathEscape(object)
	}
	return "/o/" + url.PathEscape(object) + "?" + q
}

// The kinds of field the filter builder offers operators for.
const (
	listKindText     = "text"
	listKindOrdered  = "ordered"
	listKindBool     = "bool"
	listKindPicklist = "picklist"
	listKindMulti    = "multi"
	listKindLookup   = "lookup"
)

// The builder's operators, by key, each for one kind of field; the list's
// select groups them by kind.
var listOperators = []struct {
	Key, Kind string
}{
	{"eq", listKindText}, {"ne", listKindText}, {"contains", listKindText}, {"startswith", listKindText},
	{"num_eq", listKindOrdered}, {"num_ne", listKindOrdered}, {"lt", listKindOrdered}, {"le", listKindOrdered}, {"gt", listKindOrdered}, {"ge", listKindOrdered},
	{"true", listKindBool}, {"false", listKindBool},
	{"is", listKindPicklist}, {"isnot", listKindPicklist}, {"in", listKindPicklist},
	{"includes", listKindMulti},
	{"id", listKindLookup}, {"empty", listKindLookup},
}

// listKinds are the kinds of field in the order the builder groups their
// operators.
var listKinds = []string{listKindText, listKindOrdered, listKindBool, listKindPicklist, listKindMulti, listKindLookup}

// listEqualOps and listUnequalOps are the operators that mean "equals" and "not
// equals" for one kind or another: a form sent without the script that
// narrows the choices may pair one with a field of another kind, and it
// means the same there.
var (
	listEqualOps   = map[string]string{listKindText: "eq", listKindOrdered: "num_eq", listKindPicklist: "is", listKindLookup: "id"}
	listUnequalOps = map[string]string{listKindText: "ne", listKindOrdered: "num_ne", listKindPicklist: "isnot"}
)

// listOperatorFor is op as it applies to a field of kind, or "" when it does
// not.
func listOperatorFor(op, kind string) string {
	for _, o := range listOperators {
		if o.Key == op && o.Kind == kind {
			return op
		}
	}
	for _, ops := range []map[string]string{listEqualOps, listUnequalOps} {
		for _, k := range ops {
			if k == op {
				return ops[kind]
			}
		}
	}
	return ""
}

// listKindOf is the kind of field f is to the filter builder.
func listKindOf(f *metadata.Field) string {
	vf := f.ValueField()
	switch vf.Type {
	case "picklist":
		return listKindPicklist
	case "multi_picklist":
		return listKindMulti
	case "lookup":
		return listKindLookup
	}
	switch vf.Kind() {
	case metadata.KindDecimal, metadata.KindInteger, metadata.KindDate, metadata.KindDateTime:
		return listKindOrdered
	case metadata.KindBool:
		return listKindBool
	case metadata.KindStrings:
		return listKindMulti
	case metadata.KindID:
		return listKindLookup
	}
	return listKindText
}

// listQuote writes s as a text literal of the filter language: quotes,
// backslashes and control characters escaped, so that a value can never
// end the literal.
func listQuote(s string) string { return strconv.Quote(strings.ToValidUTF8(s, "")) }

var listNumber = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// listError is a problem of the list's state shown to the user.
type listError struct{ msg string }

func (e *listError) Error() string { return e.msg }

// listCondExpr writes one builder row as a filter expression.
func listCondExpr(l, label string, f *metadata.Field, c listCond) (string, error) {
	kind := listKindOf(f)
	op := listOperatorFor(c.Op, kind)
	if op == "" {
		return "", &listError{T(l, "list.err_operator", label)}
	}
	name := f.Name
	switch op {
	case "true":
		return name, nil
	case "false":
		return "!" + name, nil
	case "empty":
		return name + " == nil", nil
	}
	value := strings.TrimSpace(c.Value)
	if value == "" {
		return "", &listError{T(l, "list.err_value", label)}
	}
	switch kind {
	case listKindText:
		switch op {
		case "contains":
			return name + " contains " + listQuote(value), nil
		case "startswith":
			return name + " startsWith " + listQuote(value), nil
		}
		return name + " " + listComparison(op) + " " + listQuote(value), nil
	case listKindOrdered:
		lit, err := listOrderedLiteral(l, label, f, value)
		if err != nil {
			return "", err
		}
		return name + " " + listComparison(op) + " " + lit, nil
	case listKindPicklist:
		if op == "in" {
			var items []string
			for _, part := range strings.Split(value, ",") {
				if part = strings.TrimSpace(part); part != "" {
					items = append(items, listQuote(listPicklistValue(f, part)))
				}
			}
			if len(items) == 0 {
				return "", &listError{T(l, "list.err_value", label)}
			}
			return name + " in [" + strings.Join(items, ", ") + "]", nil
		}
		return name + " " + listComparison(op) + " " + listQuote(listPicklistValue(f, value)), nil
	case listKindMulti:
		return "INCLUDES(" + name + ", " + listQuote(listPicklistValue(f, value)) + ")", nil
	case listKindLookup:
		return name + " == " + listQuote(value), nil
	}
	return "", &listError{T(l, "list.err_operator", label)}
}

func listComparison(op string) string {
	switch op {
	case "ne", "num_ne", "isnot":
		return "!="
	case "lt":
		return "<"
	case "le":
		return "<="
	case "gt":
		return ">"
	case "ge":
		return ">="
	}
	return "=="
}

// listOrderedLiteral is a value typed for a number, date or datetime field as
// a literal of the filter language.
func listOrderedLiteral(l, label string, f *metadata.Field, value string) (string, error) {
	switch f.ValueField().Kind() {
	case metadata.KindDate:
		if _, err := time.Parse(time.DateOnly, value); err != nil {
			return "", &listError{T(l, "list.err_date", label)}
		}
		return listQuote(value), nil
	case metadata.KindDateTime:
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
			if t, err := time.Parse(layout, value); err == nil {
				return listQuote(t.UTC().Format(time.RFC3339)), nil
			}
		}
		return "", &listError{T(l, "list.err_datetime", label)}
	}
	v := strings.ReplaceAll(value, "_", "")
	if strings.HasSuffix(v, "%") && f.ValueField().Type == "percent" {
		v = strings.TrimSpace(strings.TrimSuffix(v, "%"))
	}
	if !listNumber.MatchString(v) {
		return "", &listError{T(l, "list.err_number", label)}
	}
	return strings.TrimPrefix(v, "+"), nil
}

// listPicklistValue is the picklist value a user typed: a value itself, else
// the value whose label (in any language) it is.
func listPicklistValue(f *metadata.Field, typed string) string {
	vf := f.ValueField()
	for _, pv := range vf.Settings.Values {
		if pv.Value == typed {
			return typed
		}
	}
	for _, pv := range vf.Settings.Values {
		for _, label := range pv.Label {
			if strings.EqualFold(label, typed) {
				return pv.Value
			}
		}
	}
	return typed
}

// listSearchExpr is the quick search on the name field: contains the text as
// typed or in lower, upper or title case (the filter language compares
// texts case-sensitively and has no case folding).
func listSearchExpr(nameField, text string) string {
	variants := []string{text, strings.ToLower(text), strings.ToUpper(text), listTitleCase(text)}
	seen := map[string]bool{}
	var parts []string
	for _, v := range variants {
		if !seen[v] {
			seen[v] = true
			parts = append(parts, nameField+" contains "+listQuote(v))
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// listTitleCase upper-cases the first letter of each word and lowers the rest.
func listTitleCase(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			start = true
			b.WriteRune(r)
		case start:
			b.WriteRune(unicode.ToUpper(r))
			start = false
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// listColumn is a column of the table.
type listColumn struct {
	Name, Label string
	Field       *metadata.Field
	Num         bool
	Sortable    bool
	// SortHref sorts by the column (descending when it already sorts
	// ascending); AriaSort is "ascending" or "descending" for the column
	// the list is sorted by.
	SortHref, AriaSort string
}

// listCell is one value shown.
type listCell struct {
	Label, Text, Href, Class string
}

// listRow is one record shown: its id, the address of its record page
// and its cells in column order.
type listRow struct {
	ID, Href string
	Cells    []listCell
}

// listField is a field the filter builder offers.
type listField struct {
	Name, Label, Kind string
}

// listOp is an operator choice of the builder.
type listOp struct {
	Key, Label string
}

// listOpGroup is the operators of one kind of field.
type listOpGroup struct {
	Kind, Label string
	Ops         []listOp
}

// listCondRow is one row of the builder as shown.
type listCondRow struct {
	N                int
	Field, Op, Value string
}

// listChoice is a column the user may show.
type listChoice struct {
	Name, Label string
	Checked     bool
}

// listViewItem is a saved view in the picker.
type listViewItem struct {
	ID, Name  string
	Shared    bool
	Deletable bool
	Selected  bool
}

// listData is what list.html shows.
type listData struct {
	Object, Label, Plural, Action string
	Columns                       []listColumn
	Rows                          []listRow
	// IDColumn is true when the records have no readable name: a first
	// column links to each by id.
	IDColumn     bool
	Total        int64
	HasTotal     bool
	NextHref     string
	FirstHref    string
	Paged        bool
	Fields       []listField
	OpGroups     []listOpGroup
	Conds        []listCondRow
	Expr, Search string
	SearchField  string
	Filter       string
	Sort         string
	Choices      []listChoice
	Views        []listViewItem
	ViewID       string
	Query        string
	CanCreate    bool
	IsAdmin      bool
	// Error is a problem with the filter, the sort or the cursor; ErrorAt
	// says where it is shown: "builder", "expr" or "query".
	Error, ErrorAt string
	// Fragment is true when only the results region is rendered (htmx).
	Fragment bool
}

// listPage shows one page of the records of an object the user may see.
func (h *Handler) listPage(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	l, langs := lang(c), languages(c)
	acc := access(c, rev, obj)
	who := actor(c, rev, obj)
	id := identity(c)
	raw, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, T(l, "list.err_query"))
	}
	st := parseListState(raw)
	if st.View != "" {
		cursor, view := st.Cursor, st.View
		if sv := obj.Meta.ListView(st.View); sv != nil {
			st = sharedListState(sv, obj, acc)
		} else {
			v, err := store.ListViewByID(ctx, h.srv.DB(), id.Tenant.ID, obj.Meta.ID, id.User.ID, st.View)
			if errors.Is(err, store.ErrNotFound) {
				return fiber.NewError(fiber.StatusNotFound, T(l, "list.no_view"))
			}
			if err != nil {
				return err
			}
			saved, _ := url.ParseQuery(v.Query)
			st = parseListState(saved)
		}
		st.Cursor, st.View = cursor, view
	}

	d := &listData{
		Object: obj.Meta.Name, Label: Label(obj.Meta, langs), Plural: PluralLabel(obj.Meta, langs),
		Action: "/o/" + url.PathEscape(obj.Meta.Name), Expr: st.Expr, Search: st.Search, Sort: st.Sort,
		CanCreate: acc.Create, IsAdmin: id.IsAdmin(), ViewID: st.View,
		Fragment: c.Get("HX-Request") != "" && c.Get("HX-Target") == listResultsID,
	}
	readable := listReadableFields(obj, acc)
	byName := map[string]*metadata.Field{}
	for _, f := range readable {
		byName[f.Name] = f
		d.Fields = append(d.Fields, listField{Name: f.Name, Label: FieldLabel(f, langs), Kind: listKindOf(f)})
	}
	for _, k := range listKinds {
		g := listOpGroup{Kind: k, Label: T(l, "list.kind."+k)}
		for _, o := range listOperators {
			if o.Kind == k {
				g.Ops = append(g.Ops, listOp{Key: o.Key, Label: T(l, "list.op."+o.Key)})
			}
		}
		d.OpGroups = append(d.OpGroups, g)
	}

	// Columns: the name field, then the chosen ones or the default set.
	nameField := byName[obj.Meta.NameField]
	var cols []*metadata.Field
	if nameField != nil {
		cols = append(cols, nameField)
	} else {
		d.IDColumn = true
	}
	chosen := map[string]bool{}
	for _, name := range st.Cols {
		if f := byName[name]; f != nil && f != nameField {
			cols = append(cols, f)
			chosen[name] = true
		}
	}
	if len(chosen) == 0 {
		for _, f := range readable {
			if len(cols) >= listDefaultCols+1 || len(cols) >= listDefaultCols && nameField == nil {
				break
			}
			if f != nameField && f.Type != "long_text" {
				cols = append(cols, f)
				chosen[f.Name] = true
			}
		}
	}
	for _, f := range readable {
		if f != nameField {
			d.Choices = append(d.Choices, listChoice{Name: f.Name, Label: FieldLabel(f, langs), Checked: chosen[f.Name]})
		}
	}
	if nameField != nil && nameField.ValueField().Kind() == metadata.KindText {
		d.SearchField = FieldLabel(nameField, langs)
	}

	// The builder's rows: those of the state, then blank ones.
	for i, cd := range st.Conds {
		d.Conds = append(d.Conds, listCondRow{N: i + 1, Field: cd.Field, Op: cd.Op, Value: cd.Value})
	}
	for n := min(max(listBuilderRows, len(st.Conds)+1), listMaxConds); len(d.Conds) < n; {
		d.Conds = append(d.Conds, listCondRow{N: len(d.Conds) + 1})
	}

	searchOn := ""
	if d.SearchField != "" {
		searchOn = nameField.Name
	}
	d.Filter, d.Error, d.ErrorAt = listFilter(l, langs, byName, searchOn, st,
		records.VisibleFilterColumns(obj, acc), filter.Options{Dialect: rev.Dialect, User: who.User()})

	for _, f := range cols {
		col := listColumn{Name: f.Name, Label: FieldLabel(f, langs), Field: f, Num: listNumeric(f), Sortable: listKindOf(f) != listKindMulti}
		next := st
		next.Cursor, next.View = "", ""
		switch st.Sort {
		case f.Name, "+" + f.Name:
			col.AriaSort, next.Sort = "ascending", "-"+f.Name
		case "-" + f.Name:
			col.AriaSort, next.Sort = "descending", f.Name
		default:
			next.Sort = f.Name
		}
		col.SortHref = next.href(obj.Meta.Name, false, false)
		d.Columns = append(d.Columns, col)
	}

	status := fiber.StatusOK
	if d.Error == "" {
		if err := h.listRecords(c, rev, obj, who, st, d); err != nil {
			if !errors.Is(err, records.ErrInvalidQuery) {
				return err
			}
			d.Error = strings.TrimPrefix(err.Error(), records.ErrInvalidQuery.Error()+": ")
			d.ErrorAt = "query"
		}
	}
	if d.Error != "" {
		status = fiber.StatusUnprocessableEntity
		d.Rows = nil
	}
	first := st
	first.Cursor = ""
	d.FirstHref = first.href(obj.Meta.Name, false, true)
	d.Paged = st.Cursor != ""
	saveState := st
	saveState.Cursor, saveState.View = "", ""
	d.Query = saveState.values(false, false).Encode()

	// The picker: the object's shared views, then the user's own.
	for _, v := range obj.Meta.ListViews {
		if v == nil {
			continue
		}
		label := v.Label.In(langs)
		if label == "" {
			label = v.Name
		}
		d.Views = append(d.Views, listViewItem{ID: v.Name, Name: label, Shared: true, Selected: v.Name == st.View, Deletable: id.IsAdmin()})
	}
	views, err := store.ListViews(ctx, h.srv.DB(), id.Tenant.ID, obj.Meta.ID, id.User.ID)
	if err != nil {
		return err
	}
	for _, v := range views {
		d.Views = append(d.Views, listViewItem{ID: v.ID, Name: v.Name, Selected: v.ID == st.View, Deletable: true})
	}

	if d.Fragment {
		return h.renderFragment(c, "list", "list_results", d)
	}
	return h.render(c, status, "list", d.Plural, d)
}

// sharedListState is the state a shared view shows: its columns, its filter
// as the expression, its sort. Columns the role may not read are skipped
// by the page; so is a sort by such a field, here.
func sharedListState(v *metadata.ListView, obj *compiled.Object, acc *compiled.Access) listState {
	st := listState{Cols: append([]string(nil), v.Columns...), Sort: v.Sort, Expr: v.Filter}
	if name, _ := v.SortColumn(); obj.Meta.Field(name) != nil && !acc.CanRead(name) {
		st.Sort = ""
	}
	return st
}

// listFilter is the list's filter: the builder's rows, the expression and
// the quick search on the field searchOn ("" for none), combined with AND,
// the rows and the expression checked to translate over cols. A problem is
// returned as its message and where it is shown ("builder" or "expr").
func listFilter(l string, langs []string, byName map[string]*metadata.Field, searchOn string, st listState, cols filter.Columns, opt filter.Options) (expr, problem, at string) {
	var parts []string
	for _, cd := range st.Conds {
		f := byName[cd.Field]
		if f == nil {
			problem, at = T(l, "list.err_field", cd.Field), "builder"
			break
		}
		e, err := listCondExpr(l, FieldLabel(f, langs), f, cd)
		if err != nil {
			problem, at = err.Error(), "builder"
			break
		}
		parts = append(parts, e)
	}
	if problem == "" && len(parts) > 0 {
		// The rows' expression is checked alone, so that an error in it
		// (a value a picklist does not have) is shown by the rows.
		built := "(" + strings.Join(parts, ") && (") + ")"
		if _, err := filter.Translate(built, cols, opt); err != nil {
			problem, at = err.Error(), "builder"
		}
	}
	if problem == "" && st.Expr != "" {
		if _, err := filter.Translate(st.Expr, cols, opt); err != nil {
			problem, at = err.Error(), "expr"
		}
		parts = append(parts, st.Expr)
	}
	if st.Search != "" && searchOn != "" {
		parts = append(parts, listSearchExpr(searchOn, st.Search))
	}
	switch len(parts) {
	case 0:
		return "", problem, at
	case 1:
		return parts[0], problem, at
	}
	return "(" + strings.Join(parts, ") && (") + ")", problem, at
}

// listRecords reads the page of records and fills the rows, the count and
// the next page's link.
func (h *Handler) listRecords(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, who records.Actor, st listState, d *listData) error {
	fields := make([]string, 0, len(d.Columns))
	var lookups []string
	for _, col := range d.Columns {
		fields = append(fields, col.Name)
		if col.Field.Type == "lookup" {
			lookups = append(lookups, col.Name)
		}
	}
	res, err := h.srv.Records().List(c.UserContext(), rev, obj, records.ListQuery{
		Filter: d.Filter, Sort: st.Sort, Fields: fields, Cursor: st.Cursor, Count: true,
		User: who.User(), Access: who.Access,
	})
	if err != nil {
		return err
	}
	var x records.Expansion
	if len(lookups) > 0 && len(res.Records) > 0 {
		if x, err = h.srv.Records().Expand(c.UserContext(), rev, obj, who, lookups, res.Records, nil); err != nil {
			return err
		}
	}
	l, langs := lang(c), languages(c)
	for _, rec := range res.Records {
		rid := rec.ID()
		row := listRow{ID: rid, Href: "/o/" + url.PathEscape(obj.Meta.Name) + "/" + url.PathEscape(rid)}
		for i, col := range d.Columns {
			cell := listCell{Label: col.Label}
			cell.Text, cell.Href = listDisplay(l, langs, col.Field, rec[col.Name], x)
			if col.Num {
				cell.Class = "num"
			}
			if i == 0 && !d.IDColumn {
				cell.Href = row.Href
				if cell.Text == "" {
					cell.Text = rid
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		d.Rows = append(d.Rows, row)
	}
	if res.Total != nil {
		d.Total, d.HasTotal = *res.Total, true
	}
	if res.NextCursor != "" {
		next := st
		next.Cursor = res.NextCursor
		d.NextHref = next.href(obj.Meta.Name, true, true)
	}
	return nil
}

// listReadableFields are the fields of obj the role may read, in order.
func listReadableFields(obj *compiled.Object, acc *compiled.Access) []*metadata.Field {
	var out []*metadata.Field
	for _, f := range obj.Meta.Fields {
		if f.Retired || !acc.CanRead(f.Name) {
			continue
		}
		if _, ok := obj.Column(f.Name); !ok {
			continue
		}
		out = append(out, f)
	}
	return out
}

// listNumeric reports whether f's values are numbers (right-aligned).
func listNumeric(f *metadata.Field) bool {
	switch f.ValueField().Kind() {
	case metadata.KindDecimal, metadata.KindInteger:
		return true
	}
	return false
}

// listDisplay is a value as users read it, with the address it links to
// (a lookup's record).
func listDisplay(l string, langs []string, f *metadata.Field, v any, x records.Expansion) (text, href string) {
	if v == nil {
		return "", ""
	}
	vf := f.ValueField()
	switch v := v.(type) {
	case decimal.Decimal:
		scale := int32(-1)
		if dt, ok := f.TypeOf().(metadata.DecimalType); ok {
			_, s := dt.PrecisionScale(f)
			scale = int32(s)
		}
		s := v.String()
		if scale >= 0 {
			s = v.StringFixed(scale)
		}
		if vf.Type == "percent" {
			s += "%"
		}
		return s, ""
	case int64:
		return strconv.FormatInt(v, 10), ""
	case bool:
		if v {
			return T(l, "common.yes"), ""
		}
		return T(l, "common.no"), ""
	case time.Time:
		if vf.Kind() == metadata.KindDate {
			return v.UTC().Format(time.DateOnly), ""
		}
		return v.UTC().Format("2006-01-02 15:04"), ""
	case []string:
		labels := make([]string, len(v))
		for i, s := range v {
			labels[i] = listPicklistLabel(vf, s, langs)
		}
		return strings.Join(labels, ", "), ""
	case string:
		switch vf.Type {
		case "picklist":
			return listPicklistLabel(vf, v, langs), ""
		case "lookup":
			target := "/o/" + url.PathEscape(vf.Settings.Target) + "/" + url.PathEscape(v)
			if name, ok := x.Name(f.Name, v); ok && name != "" {
				return name, target
			}
			return v, target
		}
		return v, ""
	}
	return fmt.Sprint(v), ""
}

// listPicklistLabel is a picklist value's label in the languages, else the
// value.
func listPicklistLabel(f *metadata.Field, value string, langs []string) string {
	for _, pv := range f.Settings.Values {
		if pv.Value == value {
			if label := pv.Label.In(langs); label != "" {
				return label
			}
			break
		}
	}
	return value
}

// saveListView saves the list's state as a view: personal, or shared when
// an administrator asks.
func (h *Handler) saveListView(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	l, id := lang(c), identity(c)
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || utf8.RuneCountInString(name) > store.MaxListViewName {
		return fiber.NewError(fiber.StatusUnprocessableEntity, T(l, "list.err_view_name", store.MaxListViewName))
	}
	shared := c.FormValue("shared") != ""
	if shared && !id.IsAdmin() {
		return fiber.NewError(fiber.StatusForbidden, T(l, "err.forbidden"))
	}
	raw, err := url.ParseQuery(c.FormValue("query"))
	if err != nil || len(c.FormValue("query")) > store.MaxListViewQuery {
		return fiber.NewError(fiber.StatusUnprocessableEntity, T(l, "list.err_query"))
	}
	st := parseListState(raw)
	st.Cursor, st.View = "", ""
	if shared {
		return h.saveSharedListView(c, rev, obj, name, st)
	}
	v, err := store.InsertListView(c.UserContext(), h.srv.DB(), store.ListView{TenantID: id.Tenant.ID, UserID: id.User.ID,
		ObjectID: obj.Meta.ID, Name: name, Query: st.values(false, false).Encode()})
	if err != nil {
		return err
	}
	return c.Redirect("/o/"+url.PathEscape(obj.Meta.Name)+"?"+listParamView+"="+url.QueryEscape(v.ID), fiber.StatusSeeOther)
}

// saveSharedListView writes the list's state into the object's metadata as
// a shared view, making a new revision: the columns chosen, one filter of
// the builder's rows, the expression and the quick search, and the sort.
// The label is in the user's language; a shared view that already has it
// there is replaced, else the view is named after it (listViewName).
func (h *Handler) saveSharedListView(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, label string, st listState) error {
	l, langs := lang(c), languages(c)
	acc := access(c, rev, obj)
	byName := map[string]*metadata.Field{}
	for _, f := range listReadableFields(obj, acc) {
		byName[f.Name] = f
	}
	searchOn := ""
	if nf := byName[obj.Meta.NameField]; nf != nil && nf.ValueField().Kind() == metadata.KindText {
		searchOn = nf.Name
	}
	expr, problem, _ := listFilter(l, langs, byName, searchOn, st,
		records.VisibleFilterColumns(obj, acc), filter.Options{Dialect: rev.Dialect, User: actor(c, rev, obj).User()})
	if problem != "" {
		return fiber.NewError(fiber.StatusUnprocessableEntity, problem)
	}
	view := &metadata.ListView{Name: listViewName(obj.Meta, l, label), Filter: expr, Sort: strings.TrimPrefix(st.Sort, "+")}
	for _, col := range st.Cols {
		if byName[col] != nil {
			view.Columns = append(view.Columns, col)
		}
	}
	object := obj.Meta.Name
	_, err := h.change(c, metaChange{Summary: fmt.Sprintf("save list view %s.%s", object, view.Name), Object: object}, func(m *metadata.Model) error {
		o := m.Object(object)
		if o == nil {
			return notFound(c)
		}
		view.Label = metadata.Text{l: label}
		if old := o.ListView(view.Name); old != nil {
			for k, s := range old.Label {
				if k != l {
					view.Label[k] = s
				}
			}
			*old = *view
			return nil
		}
		o.ListViews = append(o.ListViews, view)
		return nil
	})
	if err != nil {
		return refused(err, listRefusal)
	}
	return c.Redirect("/o/"+url.PathEscape(object)+"?"+listParamView+"="+url.QueryEscape(view.Name), fiber.StatusSeeOther)
}

// listViewName is the API name of the object's shared view labelled label
// in language l: that of the view with that label, if there is one; else
// the label's letters and digits joined by "_" ("Big deals" → big_deals,
// "view" when it has none), made unique among the object's views.
func listViewName(o *metadata.Object, l, label string) string {
	for _, v := range o.ListViews {
		if v != nil && v.Label[l] == label {
			return v.Name
		}
	}
	words := strings.FieldsFunc(strings.ToLower(label), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	base := strings.Join(words, "_")
	if base == "" || base[0] < 'a' || metadata.IsReservedName(base) {
		base = strings.TrimSuffix("view_"+base, "_")
	}
	// Room for a suffix within metadata.MaxFieldNameLength.
	if len(base) > metadata.MaxFieldNameLength-4 {
		base = strings.TrimSuffix(base[:metadata.MaxFieldNameLength-4], "_")
	}
	name := base
	for n := 2; o.ListView(name) != nil; n++ {
		name = fmt.Sprintf("%s_%d", base, n)
	}
	return name
}

// listRefusal is a refused change of a shared view, shown as the error
// page: the problems' messages.
func listRefusal(ps metadata.Problems) error {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return fiber.NewError(fiber.StatusUnprocessableEntity, strings.Join(msgs, "\n"))
}

// deleteListView deletes a view: one's own, or a shared one as an
// administrator (a new revision without it).
func (h *Handler) deleteListView(c *fiber.Ctx) error {
	_, obj, err := h.object(c)
	if err != nil {
		return err
	}
	l, id := lang(c), identity(c)
	object, name := obj.Meta.Name, c.Params("view")
	if obj.Meta.ListView(name) != nil {
		if !id.IsAdmin() {
			return fiber.NewError(fiber.StatusForbidden, T(l, "err.forbidden"))
		}
		_, err := h.change(c, metaChange{Summary: fmt.Sprintf("delete list view %s.%s", object, name), Object: object}, func(m *metadata.Model) error {
			o := m.Object(object)
			if o == nil || o.ListView(name) == nil {
				return fiber.NewError(fiber.StatusNotFound, T(l, "list.no_view"))
			}
			o.ListViews = slices.DeleteFunc(o.ListViews, func(v *metadata.ListView) bool { return v != nil && v.Name == name })
			if len(o.ListViews) == 0 {
				o.ListViews = nil
			}
			return nil
		})
		if err != nil {
			return refused(err, listRefusal)
		}
		return c.Redirect("/o/"+url.PathEscape(object), fiber.StatusSeeOther)
	}
	err = store.DeleteListView(c.UserContext(), h.srv.DB(), id.Tenant.ID, obj.Meta.ID, id.User.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, T(l, "list.no_view"))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/o/"+url.PathEscape(object), fiber.StatusSeeOther)
}

// listMessages are the list page's strings.
var listMessages = map[string][2]string{
	"list.id":             {"Record", "记录"},
	"list.empty":          {"No records match.", "没有匹配的记录。"},
	"list.filter":         {"Filter", "筛选"},
	"list.filter_help":    {"Conditions are combined with AND.", "所有条件须同时满足（AND）。"},
	"list.field":          {"Field %d", "字段 %d"},
	"list.operator":       {"Operator %d", "运算符 %d"},
	"list.value":          {"Value %d", "值 %d"},
	"list.any_field":      {"— field —", "— 字段 —"},
	"list.add_condition":  {"Add condition", "添加条件"},
	"list.advanced":       {"Advanced: filter expression", "高级：筛选表达式"},
	"list.expr_help":      {"An expression in the filter language, combined with the conditions above, e.g. amount > 1000 && stage != \"Lost\".", "筛选语言的表达式，与上面的条件同时生效，例如 amount > 1000 && stage != \"Lost\"。"},
	"list.current_filter": {"Current filter", "当前筛选"},
	"list.search":         {"Search %s", "搜索%s"},
	"list.columns":        {"Columns", "列"},
	"list.clear":          {"Clear", "清除"},
	"list.view":           {"View", "视图"},
	"list.all":            {"— all records —", "— 全部记录 —"},
	"list.shared":         {"shared", "共享"},
	"list.save_view":      {"Save view", "保存视图"},
	"list.view_name":      {"View name", "视图名称"},
	"list.share":          {"Share with everyone", "与所有人共享"},
	"list.share_help":     {"A shared view is part of the object's metadata: saving or deleting it makes a new revision. Saving under the label of a shared view replaces it.", "共享视图属于对象的元数据：保存或删除会生成新的修订版本。使用已有共享视图的名称保存会替换该视图。"},
	"list.delete_view":    {"Delete view %s", "删除视图 %s"},
	"list.no_view":        {"There is no such view.", "没有该视图。"},
	"list.sort_by":        {"Sort by %s", "按%s排序"},
	"list.pages":          {"Pages", "分页"},
	"list.err_field":      {"There is no field %q to filter on.", "没有可筛选的字段 %q。"},
	"list.err_operator":   {"This operator does not apply to the field %s.", "此运算符不适用于字段 %s。"},
	"list.err_value":      {"Enter a value for %s.", "请为 %s 输入一个值。"},
	"list.err_number":     {"%s: enter a number, such as 1200.50.", "%s：请输入数字，例如 1200.50。"},
	"list.err_date":       {"%s: enter a date as YYYY-MM-DD.", "%s：请按 YYYY-MM-DD 输入日期。"},
	"list.err_datetime":   {"%s: enter a date and time as YYYY-MM-DD HH:MM (UTC).", "%s：请按 YYYY-MM-DD HH:MM（UTC）输入日期时间。"},
	"list.err_query":      {"The address of this list is not valid.", "此列表的地址无效。"},
	"list.err_view_name":  {"Give the view a name of at most %d characters.", "请为视图命名（最多 %d 个字符）。"},
	"list.kind.text":      {"Text", "文本"},
	"list.kind.ordered":   {"Number or date", "数字或日期"},
	"list.kind.bool":      {"Checkbox", "复选框"},
	"list.kind.picklist":  {"Picklist", "选项列表"},
	"list.kind.multi":     {"Multi-select picklist", "多选列表"},
	"list.kind.lookup":    {"Lookup", "查找"},
	"list.op.eq":          {"equals", "等于"},
	"list.op.ne":          {"not equals", "不等于"},
	"list.op.num_eq":      {"=", "="},
	"list.op.num_ne":      {"≠", "≠"},
	"list.op.is":          {"is", "是"},
	"list.op.isnot":       {"is not", "不是"},
	"list.op.id":          {"is (id)", "是（ID）"},
	"list.op.contains":    {"contains", "包含"},
	"list.op.startswith":  {"starts with", "开头是"},
	"list.op.lt":          {"<", "<"},
	"list.op.le":          {"≤", "≤"},
	"list.op.gt":          {">", ">"},
	"list.op.ge":          {"≥", "≥"},
	"list.op.true":        {"is true", "为是"},
	"list.op.false":       {"is false", "为否"},
	"list.op.in":          {"is one of (a, b)", "属于（a, b）"},
	"list.op.includes":    {"includes", "包括"},
	"list.op.empty":       {"is empty", "为空"},
}
