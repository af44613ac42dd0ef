// Package store is Mosaic's storage: one interface over embedded SQLite and
// PostgreSQL, the system tables (tenants, users, API tokens, sessions, the
// audit log, metadata revisions, counters, field history) and their
// migrations. Record SQL is built by the engine from the
// compiled metadata and run through DB.
package store

import (
	"context"

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// Querier runs SQL. Implemented by DB (outside a transaction) and Tx.
//
// SQL may number its parameters either as the dialect does or as $1, $2…,
// which SQLite accepts too. Arguments are what dialect.Arg returns, or
// plain Go values; a time.Time argument is stored on SQLite as UTC text in
// dialect.DateTimeLayout, which sorts and compares like the instants it
// stands for. Errors map to ErrNotFound, ErrConflict and *ConstraintError
// on both stores.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Query runs a query. The caller must Close the rows.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// QueryRow runs a query expected to return at most one row; Scan returns
	// ErrNotFound when it returned none.
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Rows is the result of a query.
type Rows interface {
	Next() bool
	// Scan copies the current row into dest (pointers to string, int64,
	// bool, float64, time.Time, []byte, any, or their sql.Null forms; a
	// **time.Time is set to nil for NULL). Times come back in UTC on both
	// stores, also from SQLite text columns.
	Scan(dest ...any) error
	// Values returns the current row as driver values, to be converted by
	// dialect.Value.
	Values() ([]any, error)
	Err() error
	Close()
}

// Row is the result of QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a transaction in progress.
type Tx interface {
	Querier
}

// DB is a connection to one database, SQLite or PostgreSQL.
type DB interface {
	Querier
	// Dialect is the SQL flavour of the database.
	Dialect() dialect.Dialect
	// InTx runs fn in a transaction, committing when fn returns nil and
	// rolling back otherwise (or on panic). On SQLite write transactions are
	// serialized (BEGIN IMMEDIATE on a single writer connection). Inside
	// fn, write through tx only: a write through the DB (Exec, a non-SELECT
	// Query, InTx, InSchemaTx) with fn's context is refused with an error
	// on both stores, as on SQLite it would wait forever for the writer
	// connection that tx holds.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// InSchemaTx is InTx for transactions that change tables (DDL). On
	// SQLite it turns foreign key enforcement off around the transaction and
	// runs PRAGMA foreign_key_check before commit, as SQLite's documented
	// procedure for rebuilding tables requires; on PostgreSQL it is InTx.
	InSchemaTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
}
