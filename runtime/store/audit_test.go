package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		u := newUser(t, db, acme.ID, "u@example.com", "admin", "")
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		events := []string{"auth.sign_in", "token.created", "auth.sign_in", "record.deleted", "auth.sign_in_failed"}
		for i, ev := range events {
			e := &store.AuditEntry{TenantID: acme.ID, At: t0.Add(time.Duration(i) * time.Minute), ActorUserID: u.ID, Address: "192.0.2.7",
				Event: ev, Detail: json.RawMessage(`{"n": ` + string(rune('0'+i)) + `}`)}
			if ev == "record.deleted" {
				e.ObjectID, e.RecordID = "obj_1", "0190b2a8-0000-7000-8000-000000000001"
			}
			require.NoError(t, store.InsertAudit(ctx, db, e))
			assert.NotEmpty(t, e.ID)
		}
		require.NoError(t, store.InsertAudit(ctx, db, &store.AuditEntry{TenantID: beta.ID, Event: "auth.sign_in"}))

		page, err := store.ListAudit(ctx, db, acme.ID, store.AuditQuery{})
		require.NoError(t, err)
		require.Len(t, page.Entries, 5)
		assert.Nil(t, page.Next)
		assert.Equal(t, "auth.sign_in_failed", page.Entries[0].Event, "newest first")
		del := page.Entries[1]
		assert.Equal(t, "record.deleted", del.Event)
		assert.Equal(t, "obj_1", del.ObjectID)
		assert.Equal(t, "0190b2a8-0000-7000-8000-000000000001", del.RecordID)
		assert.Equal(t, u.ID, del.ActorUserID)
		assert.Empty(t, del.ActorTokenID)
		assert.Equal(t, "192.0.2.7", del.Address)
		assert.Equal(t, t0.Add(3*time.Minute), del.At)
		assert.JSONEq(t, `{"n": 3}`, string(del.Detail))

		page, err = store.ListAudit(ctx, db, acme.ID, store.AuditQuery{Events: []string{"auth.sign_in"}})
		require.NoError(t, err)
		require.Len(t, page.Entries, 2)
		page, err = store.ListAudit(ctx, db, acme.ID, store.AuditQuery{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)})
		require.NoError(t, err)
		require.Len(t, page.Entries, 2)
		assert.Equal(t, "auth.sign_in", page.Entries[0].Event)
		assert.Equal(t, "token.created", page.Entries[1].Event)

		// Pages of two.
		var seen []string
		q := store.AuditQuery{Limit: 2}
		for {
			page, err := store.ListAudit(ctx, db, acme.ID, q)
			require.NoError(t, err)
			for _, e := range page.Entries {
				seen = append(seen, e.Event)
			}
			if page.Next == nil {
				break
			}
			cur, err := store.DecodeHistoryCursor(page.Next.Encode())
			require.NoError(t, err)
			q.After = cur
		}
		assert.Equal(t, []string{"auth.sign_in_failed", "record.deleted", "auth.sign_in", "token.created", "auth.sign_in"}, seen)

		// Tenants see their own entries only.
		page, err = store.ListAudit(ctx, db, beta.ID, store.AuditQuery{})
		require.NoError(t, err)
		require.Len(t, page.Entries, 1)
		assert.Equal(t, beta.ID, page.Entries[0].TenantID)
		assert.Nil(t, page.Entries[0].Detail)

		// Refusals.
		assert.ErrorIs(t, store.InsertAudit(ctx, db, &store.AuditEntry{TenantID: "0190b2a8-0000-7000-8000-000000000000", Event: "x"}), store.ErrNotFound)
		assert.Error(t, store.InsertAudit(ctx, db, &store.AuditEntry{TenantID: acme.ID}))
		assert.Error(t, store.InsertAudit(ctx, db, &store.AuditEntry{TenantID: acme.ID, Event: "x", Detail: json.RawMessage("{")}))
		assert.Error(t, store.InsertAudit(ctx, db, &store.AuditEntry{TenantID: acme.ID, Event: "x", ActorUserID: "bob"}))
		_, err = store.ListAudit(ctx, db, acme.ID, store.AuditQuery{After: &store.AuditCursor{ChangedAt: t0, ID: "x"}})
		assert.ErrorIs(t, err, store.ErrInvalidCursor)
	})
}
