// Command mosaic-load is a development tool that measures a running Mosaic
// over loopback: it prepares a PostgreSQL database with the benchmark
// fixture (runtime/benchmark) through the API and a bulk COPY, starts
// `mosaic serve` on it, drives it with wrk and the Lua scripts of
// runtime/benchmark/load, and reports requests per second, p99 latency and
// the server's peak RSS. With --profile it serves with a CPU profiler and
// saves one profile per scenario.
//
//	go build -o /tmp/bin/mosaic ./cmd/mosaic
//	go run ./cmd/mosaic-load --mosaic /tmp/bin/mosaic        # prepare, then get, list, create
//	go run ./cmd/mosaic-load --mosaic /tmp/bin/mosaic --prepare=false --profile
//
// Run it from the repository's root. It only ever talks to the loopback.
// See docs/BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// config is what the flags set.
type config struct {
	mosaic      string
	databaseURL string
	dir         string
	scripts     string
	addr        string
	rows        int
	accounts    int
	idsSample   int
	prepare     bool
	scenarios   []string
	duration    time.Duration
	warmup      time.Duration
	threads     int
	connections int
	profile     bool
	pprofAddr   string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		// The profiled server the driver starts with --profile.
		if err := serveProfiled(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "mosaic-load serve:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mosaic-load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "mosaic-load:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("mosaic-load", flag.ContinueOnError)
	fs.StringVar(&cfg.mosaic, "mosaic", "mosaic", "the mosaic binary to serve with")
	fs.StringVar(&cfg.databaseURL, "database-url", "postgres://postgres@127.0.0.1:5432/mosaic_load?sslmode=disable",
		"PostgreSQL database to serve from; --prepare drops and recreates it")
	fs.StringVar(&cfg.dir, "dir", filepath.Join(os.TempDir(), "mosaic-load-data"), "folder for the state, id files, server logs, results and profiles")
	fs.StringVar(&cfg.scripts, "scripts", "runtime/benchmark/load", "folder of the wrk Lua scripts (the default is relative to the repository's root)")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:18080", "address the server listens on (loopback only)")
	fs.IntVar(&cfg.rows, "rows", 1_000_000, "opportunities to seed")
	fs.IntVar(&cfg.accounts, "accounts", 5_000, "accounts to seed (rows/accounts opportunities each)")
	fs.IntVar(&cfg.idsSample, "ids", 100_000, "random seeded ids written for the get script")
	fs.BoolVar(&cfg.prepare, "prepare", true, "recreate the database and seed it; false reuses the last preparation in --dir")
	scenarios := fs.String("scenarios", "get,list,create", "scenarios to run, in order (get, list, create)")
	fs.DurationVar(&cfg.duration, "duration", 20*time.Second, "how long wrk drives each scenario")
	fs.DurationVar(&cfg.warmup, "warmup", 5*time.Second, "an unreported wrk run before each scenario (0 for none)")
	fs.IntVar(&cfg.threads, "threads", 1, "wrk threads")
	fs.IntVar(&cfg.connections, "connections", 32, "wrk connections")
	fs.BoolVar(&cfg.profile, "profile", false, "serve with this binary's profiled server (same code as mosaic serve) and save a CPU profile per scenario")
	fs.StringVar(&cfg.pprofAddr, "pprof-addr", "127.0.0.1:18081", "pprof address of the profiled server")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, s := range strings.Split(*scenarios, ",") {
		if s = strings.TrimSpace(s); s != "" {
			if _, err := os.Stat(filepath.Join(cfg.scripts, s+".lua")); err != nil {
				return nil, fmt.Errorf("scenario %q: %w (is --scripts right?)", s, err)
			}
			cfg.scenarios = append(cfg.scenarios, s)
		}
	}
	if err := loopbackOnly(cfg.addr, cfg.pprofAddr); err != nil {
		return nil, err
	}
	if cfg.rows < cfg.accounts || cfg.accounts < 1 {
		return nil, errors.New("--rows must be at least --accounts, and --accounts at least 1")
	}
	return cfg, nil
}

// loopbackOnly refuses addresses off this machine's loopback.
func loopbackOnly(addrs ...string) error {
	for _, a := range addrs {
		if !strings.HasPrefix(a, "127.") && !strings.HasPrefix(a, "localhost:") && !strings.HasPrefix(a, "[::1]:") {
			return fmt.Errorf("address %s is not on the loopback: mosaic-load only drives servers on this machine", a)
		}
	}
	return nil
}

func run(ctx context.Context, cfg *config) error {
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return err
	}
	var st *state
	var err error
	if cfg.prepare {
		st, err = prepare(ctx, cfg)
	} else {
		st, err = loadState(cfg.dir)
	}
	if err != nil {
		return err
	}
	if len(cfg.scenarios) == 0 {
		return nil
	}
	srv, err := startServer(ctx, cfg, "run")
	if err != nil {
		return err
	}
	defer srv.stop()
	pg, err := newPGWatch(ctx, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer pg.close(context.WithoutCancel(ctx))
	var results []result
	for _, sc := range cfg.scenarios {
		res, err := runScenario(ctx, cfg, st, srv, pg, sc)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", sc, err)
		}
		results = append(results, res)
		fmt.Println(res.line())
	}
	return report(cfg, st, results)
}
