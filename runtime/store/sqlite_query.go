package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// sqlRunner is what *sql.DB and *sql.Tx have in common.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func sqliteExec(ctx context.Context, r sqlRunner, query string, args []any) (int64, error) {
	res, err := r.ExecContext(ctx, query, sqliteArgs(args)...)
	if err != nil {
		return 0, fmt.Errorf("store: exec: %w", mapSQLiteErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: exec: rows affected: %w", err)
	}
	return n, nil
}

func sqliteQuery(ctx context.Context, r sqlRunner, query string, args []any) (Rows, error) {
	rows, err := r.QueryContext(ctx, query, sqliteArgs(args)...)
	if err != nil {
		return nil, fmt.Errorf("store: query: %w", mapSQLiteErr(err))
	}
	return &sqliteRows{rows: rows}, nil
}

func sqliteQueryRow(ctx context.Context, r sqlRunner, query string, args []any) Row {
	rows, err := r.QueryContext(ctx, query, sqliteArgs(args)...)
	if err != nil {
		return errRow{fmt.Errorf("store: query: %w", mapSQLiteErr(err))}
	}
	return sqliteRow{rows}
}

// sqliteArgs converts arguments the way the SQLite dialect stores them:
// a time.Time becomes UTC text in dialect.DateTimeLayout (the driver's own
// default, time.Time.String, neither sorts nor matches record columns).
// Everything else passes through.
func sqliteArgs(args []any) []any {
	var out []any
	for i, a := range args {
		var conv any
		switch v := a.(type) {
		case time.Time:
			conv = v.UTC().Format(dialect.DateTimeLayout)
		case *time.Time:
			if v == nil {
				conv = nil
			} else {
				conv = v.UTC().Format(dialect.DateTimeLayout)
			}
		default:
			continue
		}
		if out == nil {
			out = make([]any, len(args))
			copy(out, args)
		}
		out[i] = conv
	}
	if out == nil {
		return args
	}
	return out
}

// isRead reports whether a statement only reads, judged by its first
// keyword: SELECT, WITH, VALUES or EXPLAIN.
func isRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	for strings.HasPrefix(q, "--") || strings.HasPrefix(q, "/*") {
		if strings.HasPrefix(q, "--") {
			i := strings.IndexByte(q, '\n')
			if i < 0 {
				return false
			}
			q = q[i+1:]
		} else {
			i := strings.Index(q, "*/")
			if i < 0 {
				return false
			}
			q = q[i+2:]
		}
		q = strings.TrimLeft(q, " \t\r\n(")
	}
	end := strings.IndexFunc(q, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if end < 0 {
		end = len(q)
	}
	switch strings.ToUpper(q[:end]) {
	case "SELECT", "WITH", "VALUES", "EXPLAIN":
		return true
	}
	return false
}

// sqliteRows adapts *sql.Rows to Rows.
type sqliteRows struct {
	rows *sql.Rows
	n    int
}

// Next implements Rows.
func (r *sqliteRows) Next() bool { return r.rows.Next() }

// Scan implements Rows.
func (r *sqliteRows) Scan(dest ...any) error {
	if err := scanTimes(r.rows.Scan, dest); err != nil {
		return fmt.Errorf("store: scan: %w", err)
	}
	return nil
}

// Values implements Rows. TEXT comes as string, INTEGER as int64, REAL as
// float64, BLOB as []byte (a copy), NULL as nil; columns declared DATE,
// DATETIME or TIMESTAMP (system tables only) as time.Time.
func (r *sqliteRows) Values() ([]any, error) {
	if r.n == 0 {
		cols, err := r.rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("store: values: %w", err)
		}
		r.n = len(cols)
	}
	vals := make([]any, r.n)
	ptrs := make([]any, r.n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("store: values: %w", err)
	}
	return vals, nil
}

// Err implements Rows.
func (r *sqliteRows) Err() error {
	if err := r.rows.Err(); err != nil {
		return fmt.Errorf("store: rows: %w", mapSQLiteErr(err))
	}
	return nil
}

// Close implements Rows.
func (r *sqliteRows) Close() { _ = r.rows.Close() }

// sqliteRow is the single row of QueryRow.
type sqliteRow struct{ rows *sql.Rows }

// Scan implements Row.
func (r sqliteRow) Scan(dest ...any) error {
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return fmt.Errorf("store: query: %w", mapSQLiteErr(err))
		}
		return fmt.Errorf("%w: %w", ErrNotFound, sql.ErrNoRows)
	}
	if err := scanTimes(r.rows.Scan, dest); err != nil {
		return fmt.Errorf("store: scan: %w", err)
	}
	if err := r.rows.Close(); err != nil {
		return fmt.Errorf("store: query: %w", mapSQLiteErr(err))
	}
	return nil
}

// errRow is a Row whose query already failed.
type errRow struct{ err error }

// Scan implements Row.
func (r errRow) Scan(...any) error { return r.err }
