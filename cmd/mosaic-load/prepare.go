package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/runtime/benchmark"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// state is what a preparation leaves for the runs, saved as state.json.
type state struct {
	Token    string `json:"token"`
	Schema   string `json:"schema"`
	Rows     int    `json:"rows"`
	Accounts int    `json:"accounts"`
	IDs      string `json:"ids_file"`
	Account  string `json:"accounts_file"`
	SeedTime string `json:"seed_time"`
	Prepared string `json:"prepared_at"`
}

func loadState(dir string) (*state, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return nil, fmt.Errorf("no preparation in %s (run with --prepare): %w", dir, err)
	}
	var st state
	return &st, json.Unmarshal(b, &st)
}

// tenantName is the tenant the fixture lives in.
const tenantName = "load"

// seedChunk is how many rows one COPY writes.
const seedChunk = 100_000

// prepare recreates the database, creates the tenant and the fixture's
// objects through the API, seeds the rows with COPY, and writes the id
// files for the scripts.
func prepare(ctx context.Context, cfg *config) (*state, error) {
	if err := recreateDatabase(ctx, cfg.databaseURL); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, store.Config{DatabaseURL: cfg.databaseURL})
	if err != nil {
		return nil, err
	}
	tenant, err := store.CreateTenant(ctx, db, tenantName)
	if err != nil {
		db.Close()
		return nil, err
	}
	token, tok, err := store.CreateToken(ctx, db, tenant.ID, "mosaic-load")
	db.Close()
	if err != nil {
		return nil, err
	}

	srv, err := startServer(ctx, cfg, "prepare")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	for _, doc := range []string{benchmark.AccountDoc, benchmark.OpportunityDoc} {
		if err := post(ctx, srv.base+"/api/v1/objects", token, doc, http.StatusCreated); err != nil {
			return nil, fmt.Errorf("create object: %w", err)
		}
	}

	direct, err := benchmark.OpenPostgresDirect(ctx, cfg.databaseURL, tenant.Schema)
	if err != nil {
		return nil, err
	}
	defer direct.Close()
	gen := benchmark.NewGen(cfg.accounts, tok.UserID)
	start := time.Now()
	if err := direct.SeedAccounts(ctx, gen); err != nil {
		return nil, fmt.Errorf("seed accounts: %w", err)
	}
	for from := 0; from < cfg.rows; from += seedChunk {
		n := min(seedChunk, cfg.rows-from)
		if err := direct.Seed(ctx, gen, from, n); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "seeded %d of %d opportunities (%s)\n", from+n, cfg.rows, time.Since(start).Round(time.Second))
	}
	// What autovacuum would do in time: statistics for the planner and a
	// visibility map, so that the first reads do not pay for setting hint
	// bits on a million fresh rows.
	if _, err := direct.Pool.Exec(ctx, "VACUUM ANALYZE "+dialect.Postgres{}.Table(tenant.Schema, benchmark.OpportunityObject)); err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	seedTime := time.Since(start).Round(100 * time.Millisecond)
	fmt.Fprintf(os.Stderr, "seeded and vacuumed in %s\n", seedTime)

	st := &state{
		Token: token, Schema: tenant.Schema, Rows: cfg.rows, Accounts: cfg.accounts,
		IDs: filepath.Join(cfg.dir, "ids.txt"), Account: filepath.Join(cfg.dir, "accounts.txt"),
		SeedTime: seedTime.String(), Prepared: time.Now().UTC().Format(time.RFC3339),
	}
	if err := writeIDs(st, gen, cfg.idsSample); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	return st, os.WriteFile(filepath.Join(cfg.dir, "state.json"), b, 0o600)
}

// writeIDs writes a random sample of the seeded ids and every account id.
func writeIDs(st *state, gen *benchmark.Gen, sample int) error {
	var ids, accounts strings.Builder
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for range min(sample, st.Rows) {
		ids.WriteString(gen.ID(r.IntN(st.Rows)))
		ids.WriteByte('\n')
	}
	for _, a := range gen.Accounts {
		accounts.WriteString(a.ID)
		accounts.WriteByte('\n')
	}
	if err := os.WriteFile(st.IDs, []byte(ids.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(st.Account, []byte(accounts.String()), 0o644)
}

// recreateDatabase drops and creates the database of url, connecting to
// the server's "postgres" database to do so. It refuses names that do not
// start with mosaic_load, so that it cannot drop anything else.
func recreateDatabase(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return fmt.Errorf("--database-url must be a postgres:// URL")
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.HasPrefix(name, "mosaic_load") {
		return fmt.Errorf("refusing to recreate database %q: its name must start with mosaic_load", name)
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		return fmt.Errorf("refusing to use PostgreSQL at %s: only this machine's loopback", h)
	}
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, withoutPoolParams(admin.String()))
	if err != nil {
		return fmt.Errorf("connect to the server: %w", err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		"DROP DATABASE IF EXISTS " + dialect.Quote(name) + " WITH (FORCE)",
		"CREATE DATABASE " + dialect.Quote(name),
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// post sends a JSON body and requires the status.
func post(ctx context.Context, u, token, body string, want int) error {
	req, err := http.NewRequestWithContext(ctx, "POST", u, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s answered %s: %s", u, strconv.Itoa(resp.StatusCode), b)
	}
	return nil
}
