package metadata

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// ApplyBundle returns current, a tenant's model, with bundle b installed
// (installed is nil) or upgraded from installed, the bundle's model as its
// previous version was installed. It lists the changes for people and
// refuses collisions with components that are not the bundle's.
//
// An upgrade keeps the tenant's customizations: the tenant's own fields
// and rules on the bundle's objects, and what Customizable lets it change
// (labels, help text, picklist values it added, record types, sharing,
// tracked fields) where the tenant changed them from the installed
// version. A field or object the new version drops is retired: its data
// stays until an administrator deletes the field. Roles keep the
// permission sets the tenant added; queues keep the members the tenant
// gave them; processes keep their active flag when the tenant changed it.
func ApplyBundle(current, installed *Model, b *Bundle) (*Model, []string, Problems) {
	ns := b.Manifest.Namespace
	next := current.Clone()
	in := b.Model.Clone()
	in.Own(ns)
	if installed == nil {
		installed = &Model{}
	}
	var ps Problems
	var changes []string
	collides := func(kind, name, owner string) bool {
		if owner == ns {
			return false
		}
		who := "the tenant's own"
		if owner != "" {
			who = "bundle " + owner + "'s"
		}
		ps = append(ps, problemf(kind+"."+name, ProblemDuplicate, "%s %q collides with %s %s", singular(kind), name, who, singular(kind)))
		return true
	}
	for _, no := range in.Objects {
		co := next.Object(no.Name)
		if co == nil {
			next.Objects = append(next.Objects, no)
			changes = append(changes, fmt.Sprintf("add object %s", no.Name))
			continue
		}
		if collides("objects", no.Name, co.Bundle) {
			continue
		}
		merged, cs := mergeObject(co, installed.Object(no.Name), no)
		changes = append(changes, cs...)
		for i, o := range next.Objects {
			if o == co {
				next.Objects[i] = merged
			}
		}
	}
	for _, old := range installed.Objects {
		if in.Object(old.Name) != nil {
			continue
		}
		co := next.Object(old.Name)
		if co == nil || co.Bundle != ns {
			continue
		}
		for _, f := range co.Fields {
			if f.Bundle == ns && !f.Retired {
				f.Retired = true
			}
		}
		changes = append(changes, fmt.Sprintf("retire object %s: the new version drops it; its fields are retired and their data kept", old.Name))
	}
	// Roles, permission sets, queues and processes: the new version's, with
	// the tenant's additions; those it drops are removed.
	next.Roles, ps, changes = mergeNamed(next.Roles, installed.Roles, in.Roles, ns, "roles", ps, changes, roleKey,
		func(cur, old, nw *Role) *Role {
			for _, s := range cur.PermissionSets {
				if !containsAll(old.PermissionSets, []string{s}) && !containsAll(nw.PermissionSets, []string{s}) {
					nw.PermissionSets = append(nw.PermissionSets, s)
				}
			}
			return nw
		})
	next.PermissionSets, ps, changes = mergeNamed(next.PermissionSets, installed.PermissionSets, in.PermissionSets, ns, "permission_sets", ps, changes, setKey,
		func(_, _, nw *PermissionSet) *PermissionSet { return nw })
	next.Queues, ps, changes = mergeNamed(next.Queues, installed.Queues, in.Queues, ns, "queues", ps, changes, queueKey,
		func(cur, old, nw *Queue) *Queue {
			if !reflect.DeepEqual(cur.Roles, old.Roles) || !reflect.DeepEqual(cur.Users, old.Users) {
				nw.Roles, nw.Users = cur.Roles, cur.Users
			}
			return nw
		})
	next.ApprovalProcesses, ps, changes = mergeNamed(next.ApprovalProcesses, installed.ApprovalProcesses, in.ApprovalProcesses, ns, "approval_processes", ps, changes, processKey,
		func(cur, old, nw *ApprovalProcess) *ApprovalProcess {
			if !reflect.DeepEqual(cur.Active, old.Active) {
				nw.Active = cur.Active
			}
			return nw
		})
	return next, changes, ps
}

// mergeNamed merges one list of named components: the new version's
// replace the current ones (through keep, given the current, the installed
// and the new component), new ones are added, and the bundle's components
// the new version drops are removed.
func mergeNamed[T owned](cur, installed, nw []T, ns, kind string, ps Problems, changes []string, key func(T) (string, string), keep func(cur, old, nw T) T) ([]T, Problems, []string) {
	find := func(list []T, name string) (T, bool) {
		for _, c := range list {
			if n, _ := key(c); n == name {
				return c, true
			}
		}
		var zero T
		return zero, false
	}
	out := make([]T, 0, len(cur)+len(nw))
	for _, c := range cur {
		n, b := key(c)
		if b != ns {
			out = append(out, c)
			continue
		}
		if _, ok := find(nw, n); !ok {
			changes = append(changes, fmt.Sprintf("remove %s %s", singular(kind), n))
		}
	}
	for _, c := range nw {
		n, _ := key(c)
		existing, ok := find(cur, n)
		if !ok {
			out = append(out, c)
			changes = append(changes, fmt.Sprintf("add %s %s", singular(kind), n))
			continue
		}
		if _, b := key(existing); b != ns {
			owner := "the tenant's own"
			if b != "" {
				owner = "bundle " + b + "'s"
			}
			ps = append(ps, problemf(kind+"."+n, ProblemDuplicate, "%q collides with %s", n, owner))
			continue
		}
		old, had := find(installed, n)
		merged := c
		if had {
			merged = keep(existing, old, c)
		}
		if !reflect.DeepEqual(existing, merged) {
			changes = append(changes, fmt.Sprintf("change %s %s", singular(kind), n))
		}
		out = append(out, merged)
	}
	return out, ps, changes
}

// singular names one component of a kind ("approval_processes" →
// "approval process").
func singular(kind string) string {
	switch kind {
	case "approval_processes":
		return "approval process"
	case "permission_sets":
		return "permission set"
	}
	return strings.TrimSuffix(kind, "s")
}

// mergeObject merges the new version nw of a bundle's object into cur, the
// tenant's current one, given old, the installed version (nil if unknown).
func mergeObject(cur, old, nw *Object) (*Object, []string) {
	var changes []string
	m := nw
	m.ID = cur.ID
	if old == nil {
		old = cur
	}
	if cur.mayCustomize(CustomizeLabels) && !(reflect.DeepEqual(cur.Label, old.Label) && reflect.DeepEqual(cur.PluralLabel, old.PluralLabel) && reflect.DeepEqual(cur.Description, old.Description)) {
		m.Label, m.PluralLabel, m.Description = cur.Label, cur.PluralLabel, cur.Description
	}
	if cur.mayCustomize(CustomizeRecordTypes) && !reflect.DeepEqual(cur.RecordTypes, old.RecordTypes) {
		m.RecordTypes = cur.RecordTypes
	}
	if cur.mayCustomize(CustomizeSharing) && (cur.Sharing != old.Sharing || !reflect.DeepEqual(cur.SharingRules, old.SharingRules)) {
		m.Sharing, m.SharingRules = cur.Sharing, cur.SharingRules
	}
	if cur.mayCustomize(CustomizeTrackHistory) && !reflect.DeepEqual(cur.TrackHistory, old.TrackHistory) {
		m.TrackHistory = cur.TrackHistory
	}
	if cur.mayCustomize(CustomizeLayout) && !reflect.DeepEqual(cur.Layout, old.Layout) {
		m.Layout = cur.Layout
	}
	if cur.mayCustomize(CustomizeListViews) && !reflect.DeepEqual(cur.ListViews, old.ListViews) {
		m.ListViews = cur.ListViews
	}
	for _, r := range cur.Rules {
		if strings.HasPrefix(r.Name, CustomPrefix) {
			m.Rules = append(m.Rules, r)
		}
	}
	for _, a := range cur.Actions {
		if strings.HasPrefix(a.Name, CustomPrefix) {
			m.Actions = append(m.Actions, a)
		}
	}
	for _, sc := range cur.Schedules {
		if strings.HasPrefix(sc.Name, CustomPrefix) {
			m.Schedules = append(m.Schedules, sc)
		}
	}
	for _, f := range m.Fields {
		cf := cur.Field(f.Name)
		if cf == nil || cf.Bundle != nw.Bundle {
			changes = append(changes, fmt.Sprintf("add field %s.%s", m.Name, f.Name))
			continue
		}
		f.ID = cf.ID
		var of *Field
		if old != nil {
			of = old.Field(f.Name)
		}
		if of != nil {
			if cur.mayCustomize(CustomizeLabels) && !reflect.DeepEqual(cf.Label, of.Label) {
				f.Label = cf.Label
			}
			if cur.mayCustomize(CustomizeHelpText) && !reflect.DeepEqual(cf.HelpText, of.HelpText) {
				f.HelpText = cf.HelpText
			}
			if cur.mayCustomize(CustomizePicklistValues) {
				for _, v := range cf.Settings.Values {
					if !hasValue(of.Settings.Values, v.Value) && !hasValue(f.Settings.Values, v.Value) {
						f.Settings.Values = append(f.Settings.Values, v)
					}
				}
			}
		}
		if cf.Retired {
			changes = append(changes, fmt.Sprintf("restore retired field %s.%s", m.Name, f.Name))
		} else if !sameField(cf, f) {
			changes = append(changes, fmt.Sprintf("change field %s.%s", m.Name, f.Name))
		}
	}
	for _, cf := range cur.Fields {
		if m.Field(cf.Name) != nil {
			continue
		}
		keep := cf.Clone()
		if cf.Bundle != "" && !cf.Retired {
			keep.Retired = true
			changes = append(changes, fmt.Sprintf("retire field %s.%s: the new version drops it; its data is kept until an administrator deletes it", m.Name, cf.Name))
		}
		m.Fields = append(m.Fields, keep)
	}
	return m, changes
}

func hasValue(vs []PicklistValue, v string) bool {
	for _, x := range vs {
		if x.Value == v {
			return true
		}
	}
	return false
}

// sameField compares two versions of a field, ids aside.
func sameField(a, b *Field) bool {
	x, y := *a, *b
	x.ID, y.ID = "", ""
	return reflect.DeepEqual(x, y)
}

// RemoveBundle returns current without the components of bundle ns, and
// the changes for people.
func RemoveBundle(current *Model, ns string) (*Model, []string) {
	next := current.Clone()
	var changes []string
	objs := next.Objects[:0]
	for _, o := range next.Objects {
		if o.Bundle == ns {
			changes = append(changes, "remove object "+o.Name)
			continue
		}
		objs = append(objs, o)
	}
	next.Objects = objs
	next.Roles = dropOwned(next.Roles, ns, roleKey, "role", &changes)
	next.PermissionSets = dropOwned(next.PermissionSets, ns, setKey, "permission set", &changes)
	next.Queues = dropOwned(next.Queues, ns, queueKey, "queue", &changes)
	next.ApprovalProcesses = dropOwned(next.ApprovalProcesses, ns, processKey, "approval process", &changes)
	// The tenant's roles may include the bundle's permission sets.
	for _, r := range next.Roles {
		kept := r.PermissionSets[:0]
		for _, s := range r.PermissionSets {
			if !strings.HasPrefix(s, ns+"__") {
				kept = append(kept, s)
			}
		}
		r.PermissionSets = kept
	}
	sort.Strings(changes)
	return next, changes
}

func dropOwned[T owned](list []T, ns string, key func(T) (string, string), kind string, changes *[]string) []T {
	out := list[:0]
	for _, c := range list {
		if n, b := key(c); b == ns {
			*changes = append(*changes, "remove "+kind+" "+n)
			continue
		}
		out = append(out, c)
	}
	return out
}
