package compiled

import (
	"sort"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Access is what one role may do with one object: its object permissions
// and the fields it may read and edit. It is computed once per revision
// (compilePermissions) and shared by every request; it must not be changed.
type Access struct {
	// Create, Read, Edit and Delete are the object permissions; ViewAll and
	// ModifyAll let the role see and change every record of the object,
	// whatever record-level access says (runtime/records).
	Create, Read, Edit, Delete, ViewAll, ModifyAll bool
	// all means every field is readable and editable (admin, standard).
	all bool
	// readable and editable are the field names the role may read and
	// edit when not all.
	readable, editable map[string]bool
}

// allAccess is the access of the admin role: everything.
var allAccess = &Access{Create: true, Read: true, Edit: true, Delete: true, ViewAll: true, ModifyAll: true, all: true}

// standardAccess is the access of the built-in standard role: create, read,
// edit and delete on every object, every field.
var standardAccess = &Access{Create: true, Read: true, Edit: true, Delete: true, all: true}

// noAccess is the access of a role to an object no permission set grants.
var noAccess = &Access{}

// CanRead reports whether the role may see the column called name: system
// columns when it may read the object, fields it was granted read on.
func (a *Access) CanRead(name string) bool {
	if !a.Read {
		return false
	}
	if a.all {
		return true
	}
	return a.readable[name] || isSystemColumn(name)
}

// CanEdit reports whether the role may write the field called name (system
// columns are written by the runtime only, whatever the role).
func (a *Access) CanEdit(name string) bool {
	if !a.Edit && !a.Create {
		return false
	}
	return a.all || a.editable[name]
}

// AllFields reports whether the role reads and edits every field.
func (a *Access) AllFields() bool { return a.all }

func isSystemColumn(name string) bool {
	for _, c := range systemColumns {
		if c.Name == name {
			return true
		}
	}
	return false
}

// Access returns what the role may do with the object: everything for the
// admin role, the standard role's grants (every field but retired ones),
// else the union of what the role's permission sets grant (never a retired
// field). A role or object that is not defined has no access.
func (r *Revision) Access(role, object string) *Access {
	if _, ok := r.objects[object]; !ok {
		return noAccess
	}
	switch role {
	case metadata.RoleAdmin:
		return allAccess
	case metadata.RoleStandard:
		if a, ok := r.standard[object]; ok {
			return a
		}
		return standardAccess
	}
	if a, ok := r.permissions[role][object]; ok {
		return a
	}
	return noAccess
}

// RolesBelow returns the roles beneath role in the role hierarchy (its
// subordinates, theirs, and so on), sorted; none for a built-in role or a
// role at the bottom. Computed once per revision; it must not be changed.
func (r *Revision) RolesBelow(role string) []string { return r.below[role] }

// compileHierarchy computes every custom role's subordinates, following
// parents upward from each role (metadata.Validate refused cycles; a role
// met twice on one path stops the walk all the same).
func (r *Revision) compileHierarchy() {
	r.below = map[string][]string{}
	for _, role := range r.Model.Roles {
		seen := map[string]bool{role.Name: true}
		for p := r.Model.Role(role.Parent); p != nil && !seen[p.Name]; p = r.Model.Role(p.Parent) {
			seen[p.Name] = true
			r.below[p.Name] = append(r.below[p.Name], role.Name)
		}
	}
	for _, names := range r.below {
		sort.Strings(names)
	}
}

// compilePermissions computes each custom role's access to each object it
// is granted anything on, and the role hierarchy.
func (r *Revision) compilePermissions() {
	r.compileHierarchy()
	r.permissions = map[string]map[string]*Access{}
	for _, role := range r.Model.Roles {
		byObject := map[string]*Access{}
		for _, setName := range role.PermissionSets {
			set := r.Model.PermissionSet(setName)
			if set == nil {
				continue
			}
			for objName, op := range set.Objects {
				if _, ok := r.objects[objName]; !ok || !op.Read {
					continue
				}
				a := byObject[objName]
				if a == nil {
					a = &Access{readable: map[string]bool{}, editable: map[string]bool{}}
					byObject[objName] = a
				}
				a.Read = true
				a.Create = a.Create || op.Create
				a.Edit = a.Edit || op.Edit
				a.Delete = a.Delete || op.Delete
				a.ViewAll = a.ViewAll || op.ViewAll
				a.ModifyAll = a.ModifyAll || op.ModifyAll
			}
		}
		// Field grants count on objects some included set lets the role read.
		for _, setName := range role.PermissionSets {
			set := r.Model.PermissionSet(setName)
			if set == nil {
				continue
			}
			for objName, fields := range set.Fields {
				a := byObject[objName]
				if a == nil {
					continue
				}
				o := r.objects[objName]
				for name, fp := range fields {
					c, ok := o.Column(name)
					if !ok || !fp.Read || (c.Field != nil && c.Field.Retired) {
						continue
					}
					a.readable[name] = true
					if fp.Edit {
						a.editable[name] = true
					}
				}
			}
		}
		r.permissions[role.Name] = byObject
	}
	// The standard role reads and edits every field but retired ones.
	r.standard = map[string]*Access{}
	for name, o := range r.objects {
		retired := false
		for _, f := range o.Meta.Fields {
			retired = retired || f.Retired
		}
		if !retired {
			continue
		}
		a := &Access{Create: true, Read: true, Edit: true, Delete: true, readable: map[string]bool{}, editable: map[string]bool{}}
		for _, f := range o.Meta.Fields {
			if !f.Retired {
				a.readable[f.Name], a.editable[f.Name] = true, true
			}
		}
		r.standard[name] = a
	}
}
