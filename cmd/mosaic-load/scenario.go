package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// target is what a scenario should reach on the reference machine (2
// cores, server, PostgreSQL and wrk on it together).
type target struct {
	rps   float64
	p99   time.Duration
	rssMB float64
}

var targets = map[string]target{
	"create": {rps: 2000, p99: 20 * time.Millisecond, rssMB: 150},
	"get":    {rps: 8000, p99: 10 * time.Millisecond, rssMB: 150},
	"list":   {rps: 2500, p99: 30 * time.Millisecond, rssMB: 150},
}

// result is one scenario's figures.
type result struct {
	Scenario    string        `json:"scenario"`
	Requests    int64         `json:"requests"`
	RPS         float64       `json:"requests_per_second"`
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
	Max         time.Duration `json:"max_ns"`
	Non2xx      int64         `json:"non_2xx"`
	SocketErrs  string        `json:"socket_errors,omitempty"`
	ServerCPU   time.Duration `json:"server_cpu_per_request_ns"`
	PGCPU       time.Duration `json:"postgres_cpu_per_request_ns"`
	PeakRSS     int64         `json:"peak_rss_bytes"`
	RSS         int64         `json:"rss_bytes"`
	LoadBefore  string        `json:"loadavg_before"`
	Profile     string        `json:"cpu_profile,omitempty"`
	WrkCommand  string        `json:"wrk_command"`
	WrkOutput   string        `json:"wrk_output"`
	StartedAt   string        `json:"started_at"`
	DurationSec float64       `json:"duration_s"`
}

func (r result) line() string {
	return fmt.Sprintf("%-7s %9.0f req/s  p50 %-9s p99 %-9s max %-9s non-2xx %d  CPU/req server %s PostgreSQL %s  peak RSS %.1f MiB  (load before: %s)",
		r.Scenario, r.RPS, r.P50, r.P99, r.Max, r.Non2xx, r.ServerCPU, r.PGCPU, mib(r.PeakRSS), r.LoadBefore)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// runScenario warms the server up with the scenario's script, then drives
// it for the configured duration, profiling it with --profile.
func runScenario(ctx context.Context, cfg *config, st *state, srv *serverProc, pg *pgWatch, name string) (result, error) {
	script, err := filepath.Abs(filepath.Join(cfg.scripts, name+".lua"))
	if err != nil {
		return result{}, err
	}
	env := append(os.Environ(),
		"MOSAIC_TOKEN="+st.Token, "MOSAIC_IDS="+abs(st.IDs), "MOSAIC_ACCOUNTS="+abs(st.Account))
	if cfg.warmup > 0 {
		if _, _, err := wrk(ctx, cfg, srv, script, env, cfg.warmup); err != nil {
			return result{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	res := result{Scenario: name, LoadBefore: loadavg(), StartedAt: time.Now().UTC().Format(time.RFC3339), DurationSec: cfg.duration.Seconds()}
	profDone := make(chan error, 1)
	if cfg.profile {
		res.Profile = filepath.Join(cfg.dir, name+".cpu.pprof")
		secs := max(1, int(cfg.duration.Seconds())-2)
		go func() {
			profDone <- fetch(ctx, "http://"+cfg.pprofAddr+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), res.Profile)
		}()
	} else {
		profDone <- nil
	}
	cpuBefore, err := srv.cpu()
	if err != nil {
		return result{}, err
	}
	pgBefore, err := pg.snapshot(ctx)
	if err != nil {
		return result{}, err
	}
	out, command, err := wrk(ctx, cfg, srv, script, env, cfg.duration)
	if err != nil {
		return result{}, err
	}
	cpuAfter, err := srv.cpu()
	if err != nil {
		return result{}, err
	}
	pgUsed, err := pg.since(ctx, pgBefore)
	if err != nil {
		return result{}, err
	}
	if err := <-profDone; err != nil {
		return result{}, fmt.Errorf("cpu profile: %w", err)
	}
	if cfg.profile {
		if err := fetch(ctx, "http://"+cfg.pprofAddr+"/debug/pprof/heap", filepath.Join(cfg.dir, name+".heap.pprof")); err != nil {
			return result{}, fmt.Errorf("heap profile: %w", err)
		}
	}
	res.WrkCommand, res.WrkOutput = command, out
	if err := parseWrk(out, &res); err != nil {
		return result{}, fmt.Errorf("%w in wrk's output:\n%s", err, out)
	}
	if res.Requests > 0 {
		res.ServerCPU = ((cpuAfter - cpuBefore) / time.Duration(res.Requests)).Round(time.Microsecond)
		res.PGCPU = (pgUsed / time.Duration(res.Requests)).Round(time.Microsecond)
	}
	res.PeakRSS, res.RSS, err = srv.memory()
	if err != nil {
		return result{}, err
	}
	return res, nil
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// runWord is unique to a wrk run, for the create script's refs.
func runWord() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// wrk runs wrk against the server for d and returns its output and the
// command line (without the environment).
func wrk(ctx context.Context, cfg *config, srv *serverProc, script string, env []string, d time.Duration) (string, string, error) {
	args := []string{"-t", strconv.Itoa(cfg.threads), "-c", strconv.Itoa(cfg.connections),
		"-d", strconv.Itoa(max(1, int(d.Seconds()))) + "s", "--timeout", "5s", "--latency", "-s", script, srv.base + "/"}
	cmd := exec.CommandContext(ctx, "wrk", args...)
	cmd.Env = append(env, "MOSAIC_RUN="+runWord())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("wrk: %w\n%s", err, out.String())
	}
	return out.String(), "wrk " + strings.Join(args, " "), nil
}

var (
	reRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reReqs    = regexp.MustCompile(`(\d+) requests in`)
	reLatency = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	reMax     = regexp.MustCompile(`Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)`)
	reNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSocket  = regexp.MustCompile(`Socket errors: (.*)`)
)

// parseWrk reads the figures of wrk --latency's report.
func parseWrk(out string, r *result) error {
	m := reRPS.FindStringSubmatch(out)
	if m == nil {
		return errors.New("no Requests/sec")
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	if m := reReqs.FindStringSubmatch(out); m != nil {
		r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	for _, m := range reLatency.FindAllStringSubmatch(out, -1) {
		d := duration(m[2], m[3])
		if m[1] == "50" {
			r.P50 = d
		} else {
			r.P99 = d
		}
	}
	if r.P99 == 0 {
		return errors.New("no 99% latency (was --latency given?)")
	}
	if m := reMax.FindStringSubmatch(out); m != nil {
		r.Max = duration(m[1], m[2])
	}
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		r.Non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reSocket.FindStringSubmatch(out); m != nil {
		r.SocketErrs = m[1]
	}
	return nil
}

func duration(v, unit string) time.Duration {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "us":
		return time.Duration(f * float64(time.Microsecond)).Round(time.Microsecond)
	case "ms":
		return time.Duration(f * float64(time.Millisecond)).Round(time.Microsecond)
	}
	return time.Duration(f * float64(time.Second)).Round(time.Microsecond)
}

// fetch saves the body of a GET.
func fetch(ctx context.Context, u, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// loadavg returns the 1, 5 and 15 minute load averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// report prints the results as a Markdown table and saves them, with the
// raw wrk output, in the work folder.
func report(cfg *config, st *state, results []result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "mosaic-load: %d opportunities on %d accounts (seeded in %s), wrk -t%d -c%d -d%s, %d CPUs, %s\n\n",
		st.Rows, st.Accounts, st.SeedTime, cfg.threads, cfg.connections, cfg.duration, runtime.NumCPU(), runtime.Version())
	b.WriteString("| scenario | req/s | p50 | p99 | non-2xx | CPU/req server | CPU/req PostgreSQL | server peak RSS | target | load avg before |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range results {
		t := targets[r.Scenario]
		verdict := "—"
		if t.rps > 0 {
			ok := func(b bool) string {
				if b {
					return "met"
				}
				return "MISSED"
			}
			verdict = fmt.Sprintf("≥ %.0f req/s %s, p99 < %s %s, RSS ≤ %.0f MiB %s",
				t.rps, ok(r.RPS >= t.rps), t.p99, ok(r.P99 < t.p99), t.rssMB, ok(mib(r.PeakRSS) <= t.rssMB))
		}
		fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %d | %s | %s | %.1f MiB | %s | %s |\n",
			r.Scenario, r.RPS, r.P50, r.P99, r.Non2xx, r.ServerCPU, r.PGCPU, mib(r.PeakRSS), verdict, r.LoadBefore)
	}
	fmt.Print("\n" + b.String())
	if err := os.WriteFile(filepath.Join(cfg.dir, "results.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	j, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.dir, "results.json"), j, 0o644); err != nil {
		return err
	}
	for _, r := range results {
		if r.Non2xx > 0 {
			return fmt.Errorf("%s: %d responses were not 2xx; see %s", r.Scenario, r.Non2xx, filepath.Join(cfg.dir, "server-run.log"))
		}
	}
	return nil
}
