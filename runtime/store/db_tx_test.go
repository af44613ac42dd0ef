package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// noteTable creates a one-column table for transaction tests.
func noteTable(t *testing.T, db store.DB) string {
	t.Helper()
	ten := newTenant(t, db, "acme")
	table := db.Dialect().Table(ten.Schema, "note")
	require.NoError(t, db.InSchemaTx(context.Background(), func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Exec(ctx, "CREATE TABLE "+table+" (body text NOT NULL)")
		return err
	}))
	return table
}

func TestInTxCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		table := noteTable(t, db)
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO "+table+" (body) VALUES ($1)", "one"); err != nil {
				return err
			}
			// The transaction sees its own write.
			assert.EqualValues(t, 1, count(t, tx, "SELECT count(*) FROM "+table))
			return nil
		}))
		assert.EqualValues(t, 1, count(t, db, "SELECT count(*) FROM "+table))
	})
}

func TestInTxRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		table := noteTable(t, db)
		insert := func(ctx context.Context, tx store.Tx) {
			_, err := tx.Exec(ctx, "INSERT INTO "+table+" (body) VALUES ($1)", "lost")
			require.NoError(t, err)
		}

		t.Run("error", func(t *testing.T) {
			errBoom := errors.New("boom")
			err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
				insert(ctx, tx)
				return errBoom
			})
			assert.ErrorIs(t, err, errBoom)
			assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM "+table))
		})

		t.Run("panic", func(t *testing.T) {
			assert.PanicsWithValue(t, "boom", func() {
				_ = db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
					insert(ctx, tx)
					panic("boom")
				})
			})
			assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM "+table))
			// The connection was given back: the next write goes through.
			_, err := db.Exec(ctx, "INSERT INTO "+table+" (body) VALUES ($1)", "after")
			require.NoError(t, err)
		})

		t.Run("failed statement", func(t *testing.T) {
			err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
				insert(ctx, tx)
				_, err := tx.Exec(ctx, "INSERT INTO "+table+" (body) VALUES ($1)", nil)
				return err
			})
			var ce *store.ConstraintError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, store.ConstraintNotNull, ce.Kind)
			assert.EqualValues(t, 1, count(t, db, "SELECT count(*) FROM "+table)) // "after"
		})
	})
}

func TestInTxRefusesWritesThroughDB(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		table := noteTable(t, db)
		err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			// Reads through the DB are allowed (they do not see the
			// transaction's writes); writes would deadlock on SQLite.
			assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM "+table))
			_, err := db.Exec(ctx, "INSERT INTO "+table+" (body) VALUES ($1)", "x")
			assert.Error(t, err)
			var s string
			assert.Error(t, db.QueryRow(ctx, "INSERT INTO "+table+" (body) VALUES ($1) RETURNING body", "x").Scan(&s))
			assert.Error(t, db.InTx(ctx, func(context.Context, store.Tx) error { return nil }))
			assert.Error(t, db.InSchemaTx(ctx, func(context.Context, store.Tx) error { return nil }))
			return nil
		})
		require.NoError(t, err)
		assert.EqualValues(t, 0, count(t, db, "SELECT count(*) FROM "+table))
	})
}

func TestInSchemaTxRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		d := db.Dialect()
		ten := newTenant(t, db, "acme")
		table := d.Table(ten.Schema, "ghost")
		exists := func() bool {
			_, err := db.Exec(ctx, "INSERT INTO "+table+" (id) VALUES (1)")
			return err == nil
		}

		t.Run("error after DDL", func(t *testing.T) {
			errBoom := errors.New("boom")
			err := db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
				if _, err := tx.Exec(ctx, "CREATE TABLE "+table+" (id integer)"); err != nil {
					return err
				}
				return errBoom
			})
			assert.ErrorIs(t, err, errBoom)
			assert.False(t, exists())
		})

		t.Run("failing DDL statement", func(t *testing.T) {
			err := db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
				if _, err := tx.Exec(ctx, "CREATE TABLE "+table+" (id integer)"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "CREATE TABLE "+table+" (id integer)") // already exists
				return err
			})
			assert.Error(t, err)
			assert.False(t, exists())
		})

		t.Run("panic", func(t *testing.T) {
			assert.Panics(t, func() {
				_ = db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
					_, err := tx.Exec(ctx, "CREATE TABLE "+table+" (id integer)")
					require.NoError(t, err)
					panic("boom")
				})
			})
			assert.False(t, exists())
		})

		t.Run("commit", func(t *testing.T) {
			require.NoError(t, db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.Exec(ctx, "CREATE TABLE "+table+" (id integer)")
				return err
			}))
			assert.True(t, exists())
		})
	})
}

// TestInSchemaTxRebuild follows SQLite's procedure for changes ALTER TABLE
// cannot make: create the new table, copy, drop the old one, rename. The
// children's foreign keys must keep pointing at (and being enforced
// against) the rebuilt table, and a rebuild that loses referenced rows must
// be refused.
func TestInSchemaTxRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		if db.Dialect().Name() != "sqlite" {
			t.Skip("table rebuilds are SQLite's way of altering tables")
		}
		ctx := context.Background()
		d := db.Dialect()
		ten := newTenant(t, db, "acme")
		parent, child := d.Table(ten.Schema, "account"), d.Table(ten.Schema, "contact")
		parentNew := d.Table(ten.Schema, "account_new")
		require.NoError(t, db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
			for _, s := range []string{
				"CREATE TABLE " + parent + " (id TEXT PRIMARY KEY, name TEXT)",
				"CREATE TABLE " + child + " (id TEXT PRIMARY KEY, account_id TEXT REFERENCES " + parent + " (id))",
				"INSERT INTO " + parent + " (id, name) VALUES ('a1', 'Acme'), ('a2', 'Beta')",
				"INSERT INTO " + child + " (id, account_id) VALUES ('c1', 'a1')",
			} {
				if _, err := tx.Exec(ctx, s); err != nil {
					return err
				}
			}
			return nil
		}))
		rebuild := func(where string) error {
			return db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
				for _, s := range []string{
					"CREATE TABLE " + parentNew + " (id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT)",
					"INSERT INTO " + parentNew + " (id, name) SELECT id, name FROM " + parent + where,
					"DROP TABLE " + parent,
					"ALTER TABLE " + parentNew + " RENAME TO " + parent,
				} {
					if _, err := tx.Exec(ctx, s); err != nil {
						return err
					}
				}
				return nil
			})
		}

		// A rebuild that drops a referenced row is refused and undone.
		err := rebuild(" WHERE id <> 'a1'")
		var ce *store.ConstraintError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, store.ConstraintForeignKey, ce.Kind)
		assert.Equal(t, ten.Schema+"__contact", ce.Table)
		assert.EqualValues(t, 2, count(t, db, "SELECT count(*) FROM "+parent))

		require.NoError(t, rebuild(""))
		assert.EqualValues(t, 2, count(t, db, "SELECT count(*) FROM "+parent))
		_, err = db.Exec(ctx, "UPDATE "+parent+" SET region = 'EU'")
		require.NoError(t, err, "the new column exists")

		// Foreign keys are enforced again, against the rebuilt table.
		_, err = db.Exec(ctx, "INSERT INTO "+child+" (id, account_id) VALUES ('c2', 'missing')")
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, store.ConstraintForeignKey, ce.Kind)
		_, err = db.Exec(ctx, "INSERT INTO "+child+" (id, account_id) VALUES ('c3', 'a2')")
		require.NoError(t, err)
		_, err = db.Exec(ctx, "DELETE FROM "+parent+" WHERE id = 'a1'")
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, store.ConstraintForeignKey, ce.Kind)
	})
}
