package store_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// insertHistory writes rows in one transaction.
func insertHistory(t *testing.T, db store.DB, rows ...store.FieldChange) {
	t.Helper()
	require.NoError(t, db.InTx(context.Background(), func(ctx context.Context, tx store.Tx) error {
		return store.InsertFieldHistory(ctx, tx, rows)
	}))
}

// historyOf reads a record's whole history page by page with the given page
// size, through encoded cursors, as a client would.
func historyOf(t *testing.T, db store.DB, tenantID, objectID, recordID string, limit int) []store.FieldChange {
	t.Helper()
	var out []store.FieldChange
	var after *store.HistoryCursor
	for page := 0; ; page++ {
		require.Less(t, page, 1000, "too many pages")
		p, err := store.ListFieldHistory(context.Background(), db, tenantID, objectID, recordID, after, limit)
		require.NoError(t, err)
		if limit > 0 {
			assert.LessOrEqual(t, len(p.Changes), limit)
		}
		out = append(out, p.Changes...)
		if p.Next == nil {
			return out
		}
		after, err = store.DecodeHistoryCursor(p.Next.Encode())
		require.NoError(t, err)
	}
}

func historyIDs(rows []store.FieldChange) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func TestFieldHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		object, other, record, field := newID(), newID(), newID(), newID()
		t0 := time.Date(2025, 3, 30, 1, 59, 59, 999999000, time.FixedZone("CET", 3600))
		row := func(tenantID, objectID string, at time.Time, oldV, newV string) store.FieldChange {
			r := store.FieldChange{ID: newID(), TenantID: tenantID, ObjectID: objectID, RecordID: record, FieldID: field,
				FieldName: "amount", ChangedBy: "tok", ChangedAt: at}
			if oldV != "" {
				r.OldValue = json.RawMessage(oldV)
			}
			if newV != "" {
				r.NewValue = json.RawMessage(newV)
			}
			return r
		}
		// Created, then changed three times; the last change wrote two rows
		// at one instant. The ids are not in time order: the time decides.
		created := row(acme.ID, object, t0, "", `10.00`)
		created.ChangedBy = ""
		c1 := row(acme.ID, object, t0.Add(time.Microsecond), `10.00`, `12345678901234567890.12`)
		c2 := row(acme.ID, object, t0.Add(time.Hour), `12345678901234567890.12`, "")
		c3a := row(acme.ID, object, t0.Add(2*time.Hour), `["a","b"]`, `["b"]`)
		c3b := row(acme.ID, object, t0.Add(2*time.Hour), `"x"`, `"y <&> \"z\""`)
		c3a.ID, c3b.ID = newID(), newID()
		insertHistory(t, db, c2, created)
		insertHistory(t, db, c3a, c3b, c1)
		// The same record id in another tenant and under another object.
		insertHistory(t, db, row(beta.ID, object, t0.Add(3*time.Hour), "", `"beta"`), row(acme.ID, other, t0.Add(3*time.Hour), "", `"other"`))
		// A rolled-back change leaves nothing.
		err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			require.NoError(t, store.InsertFieldHistory(ctx, tx, []store.FieldChange{row(acme.ID, object, t0.Add(4*time.Hour), "", `1`)}))
			return fmt.Errorf("refused")
		})
		require.Error(t, err)

		want := []string{c3b.ID, c3a.ID, c2.ID, c1.ID, created.ID}
		all := historyOf(t, db, acme.ID, object, record, 0)
		require.Equal(t, want, historyIDs(all), "newest first, the id breaking ties")
		for _, limit := range []int{1, 2, 4, 5, 200} {
			assert.Equal(t, want, historyIDs(historyOf(t, db, acme.ID, object, record, limit)), "limit %d", limit)
		}

		got := all[4]
		assert.Equal(t, acme.ID, got.TenantID)
		assert.Equal(t, object, got.ObjectID)
		assert.Equal(t, record, got.RecordID)
		assert.Equal(t, field, got.FieldID)
		assert.Equal(t, "amount", got.FieldName)
		assert.Nil(t, got.OldValue, "no old value on create")
		assert.Equal(t, "10.00", string(got.NewValue), "decimals keep their scale")
		assert.Empty(t, got.ChangedBy)
		assert.Equal(t, t0.UTC(), got.ChangedAt)
		assert.Equal(t, "12345678901234567890.12", string(all[3].NewValue), "decimals stay exact")
		assert.Equal(t, "tok", all[3].ChangedBy)
		assert.Nil(t, all[2].NewValue)
		assert.JSONEq(t, `["a","b"]`, string(all[1].OldValue))
		assert.JSONEq(t, `"y <&> \"z\""`, string(all[0].NewValue))

		// Each tenant and object sees its own rows only.
		betaRows := historyOf(t, db, beta.ID, object, record, 0)
		require.Len(t, betaRows, 1)
		assert.JSONEq(t, `"beta"`, string(betaRows[0].NewValue))
		assert.Len(t, historyOf(t, db, acme.ID, other, record, 0), 1)
		assert.Empty(t, historyOf(t, db, acme.ID, object, newID(), 0))
		assert.Empty(t, historyOf(t, db, newID(), object, record, 0))
		assert.Empty(t, historyOf(t, db, "not-a-uuid", object, record, 0))
		assert.Empty(t, historyOf(t, db, acme.ID, object, "not-a-uuid", 0))

		// Deleting the record's history leaves other tenants' and objects'.
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return store.DeleteRecordHistory(ctx, tx, acme.ID, object, record)
		}))
		assert.Empty(t, historyOf(t, db, acme.ID, object, record, 0))
		assert.Len(t, historyOf(t, db, beta.ID, object, record, 0), 1)
		assert.Len(t, historyOf(t, db, acme.ID, other, record, 0), 1)

		// Deleting an object's history likewise.
		insertHistory(t, db, row(acme.ID, other, t0, "", `1`))
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return store.DeleteObjectHistory(ctx, tx, acme.ID, other)
		}))
		assert.Empty(t, historyOf(t, db, acme.ID, other, record, 0))
		assert.Len(t, historyOf(t, db, beta.ID, object, record, 0), 1)
	})
}

func TestFieldHistoryLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		object, record, field := newID(), newID(), newID()
		at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		rows := make([]store.FieldChange, 205)
		for i := range rows {
			// One statement takes at most 100 rows: 205 need three.
			rows[i] = store.FieldChange{TenantID: acme.ID, ObjectID: object, RecordID: record, FieldID: field, FieldName: "n",
				NewValue: json.RawMessage(fmt.Sprint(i)), ChangedAt: at.Add(time.Duration(i) * time.Second)}
		}
		insertHistory(t, db, rows...)
		for i, r := range rows {
			require.NotEmpty(t, r.ID, "row %d got an id", i)
		}

		p, err := store.ListFieldHistory(ctx, db, acme.ID, object, record, nil, 0)
		require.NoError(t, err)
		assert.Len(t, p.Changes, store.DefaultHistoryLimit)
		assert.Equal(t, "204", string(p.Changes[0].NewValue))
		require.NotNil(t, p.Next)
		p, err = store.ListFieldHistory(ctx, db, acme.ID, object, record, nil, 1000)
		require.NoError(t, err)
		assert.Len(t, p.Changes, store.MaxHistoryLimit)
		require.NotNil(t, p.Next)
		p, err = store.ListFieldHistory(ctx, db, acme.ID, object, record, p.Next, 1000)
		require.NoError(t, err)
		assert.Len(t, p.Changes, 5)
		assert.Equal(t, "0", string(p.Changes[4].NewValue))
		assert.Nil(t, p.Next)
		assert.Len(t, historyOf(t, db, acme.ID, object, record, 7), 205)
	})
}

func TestFieldHistoryRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		good := func() store.FieldChange {
			return store.FieldChange{TenantID: acme.ID, ObjectID: newID(), RecordID: newID(), FieldID: newID(), FieldName: "f",
				NewValue: json.RawMessage(`1`), ChangedAt: time.Now()}
		}
		bad := map[string]func(r *store.FieldChange){
			"unknown tenant":   func(r *store.FieldChange) { r.TenantID = newID() },
			"malformed tenant": func(r *store.FieldChange) { r.TenantID = "acme" },
			"malformed record": func(r *store.FieldChange) { r.RecordID = "1" },
			"no field id":      func(r *store.FieldChange) { r.FieldID = "" },
			"no time":          func(r *store.FieldChange) { r.ChangedAt = time.Time{} },
			"not JSON":         func(r *store.FieldChange) { r.OldValue = json.RawMessage(`{`) },
		}
		for name, spoil := range bad {
			t.Run(name, func(t *testing.T) {
				r := good()
				spoil(&r)
				err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
					return store.InsertFieldHistory(ctx, tx, []store.FieldChange{good(), r})
				})
				require.Error(t, err)
				if name == "unknown tenant" || name == "malformed tenant" {
					assert.ErrorIs(t, err, store.ErrNotFound)
				}
			})
		}
		assert.Equal(t, int64(0), count(t, db, "SELECT count(*) FROM field_history"), "a refused row writes none of its batch")

		for _, c := range []string{"", "!", "e30", base64.RawURLEncoding.EncodeToString([]byte(`{"t":"yesterday","i":"` + newID() + `"}`)),
			base64.RawURLEncoding.EncodeToString([]byte(`{"t":"2025-01-01T00:00:00Z","i":"x"}`))} {
			_, err := store.DecodeHistoryCursor(c)
			assert.ErrorIs(t, err, store.ErrInvalidCursor, "cursor %q", c)
		}
		_, err := store.ListFieldHistory(ctx, db, acme.ID, newID(), newID(), &store.HistoryCursor{ChangedAt: time.Now(), ID: "x"}, 0)
		assert.ErrorIs(t, err, store.ErrInvalidCursor)
	})
}
