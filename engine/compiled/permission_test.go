package compiled_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
)

func permissionModel() *metadata.Model {
	return &metadata.Model{
		Objects: []*metadata.Object{
			{ID: "o1", Name: "account", Fields: []*metadata.Field{
				{ID: "f1", Name: "name", Type: "text"},
				{ID: "f2", Name: "revenue", Type: "number"},
				{ID: "f3", Name: "rating", Type: "text"},
			}},
			{ID: "o2", Name: "ledger", Fields: []*metadata.Field{{ID: "f1", Name: "name", Type: "text"}}},
		},
		PermissionSets: []*metadata.PermissionSet{
			{Name: "read_accounts", Objects: map[string]metadata.ObjectPermissions{"account": {Read: true}},
				Fields: map[string]map[string]metadata.FieldPermissions{"account": {"name": {Read: true}, "rating": {Read: true}}}},
			{Name: "edit_accounts", Objects: map[string]metadata.ObjectPermissions{"account": {Read: true, Edit: true}},
				Fields: map[string]map[string]metadata.FieldPermissions{"account": {"rating": {Read: true, Edit: true}}}},
			// Field grants on an object the set grants nothing on count
			// only with a set that grants read.
			{Name: "ledger_fields", Fields: map[string]map[string]metadata.FieldPermissions{"ledger": {"name": {Read: true}}}},
		},
		Roles: []*metadata.Role{
			{Name: "reader", PermissionSets: []string{"read_accounts", "ledger_fields"}},
			{Name: "rep", Parent: "reader", PermissionSets: []string{"read_accounts", "edit_accounts"}},
			{Name: "nobody"},
		},
	}
}

func TestAccess(t *testing.T) {
	m := permissionModel()
	require.Empty(t, metadata.Validate(m, nil))
	rev, err := compiled.Compile(postgres, "t1", schema, 1, m)
	require.NoError(t, err)

	for _, role := range []string{metadata.RoleAdmin, metadata.RoleStandard} {
		a := rev.Access(role, "account")
		assert.True(t, a.Read && a.Create && a.Edit && a.Delete, role)
		assert.True(t, a.CanRead("revenue") && a.CanEdit("revenue"), role)
		assert.False(t, rev.Access(role, "nope").Read, role)
	}
	assert.True(t, rev.Access(metadata.RoleAdmin, "account").ModifyAll)
	assert.False(t, rev.Access(metadata.RoleStandard, "account").ViewAll, "standard does not see all records")

	reader := rev.Access("reader", "account")
	assert.True(t, reader.Read)
	assert.False(t, reader.Create || reader.Edit || reader.Delete)
	assert.True(t, reader.CanRead("name"))
	assert.True(t, reader.CanRead("id"), "system columns go with the object")
	assert.False(t, reader.CanRead("revenue"), "no set grants it: hidden")
	assert.False(t, reader.CanEdit("name"))
	assert.False(t, rev.Access("reader", "ledger").Read, "field grants alone give no object access")

	rep := rev.Access("rep", "account")
	assert.True(t, rep.Edit)
	assert.False(t, rep.Create)
	assert.True(t, rep.CanEdit("rating"), "grants of the sets add up")
	assert.False(t, rep.CanEdit("name"))
	assert.True(t, rep.CanRead("name"))

	for _, role := range []string{"nobody", "undefined"} {
		a := rev.Access(role, "account")
		assert.False(t, a.Read || a.CanRead("id") || a.CanRead("name"), role)
	}
}

// TestRolesBelow checks the role hierarchy flattened per role: every level
// below, not above, not sideways, none for built-in roles.
func TestRolesBelow(t *testing.T) {
	m := &metadata.Model{Roles: []*metadata.Role{
		{Name: "ceo"},
		{Name: "vp_sales", Parent: "ceo"},
		{Name: "vp_service", Parent: "ceo"},
		{Name: "rep", Parent: "vp_sales"},
		{Name: "intern", Parent: "rep"},
	}}
	rev, err := compiled.Compile(postgres, "t1", schema, 1, m)
	require.NoError(t, err)
	assert.Equal(t, []string{"intern", "rep", "vp_sales", "vp_service"}, rev.RolesBelow("ceo"))
	assert.Equal(t, []string{"intern", "rep"}, rev.RolesBelow("vp_sales"))
	assert.Empty(t, rev.RolesBelow("vp_service"))
	assert.Empty(t, rev.RolesBelow("intern"))
	assert.Empty(t, rev.RolesBelow(metadata.RoleAdmin))
	assert.Empty(t, rev.RolesBelow("undefined"))
}
