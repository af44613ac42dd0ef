package store

import (
	"context"
	"errors"
	"fmt"
)

// Config says which database to use.
type Config struct {
	// DataDir is the folder of the embedded SQLite database, used when
	// DatabaseURL is empty.
	DataDir string
	// DatabaseURL is a PostgreSQL connection URL; when set, Mosaic runs on
	// PostgreSQL.
	DatabaseURL string
}

// Open opens the configured store — PostgreSQL when cfg.DatabaseURL is set,
// else SQLite in cfg.DataDir — and applies pending migrations before
// returning it (then gives tokens made before users existed to their
// tenant's administrator).
func Open(ctx context.Context, cfg Config) (DB, error) {
	var (
		db  DB
		err error
	)
	switch {
	case cfg.DatabaseURL != "":
		db, err = OpenPostgres(ctx, cfg.DatabaseURL)
	case cfg.DataDir != "":
		db, err = OpenSQLite(ctx, cfg.DataDir)
	default:
		return nil, errors.New("store: open: neither a data folder nor a database URL is configured")
	}
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := adoptOwnerlessTokens(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	return db, nil
}
