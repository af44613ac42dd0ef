package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	_ "net/http/pprof" // the profiled server's /debug/pprof
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mosaic-paas/mosaic/runtime/server"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// serverProc is a Mosaic server the driver started.
type serverProc struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// startServer starts `mosaic serve` (or, with --profile, this binary's
// profiled server) on the database and waits until it is ready. Its output
// goes to server-<phase>.log in the work folder.
func startServer(ctx context.Context, cfg *config, phase string) (*serverProc, error) {
	bin, args := cfg.mosaic, []string{"serve", "--addr", cfg.addr, "--database-url", cfg.databaseURL}
	if cfg.profile {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		bin, args = self, append(args, "--pprof", cfg.pprofAddr)
	}
	logFile, err := os.Create(filepath.Join(cfg.dir, "server-"+phase+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &serverProc{cmd: cmd, base: "http://" + cfg.addr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logFile.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("%s exited before it was ready (%v); see %s", bin, err, logFile.Name())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s was not ready within a minute; see %s", bin, logFile.Name())
		}
	}
}

// stop asks the server to shut down and waits for it (10s, then kills it).
func (s *serverProc) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// memory returns the server's peak and current resident set size in bytes
// (VmHWM and VmRSS of /proc/<pid>/status).
func (s *serverProc) memory() (peak, current int64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		if name == "VmHWM" {
			peak = kb << 10
		} else {
			current = kb << 10
		}
	}
	if peak == 0 {
		return 0, 0, errors.New("no VmHWM in /proc status")
	}
	return peak, current, sc.Err()
}

// serveProfiled is `mosaic serve` with net/http/pprof on another loopback
// port: the same server.Run, started the same way, so that its CPU profile
// is the real server's.
func serveProfiled(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18080", "listen address")
	dbURL := fs.String("database-url", "", "PostgreSQL URL")
	pprofAddr := fs.String("pprof", "127.0.0.1:18081", "pprof listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopbackOnly(*addr, *pprofAddr); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	pprofSrv := &http.Server{Addr: *pprofAddr, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = pprofSrv.ListenAndServe() }()
	defer pprofSrv.Close()
	return server.Run(ctx, server.Config{Addr: *addr, Store: store.Config{DatabaseURL: *dbURL}, Out: os.Stdout})
}

// clockTicks is the unit of the CPU times in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux this runs on).
const clockTicks = 100

// processCPU returns the user plus system CPU time a process has used.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after it
	// start after the last ')'. utime and stime are fields 14 and 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("malformed /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// cpu returns the CPU time the server has used.
func (s *serverProc) cpu() (time.Duration, error) { return processCPU(s.cmd.Process.Pid) }
