// Command mosaic is the Mosaic platform: `mosaic serve` runs it, the other
// subcommands administer tenants and the store.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/server"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

const usage = `Mosaic — metadata-driven business objects and workflows.

Usage:
  mosaic serve  [--addr 127.0.0.1:8080] [store flags]   run the server
                [--session-idle 8h] [--session-lifetime 168h]
                [--trusted-proxies 10.0.0.1,10.1.0.0/16] [--proxy-header X-Forwarded-For]
  mosaic migrate [store flags]                          apply system migrations
  mosaic tenant create NAME [store flags]               create a tenant and its administrator
                                                        (admin@localhost), print the admin's API token
  mosaic tenant list [store flags]                      list tenants
  mosaic tenant token NAME [--name N] [store flags]     create another API token of the tenant's administrator
  mosaic user create TENANT EMAIL [--name N] [--role R] [--manager EMAIL] [--no-password] [store flags]
                                                        create a user; the password is read from the terminal
                                                        (not echoed) or the first line of standard input
  mosaic user password TENANT EMAIL [store flags]       set a user's password (read likewise)
  mosaic user list TENANT [store flags]                 list a tenant's users
  mosaic bundle validate DIR                            check a bundle folder; print every problem
  mosaic bundle keygen --out KEYFILE                    make a signing key; print its public key
  mosaic bundle pack DIR --out FILE [--key KEYFILE]     validate and pack a bundle folder (signed with --key)
  mosaic bundle sign FILE --key KEYFILE [--out FILE]    sign a packed bundle
  mosaic bundle install TENANT (NAME|DIR|FILE) [--allow-unsigned] [--dry-run] [store flags]
                                                        install a built-in or uploaded bundle by name, a folder
                                                        (unsigned) or a packed file, with its dependencies
  mosaic bundle upgrade TENANT (NAME|DIR|FILE) [--plan] [--confirm] [--allow-unsigned] [store flags]
                                                        upgrade an installed bundle (--plan shows the plan only)
  mosaic bundle uninstall TENANT NAME [--confirm] [--dry-run] [store flags]
                                                        remove a bundle (--confirm when its tables hold data)
  mosaic bundle list [TENANT] [store flags]             the catalog with the versions installed in TENANT;
                                                        without TENANT, what every tenant has installed
  mosaic bundle trust TENANT NAME PUBLICKEY [store flags]
                                                        trust bundles signed by a publisher's key

Store flags:
  --data-dir DIR        embedded SQLite data folder (default ./mosaic-data)
  --database-url URL    PostgreSQL URL (or MOSAIC_DATABASE_URL); overrides --data-dir
`

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mosaic:", err)
		os.Exit(1)
	}
}

func run(args []string, in io.Reader, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, usage)
		return errors.New("a command is required")
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], out)
	case "migrate":
		return migrate(args[1:], out)
	case "tenant":
		return tenant(args[1:], out)
	case "user":
		return user(args[1:], in, out)
	case "bundle":
		return bundle(args[1:], out)
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	fmt.Fprint(out, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// storeFlags adds the store flags to fs.
func storeFlags(fs *flag.FlagSet) *store.Config {
	cfg := &store.Config{}
	fs.StringVar(&cfg.DataDir, "data-dir", "mosaic-data", "embedded SQLite data folder")
	fs.StringVar(&cfg.DatabaseURL, "database-url", os.Getenv("MOSAIC_DATABASE_URL"), "PostgreSQL URL")
	return cfg
}

func serve(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	shutdown := fs.Duration("shutdown-timeout", 30*time.Second, "how long in-flight requests may take to finish on SIGTERM")
	bodyLimit := fs.Int("max-body", 4<<20, "largest request body in bytes")
	idle := fs.Duration("session-idle", auth.DefaultSessionIdle, "a session unused this long ends")
	lifetime := fs.Duration("session-lifetime", auth.DefaultSessionLifetime, "a session ends this long after sign-in")
	proxies := fs.String("trusted-proxies", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-Proto and --proxy-header are believed")
	proxyHeader := fs.String("proxy-header", "", "the header in which trusted proxies give the client's address (X-Forwarded-For)")
	cfg := storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	sc := server.Config{Addr: *addr, Store: *cfg, Out: out, ShutdownTimeout: *shutdown}
	sc.API.BodyLimit = *bodyLimit
	sc.API.Auth.SessionIdle, sc.API.Auth.SessionLifetime = *idle, *lifetime
	sc.API.ProxyHeader = *proxyHeader
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			sc.API.TrustedProxies = append(sc.API.TrustedProxies, p)
		}
	}
	return server.Run(ctx, sc)
}

func migrate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg := storeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := store.Open(context.Background(), *cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(out, "system tables are up to date (%s)\n", db.Dialect().Name())
	return nil
}

func tenant(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("tenant: say create, list or token")
	}
	fs := flag.NewFlagSet("tenant "+args[0], flag.ContinueOnError)
	tokenName := fs.String("name", "cli", "a name for the token")
	cfg := storeFlags(fs)
	if err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "create":
		if fs.NArg() != 1 {
			return errors.New("tenant create: give the tenant's name")
		}
		setup, err := auth.SetUpTenant(ctx, db, fs.Arg(0), *tokenName, cli)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "tenant %s created, with the administrator %s (no password yet)\n", setup.Tenant.Name, setup.Admin.Email)
		fmt.Fprintf(out, "API token of %s (shown once): %s\n", setup.Admin.Email, setup.Token)
		fmt.Fprintf(out, "set the administrator's password with: mosaic user password %s %s\n", setup.Tenant.Name, setup.Admin.Email)
	case "list":
		ts, err := store.ListTenants(ctx, db)
		if err != nil {
			return err
		}
		for _, t := range ts {
			fmt.Fprintf(out, "%s\t%s\t%s\n", t.Name, t.ID, t.CreatedAt.Format(time.RFC3339))
		}
	case "token":
		if fs.NArg() != 1 {
			return errors.New("tenant token: give the tenant's name")
		}
		t, err := store.TenantByName(ctx, db, fs.Arg(0))
		if err != nil {
			return err
		}
		admin, _, err := store.EnsureAdmin(ctx, db, t.ID)
		if err != nil {
			return err
		}
		token, _, err := auth.New(db, auth.Config{}).CreateToken(ctx, t.ID, admin.ID, auth.TokenInput{Name: *tokenName}, cli)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "API token of %s for %s (shown once): %s\n", admin.Email, t.Name, token)
	default:
		return fmt.Errorf("tenant: unknown subcommand %q", args[0])
	}
	return nil
}

// parseInterspersed parses flags that may stand before or after the
// positional arguments ("tenant create acme --data-dir d").
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

// tuneGC trades memory the server does not need for less garbage collection
// (profiles under load showed GC taking 10% of CPU at Go's defaults): GOGC
// 400 with a soft memory limit of 128 MiB, unless GOGC or GOMEMLIMIT are set.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}
}
