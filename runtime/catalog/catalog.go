// Package catalog keeps the compiled metadata of every tenant and is the only
// way to change it: a change is validated, planned into DDL, applied in one
// transaction together with the new metadata revision, and then compiled once
// into the form requests use.
package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// RecheckInterval is how often a cached revision is compared with the
// database, so that several Mosaic nodes on one database converge on the
// newest revision.
const RecheckInterval = time.Second

// Catalog holds the current compiled revision of each tenant.
type Catalog struct {
	db  store.DB
	now func() time.Time

	mu      sync.Mutex
	tenants map[string]*tenantEntry
	// onChange are the hooks of OnChange, guarded by mu.
	onChange []ChangeHook
}

// ChangeHook is work that every metadata change does inside its
// transaction, once the new revision is applied (see OnChange).
type ChangeHook func(ctx context.Context, tx store.Tx, rev *compiled.Revision) error

// OnChange adds fn to the hooks that run inside the transaction of every
// change (not of a dry run), after the new revision is saved, in the order
// they were added: catalog-wide work that must commit with the metadata,
// such as starting the jobs of new schedules. An error undoes the change.
// Call it before the catalog is used.
func (c *Catalog) OnChange(fn ChangeHook) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onChange = append(c.onChange, fn)
}

type tenantEntry struct {
	// change serializes metadata changes of the tenant on this node; load
	// serializes reading and compiling a revision.
	change sync.Mutex
	load   sync.Mutex
	// mu guards the fields below.
	mu       sync.Mutex
	rev      *compiled.Revision
	checked  time.Time
	checking bool
}

// New returns a catalog over db.
func New(db store.DB) *Catalog {
	return &Catalog{db: db, now: time.Now, tenants: map[string]*tenantEntry{}}
}

func (c *Catalog) entry(tenantID string) *tenantEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tenants[tenantID]
	if !ok {
		e = &tenantEntry{}
		c.tenants[tenantID] = e
	}
	return e
}

// Current returns the tenant's current compiled revision, loading and
// compiling it when it is not cached or has been superseded. Requests never
// wait for the periodic check against the database: while one request checks
// (a one-row query of the revision number), the others use the cached
// revision.
func (c *Catalog) Current(ctx context.Context, t store.Tenant) (*compiled.Revision, error) {
	e := c.entry(t.ID)
	e.mu.Lock()
	rev := e.rev
	if rev != nil && (e.checking || c.now().Sub(e.checked) < RecheckInterval) {
		e.mu.Unlock()
		return rev, nil
	}
	e.checking = rev != nil
	e.mu.Unlock()
	if rev != nil {
		number, err := store.LatestRevisionNumber(ctx, c.db, t.ID)
		if err == nil && number == rev.Number {
			e.mu.Lock()
			e.checked, e.checking = c.now(), false
			e.mu.Unlock()
			return rev, nil
		}
		if err != nil {
			e.mu.Lock()
			e.checking = false
			e.mu.Unlock()
			return nil, fmt.Errorf("catalog: check revision of tenant %s: %w", t.Name, err)
		}
	}
	return c.reload(ctx, t, e)
}

// reload reads and compiles the tenant's newest revision.
func (c *Catalog) reload(ctx context.Context, t store.Tenant, e *tenantEntry) (*compiled.Revision, error) {
	e.load.Lock()
	defer e.load.Unlock()
	defer func() {
		e.mu.Lock()
		e.checking = false
		e.mu.Unlock()
	}()
	info, doc, err := store.LatestRevision(ctx, c.db, t.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("catalog: load revision of tenant %s: %w", t.Name, err)
	}
	e.mu.Lock()
	cached := e.rev
	e.mu.Unlock()
	if cached != nil && cached.Number == info.Number {
		e.mu.Lock()
		e.checked = c.now()
		e.mu.Unlock()
		return cached, nil
	}
	if cached != nil {
		// Another node changed the tables.
		c.tablesChanged()
	}
	model := &metadata.Model{}
	if err == nil {
		if err := json.Unmarshal(doc, model); err != nil {
			return nil, fmt.Errorf("catalog: decode revision %d of tenant %s: %w", info.Number, t.Name, err)
		}
	}
	rev, err := compile(c.db, t, info.Number, model)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.rev, e.checked = rev, c.now()
	e.mu.Unlock()
	return rev, nil
}

func compile(db store.DB, t store.Tenant, number int, m *metadata.Model) (*compiled.Revision, error) {
	rev, err := compiled.Compile(db.Dialect(), t.ID, t.Schema, number, m)
	if err != nil {
		return nil, fmt.Errorf("catalog: compile revision %d of tenant %s: %w", number, t.Name, err)
	}
	return rev, nil
}

// ChangeOptions tune a metadata change.
type ChangeOptions struct {
	// Actor is who makes the change (recorded in the revision).
	Actor string
	// Summary describes the change in the revision history.
	Summary string
	// ConfirmDataLoss allows deleting objects and fields that hold data.
	ConfirmDataLoss bool
	// DryRun plans and checks the change without applying it.
	DryRun bool
	// Bundles are the namespaces of the app bundles this change installs,
	// upgrades or removes: their components may change as the bundles
	// say, while every other bundle's stay as their bundles allow
	// (metadata.CheckOwnership).
	Bundles []string
	// Also runs inside the change's transaction once the new revision's
	// tables are in place (seed records, bundle bookkeeping); an error
	// undoes the whole change.
	Also func(ctx context.Context, tx store.Tx, rev *compiled.Revision) error
}

// Result is what a change did.
type Result struct {
	Revision *compiled.Revision
	// Changes describes the change for people, one line each.
	Changes []string
}

// Change applies mutate to a copy of the tenant's current metadata and makes
// the result the new revision: validated (every problem at once), planned,
// checked against existing data, and applied with its DDL in one
// transaction. A refused change returns metadata.Problems and changes
// nothing.
func (c *Catalog) Change(ctx context.Context, t store.Tenant, opt ChangeOptions, mutate func(m *metadata.Model) error) (*Result, error) {
	e := c.entry(t.ID)
	e.change.Lock()
	defer e.change.Unlock()
	// Always start from the newest revision in the database.
	cur, err := c.reload(ctx, t, e)
	if err != nil {
		return nil, err
	}
	next := cur.Model.Clone()
	if err := mutate(next); err != nil {
		return nil, err
	}
	assignIDs(next)
	if ps := followRollups(cur.Model, next); len(ps) > 0 {
		return nil, ps
	}
	if ps := metadata.Validate(next, expression.Checker{}); len(ps) > 0 {
		return nil, ps
	}
	if ps := metadata.CheckOwnership(cur.Model, next, opt.Bundles...); len(ps) > 0 {
		return nil, ps
	}
	plan, ps := planner(c.db, t, cur.Model, next)
	if len(ps) > 0 {
		return nil, ps
	}
	changes := describeChanges(plan.Changes, cur.Model, next)
	rev, err := compile(c.db, t, cur.Number+1, next)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(next)
	if err != nil {
		return nil, fmt.Errorf("catalog: encode metadata: %w", err)
	}
	if ps := nulProblems(doc); len(ps) > 0 {
		return nil, ps
	}
	err = c.db.InSchemaTx(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := runChecks(ctx, tx, plan, opt.ConfirmDataLoss); err != nil {
			return err
		}
		if opt.DryRun {
			return errDryRun
		}
		for _, s := range plan.Steps {
			if _, err := tx.Exec(ctx, s.SQL, s.Args...); err != nil {
				return fmt.Errorf("catalog: apply %q: %w", s.SQL, err)
			}
		}
		if err := backfill(ctx, tx, rev, plan, c.now()); err != nil {
			return err
		}
		if err := recomputeFormulas(ctx, tx, cur.Model, rev, plan); err != nil {
			return err
		}
		if err := fillRollups(ctx, tx, cur, rev); err != nil {
			return err
		}
		// The history and shares of deleted objects go with them.
		for _, o := range cur.Model.Objects {
			if next.ObjectByID(o.ID) == nil {
				if err := store.DeleteObjectHistory(ctx, tx, t.ID, o.ID); err != nil {
					return err
				}
				if err := store.DeleteObjectShares(ctx, tx, t.ID, o.ID); err != nil {
					return err
				}
			}
		}
		if opt.Also != nil {
			if err := opt.Also(ctx, tx, rev); err != nil {
				return err
			}
		}
		summary := opt.Summary
		if summary == "" {
			summary = joinChanges(changes)
		}
		if err := store.SaveRevision(ctx, tx, t.ID, store.RevisionInfo{
			Number: cur.Number + 1, CreatedAt: c.now().UTC(), CreatedBy: opt.Actor, Summary: summary,
		}, doc); err != nil {
			return err
		}
		c.mu.Lock()
		hooks := c.onChange
		c.mu.Unlock()
		for _, fn := range hooks {
			if err := fn(ctx, tx, rev); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return &Result{Revision: cur, Changes: changes}, nil
	}
	if err != nil {
		return nil, err
	}
	c.tablesChanged()
	e.mu.Lock()
	e.rev, e.checked = rev, c.now()
	e.mu.Unlock()
	slog.InfoContext(ctx, "metadata changed", "tenant", t.Name, "revision", rev.Number, "changes", changes)
	return &Result{Revision: rev, Changes: changes}, nil
}

var errDryRun = errors.New("dry run")

// tablesChanged drops the store's prepared statements, which may read
// columns whose type has just changed.
func (c *Catalog) tablesChanged() {
	if r, ok := c.db.(store.StatementCacheResetter); ok {
		r.ResetStatementCache()
	}
}

func joinChanges(changes []string) string {
	if len(changes) == 0 {
		return "metadata change"
	}
	s := changes[0]
	for _, c := range changes[1:] {
		s += "; " + c
	}
	return s
}

// Revisions lists the tenant's metadata revisions, newest first.
func (c *Catalog) Revisions(ctx context.Context, t store.Tenant, limit int) ([]store.RevisionInfo, error) {
	return store.ListRevisions(ctx, c.db, t.ID, limit)
}
