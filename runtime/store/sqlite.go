package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// SQLiteFile is the name of the database file in the data folder.
const SQLiteFile = "mosaic.db"

// sqliteReaders is the size of the reader pool. Readers run concurrently
// with the one writer thanks to WAL.
const sqliteReaders = 4

// sqlitePragmas are the connection settings of every SQLite connection:
// LIKE is case-sensitive as on PostgreSQL, foreign keys are enforced, and
// a writer waits up to 10 s for the lock instead of failing at once.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=case_sensitive_like(1)&_pragma=synchronous(NORMAL)"

// sqliteDB is the embedded store: one database file, a writer pool of one
// connection that serializes write transactions (BEGIN IMMEDIATE), and a
// read-only pool for queries outside a transaction.
type sqliteDB struct {
	path   string
	writer *sql.DB
	reader *sql.DB
}

var _ DB = (*sqliteDB)(nil)

// OpenSQLite opens (creating when needed) the SQLite database
// <dataDir>/mosaic.db. It does not migrate it; Open does.
func OpenSQLite(ctx context.Context, dataDir string) (DB, error) {
	if strings.ContainsRune(dataDir, '?') {
		return nil, fmt.Errorf("store: sqlite: data folder %q must not contain '?'", dataDir)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: sqlite: create data folder: %w", err)
	}
	path := filepath.Join(dataDir, SQLiteFile)

	writer, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: sqlite: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)
	// The writer connection switches the file to WAL before any reader opens.
	if err := writer.PingContext(ctx); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("store: sqlite: open %s: %w", path, err)
	}

	reader, err := sql.Open("sqlite", path+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("store: sqlite: open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(sqliteReaders)
	reader.SetMaxIdleConns(sqliteReaders)
	reader.SetConnMaxIdleTime(5 * time.Minute)
	if err := reader.PingContext(ctx); err != nil {
		_ = writer.Close()
		_ = reader.Close()
		return nil, fmt.Errorf("store: sqlite: open %s: %w", path, err)
	}
	return &sqliteDB{path: path, writer: writer, reader: reader}, nil
}

// Dialect implements DB.
func (db *sqliteDB) Dialect() dialect.Dialect { return dialect.SQLite{} }

// Exec implements Querier. It runs on the writer connection.
func (db *sqliteDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if err := checkNotInTx(ctx, db); err != nil {
		return 0, err
	}
	return sqliteExec(ctx, db.writer, query, args)
}

// Query implements Querier. Reads (SELECT, WITH, VALUES) run on the reader
// pool, concurrently with the writer; other statements (INSERT … RETURNING)
// on the writer connection. A WITH that writes is refused by the read-only
// reader connections: run it with Exec or in a transaction.
func (db *sqliteDB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	pool, err := db.poolFor(ctx, query)
	if err != nil {
		return nil, err
	}
	return sqliteQuery(ctx, pool, query, args)
}

// QueryRow implements Querier, routing like Query.
func (db *sqliteDB) QueryRow(ctx context.Context, query string, args ...any) Row {
	pool, err := db.poolFor(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return sqliteQueryRow(ctx, pool, query, args)
}

// poolFor picks the pool that runs a query outside a transaction.
func (db *sqliteDB) poolFor(ctx context.Context, query string) (*sql.DB, error) {
	if isRead(query) {
		return db.reader, nil
	}
	if err := checkNotInTx(ctx, db); err != nil {
		return nil, err
	}
	return db.writer, nil
}

// InTx implements DB: BEGIN IMMEDIATE on the single writer connection, so
// write transactions run one at a time.
func (db *sqliteDB) InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	if err := checkNotInTx(ctx, db); err != nil {
		return err
	}
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", mapSQLiteErr(err))
	}
	return runTx(withTx(ctx, db), sqliteTx{sqlTx}, fn, sqlTx.Commit, sqlTx.Rollback)
}

// InSchemaTx implements DB. Following SQLite's procedure for altering
// tables, foreign key enforcement is turned off on the writer connection
// before BEGIN (it cannot change inside a transaction), PRAGMA
// foreign_key_check runs before COMMIT, and enforcement is turned back on
// afterwards in every case.
func (db *sqliteDB) InSchemaTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) (err error) {
	if err := checkNotInTx(ctx, db); err != nil {
		return err
	}
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: schema transaction: %w", mapSQLiteErr(err))
	}
	defer func() {
		if _, fkErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys=ON"); fkErr != nil {
			// Never hand back a connection that does not enforce foreign
			// keys: make database/sql discard it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			if err == nil {
				err = fmt.Errorf("store: schema transaction: re-enable foreign keys: %w", fkErr)
			}
		}
		_ = conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys=OFF"); err != nil {
		return fmt.Errorf("store: schema transaction: disable foreign keys: %w", mapSQLiteErr(err))
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", mapSQLiteErr(err))
	}
	commit := func() error {
		if err := foreignKeyCheck(ctx, sqlTx); err != nil {
			_ = sqlTx.Rollback()
			return err
		}
		return sqlTx.Commit()
	}
	return runTx(withTx(ctx, db), sqliteTx{sqlTx}, fn, commit, sqlTx.Rollback)
}

// foreignKeyCheck runs PRAGMA foreign_key_check and turns any violation
// into an error naming the tables.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("store: foreign key check: %w", err)
	}
	defer rows.Close()
	var violations []string
	seen := map[string]bool{}
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int64
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("store: foreign key check: %w", err)
		}
		v := fmt.Sprintf("%s references missing rows of %s", table, parent)
		if !seen[v] {
			seen[v] = true
			violations = append(violations, v)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: foreign key check: %w", err)
	}
	if len(violations) > 0 {
		return &ConstraintError{
			Kind:  ConstraintForeignKey,
			Table: firstWord(violations[0]),
			Err:   fmt.Errorf("schema change leaves broken foreign keys: %s", strings.Join(violations, "; ")),
		}
	}
	return nil
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// Ping implements DB.
func (db *sqliteDB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if err := db.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close implements DB.
func (db *sqliteDB) Close() error {
	return errors.Join(db.reader.Close(), db.writer.Close())
}

// String names the database file.
func (db *sqliteDB) String() string { return "sqlite:" + db.path }

// sqliteTx is a transaction on the writer connection.
type sqliteTx struct{ tx *sql.Tx }

// Exec implements Querier.
func (t sqliteTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return sqliteExec(ctx, t.tx, query, args)
}

// Query implements Querier.
func (t sqliteTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return sqliteQuery(ctx, t.tx, query, args)
}

// QueryRow implements Querier.
func (t sqliteTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return sqliteQueryRow(ctx, t.tx, query, args)
}
