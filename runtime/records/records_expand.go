package records

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/compiled"
)

// Expansion holds, per expanded lookup field (by API name), the names of
// the records its values point at, by id: only of the records the caller
// may see, of a target object it may read, whose name field it may read.
// A value without a name here is shown as its id alone.
type Expansion map[string]map[string]string

// Name returns the name of the record id that field points at, if the
// caller may know it.
func (e Expansion) Name(field, id string) (string, bool) {
	n, ok := e[field][id]
	return n, ok
}

// ErrNotLookup is wrapped by the error of an expansion of a field that is
// not a lookup (or that the caller may not read).
var ErrNotLookup = fmt.Errorf("%w: not a lookup field", ErrInvalidQuery)

// ExpandField checks that field is a lookup of obj that acc may read (nil:
// every field), for an expansion.
func ExpandField(obj *compiled.Object, acc *compiled.Access, field string) error {
	col, ok := visibleColumn(obj, acc)(field)
	if !ok || col.Field == nil || col.Field.Type != "lookup" {
		return fmt.Errorf("%w: object %q has no lookup field %q", ErrNotLookup, obj.Meta.Name, field)
	}
	return nil
}

// Expand names the records that the lookup fields of recs point at, for
// actor: for each field, one list of the target object through
// recordVisibility (with actor's role's access to the target), so that a
// record actor may not see, or whose name it may not read, stays an id.
// The name is the target's name field, or its id when it has none. mayRead
// reports whether the caller may read a target object at all (an API
// token's scope); nil allows every object the role reads.
func (s *Service) Expand(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, fields []string, recs []Record, mayRead func(*compiled.Object) bool) (Expansion, error) {
	out := Expansion{}
	for _, field := range fields {
		if err := ExpandField(obj, actor.Access, field); err != nil {
			return nil, err
		}
		col, _ := obj.Column(field)
		names := map[string]string{}
		out[field] = names
		target, ok := rev.Object(col.Field.Settings.Target)
		if !ok || mayRead != nil && !mayRead(target) {
			continue
		}
		var acc *compiled.Access
		if actor.Access != nil {
			acc = rev.Access(actor.Role, target.Meta.Name)
			if !acc.Read {
				continue
			}
		}
		nameField := target.Meta.NameField
		if nameField != "" && acc != nil && !acc.CanRead(nameField) {
			continue
		}
		ids := distinctIDs(recs, field)
		if len(ids) == 0 {
			continue
		}
		if err := s.nameRecords(ctx, rev, target, actor, acc, nameField, ids, names); err != nil {
			return nil, fmt.Errorf("records: expand %s.%s: %w", obj.Meta.Name, field, err)
		}
	}
	return out, nil
}

// nameRecords fills names with the name of each record of ids that actor
// may see, reading them as a list, which applies record-level access:
// one query for a page of records (at most query.MaxLimit ids), more for
// more.
func (s *Service) nameRecords(ctx context.Context, rev *compiled.Revision, target *compiled.Object, actor Actor, acc *compiled.Access, nameField string, ids []string, names map[string]string) error {
	read := []string{compiled.ColID}
	if nameField != "" {
		read = append(read, nameField)
	}
	const chunk = 200 // query.MaxLimit
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		quoted := make([]string, len(part))
		for i, id := range part {
			quoted[i] = strconv.Quote(id)
		}
		res, err := s.List(ctx, rev, target, ListQuery{
			Filter: compiled.ColID + " in [" + strings.Join(quoted, ", ") + "]",
			Fields: read, Limit: len(part), User: actor.User(), Access: acc,
		})
		if err != nil {
			return err
		}
		for _, r := range res.Records {
			id := r.ID()
			if nameField == "" {
				names[id] = id
				continue
			}
			names[id] = nameText(r[nameField])
		}
	}
	return nil
}

// distinctIDs returns the valid record ids the field holds in recs, each
// once, in order of appearance.
func distinctIDs(recs []Record, field string) []string {
	seen := map[string]bool{}
	var ids []string
	for _, r := range recs {
		id, _ := r[field].(string)
		if id == "" || seen[id] || !validID(id) {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

// nameText is a name field's value as text ("" for none).
func nameText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []string:
		return strings.Join(v, ";")
	default:
		return fmt.Sprint(v)
	}
}
