package records_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestRuleOnHiddenFieldNamesNoField checks, below the API, that a broken
// rule or warning whose field the actor may not read is attached to the
// record, while system work and readers of the field get its name.
func TestRuleOnHiddenFieldNamesNoField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rt := newRollupTenant(t, db)
		rt.change(func(m *metadata.Model) {
			m.Objects = append(m.Objects, &metadata.Object{Name: "claim",
				Fields: []*metadata.Field{{Name: "name", Type: "text"}, {Name: "budget", Type: "number"}},
				Rules: []*metadata.Rule{
					{Name: "no_bad", Condition: `name == "bad"`, Message: metadata.Text{"en": "Bad"}, Field: "budget"},
					{Name: "odd", Condition: `name == "odd"`, Message: metadata.Text{"en": "Odd"}, Field: "budget", Severity: metadata.SeverityWarning},
				}})
			m.PermissionSets = append(m.PermissionSets, &metadata.PermissionSet{Name: "claims",
				Objects: map[string]metadata.ObjectPermissions{"claim": {Read: true, Create: true, Edit: true}},
				Fields:  map[string]map[string]metadata.FieldPermissions{"claim": {"name": {Read: true, Edit: true}}}})
			m.Roles = append(m.Roles, &metadata.Role{Name: "clerk", PermissionSets: []string{"claims"}})
		})
		clerk := records.Actor{Role: "clerk", Access: rt.rev.Access("clerk", "claim")}
		for _, tc := range []struct {
			name  string
			actor records.Actor
			field string
		}{
			{"clerk", clerk, ""},
			{"system", records.Actor{}, "budget"},
			{"standard", records.Actor{Role: metadata.RoleStandard, Access: rt.rev.Access(metadata.RoleStandard, "claim")}, "budget"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := rt.svc.Create(rt.ctx, rt.rev, rt.obj("claim"), tc.actor, map[string]any{"name": "bad"})
				var ve *records.ValidationError
				require.True(t, errors.As(err, &ve), "%v", err)
				require.Len(t, ve.Errors, 1)
				assert.Equal(t, tc.field, ve.Errors[0].Field)
				assert.Equal(t, "Bad", ve.Errors[0].Message)

				rec, err := rt.svc.Create(rt.ctx, rt.rev, rt.obj("claim"), tc.actor, map[string]any{"name": "odd"})
				require.NoError(t, err)
				require.Len(t, rec.Warnings(), 1)
				assert.Equal(t, tc.field, rec.Warnings()[0].Field)
			})
		}
	})
}
