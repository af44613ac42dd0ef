package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/mosaic-paas/mosaic/migrations"
)

// Migrate applies the system-table migrations of db's dialect
// (migrations/<dialect>/*.sql) that are not applied yet. On PostgreSQL it
// holds an advisory lock meanwhile, so several Mosaic nodes starting at once
// migrate one after the other.
func Migrate(ctx context.Context, db DB) error {
	name := db.Dialect().Name()
	fsys, err := fs.Sub(migrations.FS, name)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var (
		sqlDB    *sql.DB
		gDialect goose.Dialect
		opts     = []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	)
	switch d := db.(type) {
	case *sqliteDB:
		sqlDB, gDialect = d.writer, goose.DialectSQLite3
	case *postgresDB:
		sqlDB, gDialect = stdlib.OpenDBFromPool(d.pool), goose.DialectPostgres
		defer sqlDB.Close()
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		return fmt.Errorf("store: migrate: unsupported store %T", db)
	}
	provider, err := goose.NewProvider(gDialect, sqlDB, fsys, opts...)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	for _, r := range results {
		slog.InfoContext(ctx, "store: migration applied", "dialect", name, "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}
