package metadata

import (
	"fmt"
	"sort"
)

// Built-in roles. RoleAdmin may do everything and bypasses record-level
// rules; RoleStandard may create, read, edit and delete the records of every
// object and see and edit every field, but sits in no role hierarchy, so it
// sees only its own records of a private object. Neither may be defined in
// metadata.
const (
	RoleAdmin    = "admin"
	RoleStandard = "standard"
)

// MaxRoleNameLength bounds the API names of roles and permission sets, as
// runtime/auth checks a user's role name.
const MaxRoleNameLength = 40

// ProblemCycle is a role hierarchy that loops back on itself.
const ProblemCycle = "cycle"

// Role is a role users hold: its place in the role hierarchy (a role sees
// the records owned under it, see Object.Sharing) and the permission sets it includes. A custom role
// may do exactly what its permission sets grant, nothing else.
type Role struct {
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Parent is the role above this one in the hierarchy; empty at the top.
	Parent string `json:"parent,omitempty"`
	// PermissionSets are the names of the permission sets the role includes.
	PermissionSets []string `json:"permission_sets,omitempty"`
	// Bundle is the namespace of the app bundle that installed the role.
	Bundle string `json:"bundle,omitempty"`
}

// PermissionSet grants object permissions and field-level access. Grants
// of the sets a role includes add up; what no set grants is denied.
type PermissionSet struct {
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Objects maps an object's API name to the permissions granted on it.
	Objects map[string]ObjectPermissions `json:"objects,omitempty"`
	// Fields maps an object's API name to its fields' access. A field no
	// set grants is hidden.
	Fields map[string]map[string]FieldPermissions `json:"fields,omitempty"`
	// Bundle is the namespace of the app bundle that installed the set.
	Bundle string `json:"bundle,omitempty"`
}

// ObjectPermissions are the permissions on one object. Every one of them
// needs Read.
type ObjectPermissions struct {
	Create    bool `json:"create,omitempty"`
	Read      bool `json:"read,omitempty"`
	Edit      bool `json:"edit,omitempty"`
	Delete    bool `json:"delete,omitempty"`
	ViewAll   bool `json:"view_all,omitempty"`
	ModifyAll bool `json:"modify_all,omitempty"`
}

// FieldPermissions is the access to one field: Edit needs Read.
type FieldPermissions struct {
	Read bool `json:"read,omitempty"`
	Edit bool `json:"edit,omitempty"`
}

// IsBuiltinRole reports whether name is a role that exists without metadata.
func IsBuiltinRole(name string) bool { return name == RoleAdmin || name == RoleStandard }

// Role returns the role with the given API name, or nil.
func (m *Model) Role(name string) *Role {
	for _, r := range m.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// PermissionSet returns the permission set with the given API name, or nil.
func (m *Model) PermissionSet(name string) *PermissionSet {
	for _, p := range m.PermissionSets {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// HasRole reports whether users may hold the role: a built-in one or one
// defined in the model.
func (m *Model) HasRole(name string) bool { return IsBuiltinRole(name) || m.Role(name) != nil }

func (r *Role) clone() *Role {
	c := *r
	c.Label, c.Description = r.Label.clone(), r.Description.clone()
	if r.PermissionSets != nil {
		c.PermissionSets = append([]string{}, r.PermissionSets...)
	}
	return &c
}

func (p *PermissionSet) clone() *PermissionSet {
	c := *p
	c.Label, c.Description = p.Label.clone(), p.Description.clone()
	if p.Objects != nil {
		c.Objects = make(map[string]ObjectPermissions, len(p.Objects))
		for k, v := range p.Objects {
			c.Objects[k] = v
		}
	}
	if p.Fields != nil {
		c.Fields = make(map[string]map[string]FieldPermissions, len(p.Fields))
		for k, fs := range p.Fields {
			cf := make(map[string]FieldPermissions, len(fs))
			for n, v := range fs {
				cf[n] = v
			}
			c.Fields[k] = cf
		}
	}
	return &c
}

// validateRoles checks roles and permission sets: names, duplicates, the
// built-in names, parents (and that the hierarchy has no cycle), the sets a
// role includes, the objects and fields a set names, and that every grant
// comes with read.
func validateRoles(m *Model) []Problem {
	var ps []Problem
	seenSet := map[string]bool{}
	for _, p := range m.PermissionSets {
		path := "permission_sets." + p.Name
		ps = append(ps, checkName(path+".name", "permission set", p.Name, MaxRoleNameLength)...)
		if seenSet[p.Name] {
			ps = append(ps, problemf(path+".name", ProblemDuplicate, "permission set %q is defined twice", p.Name))
		}
		seenSet[p.Name] = true
		for _, on := range sortedKeys(p.Objects) {
			op := p.Objects[on]
			if m.Object(on) == nil {
				ps = append(ps, problemf(path+".objects."+on, ProblemUnknownTarget, "permission set %q grants on %q, which is not an object", p.Name, on))
				continue
			}
			if !op.Read && (op.Create || op.Edit || op.Delete || op.ViewAll || op.ModifyAll) {
				ps = append(ps, problemf(path+".objects."+on, ProblemInvalidSetting, "permission set %q grants on object %q without read; every permission needs read", p.Name, on))
			}
			if op.ModifyAll && !(op.ViewAll && op.Edit && op.Delete) {
				ps = append(ps, problemf(path+".objects."+on, ProblemInvalidSetting, "permission set %q grants modify_all on object %q without view_all, edit and delete", p.Name, on))
			}
		}
		for _, on := range sortedKeys(p.Fields) {
			o := m.Object(on)
			if o == nil {
				ps = append(ps, problemf(path+".fields."+on, ProblemUnknownTarget, "permission set %q grants on fields of %q, which is not an object", p.Name, on))
				continue
			}
			for _, fn := range sortedKeys(p.Fields[on]) {
				fp := p.Fields[on][fn]
				fpath := path + ".fields." + on + "." + fn
				if o.Field(fn) == nil {
					ps = append(ps, problemf(fpath, ProblemUnknownField, "permission set %q grants on %q, which is not a field of object %q", p.Name, fn, on))
					continue
				}
				if fp.Edit && !fp.Read {
					ps = append(ps, problemf(fpath, ProblemInvalidSetting, "permission set %q grants edit on field %s.%s without read", p.Name, on, fn))
				}
			}
		}
	}
	seenRole := map[string]bool{}
	for _, r := range m.Roles {
		path := "roles." + r.Name
		ps = append(ps, checkName(path+".name", "role", r.Name, MaxRoleNameLength)...)
		if IsBuiltinRole(r.Name) {
			ps = append(ps, problemf(path+".name", ProblemReservedName, "role %q is built in and cannot be defined", r.Name))
		}
		if seenRole[r.Name] {
			ps = append(ps, problemf(path+".name", ProblemDuplicate, "role %q is defined twice", r.Name))
		}
		seenRole[r.Name] = true
		if r.Parent != "" && m.Role(r.Parent) == nil {
			ps = append(ps, problemf(path+".parent", ProblemUnknownTarget, "role %q reports to %q, which is not a role", r.Name, r.Parent))
		}
		for i, s := range r.PermissionSets {
			if m.PermissionSet(s) == nil {
				ps = append(ps, problemf(fmt.Sprintf("%s.permission_sets.%d", path, i), ProblemUnknownTarget, "role %q includes %q, which is not a permission set", r.Name, s))
			}
		}
	}
	// A cycle: following parents from a role comes back to it.
	for _, r := range m.Roles {
		seen := map[string]bool{r.Name: true}
		for p := m.Role(r.Parent); p != nil; p = m.Role(p.Parent) {
			if p.Name == r.Name {
				ps = append(ps, problemf("roles."+r.Name+".parent", ProblemCycle, "role %q is above itself in the role hierarchy", r.Name))
				break
			}
			if seen[p.Name] {
				break // a cycle above r, reported at its own roles
			}
			seen[p.Name] = true
		}
	}
	return ps
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FollowPermissionReferences brings the permission sets of m, the next
// revision of a model, in step with changes made since prev, matching
// objects and fields by stable id: grants on a renamed object or field are
// moved to its new name, and grants on a deleted one are removed. Names
// that still resolve in m are left alone.
func (m *Model) FollowPermissionReferences(prev *Model) {
	if prev == nil {
		return
	}
	// current resolves a name of prev to the object of m it now is.
	current := func(name string) (*Object, *Object) {
		if o := m.Object(name); o != nil {
			if was := prev.Object(name); was == nil || was.ID == "" || was.ID == o.ID {
				return o, was
			}
		}
		was := prev.Object(name)
		if was == nil || was.ID == "" {
			return nil, nil
		}
		return m.ObjectByID(was.ID), was
	}
	for _, p := range m.PermissionSets {
		if p.Objects != nil {
			next := make(map[string]ObjectPermissions, len(p.Objects))
			for name, op := range p.Objects {
				o, was := current(name)
				switch {
				case o != nil:
					next[o.Name] = op
				case was == nil:
					next[name] = op // never existed: Validate reports it
				}
			}
			p.Objects = next
		}
		if p.Fields != nil {
			next := make(map[string]map[string]FieldPermissions, len(p.Fields))
			for name, fs := range p.Fields {
				o, was := current(name)
				if o == nil {
					if was == nil {
						next[name] = fs
					}
					continue
				}
				nfs := make(map[string]FieldPermissions, len(fs))
				for fn, fp := range fs {
					var wasField *Field
					if was != nil {
						wasField = was.Field(fn)
					}
					switch {
					case wasField != nil && wasField.ID != "":
						if f := o.FieldByID(wasField.ID); f != nil {
							nfs[f.Name] = fp
						}
					case wasField == nil:
						nfs[fn] = fp // not a field before: Validate reports it if still not one
					case o.Field(fn) != nil:
						nfs[fn] = fp
					}
				}
				next[o.Name] = nfs
			}
			p.Fields = next
		}
	}
}
