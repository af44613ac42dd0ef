package metadata

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func roleModel() *Model {
	return &Model{
		Objects: []*Object{
			{ID: "o1", Name: "account", Fields: []*Field{{ID: "f1", Name: "name", Type: "text"}, {ID: "f2", Name: "rating", Type: "text"}}},
			{ID: "o2", Name: "ledger", Fields: []*Field{{ID: "f1", Name: "name", Type: "text"}}},
		},
		PermissionSets: []*PermissionSet{{
			Name:    "sales",
			Objects: map[string]ObjectPermissions{"account": {Read: true, Edit: true}, "ledger": {Read: true}},
			Fields: map[string]map[string]FieldPermissions{
				"account": {"name": {Read: true, Edit: true}, "rating": {Read: true}},
				"ledger":  {"name": {Read: true}},
			},
		}},
		Roles: []*Role{{Name: "boss"}, {Name: "rep", Parent: "boss", PermissionSets: []string{"sales"}}},
	}
}

func TestValidateRoles(t *testing.T) {
	assert.Empty(t, Validate(roleModel(), nil))

	m := roleModel()
	m.Roles = append(m.Roles, &Role{Name: "a", Parent: "b"}, &Role{Name: "b", Parent: "a"}, &Role{Name: "admin"}, &Role{Name: "Bad"})
	m.Roles[0].Parent = "rep"
	m.PermissionSets[0].Objects["nope"] = ObjectPermissions{Read: true}
	m.PermissionSets[0].Objects["ledger"] = ObjectPermissions{Delete: true}
	m.PermissionSets[0].Fields["account"]["gone"] = FieldPermissions{Read: true}
	m.PermissionSets[0].Fields["account"]["rating"] = FieldPermissions{Edit: true}
	m.PermissionSets = append(m.PermissionSets, &PermissionSet{Name: "sales"})
	got := map[string]string{}
	for _, p := range Validate(m, nil) {
		got[p.Path] = p.Code
	}
	assert.Equal(t, map[string]string{
		"roles.boss.parent":                           ProblemCycle,
		"roles.rep.parent":                            ProblemCycle,
		"roles.a.parent":                              ProblemCycle,
		"roles.b.parent":                              ProblemCycle,
		"roles.admin.name":                            ProblemReservedName,
		"roles.Bad.name":                              ProblemInvalidName,
		"permission_sets.sales.objects.nope":          ProblemUnknownTarget,
		"permission_sets.sales.objects.ledger":        ProblemInvalidSetting,
		"permission_sets.sales.fields.account.gone":   ProblemUnknownField,
		"permission_sets.sales.fields.account.rating": ProblemInvalidSetting,
		"permission_sets.sales.name":                  ProblemDuplicate,
	}, got)
}

func TestFollowPermissionReferences(t *testing.T) {
	prev := roleModel()
	next := prev.Clone()
	next.Objects[0].Name = "customer"        // renamed object
	next.Objects[0].Fields[1].Name = "grade" // renamed field
	next.Objects[0].Fields = next.Objects[0].Fields[:1:1]
	next.Objects[0].Fields = append(next.Objects[0].Fields, &Field{ID: "f2", Name: "grade", Type: "text"})
	next.Objects = next.Objects[:1] // deleted object
	next.FollowPermissionReferences(prev)
	set := next.PermissionSets[0]
	assert.Equal(t, map[string]ObjectPermissions{"customer": {Read: true, Edit: true}}, set.Objects)
	assert.Equal(t, map[string]map[string]FieldPermissions{
		"customer": {"name": {Read: true, Edit: true}, "grade": {Read: true}},
	}, set.Fields)
	assert.Empty(t, Validate(next, nil))

	// A deleted field loses its grants.
	after := next.Clone()
	after.Objects[0].Fields = after.Objects[0].Fields[:1]
	after.FollowPermissionReferences(next)
	assert.Equal(t, map[string]FieldPermissions{"name": {Read: true, Edit: true}}, after.PermissionSets[0].Fields["customer"])
	// The previous revision is untouched.
	assert.Contains(t, prev.PermissionSets[0].Objects, "account")
}
