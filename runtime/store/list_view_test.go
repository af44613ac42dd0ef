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

// TestListViews: a user sees the shared views of an object and their own,
// not another user's personal ones nor other objects' or tenants'; a view
// is found by id only where it is seen; deleting it twice is ErrNotFound;
// a view goes with its owner's tenant.
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
		shared, err := store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: bob.ID, ObjectID: "obj1", Name: "All open", Query: "expr=open", Shared: true})
		require.NoError(t, err)
		bobs, err := store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: bob.ID, ObjectID: "obj1", Name: "Bob's", Query: "q=x"})
		require.NoError(t, err)
		_, err = store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: ada.ID, ObjectID: "obj2", Name: "Elsewhere", Query: ""})
		require.NoError(t, err)
		_, err = store.InsertListView(ctx, db, store.ListView{TenantID: other.ID, UserID: eve.ID, ObjectID: "obj1", Name: "Globex", Query: "", Shared: true})
		require.NoError(t, err)

		views, err := store.ListViews(ctx, db, ten.ID, "obj1", ada.ID)
		require.NoError(t, err)
		require.Len(t, views, 2)
		assert.Equal(t, "All open", views[0].Name, "by name")
		assert.True(t, views[0].Shared)
		assert.Equal(t, mine.ID, views[1].ID)
		assert.Equal(t, "sort=-amount", views[1].Query)
		assert.Equal(t, ada.ID, views[1].UserID)
		assert.Equal(t, at.Truncate(time.Microsecond), views[1].CreatedAt)

		views, err = store.ListViews(ctx, db, ten.ID, "obj1", bob.ID)
		require.NoError(t, err)
		assert.Len(t, views, 2, "bob's own and the shared one, not ada's")

		got, err := store.ListViewByID(ctx, db, ten.ID, "obj1", ada.ID, shared.ID)
		require.NoError(t, err)
		assert.Equal(t, "expr=open", got.Query)
		_, err = store.ListViewByID(ctx, db, ten.ID, "obj1", ada.ID, bobs.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "another user's personal view")
		_, err = store.ListViewByID(ctx, db, ten.ID, "obj2", ada.ID, mine.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "another object's")
		_, err = store.ListViewByID(ctx, db, other.ID, "obj1", eve.ID, shared.ID)
		assert.ErrorIs(t, err, store.ErrNotFound, "another tenant's")
		_, err = store.ListViewByID(ctx, db, ten.ID, "obj1", ada.ID, "not-an-id")
		assert.ErrorIs(t, err, store.ErrNotFound)

		require.NoError(t, store.DeleteListView(ctx, db, ten.ID, "obj1", mine.ID))
		assert.ErrorIs(t, store.DeleteListView(ctx, db, ten.ID, "obj1", mine.ID), store.ErrNotFound)
		assert.ErrorIs(t, store.DeleteListView(ctx, db, other.ID, "obj1", shared.ID), store.ErrNotFound, "another tenant's")
		views, err = store.ListViews(ctx, db, ten.ID, "obj1", ada.ID)
		require.NoError(t, err)
		require.Len(t, views, 1)
		assert.Equal(t, shared.ID, views[0].ID)

		_, err = store.InsertListView(ctx, db, store.ListView{TenantID: ten.ID, UserID: eve.ID, ObjectID: "obj1", Name: "x"})
		assert.Error(t, err, "a user of another tenant owns no view here")
	})
}
