package main

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgWatch measures the CPU time of the PostgreSQL backends serving one
// database: the server's pooled connections. It reads their /proc stat, so
// PostgreSQL must run on this machine. Background processes (WAL writer,
// checkpointer) are not counted.
type pgWatch struct {
	conn *pgx.Conn
}

func newPGWatch(ctx context.Context, dbURL string) (*pgWatch, error) {
	conn, err := pgx.Connect(ctx, withoutPoolParams(dbURL))
	if err != nil {
		return nil, err
	}
	return &pgWatch{conn: conn}, nil
}

func (w *pgWatch) close(ctx context.Context) { _ = w.conn.Close(ctx) }

// snapshot returns the CPU time used so far by each backend of the
// database but the watcher's own.
func (w *pgWatch) snapshot(ctx context.Context) (map[int]time.Duration, error) {
	rows, err := w.conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return nil, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, err
	}
	out := make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		if d, err := processCPU(int(pid)); err == nil {
			out[int(pid)] = d
		}
	}
	return out, nil
}

// since returns the CPU time the backends used after the snapshot before
// (a backend that started since counts from zero).
func (w *pgWatch) since(ctx context.Context, before map[int]time.Duration) (time.Duration, error) {
	after, err := w.snapshot(ctx)
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for pid, d := range after {
		total += d - before[pid]
	}
	return total, nil
}

// withoutPoolParams drops pgxpool's pool_* settings from a URL, which a
// single pgx connection would send to the server as unknown parameters.
func withoutPoolParams(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
