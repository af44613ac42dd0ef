package storetest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Databases on the PostgreSQL server are named after the test process that
// made them: NamePrefix, the process's 16-hex-digit owner key, and for a
// test's copy of the template "_" and 8 more hex digits. While it runs, the
// process holds a session advisory lock on its owner key, on a connection
// of its own; when it ends, however it ends, the server releases the lock.
// Each process, before making its template, drops the databases of owners
// whose lock it can take: so what a killed process (or one without Main)
// left behind is cleaned up by the next test run.

// pg is the per-process PostgreSQL state.
var pg postgresServer

type postgresServer struct {
	mu    sync.Mutex
	admin *pgxpool.Pool // on the server's database, for CREATE and DROP DATABASE
	owner *pgx.Conn     // holds the advisory lock on key
	key   string        // the owner key, 16 hex digits
	tpl   string        // the migrated template
	err   error         // why the template could not be made
}

func openPostgres(t testing.TB) store.DB {
	t.Helper()
	server := os.Getenv(EnvDatabaseURL)
	if server == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatalf("storetest: %s=1 but %s is not set", EnvRequirePostgres, EnvDatabaseURL)
		}
		t.Skipf("storetest: %s is not set", EnvDatabaseURL)
	}
	admin, tpl, err := pg.template(server)
	if err != nil {
		t.Fatalf("storetest: postgres: %v", err)
	}
	ctx := context.Background()
	name := tpl + "_" + randomHex(4)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", dialect.Quote(name), dialect.Quote(tpl))); err != nil {
		t.Fatalf("storetest: create database %s: %v", name, err)
	}
	// Registered before Open so that the database is dropped even if
	// connecting to it fails; cleanups run last-in first-out, so the pool is
	// closed before the drop.
	t.Cleanup(func() {
		if err := dropDatabase(context.Background(), admin, name); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	dbURL, err := withDatabase(server, name)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	db, err := store.OpenPostgres(ctx, dbURL)
	if err != nil {
		t.Fatalf("storetest: open postgres database %s: %v", name, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// template returns the admin pool and the name of the migrated template
// database, making them on first use. A failure is
// remembered: every later caller gets it too.
func (s *postgresServer) template(server string) (*pgxpool.Pool, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tpl == "" && s.err == nil {
		s.err = s.setUp(server)
	}
	return s.admin, s.tpl, s.err
}

func (s *postgresServer) setUp(server string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg, err := pgxpool.ParseConfig(server)
	if err != nil {
		return fmt.Errorf("parse %s: %w", EnvDatabaseURL, err)
	}
	cfg.MaxConns = 4
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		err = admin.Ping(ctx)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", EnvDatabaseURL, err)
	}
	owner, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		admin.Close()
		return fmt.Errorf("connect to %s: %w", EnvDatabaseURL, err)
	}
	key := randomHex(8)
	if _, err := owner.Exec(ctx, "SELECT pg_advisory_lock($1)", lockID(key)); err != nil {
		_ = owner.Close(ctx)
		admin.Close()
		return fmt.Errorf("lock owner key: %w", err)
	}
	s.admin, s.owner, s.key = admin, owner, key

	if err := dropOrphans(ctx, admin, key); err != nil {
		return err
	}
	name := NamePrefix + key
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE template0", dialect.Quote(name))); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	tplURL, err := withDatabase(server, name)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{DatabaseURL: tplURL})
	if err != nil {
		_ = dropDatabase(ctx, admin, name)
		return fmt.Errorf("migrate template database: %w", err)
	}
	// No connection may stay on a template while it is copied.
	if err := db.Close(); err != nil {
		return err
	}
	s.tpl = name
	return nil
}

// dropOrphans drops the databases of test processes that have ended: those
// whose owner key's advisory lock is free.
func dropOrphans(ctx context.Context, admin *pgxpool.Pool, ownKey string) error {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY length(datname) DESC`, NamePrefix)
	if err != nil {
		return fmt.Errorf("list test databases: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list test databases: %w", err)
	}
	byOwner := map[string][]string{} // copies before the template: longer names first
	for _, n := range names {
		key, ok := ownerKey(n)
		if ok && key != ownKey {
			byOwner[key] = append(byOwner[key], n)
		}
	}
	if len(byOwner) == 0 {
		return nil
	}
	conn, err := admin.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("drop orphaned test databases: %w", err)
	}
	defer conn.Release()
	for key, dbs := range byOwner {
		var free bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", lockID(key)).Scan(&free); err != nil {
			return fmt.Errorf("drop orphaned test databases: %w", err)
		}
		if !free {
			continue // its process is still running
		}
		for _, n := range dbs {
			if err := dropDatabase(ctx, admin, n); err != nil {
				return err
			}
		}
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", lockID(key)); err != nil {
			return fmt.Errorf("drop orphaned test databases: %w", err)
		}
	}
	return nil
}

// close drops the template and ends the process's ownership.
func (s *postgresServer) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admin == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if s.tpl != "" {
		err = dropDatabase(ctx, s.admin, s.tpl)
	}
	if s.owner != nil {
		_ = s.owner.Close(ctx)
	}
	s.admin.Close()
	s.admin, s.owner, s.key, s.tpl, s.err = nil, nil, "", "", nil
	return err
}

// ownerKey returns the owner key in a test database's name.
func ownerKey(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, NamePrefix)
	if !ok || len(rest) < 16 {
		return "", false
	}
	key := rest[:16]
	if _, err := hex.DecodeString(key); err != nil {
		return "", false
	}
	return key, true
}

// lockID is the advisory lock id of an owner key.
func lockID(key string) int64 {
	b, _ := hex.DecodeString(key)
	return int64(binary.BigEndian.Uint64(b))
}

func dropDatabase(ctx context.Context, admin *pgxpool.Pool, name string) error {
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+dialect.Quote(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
