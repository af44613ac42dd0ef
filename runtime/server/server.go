// Package server runs Mosaic: it opens the store, bootstraps the first
// tenant of an empty installation, serves the API and shuts down gracefully.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/mosaic-paas/mosaic/runtime/api"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Config configures a running Mosaic.
type Config struct {
	// Addr is the listen address (default 127.0.0.1:8080).
	Addr  string
	Store store.Config
	API   api.Config
	// Out receives the first-run message (where it listens, the token).
	Out io.Writer
	// ShutdownTimeout bounds how long in-flight requests may take to
	// finish after the context is cancelled (default 30s).
	ShutdownTimeout time.Duration
	// Ready, when set, receives the bound address once listening.
	Ready func(addr string)
}

// DefaultTenant is the tenant created on first start.
const DefaultTenant = "default"

// Run serves until ctx is cancelled, then drains in-flight requests.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	db, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", cfg.Addr, err)
	}
	addr := ln.Addr().String()
	if err := bootstrap(ctx, db, cfg.Out, addr); err != nil {
		ln.Close()
		return err
	}
	app := api.New(db, catalog.New(db), cfg.API).App()
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	slog.Info("mosaic listening", "addr", addr, "store", db.Dialect().Name())
	if cfg.Ready != nil {
		cfg.Ready(addr)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	slog.Info("mosaic shutting down", "timeout", cfg.ShutdownTimeout)
	shutdownErr := app.ShutdownWithTimeout(cfg.ShutdownTimeout)
	// A shutdown that races the start of Serve finds no listener to close;
	// closing it here makes Serve return in every case.
	_ = ln.Close()
	if shutdownErr != nil {
		<-errc
		return fmt.Errorf("server: shutdown: %w", shutdownErr)
	}
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// bootstrap creates the default tenant and its first token when the store
// has no tenant at all, and tells the operator how to use it.
func bootstrap(ctx context.Context, db store.DB, out io.Writer, addr string) error {
	tenants, err := store.ListTenants(ctx, db)
	if err != nil {
		return err
	}
	if len(tenants) > 0 || out == nil {
		return nil
	}
	t, err := store.CreateTenant(ctx, db, DefaultTenant)
	if err != nil {
		return err
	}
	token, _, err := store.CreateToken(ctx, db, t.ID, "first-run")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `Mosaic created the tenant %q.
Its API token (shown once; create another with 'mosaic tenant token %s'):

    %s

Try:
    curl -H 'Authorization: Bearer %s' http://%s/api/v1/objects

`, t.Name, t.Name, token, token, addr)
	return nil
}
