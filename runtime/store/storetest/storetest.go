// Package storetest gives tests a fresh, migrated, empty store of each kind,
// so that one storage suite runs against SQLite and PostgreSQL alike.
//
// SQLite databases live in t.TempDir(). PostgreSQL databases are created on
// the server named by MOSAIC_TEST_DATABASE_URL (as a superuser, or a role
// with CREATEDB): once per test process a template database is created and
// migrated, and each test gets a copy of it (CREATE DATABASE … TEMPLATE),
// dropped when the test ends. Call Main from TestMain to drop the template
// when the tests end.
//
// All these databases are named mosaic_test_<owner>[_<n>], after the test
// process that made them. A process that was killed, or had no Main, leaves
// some behind; the next test process drops them (a process holds an
// advisory lock while it runs, so only those of ended processes are
// dropped). By hand, any mosaic_test_* database is safe to drop while no
// tests run.
//
// When MOSAIC_TEST_DATABASE_URL is unset the PostgreSQL tests are skipped,
// unless MOSAIC_REQUIRE_POSTGRES=1, in which case they fail (CI sets both).
package storetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// The kinds of store, as dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Kinds lists every kind of store, in the order Each runs them.
var Kinds = []string{SQLite, Postgres}

// Environment variables read by the package.
const (
	// EnvDatabaseURL is the PostgreSQL server to create test databases on.
	EnvDatabaseURL = "MOSAIC_TEST_DATABASE_URL"
	// EnvRequirePostgres, set to 1, makes PostgreSQL tests fail rather than
	// skip when EnvDatabaseURL is unset.
	EnvRequirePostgres = "MOSAIC_REQUIRE_POSTGRES"
)

// NamePrefix starts the name of every database this package creates.
const NamePrefix = "mosaic_test_"

// Each runs fn as the subtests "sqlite" and "postgres", each with its own
// fresh, migrated, empty database.
func Each(t *testing.T, fn func(t *testing.T, db store.DB)) {
	t.Helper()
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			fn(t, Open(t, kind))
		})
	}
}

// Open returns a fresh, migrated, empty store of the kind ("sqlite" or
// "postgres"), closed (and on PostgreSQL dropped) when the test ends. It
// skips the test when the kind is not available (see the package doc).
func Open(t testing.TB, kind string) store.DB {
	t.Helper()
	switch kind {
	case SQLite:
		return openSQLite(t)
	case Postgres:
		return openPostgres(t)
	}
	t.Fatalf("storetest: unknown kind of store %q", kind)
	return nil
}

func openSQLite(t testing.TB) store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("storetest: open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: close sqlite: %v", err)
		}
	})
	return db
}

// Main runs the tests of a package and then drops the PostgreSQL template
// database, if one was made. Call it from TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
// Without it the template (a mosaic_test_* database) is left behind until
// the next test process drops it.
func Main(m *testing.M) {
	code := m.Run()
	if err := pg.close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			os.Exit(1)
		}
	}
	os.Exit(code)
}

// withDatabase returns the connection string server with its database
// replaced by name. It handles URLs and keyword/value strings.
func withDatabase(server, name string) (string, error) {
	if strings.HasPrefix(server, "postgres://") || strings.HasPrefix(server, "postgresql://") {
		u, err := url.Parse(server)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", EnvDatabaseURL, err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		q := u.Query()
		q.Del("dbname")
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	// In keyword/value form the last setting of a keyword wins.
	return server + " dbname=" + name, nil
}
