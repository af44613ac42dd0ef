package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestQuerier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		require.NoError(t, db.Ping(ctx))
		table := noteTable(t, db)

		// Exec reports the rows it affected.
		for _, body := range []string{"a", "b", "c"} {
			n, err := db.Exec(ctx, "INSERT INTO "+table+" (body) VALUES ($1)", body)
			require.NoError(t, err)
			assert.EqualValues(t, 1, n)
		}
		n, err := db.Exec(ctx, "UPDATE "+table+" SET body = body || $1 WHERE body <> $2", "!", "c")
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)

		// Query returns rows in order.
		rows, err := db.Query(ctx, "SELECT body FROM "+table+" ORDER BY body")
		require.NoError(t, err)
		var bodies []string
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			bodies = append(bodies, s)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, []string{"a!", "b!", "c"}, bodies)

		// QueryRow with no row gives ErrNotFound.
		var s string
		err = db.QueryRow(ctx, "SELECT body FROM "+table+" WHERE body = $1", "zzz").Scan(&s)
		assert.ErrorIs(t, err, store.ErrNotFound)

		// INSERT … RETURNING outside a transaction.
		require.NoError(t, db.QueryRow(ctx, "INSERT INTO "+table+" (body) VALUES ($1) RETURNING body", "d").Scan(&s))
		assert.Equal(t, "d", s)
		rows, err = db.Query(ctx, "INSERT INTO "+table+" (body) VALUES ($1) RETURNING body", "e")
		require.NoError(t, err)
		require.True(t, rows.Next())
		require.NoError(t, rows.Scan(&s))
		rows.Close()
		assert.Equal(t, "e", s)
		assert.EqualValues(t, 5, count(t, db, "SELECT count(*) FROM "+table))

		// A statement error is reported (with context), not a panic.
		_, err = db.Exec(ctx, "INSERT INTO no_such_table (x) VALUES (1)")
		assert.Error(t, err)
		_, err = db.Query(ctx, "SELECT * FROM no_such_table")
		assert.Error(t, err)
	})
}

func TestScanTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		var (
			name      string
			created   time.Time
			createdP  *time.Time
			nullP     *time.Time
			nullTime  sql.NullTime
			nullStr   sql.NullString
			nullInt   sql.NullInt64
			n         int64
			f         float64
			b         bool
			raw       []byte
			anything  any
			textAsTim time.Time
		)
		// The last column is a time written as text by an expression: only
		// the store's own conversion can turn it into a time.Time.
		err := db.QueryRow(ctx, `SELECT name, created_at, created_at, NULL, created_at, NULL, NULL, 42, 1.5, 1 = 1, name, name,
			'2024-02-29T10:11:12.123456Z'
			FROM tenants WHERE id = $1`, acme.ID).
			Scan(&name, &created, &createdP, &nullP, &nullTime, &nullStr, &nullInt, &n, &f, &b, &raw, &anything, &textAsTim)
		require.NoError(t, err)
		assert.Equal(t, "acme", name)
		assert.Equal(t, acme.CreatedAt, created)
		assert.Equal(t, time.UTC, created.Location())
		require.NotNil(t, createdP)
		assert.Equal(t, acme.CreatedAt, *createdP)
		assert.Nil(t, nullP)
		assert.Equal(t, sql.NullTime{Time: acme.CreatedAt, Valid: true}, nullTime)
		assert.False(t, nullStr.Valid)
		assert.False(t, nullInt.Valid)
		assert.EqualValues(t, 42, n)
		assert.InDelta(t, 1.5, f, 0)
		assert.True(t, b)
		assert.Equal(t, []byte("acme"), raw)
		assert.Equal(t, "acme", anything)
		assert.Equal(t, time.Date(2024, 2, 29, 10, 11, 12, 123456000, time.UTC), textAsTim)

		// A time argument compares with stored times on both stores.
		assert.EqualValues(t, 1, count(t, db, "SELECT count(*) FROM tenants WHERE created_at = $1", acme.CreatedAt))
		assert.EqualValues(t, 1, count(t, db, "SELECT count(*) FROM tenants WHERE created_at > $1", acme.CreatedAt.Add(-time.Microsecond)))
		assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM tenants WHERE created_at > $1", acme.CreatedAt.In(time.FixedZone("X", 7200))))
	})
}

func TestOpenAndMigrate(t *testing.T) {
	ctx := context.Background()
	_, err := store.Open(ctx, store.Config{})
	assert.Error(t, err)

	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	require.NoError(t, err)
	_, err = store.CreateTenant(ctx, db, "acme")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	// Reopening migrates nothing and keeps the data.
	db, err = store.Open(ctx, store.Config{DataDir: dir})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, store.Migrate(ctx, db))
	_, err = store.TenantByName(ctx, db, "acme")
	require.NoError(t, err)

	storetest.Each(t, func(t *testing.T, db store.DB) {
		require.NoError(t, store.Migrate(ctx, db), "migrating a migrated database is a no-op")
	})
}
