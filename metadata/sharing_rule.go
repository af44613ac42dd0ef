package metadata

import "fmt"

// Access levels a sharing rule grants.
const (
	// ShareRead lets the rule's roles see the matching records.
	ShareRead = "read"
	// ShareEdit lets them see, change and delete the matching records.
	ShareEdit = "edit"
)

// MaxSharingRules bounds the sharing rules of one object: each one is a
// term of every restricted record query.
const MaxSharingRules = 20

// SharingRule opens the records of a private or public_read object that
// match Criteria to the users of Roles (and, with IncludeSubordinates, of
// every role below them), beyond what ownership and the role hierarchy give.
type SharingRule struct {
	Name string `json:"name"`
	// Criteria is a filter over the record's fields (engine/filter), without
	// $ variables: what it selects must not depend on who asks or when.
	Criteria string `json:"criteria"`
	// Access is ShareRead or ShareEdit.
	Access string `json:"access"`
	// Roles are the names of the custom roles the records are shared with.
	Roles []string `json:"roles"`
	// IncludeSubordinates shares with the roles below Roles as well.
	IncludeSubordinates bool `json:"include_subordinates,omitempty"`
}

func (r *SharingRule) clone() *SharingRule {
	c := *r
	c.Roles = append([]string(nil), r.Roles...)
	return &c
}

// validateSharingRules checks an object's sharing rules: names, duplicates,
// access, criteria present and roles that exist. The criteria are
// translated when the revision is compiled (engine/compiled).
func validateSharingRules(m *Model, o *Object, opath string) []Problem {
	var ps []Problem
	if len(o.SharingRules) > MaxSharingRules {
		ps = append(ps, problemf(opath+".sharing_rules", ProblemInvalidSetting, "object %q has %d sharing rules; at most %d are allowed", o.Name, len(o.SharingRules), MaxSharingRules))
	}
	seen := map[string]bool{}
	for i, r := range o.SharingRules {
		path := fmt.Sprintf("%s.sharing_rules.%d", opath, i)
		ps = append(ps, checkName(path+".name", "sharing rule", r.Name, MaxRoleNameLength)...)
		if seen[r.Name] {
			ps = append(ps, problemf(path+".name", ProblemDuplicate, "sharing rule %q is defined twice", r.Name))
		}
		seen[r.Name] = true
		if r.Access != ShareRead && r.Access != ShareEdit {
			ps = append(ps, problemf(path+".access", ProblemInvalidSetting, "access must be %q or %q, not %q", ShareRead, ShareEdit, truncateForMessage(r.Access)))
		}
		if r.Criteria == "" {
			ps = append(ps, problemf(path+".criteria", ProblemInvalidExpr, "sharing rule %q needs criteria", r.Name))
		}
		if len(r.Roles) == 0 {
			ps = append(ps, problemf(path+".roles", ProblemInvalidSetting, "sharing rule %q shares with no role", r.Name))
		}
		for j, role := range r.Roles {
			switch {
			case IsBuiltinRole(role):
				ps = append(ps, problemf(fmt.Sprintf("%s.roles.%d", path, j), ProblemInvalidSetting, "sharing rule %q shares with built-in role %q; only custom roles can be shared with", r.Name, role))
			case m.Role(role) == nil:
				ps = append(ps, problemf(fmt.Sprintf("%s.roles.%d", path, j), ProblemUnknownTarget, "sharing rule %q shares with %q, which is not a role", r.Name, role))
			}
		}
	}
	return ps
}
