package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// postgresDB is the production store: a pgx connection pool.
type postgresDB struct {
	pool *pgxpool.Pool
}

var _ DB = (*postgresDB)(nil)

// OpenPostgres connects to the PostgreSQL database at url (a postgres://
// URL or a keyword/value connection string, with pgxpool's pool_* settings
// allowed). Sessions run with time zone UTC unless the URL sets one, so
// that server-side date arithmetic matches SQLite. It does not migrate the
// database; Open does.
func OpenPostgres(ctx context.Context, url string) (DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: parse url: %w", err)
	}
	hasTimeZone := false
	for k := range cfg.ConnConfig.RuntimeParams {
		hasTimeZone = hasTimeZone || strings.EqualFold(k, "timezone")
	}
	if !hasTimeZone {
		cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: postgres: connect: %w", err)
	}
	return &postgresDB{pool: pool}, nil
}

// Dialect implements DB.
func (db *postgresDB) Dialect() dialect.Dialect { return dialect.Postgres{} }

// Exec implements Querier.
func (db *postgresDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if err := checkNotInTx(ctx, db); err != nil {
		return 0, err
	}
	return pgExec(ctx, db.pool, query, args)
}

// Query implements Querier.
func (db *postgresDB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if !isRead(query) {
		if err := checkNotInTx(ctx, db); err != nil {
			return nil, err
		}
	}
	return pgQuery(ctx, db.pool, query, args)
}

// QueryRow implements Querier.
func (db *postgresDB) QueryRow(ctx context.Context, query string, args ...any) Row {
	if !isRead(query) {
		if err := checkNotInTx(ctx, db); err != nil {
			return errRow{err}
		}
	}
	return pgRow{db.pool.QueryRow(ctx, query, args...)}
}

// InTx implements DB (isolation READ COMMITTED, PostgreSQL's default).
//
// A transaction that PostgreSQL aborts as a deadlock victim or for a
// serialization failure (ErrConflict) is run again, up to MaxTxAttempts
// times in all: fn must not keep state outside the database between runs.
func (db *postgresDB) InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	var err error
	for attempt := 1; attempt <= MaxTxAttempts; attempt++ {
		err = db.inTxOnce(ctx, fn)
		if !errors.Is(err, ErrConflict) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
	return err
}

// MaxTxAttempts bounds how often a transaction aborted by a deadlock or a
// serialization failure is run.
const MaxTxAttempts = 3

func (db *postgresDB) inTxOnce(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	if err := checkNotInTx(ctx, db); err != nil {
		return err
	}
	pgTx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", mapPgErr(err))
	}
	commit := func() error { return mapPgErr(pgTx.Commit(ctx)) }
	rollback := func() error {
		err := pgTx.Rollback(context.WithoutCancel(ctx))
		if errors.Is(err, pgx.ErrTxClosed) {
			return nil
		}
		return err
	}
	return runTx(withTx(ctx, db), postgresTx{pgTx}, fn, commit, rollback)
}

// InSchemaTx implements DB. PostgreSQL has transactional DDL, so it is InTx.
func (db *postgresDB) InSchemaTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	return db.InTx(ctx, fn)
}

// StatementCacheResetter is implemented by stores that cache prepared
// statements per connection (PostgreSQL). Once a table's columns change type,
// a cached statement reading them fails ("cached plan must not change result
// type"), so whoever changes or notices a change of the tables resets the
// cache.
type StatementCacheResetter interface {
	ResetStatementCache()
}

var _ StatementCacheResetter = (*postgresDB)(nil)

// ResetStatementCache implements StatementCacheResetter: it closes every
// pooled connection (those in use when they are released), and with them
// their prepared statements.
func (db *postgresDB) ResetStatementCache() { db.pool.Reset() }

// Ping implements DB.
func (db *postgresDB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close implements DB.
func (db *postgresDB) Close() error {
	db.pool.Close()
	return nil
}

// postgresTx is a transaction on one pooled connection.
type postgresTx struct{ tx pgx.Tx }

// Exec implements Querier.
func (t postgresTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return pgExec(ctx, t.tx, query, args)
}

// Query implements Querier.
func (t postgresTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return pgQuery(ctx, t.tx, query, args)
}

// QueryRow implements Querier.
func (t postgresTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return pgRow{t.tx.QueryRow(ctx, query, args...)}
}

// pgRunner is what *pgxpool.Pool and pgx.Tx have in common.
type pgRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func pgExec(ctx context.Context, r pgRunner, query string, args []any) (int64, error) {
	tag, err := r.Exec(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("store: exec: %w", mapPgErr(err))
	}
	return tag.RowsAffected(), nil
}

func pgQuery(ctx context.Context, r pgRunner, query string, args []any) (Rows, error) {
	rows, err := r.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query: %w", mapPgErr(err))
	}
	return pgRows{rows}, nil
}

// pgRows adapts pgx.Rows to Rows.
type pgRows struct{ rows pgx.Rows }

// Next implements Rows.
func (r pgRows) Next() bool { return r.rows.Next() }

// Scan implements Rows.
func (r pgRows) Scan(dest ...any) error {
	if err := scanTimes(r.rows.Scan, dest); err != nil {
		return fmt.Errorf("store: scan: %w", err)
	}
	return nil
}

// Values implements Rows: pgx's values (numeric as pgtype.Numeric, uuid as
// [16]byte, arrays as []any, date and timestamptz as time.Time), which
// dialect.Postgres.Value converts.
func (r pgRows) Values() ([]any, error) {
	v, err := r.rows.Values()
	if err != nil {
		return nil, fmt.Errorf("store: values: %w", mapPgErr(err))
	}
	return v, nil
}

// Err implements Rows.
func (r pgRows) Err() error {
	if err := r.rows.Err(); err != nil {
		return fmt.Errorf("store: rows: %w", mapPgErr(err))
	}
	return nil
}

// Close implements Rows.
func (r pgRows) Close() { r.rows.Close() }

// pgRow adapts pgx.Row to Row.
type pgRow struct{ row pgx.Row }

// Scan implements Row.
func (r pgRow) Scan(dest ...any) error {
	if err := scanTimes(r.row.Scan, dest); err != nil {
		return fmt.Errorf("store: query: %w", mapPgErr(err))
	}
	return nil
}
