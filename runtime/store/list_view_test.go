package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestListViews: a user sees their own views of an object, not another
// user's nor other objects' or tenants'; a view is found and deleted by id
// only by its owner; deleting it twice is ErrNotFound; a view needs an
// owner of its tenant.
func TestListViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		ten := newTenant(t, db, "acme")
		other := newTenant(t, db, "globex")
		ada, err := store.CreateUser(ctx, db, store.NewUser{TenantID: ten.ID, Email: "ada@example.com", Role: "standard"})
		require.NoError(t, err)
		bob, err := store.CreateUser(ctx, db, store.NewUser{TenantID: ten.ID, Email: "bob@example.com", Role: "standard"})
		require.NoError(t, err)
		eve, err := store.CreateUser(ctx, db, store.NewUser{TenantID: other.ID, Email: "eve@example.com", Role: "standard"})
		require.NoError(t, err)

		at := time.Date(2025, 2, 28, 9, 30, 0, 123456789, time.UTC)
		mine, err := store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: ada.ID, ObjectID: "obj1", Name: "Mine", Query: "sort=-amount", CreatedAt: at})
		require.NoError(t, err)
		assert.NotEmpty(t, mine.ID)
		open, err := store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: ada.ID, ObjectID: "obj1", Name: "All open", Query: "expr=open"})
		require.NoError(t, err)
		bobs, err := store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: bob.ID, ObjectID: "obj1", Name: "Bob's", Query: "q=x"})
		require.NoError(t, err)
		_, err = store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: ada.ID, ObjectID: "obj2", Name: "Elsewhere", Query: ""})
		require.NoError(t, err)
		eves, err := store.InsertListView(ctx, db, store.ListView{TenantID: other.ID, UserID: eve.ID, ObjectID: "obj1", Name: "Globex", Query: ""})
		require.NoError(t, err)

		views, err := store.ListViews(ctx, db, ten.ID, "obj1", ada.ID)
		require.NoError(t, err)
		require.Len(t, views, 2)
		assert.Equal(t, open.ID, views[0].ID, "by name")
		assert.Equal(t, mine.ID, views[1].ID)
		assert.Equal(t, "sort=-amount", views[1].Query)
		assert.Equal(t, ada.ID, views[1].UserID)
		assert.Equal(t, at.Truncate(time.Microsecond), views[1].CreatedAt)

		views, err = store.ListViews(ctx, db, ten.ID, "obj1", bob.ID)
		require.NoError(t, err)
		require.Len(t, views, 1, "bob's own, not ada's")
		assert.Equal(t, bobs.ID, views[0].ID)

		got, err := store.ListViewByID(ctx, db, ten.ID, "obj1", ada.ID, open.ID)
		require.NoError(t, err)
		assert.Equal(t, "expr=open", got.Query)
		_, err = store.ListViewByID(ctx, db, ten.ID, "obj1", ada.ID, bobs.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "another user's view")
		_, err = store.ListViewByID(ctx, db, ten.ID, "obj2", ada.ID, mine.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "another object's")
		_, err = store.ListViewByID(ctx, db, ten.ID, "obj1", ada.ID, eves.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "another tenant's")
		_, err = store.ListViewByID(ctx, db, ten.ID, "obj1", ada.ID, "not-an-id")
		assert.ErrorIs(t, err, store.ErrNotFound)

		assert.ErrorIs(t, store.DeleteListView(ctx, db, ten.ID, "obj1", bob.ID, mine.ID), store.ErrNotFound, "not bob's to delete")
		require.NoError(t, store.DeleteListView(ctx, db, ten.ID, "obj1", ada.ID, mine.ID))
		assert.ErrorIs(t, store.DeleteListView(ctx, db, ten.ID, "obj1", ada.ID, mine.ID), store.ErrNotFound)
		assert.ErrorIs(t, store.DeleteListView(ctx, db, ten.ID, "obj1", eve.ID, eves.ID), store.ErrNotFound, "another tenant's")
		views, err = store.ListViews(ctx, db, ten.ID, "obj1", ada.ID)
		require.NoError(t, err)
		require.Len(t, views, 1)
		assert.Equal(t, open.ID, views[0].ID)

		_, err = store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: eve.ID, ObjectID: "obj1", Name: "x"})
		assert.Error(t, err, "a user of another tenant owns no view here")
	})
}
