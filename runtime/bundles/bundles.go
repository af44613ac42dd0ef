// Package bundles installs, upgrades and removes app bundles in a tenant:
// packed and signed archives or folders (metadata.LoadBundle), checked
// against the tenant's trusted publishers, installed with their
// dependencies in one metadata change (one transaction with its DDL and
// seed records), upgraded by a plan that keeps the tenant's
// customizations, and uninstalled when nothing depends on them. The
// catalog lists the built-in bundles (apps) and those an administrator
// uploaded.
package bundles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Kind is the kind of a refused bundle operation.
type Kind int

// Kinds of errors.
const (
	NotFound Kind = iota + 1
	Conflict
	Invalid
	Forbidden
)

// Error is a refused bundle operation; nothing was changed.
type Error struct {
	Kind    Kind   `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

func errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Codes of bundle errors.
const (
	CodeNotFound          = "bundle_not_found"
	CodeInstalled         = "bundle_installed"
	CodeNotInstalled      = "bundle_not_installed"
	CodeMissingDependency = "missing_dependency"
	CodeVersionConflict   = "version_conflict"
	CodeNamespaceTaken    = "namespace_taken"
	CodeBadSignature      = "bad_signature"
	CodeUntrusted         = "untrusted_publisher"
	CodeUnsigned          = "unsigned_bundle"
	CodeHasDependents     = "has_dependents"
	CodeNotNewer          = "not_newer"
	CodeInvalidBundle     = "invalid_bundle"
)

// How a bundle's origin was checked.
const (
	SignatureBuiltIn  = "built_in"
	SignatureTrusted  = "trusted"
	SignatureUnsigned = "unsigned"
)

// Source is a bundle to install and how its origin checked out.
type Source struct {
	Bundle *metadata.Bundle
	// Signature is SignatureBuiltIn, SignatureTrusted or
	// SignatureUnsigned.
	Signature string
}

// Resolver finds a bundle by name for a dependency: a built-in one or one
// uploaded to the tenant's catalog, at its newest version.
type Resolver func(ctx context.Context, name string) (Source, error)

// Installed is a bundle installed in a tenant.
type Installed struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Version     string            `json:"version"`
	Publisher   string            `json:"publisher"`
	Signature   string            `json:"signature"`
	InstalledAt time.Time         `json:"installed_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	Manifest    metadata.Manifest `json:"-"`
	Model       *metadata.Model   `json:"-"`
}

// Options of an operation.
type Options struct {
	// Actor is the user who acts (recorded in the revision).
	Actor string
	// DryRun computes the plan without applying it.
	DryRun bool
	// ConfirmDataLoss lets an uninstall drop tables that hold data, and an
	// upgrade make changes that lose data.
	ConfirmDataLoss bool
}

// Result is what an operation did, or would do (DryRun).
type Result struct {
	// Bundles are the bundles installed, upgraded or removed, "name
	// version" each (dependencies first).
	Bundles []string `json:"bundles"`
	// Components lists the changes of components (objects, fields,
	// roles…) for people.
	Components []string `json:"components"`
	// Changes lists the changes of the metadata revision (columns, tables,
	// data checks), as metadata changes report them.
	Changes  []string `json:"changes"`
	Revision int      `json:"revision"`
	DryRun   bool     `json:"dry_run"`
}

// Service runs bundle operations.
type Service struct {
	db      store.DB
	catalog *catalog.Catalog
	records *records.Service
	now     func() time.Time
}

// New returns the bundle service.
func New(db store.DB, cat *catalog.Catalog, recs *records.Service) *Service {
	return &Service{db: db, catalog: cat, records: recs, now: time.Now}
}

// Installed lists the bundles installed in the tenant, by name.
func (s *Service) Installed(ctx context.Context, t store.Tenant) ([]Installed, error) {
	rows, err := s.db.Query(ctx, "SELECT name, namespace, version, publisher, signature, manifest, model, installed_at, updated_at FROM bundle_installs WHERE tenant_id = $1 ORDER BY name", t.ID)
	if err != nil {
		return nil, fmt.Errorf("bundles: installed: %w", err)
	}
	defer rows.Close()
	out := []Installed{}
	for rows.Next() {
		var in Installed
		var manifest, model string
		if err := rows.Scan(&in.Name, &in.Namespace, &in.Version, &in.Publisher, &in.Signature, &manifest, &model, &in.InstalledAt, &in.UpdatedAt); err != nil {
			return nil, fmt.Errorf("bundles: installed: %w", err)
		}
		if err := json.Unmarshal([]byte(manifest), &in.Manifest); err != nil {
			return nil, fmt.Errorf("bundles: installed %s: %w", in.Name, err)
		}
		in.Model = &metadata.Model{}
		if err := json.Unmarshal([]byte(model), in.Model); err != nil {
			return nil, fmt.Errorf("bundles: installed %s: %w", in.Name, err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func find(list []Installed, name string) *Installed {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

// asBundle is an installed bundle as dependencies are validated against.
func (in *Installed) asBundle() *metadata.Bundle {
	return &metadata.Bundle{Manifest: in.Manifest, Model: in.Model, Files: map[string]string{}}
}

// Install installs src in the tenant with the dependencies it lacks
// (found by resolve), all in one metadata change: every component, the
// tables, the seed records and the bookkeeping commit together or not at
// all.
func (s *Service) Install(ctx context.Context, t store.Tenant, src Source, resolve Resolver, opt Options) (*Result, error) {
	installed, err := s.Installed(ctx, t)
	if err != nil {
		return nil, err
	}
	if in := find(installed, src.Bundle.Manifest.Name); in != nil {
		return nil, errorf(Conflict, CodeInstalled, "bundle %s %s is installed already; upgrade it instead", in.Name, in.Version)
	}
	order, err := s.resolve(ctx, installed, src, resolve, map[string]bool{})
	if err != nil {
		return nil, err
	}
	return s.apply(ctx, t, installed, order, opt, "install")
}

// resolve returns the bundles to install for src, dependencies first,
// checking versions against what is installed.
func (s *Service) resolve(ctx context.Context, installed []Installed, src Source, resolve Resolver, visiting map[string]bool) ([]Source, error) {
	m := src.Bundle.Manifest
	if visiting[m.Name] {
		return nil, errorf(Invalid, CodeMissingDependency, "bundle %s depends on itself through its dependencies", m.Name)
	}
	visiting[m.Name] = true
	defer delete(visiting, m.Name)
	var order []Source
	for _, d := range m.Dependencies {
		c, err := semver.NewConstraint(d.Version)
		if err != nil {
			return nil, errorf(Invalid, CodeInvalidBundle, "bundle %s: dependency %s: constraint %q does not parse", m.Name, d.Name, d.Version)
		}
		if in := find(installed, d.Name); in != nil {
			v, err := semver.NewVersion(in.Version)
			if err != nil || !c.Check(v) {
				return nil, errorf(Conflict, CodeVersionConflict, "bundle %s needs %s %s, but %s %s is installed", m.Name, d.Name, d.Version, d.Name, in.Version)
			}
			continue
		}
		if resolve == nil {
			return nil, errorf(Invalid, CodeMissingDependency, "bundle %s needs %s %s, which is not installed", m.Name, d.Name, d.Version)
		}
		dep, err := resolve(ctx, d.Name)
		if err != nil {
			return nil, errorf(Invalid, CodeMissingDependency, "bundle %s needs %s %s, which is neither installed nor available: %v", m.Name, d.Name, d.Version, err)
		}
		v, err := semver.NewVersion(dep.Bundle.Manifest.Version)
		if err != nil || !c.Check(v) {
			return nil, errorf(Conflict, CodeVersionConflict, "bundle %s needs %s %s, but %s is available", m.Name, d.Name, d.Version, dep.Bundle.Manifest.Version)
		}
		sub, err := s.resolve(ctx, installed, dep, resolve, visiting)
		if err != nil {
			return nil, err
		}
		for _, x := range sub {
			if !containsSource(order, x.Bundle.Manifest.Name) {
				order = append(order, x)
			}
		}
	}
	return append(order, src), nil
}

func containsSource(list []Source, name string) bool {
	for _, s := range list {
		if s.Bundle.Manifest.Name == name {
			return true
		}
	}
	return false
}

// Upgrade upgrades an installed bundle to src's version (newer only),
// installing new dependencies; DryRun returns the plan without applying
// it.
func (s *Service) Upgrade(ctx context.Context, t store.Tenant, src Source, resolve Resolver, opt Options) (*Result, error) {
	installed, err := s.Installed(ctx, t)
	if err != nil {
		return nil, err
	}
	m := src.Bundle.Manifest
	in := find(installed, m.Name)
	if in == nil {
		return nil, errorf(Conflict, CodeNotInstalled, "bundle %s is not installed; install it", m.Name)
	}
	from, err1 := semver.NewVersion(in.Version)
	to, err2 := semver.NewVersion(m.Version)
	if err1 != nil || err2 != nil || !to.GreaterThan(from) {
		return nil, errorf(Conflict, CodeNotNewer, "bundle %s %s is installed; %s is not newer", m.Name, in.Version, m.Version)
	}
	order, err := s.resolve(ctx, installed, src, resolve, map[string]bool{})
	if err != nil {
		return nil, err
	}
	return s.apply(ctx, t, installed, order, opt, "upgrade")
}

// apply validates the bundles of order against their dependencies and
// applies them to the tenant's metadata in one change.
func (s *Service) apply(ctx context.Context, t store.Tenant, installed []Installed, order []Source, opt Options, verb string) (*Result, error) {
	available := map[string]*metadata.Bundle{}
	for i := range installed {
		available[installed[i].Name] = installed[i].asBundle()
	}
	res := &Result{DryRun: opt.DryRun}
	var namespaces []string
	for _, src := range order {
		b := src.Bundle
		var deps []*metadata.Bundle
		for _, d := range b.Manifest.Dependencies {
			if db, ok := available[d.Name]; ok {
				deps = append(deps, db)
			}
		}
		if ps := metadata.ValidateBundle(b, deps, expression.Checker{}); len(ps) > 0 {
			return nil, ps
		}
		for i := range installed {
			if installed[i].Namespace == b.Manifest.Namespace && installed[i].Name != b.Manifest.Name {
				return nil, errorf(Conflict, CodeNamespaceTaken, "namespace %s is taken by bundle %s", b.Manifest.Namespace, installed[i].Name)
			}
		}
		available[b.Manifest.Name] = b
		namespaces = append(namespaces, b.Manifest.Namespace)
		res.Bundles = append(res.Bundles, b.Manifest.Name+" "+b.Manifest.Version)
	}
	var problems metadata.Problems
	mutate := func(m *metadata.Model) error {
		res.Components = nil
		cur := m
		for _, src := range order {
			var prev *metadata.Model
			if in := find(installed, src.Bundle.Manifest.Name); in != nil {
				prev = in.Model
			}
			next, changes, ps := metadata.ApplyBundle(cur, prev, src.Bundle)
			if len(ps) > 0 {
				problems = append(problems, ps...)
				continue
			}
			res.Components = append(res.Components, changes...)
			cur = next
		}
		if len(problems) > 0 {
			return problems
		}
		*m = *cur
		return nil
	}
	also := func(ctx context.Context, tx store.Tx, rev *compiled.Revision) error {
		for _, src := range order {
			if err := s.record(ctx, tx, t, src, opt.Actor); err != nil {
				return err
			}
			if find(installed, src.Bundle.Manifest.Name) == nil {
				if err := s.seed(ctx, tx, rev, src.Bundle, opt.Actor); err != nil {
					return err
				}
			}
		}
		return nil
	}
	summary := fmt.Sprintf("%s %v", verb, res.Bundles)
	r, err := s.catalog.Change(ctx, t, catalog.ChangeOptions{Actor: opt.Actor, Summary: summary, DryRun: opt.DryRun,
		ConfirmDataLoss: opt.ConfirmDataLoss, Bundles: namespaces, Also: also}, mutate)
	if err != nil {
		return nil, err
	}
	res.Changes, res.Revision = r.Changes, r.Revision.Number
	sort.Strings(res.Components)
	return res, nil
}

// record writes (or replaces) the bookkeeping row of an installed bundle.
func (s *Service) record(ctx context.Context, tx store.Tx, t store.Tenant, src Source, actor string) error {
	b := src.Bundle
	manifest, err := json.Marshal(b.Manifest)
	if err != nil {
		return err
	}
	model := b.Model.Clone()
	model.Own(b.Manifest.Namespace)
	modelDoc, err := json.Marshal(model)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	n, err := tx.Exec(ctx, "UPDATE bundle_installs SET version = $1, publisher = $2, signature = $3, manifest = $4, model = $5, updated_at = $6 WHERE tenant_id = $7 AND name = $8",
		b.Manifest.Version, b.Manifest.Publisher, src.Signature, string(manifest), string(modelDoc), now, t.ID, b.Manifest.Name)
	if err != nil {
		return fmt.Errorf("bundles: record %s: %w", b.Manifest.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, "INSERT INTO bundle_installs (tenant_id, name, namespace, version, publisher, signature, manifest, model, installed_at, installed_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)",
		t.ID, b.Manifest.Name, b.Manifest.Namespace, b.Manifest.Version, b.Manifest.Publisher, src.Signature, string(manifest), string(modelDoc), now, actor); err != nil {
		var ce *store.ConstraintError
		if errors.As(err, &ce) && ce.Kind == store.ConstraintUnique {
			return errorf(Conflict, CodeNamespaceTaken, "namespace %s is taken by another bundle", b.Manifest.Namespace)
		}
		return fmt.Errorf("bundles: record %s: %w", b.Manifest.Name, err)
	}
	return nil
}

// seed creates a bundle's seed records, as the system, in the install's
// transaction. A seed record that is not valid undoes the install.
func (s *Service) seed(ctx context.Context, tx store.Tx, rev *compiled.Revision, b *metadata.Bundle, actor string) error {
	for _, sd := range b.Seed {
		obj, ok := rev.Object(sd.Object)
		if !ok {
			return errorf(Invalid, CodeInvalidBundle, "%s: no object %s", sd.File, sd.Object)
		}
		for i, r := range sd.Records {
			input := make(map[string]any, len(r))
			for k, v := range r {
				input[k] = jsonNumbers(v)
			}
			if _, err := s.records.CreateInTx(ctx, tx, rev, obj, records.Actor{ID: actor}, input); err != nil {
				var ve *records.ValidationError
				if errors.As(err, &ve) {
					return errorf(Invalid, CodeInvalidBundle, "%s: record %d: %v", sd.File, i, ve)
				}
				return fmt.Errorf("bundles: seed %s record %d: %w", sd.File, i, err)
			}
		}
	}
	return nil
}

// jsonNumbers turns the float64 numbers of decoded YAML/JSON into
// json.Number, as record input takes them exactly.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		return json.Number(fmt.Sprint(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonNumbers(e)
		}
		return out
	}
	return v
}

// Uninstall removes an installed bundle's components (and their tables:
// tables holding data need ConfirmDataLoss), refused while other installed
// bundles depend on it.
func (s *Service) Uninstall(ctx context.Context, t store.Tenant, name string, opt Options) (*Result, error) {
	installed, err := s.Installed(ctx, t)
	if err != nil {
		return nil, err
	}
	in := find(installed, name)
	if in == nil {
		return nil, errorf(NotFound, CodeNotInstalled, "bundle %s is not installed", name)
	}
	for _, other := range installed {
		for _, d := range other.Manifest.Dependencies {
			if d.Name == name {
				return nil, errorf(Conflict, CodeHasDependents, "bundle %s depends on %s; uninstall it first", other.Name, name)
			}
		}
	}
	res := &Result{Bundles: []string{in.Name + " " + in.Version}, DryRun: opt.DryRun}
	mutate := func(m *metadata.Model) error {
		next, changes := metadata.RemoveBundle(m, in.Namespace)
		res.Components = changes
		*m = *next
		return nil
	}
	also := func(ctx context.Context, tx store.Tx, _ *compiled.Revision) error {
		_, err := tx.Exec(ctx, "DELETE FROM bundle_installs WHERE tenant_id = $1 AND name = $2", t.ID, name)
		return err
	}
	r, err := s.catalog.Change(ctx, t, catalog.ChangeOptions{Actor: opt.Actor, Summary: "uninstall " + in.Name + " " + in.Version,
		DryRun: opt.DryRun, ConfirmDataLoss: opt.ConfirmDataLoss, Bundles: []string{in.Namespace}, Also: also}, mutate)
	if err != nil {
		return nil, err
	}
	res.Changes, res.Revision = r.Changes, r.Revision.Number
	return res, nil
}
