package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Defaults of Config.
const (
	DefaultLease        = 5 * time.Minute
	DefaultMaxAttempts  = 10
	DefaultPollInterval = 5 * time.Second
	DefaultBatch        = 10
)

// MaxBackoff caps the delay DefaultBackoff puts before a retry.
const MaxBackoff = time.Hour

const (
	// minWait is the shortest sleep of the loop, so that a due job it
	// cannot claim (locked by another node's claim) does not make it spin.
	minWait = 20 * time.Millisecond
	// finishTimeout bounds the write that records a job's outcome, which
	// runs even when the Runner's context has ended.
	finishTimeout = 10 * time.Second
	// maxErrorLen bounds the error text kept in jobs.last_error.
	maxErrorLen = 4000
)

// Handler runs one job. Its context ends when the job's lease does (or the
// Runner stops). Returning nil completes the job; an error (or a panic)
// fails this attempt. A job may run more than once (see the package doc),
// so a handler must be idempotent.
type Handler func(ctx context.Context, j Job) error

// Config tunes a Runner. Zero fields take their defaults.
type Config struct {
	// Lease is how long a claim holds a job: the handler's context ends
	// then, and another node may claim the job again. Default DefaultLease.
	Lease time.Duration
	// MaxAttempts is how many runs a job gets before it is kept as failed.
	// Default DefaultMaxAttempts.
	MaxAttempts int
	// PollInterval is the longest the loop sleeps when no job is due, so
	// that it sees jobs enqueued on other nodes. Default DefaultPollInterval.
	PollInterval time.Duration
	// Batch is how many jobs one claim takes; they run concurrently.
	// Default DefaultBatch.
	Batch int
	// Backoff is the delay before retrying a job whose attempt-th run
	// failed. Default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Logger receives the runner's logs. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock, replaceable by tests. Default time.Now.
	Now func() time.Time
}

// DefaultBackoff is attempt⁴ seconds plus up to a tenth more (and a second)
// of random jitter, at most MaxBackoff: 1 s, 16 s, 81 s, 4 min, 10 min…
func DefaultBackoff(attempt int) time.Duration {
	attempt = max(attempt, 1)
	base := MaxBackoff
	if attempt < 8 { // 8⁴ s is more than an hour
		base = time.Duration(attempt*attempt*attempt*attempt) * time.Second
	}
	return min(base+rand.N(base/10+time.Second), MaxBackoff)
}

// Runner claims due jobs and runs their handlers. Make it with NewRunner,
// register handlers with Handle, and call Run once per node.
type Runner struct {
	db   store.DB
	cfg  Config
	pg   bool
	wake chan struct{}

	mu       sync.RWMutex
	handlers map[string]Handler
}

// NewRunner returns a Runner of the jobs in db, with no handlers yet.
func NewRunner(db store.DB, cfg Config) *Runner {
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Runner{
		db:       db,
		cfg:      cfg,
		pg:       db.Dialect().Name() == "postgres",
		wake:     make(chan struct{}, 1),
		handlers: map[string]Handler{},
	}
}

// Handle registers h as the handler of the jobs of kind, replacing any
// handler registered before. It may be called while the Runner runs.
func (r *Runner) Handle(kind string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[kind] = h
}

// Notify wakes the loop of Run now, to claim jobs enqueued on this node.
// Call it after the transaction that enqueued them commits; it never
// blocks.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs due jobs until ctx is done, then waits for the
// handlers in progress and returns nil. Between rounds it sleeps until the
// next job is due, at most Config.PollInterval, or until Notify. Errors of
// the database are logged, and the loop goes on.
func (r *Runner) Run(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := r.cfg.PollInterval
		if _, err := r.RunDue(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.cfg.Logger.Error("jobs: run due jobs", "error", err)
		} else if d, err := r.untilNext(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.cfg.Logger.Error("jobs: find the next due job", "error", err)
		} else {
			wait = min(max(d, minWait), wait)
		}
		r.cfg.Logger.Debug("jobs: sleep", "wait", wait)
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-timer.C:
		}
	}
}

// untilNext returns how long until the next job is due: the earliest
// run_at of a pending job or lease end of a running one. It is
// Config.PollInterval when there is none.
func (r *Runner) untilNext(ctx context.Context) (time.Duration, error) {
	var next *time.Time
	err := r.db.QueryRow(ctx, `SELECT MIN(CASE WHEN state = 'pending' THEN run_at ELSE locked_until END)
FROM jobs WHERE state <> 'failed'`).Scan(&next)
	if err != nil {
		return 0, fmt.Errorf("jobs: next due job: %w", err)
	}
	if next == nil {
		return r.cfg.PollInterval, nil
	}
	return next.Sub(r.cfg.Now()), nil
}

// RunDue claims every job due now, in batches of Config.Batch, runs each
// batch's handlers concurrently and records their outcomes, and returns how
// many jobs it ran. Jobs that become due while it runs (a retry, a job
// enqueued meanwhile) wait for the next call. It returns early, with
// ctx's error, when ctx ends; handlers in progress then get a context that
// has ended, and the jobs whose handler fails because of it are released
// without counting the attempt.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	due := storeTime(r.cfg.Now())
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("jobs: run due jobs: %w", err)
		}
		batch, err := r.claim(ctx, due)
		if err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		var wg sync.WaitGroup
		for _, c := range batch {
			wg.Go(func() { r.run(ctx, c) })
		}
		wg.Wait()
		total += len(batch)
	}
}

// claim is one job held by one claim.
type claim struct {
	job   Job
	token string
}

// claimPostgres claims up to $4 jobs due at $1 for the token $3 until $2.
// The rows are locked by the CTE with SKIP LOCKED, so that concurrent
// claims of several nodes take disjoint jobs; a CTE with FOR UPDATE runs
// once, whatever the plan of the UPDATE.
const claimPostgres = `WITH due AS (
    SELECT id FROM jobs
    WHERE (state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until <= $1)
    ORDER BY run_at
    LIMIT $4
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs SET state = 'running', locked_until = $2, claim_id = $3, attempt = jobs.attempt + 1, updated_at = $5
FROM due WHERE jobs.id = due.id
RETURNING jobs.id, jobs.tenant_id, jobs.kind, jobs.key, jobs.args, jobs.run_at, jobs.attempt`

// claimSQLite is claimPostgres for SQLite, where the single writer
// connection serializes claims.
const claimSQLite = `UPDATE jobs SET state = 'running', locked_until = $2, claim_id = $3, attempt = attempt + 1, updated_at = $5
WHERE id IN (
    SELECT id FROM jobs
    WHERE (state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until <= $1)
    ORDER BY run_at
    LIMIT $4
)
RETURNING id, tenant_id, kind, key, args, run_at, attempt`

// claim takes up to Config.Batch jobs due at due, in one statement.
func (r *Runner) claim(ctx context.Context, due time.Time) ([]claim, error) {
	token, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	now := storeTime(r.cfg.Now())
	query := claimSQLite
	if r.pg {
		query = claimPostgres
	}
	rows, err := r.db.Query(ctx, query, due, now.Add(r.cfg.Lease), token.String(), r.cfg.Batch, now)
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	defer rows.Close()
	var out []claim
	for rows.Next() {
		var (
			c       = claim{token: token.String()}
			key     *string
			args    []byte
			attempt int64
		)
		if err := rows.Scan(&c.job.ID, &c.job.TenantID, &c.job.Kind, &key, &args, &c.job.RunAt, &attempt); err != nil {
			return nil, fmt.Errorf("jobs: claim: %w", err)
		}
		if key != nil {
			c.job.Key = *key
		}
		c.job.Args, c.job.Attempt = rawJSON(args), int(attempt)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	return out, nil
}

// run runs the handler of a claimed job and records the outcome.
func (r *Runner) run(ctx context.Context, c claim) {
	log := r.cfg.Logger.With("job_id", c.job.ID, "tenant_id", c.job.TenantID, "kind", c.job.Kind, "attempt", c.job.Attempt)
	hctx, cancel := context.WithTimeout(ctx, r.cfg.Lease)
	err := r.call(hctx, log, c.job)
	cancel()

	// The outcome is written even when ctx has ended (the node stops).
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer wcancel()
	var (
		what    string
		applied bool
		werr    error
	)
	switch {
	case err == nil:
		what = "complete"
		applied, werr = r.finish(wctx, c, "DELETE FROM jobs WHERE id = $1 AND claim_id = $2")
	case ctx.Err() != nil:
		what = "release"
		log.Info("jobs: job interrupted, released", "error", err)
		applied, werr = r.finish(wctx, c, `UPDATE jobs SET state = 'pending', attempt = attempt - 1, locked_until = NULL, claim_id = NULL, updated_at = $3
WHERE id = $1 AND claim_id = $2`, storeTime(r.cfg.Now()))
	case c.job.Attempt < r.cfg.MaxAttempts:
		what = "retry"
		now := r.cfg.Now()
		runAt := storeTime(now.Add(r.cfg.Backoff(c.job.Attempt)))
		log.Warn("jobs: job failed, will retry", "error", err, "run_at", runAt)
		applied, werr = r.finish(wctx, c, `UPDATE jobs SET state = 'pending', run_at = $3, last_error = $4, locked_until = NULL, claim_id = NULL, updated_at = $5
WHERE id = $1 AND claim_id = $2`, runAt, errorText(err), storeTime(now))
	default:
		what = "fail"
		log.Error("jobs: job failed for the last time", "error", err, "max_attempts", r.cfg.MaxAttempts)
		applied, werr = r.finish(wctx, c, `UPDATE jobs SET state = 'failed', last_error = $3, locked_until = NULL, claim_id = NULL, updated_at = $4
WHERE id = $1 AND claim_id = $2`, errorText(err), storeTime(r.cfg.Now()))
	}
	switch {
	case werr != nil:
		// The job stays running until its lease ends, then runs again.
		log.Error("jobs: record the outcome of a job", "outcome", what, "error", werr)
	case !applied:
		log.Info("jobs: job canceled, replaced or claimed again while it ran; outcome dropped", "outcome", what)
	}
}

// finish runs the statement recording a job's outcome, which applies only
// while the job is still held by claim c ($1 is the job's id, $2 the claim
// token, args follow). It reports whether it applied.
func (r *Runner) finish(ctx context.Context, c claim, query string, args ...any) (bool, error) {
	n, err := r.db.Exec(ctx, query, append([]any{c.job.ID, c.token}, args...)...)
	if err != nil {
		return false, fmt.Errorf("jobs: job %s: %w", c.job.ID, err)
	}
	return n > 0, nil
}

// call runs the handler of j, turning an unknown kind and a panic into
// errors.
func (r *Runner) call(ctx context.Context, log *slog.Logger, j Job) (err error) {
	r.mu.RLock()
	h := r.handlers[j.Kind]
	r.mu.RUnlock()
	if h == nil {
		log.Error("jobs: no handler for the kind of a job")
		return fmt.Errorf("%w %q", ErrUnknownKind, j.Kind)
	}
	defer func() {
		if p := recover(); p != nil {
			log.Error("jobs: handler panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("jobs: handler panicked: %v", p)
		}
	}()
	return h(ctx, j)
}

// errorText is err's message as kept in jobs.last_error: valid UTF-8, at
// most maxErrorLen bytes.
func errorText(err error) string {
	s := err.Error()
	if len(s) > maxErrorLen {
		s = s[:maxErrorLen]
	}
	return strings.ToValidUTF8(s, "")
}
