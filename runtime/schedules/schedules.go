// Package schedules runs the scheduled record updates declared in objects'
// metadata (metadata.Schedule) on the durable job queue (runtime/jobs).
// Each active schedule has one job of kind JobKind, keyed by its object's
// stable id and its name: a run selects up to the schedule's limit of
// records matching its filter, updates each in its own transaction as the
// system (a record that fails validation is logged and skipped), and
// enqueues the next run one interval later under the same key.
//
// Ensure starts the jobs of a revision's schedules; the server calls it for
// every tenant at start and the catalog inside every metadata change
// (catalog.OnChange), so a new schedule starts without a restart. A run
// whose schedule is gone or inactive does nothing and ends its chain.
package schedules

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/query"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/jobs"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// JobKind is the kind of the jobs that run schedules.
const JobKind = "schedule.run"

// Args are the arguments of a JobKind job.
type Args struct {
	// ObjectID is the stable id of the schedule's object, so that a run
	// follows a renamed object.
	ObjectID string `json:"object_id"`
	// Schedule is the schedule's name.
	Schedule string `json:"schedule"`
}

// Key returns the job key of the schedule called name of the object with
// stable id objectID.
func Key(objectID, name string) string { return objectID + "/" + name }

// Revision returns a tenant's current compiled revision
// (catalog.Catalog.Current).
type Revision func(ctx context.Context, t store.Tenant) (*compiled.Revision, error)

// Config tunes a Service. Zero fields take their defaults.
type Config struct {
	// Now is the clock: the $now of updates and filters re-checked on the
	// locked record, and the base of the next run. Default time.Now.
	Now func() time.Time
	// Logger receives the records skipped and the runs. Default
	// slog.Default().
	Logger *slog.Logger
}

// Service starts and runs schedules.
type Service struct {
	db      store.DB
	records *records.Service
	now     func() time.Time
	log     *slog.Logger
}

// New returns a Service over db that writes records through recs.
func New(db store.DB, recs *records.Service, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{db: db, records: recs, now: cfg.Now, log: cfg.Logger}
}

// Result is what one run of a schedule did.
type Result struct {
	// Matched is how many records the filter selected (at most the limit).
	Matched int
	// Updated is how many of them were updated.
	Updated int
	// Skipped is how many were left as they were because the update failed
	// (validation, an expression that failed) or the record no longer
	// matched.
	Skipped int
}

// pendingJob is a live job of a schedule, as Ensure finds it.
type pendingJob struct {
	state string
	runAt time.Time
}

// Ensure makes, inside tx, the jobs of rev's schedules match them: a job
// for every active schedule that has none, due one interval from now; a
// pending job due later than that (the interval was shortened) moved
// forward; and the jobs of schedules that are gone or inactive canceled. A
// schedule's existing job keeps its time, so that a change or a restart
// does not reset the timers.
func (s *Service) Ensure(ctx context.Context, tx store.Tx, rev *compiled.Revision) error {
	tenant := rev.TenantID
	live := map[string]pendingJob{}
	rows, err := tx.Query(ctx, "SELECT key, state, run_at FROM jobs WHERE tenant_id = $1 AND kind = $2 AND state <> 'failed'", tenant, JobKind)
	if err != nil {
		return fmt.Errorf("schedules: ensure: %w", err)
	}
	for rows.Next() {
		var (
			key sql.NullString
			j   pendingJob
		)
		if err := rows.Scan(&key, &j.state, &j.runAt); err != nil {
			rows.Close()
			return fmt.Errorf("schedules: ensure: %w", err)
		}
		live[key.String] = j
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("schedules: ensure: %w", err)
	}
	now := s.now()
	active := map[string]bool{}
	for _, co := range rev.Objects() {
		for _, cs := range rev.Schedules(co.Meta.Name) {
			if !cs.Meta.IsActive() || cs.Every <= 0 {
				continue
			}
			key := Key(co.Meta.ID, cs.Meta.Name)
			active[key] = true
			next := now.Add(cs.Every)
			if j, ok := live[key]; ok && (j.state != "pending" || !j.runAt.After(next)) {
				continue
			}
			if err := enqueue(ctx, tx, tenant, co.Meta, cs.Meta, next); err != nil {
				return err
			}
		}
	}
	for key := range live {
		if !active[key] {
			if err := jobs.Cancel(ctx, tx, tenant, JobKind, key); err != nil {
				return fmt.Errorf("schedules: ensure: %w", err)
			}
		}
	}
	return nil
}

// EnsureAll runs Ensure for every tenant with its current revision, each
// in its own transaction. A tenant that fails is logged and the others go
// on; the first error is returned.
func (s *Service) EnsureAll(ctx context.Context, revision Revision) error {
	tenants, err := store.ListTenants(ctx, s.db)
	if err != nil {
		return fmt.Errorf("schedules: ensure: %w", err)
	}
	var first error
	for _, t := range tenants {
		err := func() error {
			rev, err := revision(ctx, t)
			if err != nil {
				return err
			}
			return s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error { return s.Ensure(ctx, tx, rev) })
		}()
		if err != nil {
			s.log.ErrorContext(ctx, "schedules: start the schedules of a tenant", "tenant", t.Name, "error", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// enqueue adds or moves the job of schedule sc of object o to run at.
func enqueue(ctx context.Context, q store.Querier, tenant string, o *metadata.Object, sc *metadata.Schedule, at time.Time) error {
	args, err := json.Marshal(Args{ObjectID: o.ID, Schedule: sc.Name})
	if err != nil {
		return fmt.Errorf("schedules: enqueue: %w", err)
	}
	if _, err := jobs.Enqueue(ctx, q, jobs.Job{TenantID: tenant, Kind: JobKind, Key: Key(o.ID, sc.Name), Args: args, RunAt: at}); err != nil {
		return fmt.Errorf("schedules: enqueue %s.%s: %w", o.Name, sc.Name, err)
	}
	return nil
}

// Handler returns the handler of JobKind jobs: it runs the schedule in the
// tenant's current revision (read through revision) and enqueues its next
// run. A schedule, object or tenant that is gone, or a schedule that is
// inactive, ends the chain: the job completes and no next run is enqueued.
func (s *Service) Handler(revision Revision) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var args Args
		if err := json.Unmarshal(j.Args, &args); err != nil {
			return fmt.Errorf("schedules: job %s: %w", j.ID, err)
		}
		tenant, err := store.TenantByID(ctx, s.db, j.TenantID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		rev, err := revision(ctx, tenant)
		if err != nil {
			return err
		}
		o := rev.Model.ObjectByID(args.ObjectID)
		if o == nil {
			return nil
		}
		cs, ok := rev.Schedule(o.Name, args.Schedule)
		if !ok || !cs.Meta.IsActive() || cs.Every <= 0 {
			return nil
		}
		res, err := s.Run(ctx, rev, cs)
		if err != nil {
			return err
		}
		s.log.InfoContext(ctx, "schedules: ran", "tenant", tenant.Name, "object", o.Name, "schedule", cs.Meta.Name,
			"matched", res.Matched, "updated", res.Updated, "skipped", res.Skipped)
		// The next run replaces this job under its key: the runner then
		// leaves it in place instead of deleting it as completed.
		return s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return enqueue(ctx, tx, rev.TenantID, o, cs.Meta, s.now().Add(cs.Every))
		})
	}
}

// errNoMatch is the outcome of a record that no longer matches the filter
// once it is locked.
var errNoMatch = errors.New("the record no longer matches the filter")

// errEvaluate wraps the failure of an update's expression on a record.
var errEvaluate = errors.New("an update could not be evaluated")

// Run runs schedule cs of rev once: it selects up to the schedule's limit
// of records matching its filter, in creation order, and updates each in
// its own transaction as the system, after checking again that the locked
// record still matches. A record whose update fails validation or whose
// expression fails is logged and skipped; an error of the store stops the
// run and is returned.
func (s *Service) Run(ctx context.Context, rev *compiled.Revision, cs *compiled.Schedule) (Result, error) {
	var res Result
	ids, err := s.matching(ctx, rev, cs)
	if err != nil {
		return res, err
	}
	res.Matched = len(ids)
	now := s.now()
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error { return s.update(ctx, tx, rev, cs, id, now) })
		var ve *records.ValidationError
		switch {
		case err == nil:
			res.Updated++
		case errors.Is(err, errNoMatch), errors.Is(err, records.ErrNotFound):
			res.Skipped++
		case errors.As(err, &ve), errors.Is(err, errEvaluate), errors.Is(err, records.ErrForbidden), errors.Is(err, records.ErrStale):
			res.Skipped++
			s.log.WarnContext(ctx, "schedules: record skipped", "tenant_id", rev.TenantID, "object", cs.Object.Meta.Name,
				"schedule", cs.Meta.Name, "record_id", id, "error", err)
		default:
			return res, fmt.Errorf("schedules: %s.%s: record %s: %w", cs.Object.Meta.Name, cs.Meta.Name, id, err)
		}
	}
	return res, nil
}

// matching lists the ids of up to the schedule's limit of records matching
// its filter, through the record service's list as the system.
func (s *Service) matching(ctx context.Context, rev *compiled.Revision, cs *compiled.Schedule) ([]string, error) {
	var ids []string
	cursor := ""
	for len(ids) < cs.Limit {
		page, err := s.records.List(ctx, rev, cs.Object, records.ListQuery{
			Filter: cs.Meta.Filter, Fields: []string{compiled.ColID}, Limit: min(cs.Limit-len(ids), query.MaxLimit), Cursor: cursor,
		})
		if err != nil {
			return nil, fmt.Errorf("schedules: %s.%s: select records: %w", cs.Object.Meta.Name, cs.Meta.Name, err)
		}
		for _, r := range page.Records {
			ids = append(ids, r.ID())
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return ids, nil
}

// update applies the schedule's updates to record id inside tx, if the
// locked record still matches the filter.
func (s *Service) update(ctx context.Context, tx store.Tx, rev *compiled.Revision, cs *compiled.Schedule, id string, now time.Time) error {
	system := records.Actor{}
	rec, err := s.records.ReadInTx(ctx, tx, rev, cs.Object, system, id, records.ModeEdit, true)
	if err != nil {
		return err
	}
	q, args, err := cs.MatchSQL(id, now)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("schedules: check the filter: %w", err)
	}
	match := rows.Next()
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("schedules: check the filter: %w", err)
	}
	if !match {
		return errNoMatch
	}
	vars := records.ExpressionVars(cs.Object, rec, now, system)
	updates := make(map[string]any, len(cs.Updates))
	for _, a := range cs.Updates {
		v, err := a.Value.Run(vars)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", errEvaluate, a.Field, err)
		}
		updates[a.Field] = jsonValue(v)
	}
	_, err = s.records.UpdateInTx(ctx, tx, rev, cs.Object, system, id, updates)
	return err
}

// jsonValue turns an expression's value into what a record write takes:
// numbers as exact decimals.
func jsonValue(v any) any {
	if d, ok := metadata.DecimalOf(v); ok {
		switch v.(type) {
		case int, int64, float64:
			return json.Number(d.String())
		}
	}
	return v
}
