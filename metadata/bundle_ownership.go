package metadata

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// What a tenant may customize on a bundle's object (Object.Customizable).
const (
	// CustomizeLabels: labels, plural label, description and the labels of
	// the object's fields.
	CustomizeLabels = "labels"
	// CustomizeHelpText: the help text of the object's fields.
	CustomizeHelpText = "help_text"
	// CustomizePicklistValues: values added to (and relabelled on) the
	// bundle's picklists; none removed.
	CustomizePicklistValues = "picklist_values"
	// CustomizeFields: the tenant's own fields, named custom_*.
	CustomizeFields = "fields"
	// CustomizeRules: the tenant's own validation rules, named custom_*.
	CustomizeRules = "rules"
	// CustomizeActions: the tenant's own record actions and scheduled
	// updates, named custom_*.
	CustomizeActions = "actions"
	// CustomizeLayout: the layout of the record page and forms.
	CustomizeLayout = "layout"
	// CustomizeListViews: the shared list views.
	CustomizeListViews = "list_views"
	// CustomizeRecordTypes, CustomizeSharing, CustomizeTrackHistory: the
	// record types, the sharing default and rules, the tracked fields.
	CustomizeRecordTypes  = "record_types"
	CustomizeSharing      = "sharing"
	CustomizeTrackHistory = "track_history"
)

// CustomizeDefault is what a tenant may customize on a bundle's object that
// says nothing: labels, help text, picklist values, its own fields and
// rules and actions, the layout, the shared list views.
var CustomizeDefault = []string{CustomizeLabels, CustomizeHelpText, CustomizePicklistValues, CustomizeFields, CustomizeRules, CustomizeActions, CustomizeLayout, CustomizeListViews}

// mayCustomize reports whether the tenant may change what of o.
func (o *Object) mayCustomize(what string) bool {
	if len(o.Customizable) == 0 {
		return slices.Contains(CustomizeDefault, what)
	}
	return slices.Contains(o.Customizable, what)
}

// ProblemBundle is a change a bundle does not allow.
const ProblemBundle = "bundle_component"

// CheckOwnership refuses the changes from prev to next that the bundles
// owning the components do not allow, and any change of ownership, except
// for the components of the bundle being installed, upgraded or removed
// (installing is its namespace; "" for a tenant's own change):
//   - a component names its bundle only when an install put it there, and
//     the tenant's own objects and roles never use "__" (bundles' names);
//   - a bundle's components are not deleted (uninstall the bundle) — but a
//     retired field may be, which purges its data;
//   - on a bundle's object, the tenant changes only what Customizable
//     allows: labels, help text, picklist values added, its own fields and
//     rules named custom_*, record types, sharing, tracked fields;
//   - a bundle's roles may include more permission sets, its queues may
//     change members and its processes may be (de)activated; nothing else.
func CheckOwnership(prev, next *Model, installing ...string) Problems {
	var ps Problems
	bad := func(path, format string, args ...any) {
		ps = append(ps, problemf(path, ProblemBundle, format, args...))
	}
	foreign := func(b string) bool { return b != "" && !slices.Contains(installing, b) }
	for _, o := range next.Objects {
		path := "objects." + o.Name
		was := prev.ObjectByID(o.ID)
		if was == nil {
			was = prev.Object(o.Name)
		}
		switch {
		case was == nil && foreign(o.Bundle):
			bad(path+".bundle", "object %q cannot claim bundle %q: only installing the bundle does", o.Name, o.Bundle)
		case was == nil && o.Bundle == "" && strings.Contains(o.Name, "__"):
			bad(path+".name", "names with \"__\" belong to app bundles; name your object without it")
		case was != nil && was.Bundle != o.Bundle && (foreign(was.Bundle) || foreign(o.Bundle)):
			bad(path+".bundle", "object %q belongs to %s; its bundle cannot be changed", o.Name, bundleName(was.Bundle))
		case was != nil && foreign(was.Bundle):
			ps = append(ps, checkBundleObject(was, o, path)...)
		case was != nil && was.Bundle == "":
			for _, f := range o.Fields {
				if foreign(f.Bundle) && was.FieldByID(f.ID) == nil {
					bad(path+".fields."+f.Name+".bundle", "field %q cannot claim bundle %q", f.Name, f.Bundle)
				}
			}
		}
	}
	for _, was := range prev.Objects {
		if foreign(was.Bundle) && next.ObjectByID(was.ID) == nil && next.Object(was.Name) == nil {
			bad("objects."+was.Name, "object %q belongs to %s; uninstall the bundle to remove it", was.Name, bundleName(was.Bundle))
		}
	}
	ps = append(ps, checkOwnedList("roles", prev.Roles, next.Roles, installing, roleKey, func(was, r *Role) bool {
		a, b := *was, *r
		a.PermissionSets, b.PermissionSets = nil, nil
		return reflect.DeepEqual(a, b) && containsAll(r.PermissionSets, was.PermissionSets)
	})...)
	ps = append(ps, checkOwnedList("permission_sets", prev.PermissionSets, next.PermissionSets, installing, setKey, func(was, p *PermissionSet) bool {
		return reflect.DeepEqual(was, p)
	})...)
	ps = append(ps, checkOwnedList("queues", prev.Queues, next.Queues, installing, queueKey, func(was, q *Queue) bool {
		a, b := *was, *q
		a.Roles, a.Users, b.Roles, b.Users = nil, nil, nil, nil
		return reflect.DeepEqual(a, b)
	})...)
	ps = append(ps, checkOwnedList("approval_processes", prev.ApprovalProcesses, next.ApprovalProcesses, installing, processKey, func(was, p *ApprovalProcess) bool {
		a, b := *was, *p
		a.Active, b.Active = nil, nil
		return reflect.DeepEqual(a, b)
	})...)
	return ps
}

func bundleName(ns string) string { return "bundle " + ns }

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// owned is a named component that may belong to a bundle.
type owned interface {
	*Role | *PermissionSet | *Queue | *ApprovalProcess
}

func roleKey(r *Role) (string, string)               { return r.Name, r.Bundle }
func setKey(p *PermissionSet) (string, string)       { return p.Name, p.Bundle }
func queueKey(q *Queue) (string, string)             { return q.Name, q.Bundle }
func processKey(p *ApprovalProcess) (string, string) { return p.Name, p.Bundle }

// checkOwnedList checks one list of named components: claims, "__" names,
// deletions and changes of a foreign bundle's components (same tells
// whether a change is one the bundle allows).
func checkOwnedList[T owned](kind string, prev, next []T, installing []string, key func(T) (string, string), same func(was, now T) bool) []Problem {
	var ps []Problem
	foreign := func(b string) bool { return b != "" && !slices.Contains(installing, b) }
	byName := map[string]T{}
	for _, c := range prev {
		n, _ := key(c)
		byName[n] = c
	}
	seen := map[string]bool{}
	for _, c := range next {
		n, b := key(c)
		seen[n] = true
		path := kind + "." + n
		was, existed := byName[n]
		switch {
		case !existed && foreign(b):
			ps = append(ps, problemf(path+".bundle", ProblemBundle, "%q cannot claim bundle %q: only installing the bundle does", n, b))
		case !existed && b == "" && strings.Contains(n, "__"):
			ps = append(ps, problemf(path+".name", ProblemBundle, "names with \"__\" belong to app bundles; choose another name"))
		case existed:
			_, wb := key(was)
			switch {
			case wb != b && (foreign(wb) || foreign(b)):
				ps = append(ps, problemf(path+".bundle", ProblemBundle, "%q belongs to %s; its bundle cannot be changed", n, bundleName(wb)))
			case foreign(wb) && !same(was, c):
				ps = append(ps, problemf(path, ProblemBundle, "%q belongs to %s, which allows no such change", n, bundleName(wb)))
			}
		}
	}
	for _, c := range prev {
		n, b := key(c)
		if foreign(b) && !seen[n] {
			ps = append(ps, problemf(kind+"."+n, ProblemBundle, "%q belongs to %s; uninstall the bundle to remove it", n, bundleName(b)))
		}
	}
	return ps
}

// checkBundleObject checks a tenant's change of a bundle's object.
func checkBundleObject(was, o *Object, path string) []Problem {
	var ps []Problem
	bad := func(at, format string, args ...any) {
		ps = append(ps, problemf(at, ProblemBundle, format, args...))
	}
	owner := bundleName(was.Bundle)
	if o.Name != was.Name || o.NameField != was.NameField || !slices.Equal(o.Customizable, was.Customizable) {
		bad(path, "object %q belongs to %s: its name, name field and customizable list cannot change", was.Name, owner)
	}
	if !was.mayCustomize(CustomizeLabels) && (!reflect.DeepEqual(o.Label, was.Label) || !reflect.DeepEqual(o.PluralLabel, was.PluralLabel) || !reflect.DeepEqual(o.Description, was.Description)) {
		bad(path+".label", "%s does not let its object %q be relabelled", owner, was.Name)
	}
	if !was.mayCustomize(CustomizeRecordTypes) && !reflect.DeepEqual(o.RecordTypes, was.RecordTypes) {
		bad(path+".record_types", "%s does not let the record types of %q change", owner, was.Name)
	}
	if !was.mayCustomize(CustomizeSharing) && (o.Sharing != was.Sharing || !reflect.DeepEqual(o.SharingRules, was.SharingRules)) {
		bad(path+".sharing", "%s does not let the sharing of %q change", owner, was.Name)
	}
	if !was.mayCustomize(CustomizeLayout) && !reflect.DeepEqual(o.Layout, was.Layout) {
		bad(path+".layout", "%s does not let the layout of %q change", owner, was.Name)
	}
	if !was.mayCustomize(CustomizeListViews) && !reflect.DeepEqual(o.ListViews, was.ListViews) {
		bad(path+".list_views", "%s does not let the list views of %q change", owner, was.Name)
	}
	if !was.mayCustomize(CustomizeTrackHistory) && !slices.Equal(o.TrackHistory, was.TrackHistory) {
		bad(path+".track_history", "%s does not let the tracked fields of %q change", owner, was.Name)
	}
	// Rules: the bundle's stay as they are; the tenant's are custom_*.
	wasRules := map[string]*Rule{}
	for _, r := range was.Rules {
		wasRules[r.Name] = r
	}
	for _, r := range o.Rules {
		w := wasRules[r.Name]
		delete(wasRules, r.Name)
		switch {
		case strings.HasPrefix(r.Name, CustomPrefix):
			if !was.mayCustomize(CustomizeRules) && (w == nil || !reflect.DeepEqual(w, r)) {
				bad(path+".rules."+r.Name, "%s does not let %q have rules of the tenant's", owner, was.Name)
			}
		case w == nil:
			bad(path+".rules."+r.Name, "a rule the tenant adds to %q must be named %s<name>", was.Name, CustomPrefix)
		case !reflect.DeepEqual(w, r):
			bad(path+".rules."+r.Name, "rule %q belongs to %s and cannot change", r.Name, owner)
		}
	}
	for name := range wasRules {
		if !strings.HasPrefix(name, CustomPrefix) {
			bad(path+".rules."+name, "rule %q belongs to %s and cannot be removed", name, owner)
		}
	}
	ps = append(ps, checkCustomList(path+".actions", was.Name, owner, "action", was.mayCustomize(CustomizeActions), was.Actions, o.Actions,
		func(a *RecordAction) string { return a.Name })...)
	ps = append(ps, checkCustomList(path+".schedules", was.Name, owner, "schedule", was.mayCustomize(CustomizeActions), was.Schedules, o.Schedules,
		func(s *Schedule) string { return s.Name })...)
	for _, f := range o.Fields {
		fpath := path + ".fields." + f.Name
		wf := was.FieldByID(f.ID)
		if wf == nil && f.ID == "" {
			wf = was.Field(f.Name)
		}
		switch {
		case wf == nil && f.Bundle != "":
			bad(fpath+".bundle", "field %q cannot claim bundle %q", f.Name, f.Bundle)
		case wf == nil && !strings.HasPrefix(f.Name, CustomPrefix):
			bad(fpath+".name", "a field the tenant adds to %q must be named %s<name>, so that no version of %s collides with it", was.Name, CustomPrefix, owner)
		case wf == nil && !was.mayCustomize(CustomizeFields):
			bad(fpath, "%s does not let %q have fields of the tenant's", owner, was.Name)
		case wf != nil && wf.Bundle != f.Bundle:
			bad(fpath+".bundle", "the bundle of field %q cannot change", f.Name)
		case wf != nil && wf.Bundle != "":
			ps = append(ps, checkBundleField(was, wf, f, fpath, owner)...)
		}
	}
	for _, wf := range was.Fields {
		if wf.Bundle != "" && !wf.Retired && o.FieldByID(wf.ID) == nil && o.Field(wf.Name) == nil {
			bad(path+".fields."+wf.Name, "field %q belongs to %s; uninstall the bundle to remove it", wf.Name, owner)
		}
	}
	return ps
}

// checkCustomList checks a list of named parts of a bundle's object (its
// actions): the bundle's stay as they are, the tenant's are named custom_*
// and allowed when the object lets the tenant add them.
func checkCustomList[T any](path, object, owner, kind string, allowed bool, was, now []T, name func(T) string) []Problem {
	var ps []Problem
	prev := map[string]T{}
	for _, x := range was {
		prev[name(x)] = x
	}
	for _, x := range now {
		n := name(x)
		w, existed := prev[n]
		delete(prev, n)
		switch {
		case strings.HasPrefix(n, CustomPrefix):
			if !allowed && (!existed || !reflect.DeepEqual(w, x)) {
				ps = append(ps, problemf(path+"."+n, ProblemBundle, "%s does not let %q have %ss of the tenant's", owner, object, kind))
			}
		case !existed:
			ps = append(ps, problemf(path+"."+n, ProblemBundle, "an %s the tenant adds to %q must be named %s<name>", kind, object, CustomPrefix))
		case !reflect.DeepEqual(w, x):
			ps = append(ps, problemf(path+"."+n, ProblemBundle, "%s %q belongs to %s and cannot change", kind, n, owner))
		}
	}
	for n := range prev {
		if !strings.HasPrefix(n, CustomPrefix) {
			ps = append(ps, problemf(path+"."+n, ProblemBundle, "%s %q belongs to %s and cannot be removed", kind, n, owner))
		}
	}
	return ps
}

// checkBundleField checks a tenant's change of a bundle's field.
func checkBundleField(o *Object, was, f *Field, fpath, owner string) []Problem {
	a, b := *was, *f
	if o.mayCustomize(CustomizeLabels) {
		a.Label, b.Label = nil, nil
	}
	if o.mayCustomize(CustomizeHelpText) {
		a.HelpText, b.HelpText = nil, nil
	}
	if o.mayCustomize(CustomizePicklistValues) && containsValues(f.Settings.Values, was.Settings.Values) {
		a.Settings.Values, b.Settings.Values = nil, nil
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []Problem{problemf(fpath, ProblemBundle, "field %q belongs to %s: only %s may change", was.Name, owner, strings.Join(o.customizableText(), ", "))}
}

// containsValues reports whether next keeps every picklist value of prev.
func containsValues(next, prev []PicklistValue) bool {
	for _, p := range prev {
		found := false
		for _, n := range next {
			if n.Value == p.Value {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (o *Object) customizableText() []string {
	var out []string
	for _, w := range []string{CustomizeLabels, CustomizeHelpText, CustomizePicklistValues} {
		if o.mayCustomize(w) {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return []string{"nothing"}
	}
	return out
}

// String names a problem list's first entries, for messages.
func (ps Problems) String() string {
	var b strings.Builder
	for i, p := range ps {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(ps)-3)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Path + ": " + p.Message)
	}
	return b.String()
}
