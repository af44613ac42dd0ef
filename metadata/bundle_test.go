package metadata

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// installedModel is a tenant's model with bundle "desk" installed: its
// object with a picklist, a rule and an action, its role, set, queue and
// process, and the tenant's own object.
func installedModel() *Model {
	m := &Model{
		Objects: []*Object{{ID: "o1", Name: "desk__ticket", Bundle: "desk", Label: Text{"en": "Ticket"}, Fields: []*Field{
			{ID: "f1", Name: "title", Type: "text", Bundle: "desk"},
			{ID: "f2", Name: "status", Type: "picklist", Bundle: "desk", Settings: Settings{Values: []PicklistValue{{Value: "Open"}, {Value: "Closed"}}}},
		}, Rules: []*Rule{{Name: "no_placeholder", Condition: `title == "untitled"`, Message: Text{"en": "no"}}},
			Actions: []*RecordAction{{Name: "close", Updates: map[string]string{"status": `"Closed"`}}}},
			{ID: "o2", Name: "memo", Fields: []*Field{{ID: "f9", Name: "body", Type: "text"}}}},
		Roles:             []*Role{{Name: "desk__agent", Bundle: "desk", PermissionSets: []string{"desk__agents"}}},
		PermissionSets:    []*PermissionSet{{Name: "desk__agents", Bundle: "desk"}, {Name: "mine"}},
		Queues:            []*Queue{{Name: "desk__triage", Bundle: "desk", Roles: []string{"desk__agent"}}},
		ApprovalProcesses: []*ApprovalProcess{{Name: "desk__close", Object: "desk__ticket", Bundle: "desk", Steps: []*ApprovalStep{{Name: "s", Approvers: []*Approver{{Manager: 1}}}}}},
	}
	return m
}

func TestCheckOwnership(t *testing.T) {
	off := false
	tests := []struct {
		name   string
		change func(m *Model)
		path   string // "" when allowed
	}{
		{"relabel the object and a field", func(m *Model) {
			m.Objects[0].Label = Text{"en": "Case"}
			m.Objects[0].Fields[0].Label = Text{"en": "Subject"}
		}, ""},
		{"add a picklist value", func(m *Model) {
			m.Objects[0].Fields[1].Settings.Values = append(m.Objects[0].Fields[1].Settings.Values, PicklistValue{Value: "Waiting"})
		}, ""},
		{"remove a picklist value", func(m *Model) { m.Objects[0].Fields[1].Settings.Values = m.Objects[0].Fields[1].Settings.Values[:1] }, "objects.desk__ticket.fields.status"},
		{"change a field's type", func(m *Model) { m.Objects[0].Fields[0].Type = "long_text" }, "objects.desk__ticket.fields.title"},
		{"add a custom_ field", func(m *Model) {
			m.Objects[0].Fields = append(m.Objects[0].Fields, &Field{Name: "custom_region", Type: "text"})
		}, ""},
		{"add a field without custom_", func(m *Model) {
			m.Objects[0].Fields = append(m.Objects[0].Fields, &Field{Name: "region", Type: "text"})
		}, "objects.desk__ticket.fields.region.name"},
		{"delete a bundle field", func(m *Model) { m.Objects[0].Fields = m.Objects[0].Fields[:1] }, "objects.desk__ticket.fields.status"},
		{"add a custom_ rule", func(m *Model) {
			m.Objects[0].Rules = append(m.Objects[0].Rules, &Rule{Name: "custom_x", Condition: "false", Message: Text{"en": "x"}})
		}, ""},
		{"change the bundle's rule", func(m *Model) { m.Objects[0].Rules[0].Condition = "false" }, "objects.desk__ticket.rules.no_placeholder"},
		{"change the bundle's action", func(m *Model) { m.Objects[0].Actions[0].Updates = nil }, "objects.desk__ticket.actions.close"},
		{"add an action without custom_", func(m *Model) { m.Objects[0].Actions = append(m.Objects[0].Actions, &RecordAction{Name: "reopen"}) }, "objects.desk__ticket.actions.reopen"},
		{"change sharing (not customizable by default)", func(m *Model) { m.Objects[0].Sharing = SharingPrivate }, "objects.desk__ticket.sharing"},
		{"delete the bundle's object", func(m *Model) { m.Objects = m.Objects[1:] }, "objects.desk__ticket"},
		{"claim a bundle for a new object", func(m *Model) { m.Objects = append(m.Objects, &Object{Name: "desk__fake", Bundle: "desk"}) }, "objects.desk__fake.bundle"},
		{"name a tenant object with __", func(m *Model) { m.Objects = append(m.Objects, &Object{Name: "my__thing"}) }, "objects.my__thing.name"},
		{"take the tenant's object into a bundle", func(m *Model) { m.Objects[1].Bundle = "desk" }, "objects.memo.bundle"},
		{"give the bundle's role another set", func(m *Model) { m.Roles[0].PermissionSets = append(m.Roles[0].PermissionSets, "mine") }, ""},
		{"change the bundle's role parent", func(m *Model) { m.Roles[0].Parent = "x" }, "roles.desk__agent"},
		{"change the bundle's set", func(m *Model) {
			m.PermissionSets[0].Objects = map[string]ObjectPermissions{"memo": {Read: true}}
		}, "permission_sets.desk__agents"},
		{"change the queue's members", func(m *Model) { m.Queues[0].Users = []string{"a@b.c"} }, ""},
		{"deactivate the process", func(m *Model) { m.ApprovalProcesses[0].Active = &off }, ""},
		{"change the process's steps", func(m *Model) { m.ApprovalProcesses[0].Steps[0].Name = "t" }, "approval_processes.desk__close"},
		{"delete the process", func(m *Model) { m.ApprovalProcesses = nil }, "approval_processes.desk__close"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := installedModel()
			next := prev.Clone()
			tt.change(next)
			ps := CheckOwnership(prev, next)
			if tt.path == "" {
				assert.Empty(t, ps)
				return
			}
			require.NotEmpty(t, ps)
			assert.Equal(t, tt.path, ps[0].Path, "%v", ps)
			assert.Equal(t, ProblemBundle, ps[0].Code)
			if tt.path != "objects.my__thing.name" {
				assert.Empty(t, CheckOwnership(prev, next, "desk"), "the bundle's own install may")
			}
		})
	}
}

func TestApplyBundleKeepsCustomizations(t *testing.T) {
	cur := installedModel()
	installed := installedModel()
	installed.Objects = installed.Objects[:1]
	installed.PermissionSets = installed.PermissionSets[:1]
	// The tenant relabelled, added a value, a field, a rule; gave the queue a user.
	cur.Objects[0].Label = Text{"en": "Case"}
	cur.Objects[0].Fields[1].Settings.Values = append(cur.Objects[0].Fields[1].Settings.Values, PicklistValue{Value: "Waiting"})
	cur.Objects[0].Fields = append(cur.Objects[0].Fields, &Field{ID: "f3", Name: "custom_region", Type: "text"})
	cur.Objects[0].Rules = append(cur.Objects[0].Rules, &Rule{Name: "custom_r", Condition: "false", Message: Text{"en": "r"}})
	cur.Queues[0].Users = []string{"lead@example.com"}

	nb := installedModel()
	nb.Objects = nb.Objects[:1]
	nb.PermissionSets = nb.PermissionSets[:1]
	nb.Objects[0].Fields = []*Field{{Name: "title", Type: "text"}, {Name: "priority", Type: "number"}} // status dropped
	nb.Objects[0].Label = Text{"en": "Ticket v2"}
	b := &Bundle{Manifest: Manifest{Name: "helpdesk", Namespace: "desk", Version: "2.0.0"}, Model: nb}
	next, changes, ps := ApplyBundle(cur, installed, b)
	require.Empty(t, ps)
	o := next.Object("desk__ticket")
	assert.Equal(t, "o1", o.ID)
	assert.Equal(t, Text{"en": "Case"}, o.Label, "the tenant's label")
	assert.Equal(t, "f1", o.Field("title").ID, "same field, same id")
	assert.NotNil(t, o.Field("priority"))
	assert.True(t, o.Field("status").Retired)
	assert.Equal(t, "f2", o.Field("status").ID)
	assert.NotNil(t, o.Field("custom_region"))
	assert.Len(t, o.Rules, 2)
	assert.Equal(t, []string{"lead@example.com"}, next.Queue("desk__triage").Users)
	assert.NotNil(t, next.Object("memo"), "the tenant's own object")
	assert.Contains(t, changes, "add field desk__ticket.priority")
	assert.Contains(t, changes, "retire field desk__ticket.status: the new version drops it; its data is kept until an administrator deletes it")
	assert.Empty(t, CheckOwnership(cur, next, "desk"))

	// A first install colliding with the tenant's components is refused.
	clash := &Bundle{Manifest: Manifest{Name: "other", Namespace: "desk"}, Model: &Model{Objects: []*Object{{Name: "memo"}}}}
	_, _, ps = ApplyBundle(cur, nil, clash)
	require.NotEmpty(t, ps)
	assert.Equal(t, ProblemDuplicate, ps[0].Code)
}

func TestLoadBundleLocatesProblems(t *testing.T) {
	_, err := LoadBundle(fstest.MapFS{
		"bundle.yaml":      {Data: []byte("name: x\nnamespace: x1\nversion: 1.0.0\npublisher: P\nsurprise: 1\n")},
		"objects/bad.yaml": {Data: []byte("name: x1__a\nfields: [{name: f, type: nosuch}]\n")},
	})
	var ps Problems
	require.ErrorAs(t, err, &ps)
	var paths []string
	for _, p := range ps {
		paths = append(paths, p.Path)
	}
	assert.Contains(t, paths, "bundle.yaml: surprise")
	assert.Contains(t, paths, "objects/bad.yaml: fields.0.type")
}

func TestBundleLayoutCustomization(t *testing.T) {
	prev := installedModel()
	next := prev.Clone()
	next.Objects[0].Layout = &Layout{Sections: []*LayoutSection{{Fields: []string{"status", "title"}}}}
	assert.Empty(t, CheckOwnership(prev, next), "layouts are customizable by default")

	locked := installedModel()
	locked.Objects[0].Customizable = []string{CustomizeLabels}
	next = locked.Clone()
	next.Objects[0].Layout = &Layout{Sections: []*LayoutSection{{Fields: []string{"title"}}}}
	ps := CheckOwnership(locked, next)
	require.NotEmpty(t, ps)
	assert.Equal(t, "objects.desk__ticket.layout", ps[0].Path)

	// An upgrade keeps the tenant's layout.
	cur := installedModel()
	cur.Objects[0].Layout = &Layout{Sections: []*LayoutSection{{Fields: []string{"status", "title"}}}}
	installed := installedModel()
	installed.Objects = installed.Objects[:1]
	installed.PermissionSets = installed.PermissionSets[:1]
	nb := installedModel()
	nb.Objects = nb.Objects[:1]
	nb.PermissionSets = nb.PermissionSets[:1]
	nb.Objects[0].Layout = &Layout{Sections: []*LayoutSection{{Fields: []string{"title"}}}}
	got, _, ps := ApplyBundle(cur, installed, &Bundle{Manifest: Manifest{Name: "helpdesk", Namespace: "desk", Version: "2.0.0"}, Model: nb})
	require.Empty(t, ps)
	assert.Equal(t, []string{"status", "title"}, got.Object("desk__ticket").Layout.Sections[0].Fields)
}
