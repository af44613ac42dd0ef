package records

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
)

// Dependent picklists and record types are enforced here, on every write
// path, against the whole record after defaults (create) or after merging
// the change into the stored record (update):
//
//   - a dependent picklist's values must be allowed for its controlling
//     field's value in the same record; an empty controlling picklist allows
//     no value (an empty boolean counts as false);
//   - a record of a type that narrows a picklist may only use the type's
//     values;
//   - a record's type is chosen at create and cannot change.
//
// On update, values already stored are not re-judged against metadata that
// changed since they were written: a stored value stays valid until its
// controlling value changes (then the dependent must fit the new one), and
// a record type's narrowing applies to values newly chosen.

// resolveRecordType checks the record type a new record was given, or gives
// it the object's default type. values holds the normalized input.
func resolveRecordType(obj *compiled.Object, values map[string]any, index int) []FieldError {
	o := obj.Meta
	name, _ := values[compiled.ColRecordType].(string)
	if name == "" {
		values[compiled.ColRecordType] = nil
		if rt := o.DefaultRecordType(); rt != nil {
			values[compiled.ColRecordType] = rt.Name
		}
		return nil
	}
	rt := o.RecordType(name)
	var msg string
	switch {
	case len(o.RecordTypes) == 0:
		msg = fmt.Sprintf("object %q has no record types", o.Name)
	case rt == nil:
		msg = fmt.Sprintf("%q is not a record type of %s; choose one of: %s", truncate(name), o.Name, activeTypesText(o))
	case !rt.IsActive():
		msg = fmt.Sprintf("record type %q is inactive and cannot be chosen for new records; choose one of: %s", name, activeTypesText(o))
	default:
		return nil
	}
	return []FieldError{{Index: index, Field: compiled.ColRecordType, Code: metadata.CodeInvalidChoice, Message: msg}}
}

// recordTypeOf returns the record type a record's values name, or nil for
// an untyped record (or a type no longer defined, which narrows nothing).
func recordTypeOf(obj *compiled.Object, values map[string]any) *metadata.RecordType {
	name, _ := values[compiled.ColRecordType].(string)
	if name == "" {
		return nil
	}
	return obj.Meta.RecordType(name)
}

// typeDefault returns the default a record type sets for a picklist field,
// as the field's canonical value.
func typeDefault(rt *metadata.RecordType, f *metadata.Field) (any, bool) {
	if rt == nil {
		return nil, false
	}
	p, ok := rt.Picklists[f.Name]
	if !ok || p.Default == "" {
		return nil, false
	}
	if f.Type == "multi_picklist" {
		return []string{p.Default}, true
	}
	return p.Default, true
}

// fitDefaults drops the default values of picklists (filled by applyDefaults)
// that the record's type or the controlling field's value does not allow:
// a default the user never chose must not make their record invalid. A
// required field so emptied is then reported as missing. Controllers are
// settled before the fields they control.
func fitDefaults(obj *compiled.Object, rt *metadata.RecordType, values map[string]any, filled map[string]bool) {
	if len(filled) == 0 {
		return
	}
	o := obj.Meta
	fields := make([]*metadata.Field, 0, len(filled))
	for _, f := range o.Fields {
		if filled[f.Name] && f.IsPicklist() {
			fields = append(fields, f)
		}
	}
	slices.SortStableFunc(fields, func(a, b *metadata.Field) int { return controllerDepth(o, a) - controllerDepth(o, b) })
	for _, f := range fields {
		items := picklistItems(values[f.Name])
		ok := true
		for _, v := range items {
			if rt != nil && !rt.Allows(f.Name, v) {
				ok = false
			}
		}
		if f.Controller != "" {
			allowed := allowedWith(o, f, values[f.Controller])
			for _, v := range items {
				if !slices.Contains(allowed, v) {
					ok = false
				}
			}
		}
		if !ok {
			delete(values, f.Name)
		}
	}
}

// controllerDepth is the length of a field's controller chain (0 for a
// field without a controller). Validation refuses cycles; the bound only
// guards against a model that skipped it.
func controllerDepth(o *metadata.Object, f *metadata.Field) int {
	n := 0
	for cur := f; cur != nil && cur.Controller != "" && n <= len(o.Fields); cur = o.Field(cur.Controller) {
		n++
	}
	return n
}

// allowedWith lists the values of the dependent picklist f allowed when its
// controlling field has the value cv.
func allowedWith(o *metadata.Object, f *metadata.Field, cv any) []string {
	key, ok := metadata.ControllingKey(o.Field(f.Controller), cv)
	if !ok {
		return nil
	}
	return f.AllowedWith(key)
}

// checkPicklists enforces dependent picklists and record types on a record
// about to be written; prior is the stored record on update, nil on create.
func checkPicklists(obj *compiled.Object, rec, prior Record, index int) []FieldError {
	o := obj.Meta
	var errs []FieldError
	if prior != nil {
		was, _ := prior[compiled.ColRecordType].(string)
		if now, _ := rec[compiled.ColRecordType].(string); now != was {
			errs = append(errs, FieldError{Index: index, Field: compiled.ColRecordType, Code: metadata.CodeReadOnly,
				Message: "a record's type is chosen when it is created and cannot be changed"})
			rec[compiled.ColRecordType] = prior[compiled.ColRecordType]
		}
	}
	if len(o.RecordTypes) == 0 && !hasController(o) {
		return errs
	}
	rt := recordTypeOf(obj, rec)
	for _, col := range obj.FieldColumns() {
		f := col.Field
		if !f.IsPicklist() {
			continue
		}
		items := picklistItems(rec[f.Name])
		if len(items) == 0 {
			continue
		}
		var stored []string
		if prior != nil {
			stored = picklistItems(prior[f.Name])
		}
		if rt != nil {
			if p, narrowed := rt.Picklists[f.Name]; narrowed {
				if bad := disallowed(items, p.Values, stored); len(bad) > 0 {
					errs = append(errs, FieldError{Index: index, Field: f.Name, Code: metadata.CodeInvalidChoice,
						Message: fmt.Sprintf("%s not available for record type %s; allowed: %s",
							quoteValues(bad), typeLabel(rt), allowedText(f, p.Values))})
					continue
				}
			}
		}
		if f.Controller == "" {
			continue
		}
		cf := o.Field(f.Controller)
		cv := rec[f.Controller]
		exempt := stored
		if prior != nil {
			nowKey, nowOK := metadata.ControllingKey(cf, cv)
			wasKey, wasOK := metadata.ControllingKey(cf, prior[f.Controller])
			if nowKey != wasKey || nowOK != wasOK {
				exempt = nil
			}
		}
		allowed := allowedWith(o, f, cv)
		bad := disallowed(items, allowed, exempt)
		if len(bad) == 0 {
			continue
		}
		var msg string
		if key, ok := metadata.ControllingKey(cf, cv); ok {
			shown := fmt.Sprintf("%q", truncate(key))
			if cf.Type == "boolean" {
				shown = key
			}
			msg = fmt.Sprintf("%s not allowed when %s is %s; allowed: %s", quoteValues(bad), labelOf(cf), shown, allowedText(f, allowed))
		} else {
			msg = fmt.Sprintf("%s not allowed while %s is empty; choose %s first", quoteValues(bad), labelOf(cf), labelOf(cf))
		}
		errs = append(errs, FieldError{Index: index, Field: f.Name, Code: metadata.CodeInvalidChoice, Message: msg})
	}
	return errs
}

func hasController(o *metadata.Object) bool {
	for _, f := range o.Fields {
		if f.Controller != "" {
			return true
		}
	}
	return false
}

// picklistItems returns a picklist's value as a list: one item, the chosen
// items of a multi-picklist, none when empty.
func picklistItems(v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			return []string{x}
		}
	case []string:
		return x
	}
	return nil
}

// disallowed returns the items not in allowed and not in exempt.
func disallowed(items, allowed, exempt []string) []string {
	var out []string
	for _, v := range items {
		if !slices.Contains(allowed, v) && !slices.Contains(exempt, v) {
			out = append(out, v)
		}
	}
	return out
}

// maxListed is how many values an error message lists.
const maxListed = 10

// quoteValues names the refused values with the verb that follows them:
// `"a" is` or `"a", "b" are`.
func quoteValues(vals []string) string {
	if len(vals) == 1 {
		return fmt.Sprintf("%q is", truncate(vals[0]))
	}
	return listText(vals) + " are"
}

// allowedText lists the active values of f among allowed, for a message.
func allowedText(f *metadata.Field, allowed []string) string {
	var active []string
	for _, v := range f.Settings.Values {
		if v.IsActive() && slices.Contains(allowed, v.Value) {
			active = append(active, v.Value)
		}
	}
	if len(active) == 0 {
		return "none"
	}
	return listText(active)
}

func listText(vals []string) string {
	quoted := make([]string, 0, maxListed)
	for i, v := range vals {
		if i == maxListed {
			break
		}
		quoted = append(quoted, fmt.Sprintf("%q", truncate(v)))
	}
	text := strings.Join(quoted, ", ")
	if len(vals) > maxListed {
		text += fmt.Sprintf(" … and %d more", len(vals)-maxListed)
	}
	return text
}

func activeTypesText(o *metadata.Object) string {
	var names []string
	for _, rt := range o.RecordTypes {
		if rt.IsActive() {
			names = append(names, rt.Name)
		}
	}
	if len(names) == 0 {
		return "none (every record type is inactive)"
	}
	return listText(names)
}

func typeLabel(rt *metadata.RecordType) string {
	if l := rt.Label.Default(); l != "" && l != rt.Name {
		return fmt.Sprintf("%q (%s)", l, rt.Name)
	}
	return fmt.Sprintf("%q", rt.Name)
}

// truncate shortens a value quoted in a message.
func truncate(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
