package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/mosaic-paas/mosaic/apps"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// bundleFlags are the flags of `mosaic bundle`.
type bundleFlags struct {
	out, key                             string
	allowUnsigned, dryRun, plan, confirm bool
	store                                *store.Config
}

// bundle runs `mosaic bundle validate|keygen|pack|sign|install|upgrade|
// uninstall|list|trust`.
func bundle(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("bundle: say validate, keygen, pack, sign, install, upgrade, uninstall, list or trust")
	}
	fs := flag.NewFlagSet("bundle "+args[0], flag.ContinueOnError)
	var f bundleFlags
	fs.StringVar(&f.out, "out", "", "the file to write")
	fs.StringVar(&f.key, "key", "", "the signing key file (mosaic bundle keygen)")
	fs.BoolVar(&f.allowUnsigned, "allow-unsigned", false, "accept unsigned bundles (a folder is unsigned)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what would change without applying it")
	fs.BoolVar(&f.plan, "plan", false, "show the upgrade plan without applying it")
	fs.BoolVar(&f.confirm, "confirm", false, "allow losing data (tables that hold records)")
	f.store = storeFlags(fs)
	if err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	verb, pos := args[0], fs.Args()
	switch verb {
	case "validate":
		if len(pos) != 1 {
			return errors.New("bundle validate: give the bundle's folder")
		}
		b, err := validateBundleDir(pos[0], out)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "ok: %s %s\n", b.Manifest.Name, b.Manifest.Version)
		return nil
	case "keygen":
		return keygen(f, out)
	case "pack":
		if len(pos) != 1 || f.out == "" {
			return errors.New("bundle pack: give the bundle's folder and --out FILE")
		}
		return pack(pos[0], f, out)
	case "sign":
		if len(pos) != 1 || f.key == "" {
			return errors.New("bundle sign: give the packed file and --key KEYFILE")
		}
		return sign(pos[0], f, out)
	case "install", "upgrade", "uninstall", "list", "trust":
	default:
		return fmt.Errorf("bundle: unknown subcommand %q", verb)
	}
	want := map[string]int{"install": 2, "upgrade": 2, "uninstall": 2, "list": 1, "trust": 3}[verb]
	if verb == "list" && len(pos) == 0 {
		return listInstalls(&f, out)
	}
	if len(pos) != want {
		return fmt.Errorf("bundle %s: %s", verb, map[string]string{
			"install":   "give the tenant and a bundle's name, folder or packed file",
			"upgrade":   "give the tenant and a bundle's name, folder or packed file",
			"uninstall": "give the tenant and the bundle's name",
			"list":      "give the tenant",
			"trust":     "give the tenant, the publisher's name and its public key",
		}[verb])
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *f.store)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := store.TenantByName(ctx, db, pos[0])
	if err != nil {
		return err
	}
	svc := bundles.New(db, catalog.New(db), records.New(db))
	switch verb {
	case "list":
		return listBundles(ctx, svc, t, out)
	case "trust":
		p, err := svc.TrustPublisher(ctx, t, pos[1], strings.TrimSpace(pos[2]))
		if err != nil {
			return err
		}
		if err := auth.Audit(ctx, db, t.ID, cli, auth.EventPublisherTrusted, map[string]any{"name": p.Name, "public_key": p.PublicKey}); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s now trusts bundles signed by %s (%s)\n", t.Name, p.Name, p.PublicKey)
		return nil
	}
	// Changes are made as the tenant's administrator, who owns the seed
	// records; the audit log says they came from the command line.
	admin, _, err := store.EnsureAdmin(ctx, db, t.ID)
	if err != nil {
		return err
	}
	opt := bundles.Options{Actor: admin.ID, DryRun: f.dryRun || f.plan, ConfirmDataLoss: f.confirm}
	var (
		res   *bundles.Result
		src   bundles.Source
		event string
	)
	switch verb {
	case "uninstall":
		res, err = svc.Uninstall(ctx, t, pos[1], opt)
		event = auth.EventBundleUninstalled
	default:
		if src, err = bundleSource(ctx, svc, t, pos[1], f.allowUnsigned); err != nil {
			return err
		}
		resolve := svc.Resolver(t, f.allowUnsigned)
		if verb == "install" {
			res, err = svc.Install(ctx, t, src, resolve, opt)
			event = auth.EventBundleInstalled
		} else {
			res, err = svc.Upgrade(ctx, t, src, resolve, opt)
			event = auth.EventBundleUpgraded
		}
	}
	if err != nil {
		return bundleError(err, out)
	}
	if !res.DryRun {
		detail := map[string]any{"name": pos[1], "bundles": res.Bundles, "revision": res.Revision, "components": res.Components, "changes": res.Changes}
		if src.Bundle != nil {
			m := src.Bundle.Manifest
			detail["name"], detail["version"], detail["signature"] = m.Name, m.Version, src.Signature
		}
		if err := auth.Audit(ctx, db, t.ID, cli, event, detail); err != nil {
			return err
		}
	}
	printResult(out, verb, t.Name, res)
	return nil
}

// bundleSource finds what install and upgrade name: a folder (unsigned:
// it needs allowUnsigned), a packed file (checked against the tenant's
// trusted publishers), or else a bundle of the catalog by name.
func bundleSource(ctx context.Context, svc *bundles.Service, t store.Tenant, ref string, allowUnsigned bool) (bundles.Source, error) {
	info, err := os.Stat(ref)
	switch {
	case err == nil && info.IsDir():
		if !allowUnsigned {
			return bundles.Source{}, fmt.Errorf("%s is a folder, which is not signed: pack and sign it, or give --allow-unsigned", ref)
		}
		b, err := metadata.LoadBundle(os.DirFS(ref))
		if err != nil {
			return bundles.Source{}, err
		}
		return bundles.Source{Bundle: b, Signature: bundles.SignatureUnsigned}, nil
	case err == nil:
		archive, err := os.ReadFile(ref)
		if err != nil {
			return bundles.Source{}, err
		}
		return svc.OpenArchive(ctx, t, archive, allowUnsigned)
	}
	return svc.Find(ctx, t, ref, "", allowUnsigned)
}

// bundleError prints every problem of a refused operation, one a line, and
// returns the error to exit with.
func bundleError(err error, out io.Writer) error {
	var ps metadata.Problems
	if errors.As(err, &ps) {
		printProblems(out, ps)
		return fmt.Errorf("refused: %d problem(s)", len(ps))
	}
	return err
}

func printProblems(out io.Writer, ps metadata.Problems) {
	for _, p := range ps {
		if p.Path == "" {
			fmt.Fprintln(out, p.Message)
			continue
		}
		fmt.Fprintf(out, "%s: %s\n", p.Path, p.Message)
	}
}

// printResult prints what an operation did, or would do.
func printResult(out io.Writer, verb, tenant string, res *bundles.Result) {
	done := map[string]string{"install": "installed", "upgrade": "upgraded", "uninstall": "uninstalled"}[verb]
	if res.DryRun {
		fmt.Fprintln(out, "plan (nothing applied):")
	} else {
		fmt.Fprintf(out, "%s in %s (revision %d):\n", done, tenant, res.Revision)
	}
	section := func(title string, lines []string) {
		fmt.Fprintf(out, "  %s:\n", title)
		if len(lines) == 0 {
			fmt.Fprintln(out, "    (none)")
		}
		for _, l := range lines {
			fmt.Fprintf(out, "    %s\n", l)
		}
	}
	section("bundles", res.Bundles)
	section("components", res.Components)
	section("revision changes", res.Changes)
}

// listBundles prints the tenant's catalog as a table.
func listBundles(ctx context.Context, svc *bundles.Service, t store.Tenant, out io.Writer) error {
	entries, err := svc.Catalog(ctx, t)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tORIGIN\tPUBLISHER\tSIGNED BY\tINSTALLED")
	for _, e := range entries {
		signed, installed := e.SignedBy, e.Installed
		if signed == "" {
			signed = "-"
		}
		if installed == "" {
			installed = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, e.Version, e.Origin, e.Publisher, signed, installed)
	}
	return tw.Flush()
}

// listInstalls prints, for every tenant of the instance, the bundles
// installed in it.
func listInstalls(f *bundleFlags, out io.Writer) error {
	ctx := context.Background()
	db, err := store.Open(ctx, *f.store)
	if err != nil {
		return err
	}
	defer db.Close()
	tenants, err := store.ListTenants(ctx, db)
	if err != nil {
		return err
	}
	svc := bundles.New(db, catalog.New(db), records.New(db))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tBUNDLE\tVERSION\tPUBLISHER\tSIGNATURE\tINSTALLED AT")
	for _, t := range tenants {
		installed, err := svc.Installed(ctx, t)
		if err != nil {
			return err
		}
		if len(installed) == 0 {
			fmt.Fprintf(tw, "%s\t-\t\t\t\t\n", t.Name)
		}
		for _, in := range installed {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, in.Name, in.Version, in.Publisher, in.Signature, in.InstalledAt.UTC().Format("2006-01-02 15:04"))
		}
	}
	return tw.Flush()
}

// validateBundleDir loads a bundle folder and validates it against its
// dependencies, which resolve among the built-in bundles; it prints every
// problem and fails when there is any.
func validateBundleDir(dir string, out io.Writer) (*metadata.Bundle, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	b, err := metadata.LoadBundle(os.DirFS(dir))
	if err != nil {
		return nil, bundleError(err, out)
	}
	var deps []*metadata.Bundle
	for _, d := range b.Manifest.Dependencies {
		// A dependency that is not built in is reported by ValidateBundle
		// as not available.
		if dep, err := apps.Load(d.Name); err == nil {
			deps = append(deps, dep)
		}
	}
	if ps := metadata.ValidateBundle(b, deps, expression.Checker{}); len(ps) > 0 {
		printProblems(out, ps)
		return nil, fmt.Errorf("%s: %d problem(s)", dir, len(ps))
	}
	return b, nil
}

// keygen writes a new signing key to --out (readable by its owner only,
// never over an existing file) and prints the public key.
func keygen(f bundleFlags, out io.Writer) error {
	if f.out == "" {
		return errors.New("bundle keygen: give --out KEYFILE")
	}
	pub, key, err := bundles.GenerateKey()
	if err != nil {
		return err
	}
	file, err := os.OpenFile(f.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("bundle keygen: %w", err)
	}
	if _, err := fmt.Fprintln(file, bundles.EncodeKey(key)); err != nil {
		file.Close()
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "signing key written to %s (keep it secret)\n", f.out)
	fmt.Fprintf(out, "public key: %s\n", bundles.EncodePublicKey(pub))
	return nil
}

// readKey reads a signing key file.
func readKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return bundles.DecodePrivateKey(string(b))
}

// signedBy describes who signs with key.
func signedBy(key ed25519.PrivateKey) string {
	return "signed by " + bundles.EncodePublicKey(key.Public().(ed25519.PublicKey))
}

// pack validates a bundle folder and packs it into --out, signed when
// --key is given.
func pack(dir string, f bundleFlags, out io.Writer) error {
	b, err := validateBundleDir(dir, out)
	if err != nil {
		return fmt.Errorf("bundle pack: not packed: %w", err)
	}
	var key ed25519.PrivateKey
	how := "unsigned"
	if f.key != "" {
		if key, err = readKey(f.key); err != nil {
			return err
		}
		how = signedBy(key)
	}
	archive, err := bundles.Pack(os.DirFS(dir), key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(f.out, archive, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "packed %s %s into %s (%s)\n", b.Manifest.Name, b.Manifest.Version, f.out, how)
	return nil
}

// sign signs a packed bundle with --key, in place or into --out.
func sign(file string, f bundleFlags, out io.Writer) error {
	key, err := readKey(f.key)
	if err != nil {
		return err
	}
	archive, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if _, err := bundles.Open(archive); err != nil {
		return fmt.Errorf("bundle sign: %s: %w", file, err)
	}
	signed, err := bundles.Sign(archive, key)
	if err != nil {
		return err
	}
	dst := f.out
	if dst == "" {
		dst = file
	}
	if err := os.WriteFile(dst, signed, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s %s\n", dst, signedBy(key))
	return nil
}
