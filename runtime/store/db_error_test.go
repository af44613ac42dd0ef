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

// constraintTables creates a parent and a child table in the tenant's
// namespace and returns their qualified names.
func constraintTables(t *testing.T, db store.DB) (parent, child, rawParent, rawChild string) {
	t.Helper()
	ctx := context.Background()
	d := db.Dialect()
	ten := newTenant(t, db, "acme")
	parent, child = d.Table(ten.Schema, "account"), d.Table(ten.Schema, "contact")
	rawParent, rawChild = "account", "contact"
	if d.Name() == "sqlite" {
		rawParent, rawChild = ten.Schema+"__account", ten.Schema+"__contact"
	}
	text := "text"
	if d.Name() == "sqlite" {
		text = "TEXT"
	}
	require.NoError(t, db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
		for _, ddl := range []string{
			"CREATE TABLE " + parent + " (id " + text + " PRIMARY KEY, email " + text + " NOT NULL, code " + text + ", amount integer CHECK (amount >= 0))",
			"CREATE UNIQUE INDEX account_email_key ON " + parent + " (email)",
			"CREATE TABLE " + child + " (id " + text + " PRIMARY KEY, account_id " + text + " REFERENCES " + parent + " (id))",
		} {
			if _, err := tx.Exec(ctx, ddl); err != nil {
				return err
			}
		}
		return nil
	}))
	return parent, child, rawParent, rawChild
}

func TestConstraintErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		sqlite := db.Dialect().Name() == "sqlite"
		parent, child, rawParent, rawChild := constraintTables(t, db)
		_, err := db.Exec(ctx, "INSERT INTO "+parent+" (id, email, amount) VALUES ($1, $2, $3)", "a1", "a@example.com", 1)
		require.NoError(t, err)
		_, err = db.Exec(ctx, "INSERT INTO "+child+" (id, account_id) VALUES ($1, $2)", "c1", "a1")
		require.NoError(t, err)

		tests := []struct {
			name string
			sql  string
			args []any
			want store.ConstraintError // Err is not compared
		}{
			{
				name: "unique index",
				sql:  "INSERT INTO " + parent + " (id, email) VALUES ($1, $2)", args: []any{"a2", "a@example.com"},
				want: pick(sqlite,
					store.ConstraintError{Kind: store.ConstraintUnique, Table: rawParent, Column: "email"},
					store.ConstraintError{Kind: store.ConstraintUnique, Constraint: "account_email_key", Table: rawParent, Column: "email"}),
			},
			{
				name: "primary key",
				sql:  "INSERT INTO " + parent + " (id, email) VALUES ($1, $2)", args: []any{"a1", "b@example.com"},
				want: pick(sqlite,
					store.ConstraintError{Kind: store.ConstraintUnique, Table: rawParent, Column: "id"},
					store.ConstraintError{Kind: store.ConstraintUnique, Constraint: "account_pkey", Table: rawParent, Column: "id"}),
			},
			{
				name: "foreign key on insert",
				sql:  "INSERT INTO " + child + " (id, account_id) VALUES ($1, $2)", args: []any{"c2", "missing"},
				want: pick(sqlite,
					store.ConstraintError{Kind: store.ConstraintForeignKey},
					store.ConstraintError{Kind: store.ConstraintForeignKey, Constraint: "contact_account_id_fkey", Table: rawChild, Column: "account_id"}),
			},
			{
				name: "foreign key on delete",
				sql:  "DELETE FROM " + parent + " WHERE id = $1", args: []any{"a1"},
				want: pick(sqlite,
					store.ConstraintError{Kind: store.ConstraintForeignKey},
					store.ConstraintError{Kind: store.ConstraintForeignKey, Constraint: "contact_account_id_fkey", Table: rawChild}),
			},
			{
				name: "not null",
				sql:  "INSERT INTO " + parent + " (id, email) VALUES ($1, $2)", args: []any{"a3", nil},
				want: pick(sqlite,
					store.ConstraintError{Kind: store.ConstraintNotNull, Table: rawParent, Column: "email"},
					store.ConstraintError{Kind: store.ConstraintNotNull, Table: rawParent, Column: "email"}),
			},
			{
				name: "check",
				sql:  "INSERT INTO " + parent + " (id, email, amount) VALUES ($1, $2, $3)", args: []any{"a4", "d@example.com", -1},
				want: pick(sqlite,
					store.ConstraintError{Kind: store.ConstraintCheck, Constraint: "amount >= 0"},
					store.ConstraintError{Kind: store.ConstraintCheck, Constraint: "account_amount_check", Table: rawParent}),
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				check := func(t *testing.T, err error) {
					t.Helper()
					var ce *store.ConstraintError
					require.ErrorAs(t, err, &ce)
					assert.Error(t, ce.Err, "the driver error is kept")
					got := *ce
					got.Err = nil
					assert.Equal(t, tc.want, got)
					assert.NotContains(t, err.Error(), "%!")
				}
				t.Run("exec", func(t *testing.T) {
					_, err := db.Exec(ctx, tc.sql, tc.args...)
					check(t, err)
				})
				t.Run("in transaction", func(t *testing.T) {
					err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
						_, err := tx.Exec(ctx, tc.sql, tc.args...)
						return err
					})
					check(t, err)
				})
				t.Run("returning", func(t *testing.T) {
					if tc.name == "foreign key on delete" {
						return
					}
					var id string
					err := db.QueryRow(ctx, tc.sql+" RETURNING id", tc.args...).Scan(&id)
					check(t, err)
				})
			})
		}
	})
}

func pick(sqlite bool, onSQLite, onPostgres store.ConstraintError) store.ConstraintError {
	if sqlite {
		return onSQLite
	}
	return onPostgres
}

func TestConstraintErrorMessage(t *testing.T) {
	err := &store.ConstraintError{Kind: store.ConstraintUnique, Constraint: "account_email_key", Table: "account", Column: "email", Err: errors.New("driver says no")}
	assert.Equal(t, "store: unique constraint violated (account_email_key) on account.email: driver says no", err.Error())
	err = &store.ConstraintError{Kind: store.ConstraintForeignKey}
	assert.Equal(t, "store: foreign key constraint violated", err.Error())
}
