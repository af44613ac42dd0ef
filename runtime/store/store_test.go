package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// newTenant creates a tenant for a test.
func newTenant(t *testing.T, db store.DB, name string) store.Tenant {
	t.Helper()
	ten, err := store.CreateTenant(context.Background(), db, name)
	require.NoError(t, err)
	return ten
}

// count returns the number of rows query (a SELECT count(*)) finds.
func count(t *testing.T, q store.Querier, query string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, q.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}
