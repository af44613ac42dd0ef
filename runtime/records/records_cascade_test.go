package records_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestCascadeDeletesSharesAndHistory deletes an account whose deletion
// cascades to its contacts and on to their tasks: the shares and field
// history of every record deleted go with them, in the same transaction,
// and those of another account's records stay. No roll-up is involved, so
// the cascade is walked for the records alone.
func TestCascadeDeletesSharesAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rt := newRollupTenant(t, db)
		rt.change(func(m *metadata.Model) {
			m.Objects = append(m.Objects,
				&metadata.Object{Name: "account", Fields: []*metadata.Field{{Name: "name", Type: "text"}}, TrackHistory: []string{"name"}},
				&metadata.Object{Name: "contact", Fields: []*metadata.Field{
					{Name: "name", Type: "text"},
					lookup("account", "account", metadata.OnDeleteCascade),
				}, TrackHistory: []string{"name"}},
				&metadata.Object{Name: "task", Fields: []*metadata.Field{
					{Name: "subject", Type: "text"},
					lookup("contact", "contact", metadata.OnDeleteCascade),
				}, TrackHistory: []string{"subject"}},
			)
		})
		// share opens a record to the standard role.
		share := func(object, id string) {
			t.Helper()
			require.NoError(t, store.InsertShare(rt.ctx, db, store.Share{ID: uuid.Must(uuid.NewV7()).String(), TenantID: rt.tenant.ID,
				ObjectID: rt.obj(object).Meta.ID, RecordID: id, Role: metadata.RoleStandard, Access: metadata.ShareRead,
				CreatedBy: uuid.Must(uuid.NewV7()).String(), CreatedAt: time.Now().UTC()}))
		}
		traces := func(table string) int64 {
			t.Helper()
			var n int64
			require.NoError(t, db.QueryRow(rt.ctx, "SELECT count(*) FROM "+table+" WHERE tenant_id = $1", rt.tenant.ID).Scan(&n))
			return n
		}
		doomed := rt.create("account", map[string]any{"name": "Doomed"})
		kept := rt.create("account", map[string]any{"name": "Kept"})
		share("account", doomed)
		share("account", kept)
		for _, acc := range []string{doomed, kept} {
			for range 2 {
				c := rt.create("contact", map[string]any{"name": "C", "account": acc})
				share("contact", c)
				for range 2 {
					task := rt.create("task", map[string]any{"subject": "T", "contact": c})
					share("task", task)
				}
			}
		}
		// Each account: itself, 2 contacts, 4 tasks; one share and one
		// history entry each.
		require.Equal(t, int64(14), traces("record_shares"))
		require.Equal(t, int64(14), traces("field_history"))

		require.NoError(t, rt.svc.Delete(rt.ctx, rt.rev, rt.obj("account"), records.Actor{}, doomed, nil))
		assert.Equal(t, int64(7), traces("record_shares"), "the shares of the cascaded contacts and tasks are gone")
		assert.Equal(t, int64(7), traces("field_history"), "their history too")
		var n int64
		require.NoError(t, db.QueryRow(rt.ctx, "SELECT count(*) FROM record_shares WHERE tenant_id = $1 AND record_id = $2", rt.tenant.ID, kept).Scan(&n))
		assert.Equal(t, int64(1), n, "another account's share stays")
	})
}
