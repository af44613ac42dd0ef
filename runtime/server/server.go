// Package server runs Mosaic: it opens the store, bootstraps the first
// tenant and its administrator on an empty installation, serves the API and
// shuts down gracefully.
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
	"github.com/mosaic-paas/mosaic/runtime/approvals"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/jobs"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/schedules"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/web"
)

// Config configures a running Mosaic.
type Config struct {
	// Addr is the listen address (default 127.0.0.1:8080).
	Addr  string
	Store store.Config
	API   api.Config
	// Out receives the first-run message (the administrator, how to set its
	// password, its token).
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
	srv := api.New(db, catalog.New(db), cfg.API)
	app := srv.App(web.New(srv).Mount)
	// Background jobs (approval step timeouts) run beside the API and stop
	// with it; a job interrupted by the shutdown runs again later.
	runner := jobs.NewRunner(db, jobs.Config{Logger: slog.Default()})
	runner.Handle(approvals.JobTimeout, srv.Approvals().HandleTimeout(srv.Catalog().Current))
	srv.Approvals().SetNotifier(runner)
	// Scheduled record updates: a job per active schedule, started for
	// every tenant when the runner starts and by every metadata change that
	// adds one.
	sched := schedules.New(db, records.New(db), schedules.Config{Logger: slog.Default()})
	runner.Handle(schedules.JobKind, sched.Handler(srv.Catalog().Current))
	srv.Catalog().OnChange(sched.Ensure)
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		// Before the first round, and off the path of the listener: it
		// compiles every tenant's metadata.
		if err := sched.EnsureAll(jobsCtx, srv.Catalog().Current); err != nil {
			slog.Error("scheduled updates: not every tenant's schedules started", "error", err)
		}
		if err := runner.Run(jobsCtx); err != nil {
			slog.Error("background jobs stopped", "error", err)
		}
	}()
	defer func() { stopJobs(); <-jobsDone }()
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

// bootstrap creates, when the store has no tenant at all, the default
// tenant and its administrator — admin@localhost, with no password: none is
// ever baked in — and a token of that administrator, and tells the operator
// how to set the password and use the token.
func bootstrap(ctx context.Context, db store.DB, out io.Writer, addr string) error {
	tenants, err := store.ListTenants(ctx, db)
	if err != nil {
		return err
	}
	if len(tenants) > 0 || out == nil {
		return nil
	}
	setup, err := auth.SetUpTenant(ctx, db, DefaultTenant, "first-run", auth.Actor{Via: "bootstrap"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, `Mosaic created the tenant %[1]q and its administrator %[2]s, who has no password yet.

Set the administrator's password (read from the terminal without echo, or from
standard input), with the same --data-dir or --database-url as 'mosaic serve':

    mosaic user password %[1]s %[2]s

An API token of the administrator (shown once; create more at POST /api/v1/tokens):

    %[3]s

Try:
    curl -H 'Authorization: Bearer %[3]s' http://%[4]s/api/v1/auth/me

`, setup.Tenant.Name, setup.Admin.Email, setup.Token, addr)
	return nil
}
