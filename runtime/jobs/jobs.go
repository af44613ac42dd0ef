// Package jobs is Mosaic's durable background job queue. A job is a row of
// the jobs table (migration 00005), enqueued with Enqueue in the
// transaction of the change that asks for it, so it exists exactly when that
// change committed. A Runner on each node claims due jobs, runs the Handler
// registered for their kind outside any transaction, and deletes them when
// the handler succeeds or schedules a retry with exponential backoff when it
// fails; after Config.MaxAttempts failures a job is kept as failed, with its
// last error, for admins (see Failed and Retry).
//
// Several nodes may run a Runner on one PostgreSQL database: claims use
// FOR UPDATE SKIP LOCKED, so no job is claimed twice at once, and a claim is
// a lease (Config.Lease): a job whose node crashed is claimed again when its
// lease ends. Every claim carries a fresh token, and completing or failing a
// job applies only while that claim still holds it. Delivery is therefore at
// least once: a handler whose node dies, or that outlives its lease, may run
// again, so handlers must be idempotent.
//
// Approval step timeouts use it like this:
//
//	err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
//		// … write the approval step …
//		_, err := jobs.Enqueue(ctx, tx, jobs.Job{TenantID: tenant, Kind: "approval.timeout",
//			Key: stepID, Args: args, RunAt: now.Add(48 * time.Hour)})
//		return err
//	})
//	if err == nil {
//		runner.Notify() // only needed when the job may be due soon
//	}
package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Errors of the package. Check them with errors.Is.
var (
	// ErrInvalidJob means that a job given to Enqueue lacks its tenant or
	// kind, or has a malformed id or arguments.
	ErrInvalidJob = errors.New("jobs: invalid job")
	// ErrUnknownKind is the error of a job whose kind has no Handler on the
	// node that claimed it. It counts as a failed attempt, so the job is
	// retried (another node, or a later version, may know the kind).
	ErrUnknownKind = errors.New("jobs: no handler for the kind")
)

// The states of a job, as stored in jobs.state.
const (
	statePending = "pending"
	stateRunning = "running"
	stateFailed  = "failed"
)

// MaxFailed bounds how many failed jobs Failed returns.
const MaxFailed = 200

// Job is one unit of background work.
type Job struct {
	// ID is the job's UUID (version 7); Enqueue sets it when empty.
	ID string
	// TenantID is the tenant the work is for.
	TenantID string
	// Kind names the Handler that runs the job, such as "approval.timeout".
	Kind string
	// Key, when not empty, names the job among its tenant's jobs of its
	// kind: there is at most one pending or running job per (tenant, kind,
	// key), and enqueueing with the key of such a job replaces its run_at and
	// args instead of adding a job.
	Key string
	// Args is the handler's input, as JSON (nil for none).
	Args json.RawMessage
	// RunAt is when the job becomes due (UTC, microseconds). Enqueue uses
	// the current time when it is zero.
	RunAt time.Time
	// Attempt is the number of runs started so far, this one included; the
	// Runner sets it when it claims the job.
	Attempt int
}

// FailedJob is a job that failed Config.MaxAttempts times and is kept, not
// retried, for an admin to look at (and Retry or Delete).
type FailedJob struct {
	Job
	// Error is the error of the last attempt.
	Error string
	// FailedAt is when the last attempt failed.
	FailedAt time.Time
}

// Enqueue adds a job to the queue through q, normally the Tx of the change
// that asks for it, and returns its id. With a Key, a pending or running job
// of the same tenant, kind and key is replaced instead: its run_at and args
// become j's, its attempts start again from zero, and its id is returned
// (j.ID is then ignored). A running job replaced this way is pending again:
// the run in progress finishes, but its outcome no longer applies to it.
//
// Call Runner.Notify after the transaction commits when the job is due
// before the runner would look again by itself (Config.PollInterval).
func Enqueue(ctx context.Context, q store.Querier, j Job) (string, error) {
	switch {
	case !validID(j.TenantID):
		return "", fmt.Errorf("jobs: enqueue: %w: tenant id %q is not a UUID", ErrInvalidJob, j.TenantID)
	case j.Kind == "":
		return "", fmt.Errorf("jobs: enqueue: %w: the kind is required", ErrInvalidJob)
	case j.ID != "" && !validID(j.ID):
		return "", fmt.Errorf("jobs: enqueue: %w: id %q is not a UUID", ErrInvalidJob, j.ID)
	case len(j.Args) > 0 && !json.Valid(j.Args):
		return "", fmt.Errorf("jobs: enqueue: %w: the args are not valid JSON", ErrInvalidJob)
	}
	if j.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return "", fmt.Errorf("jobs: enqueue: %w", err)
		}
		j.ID = id.String()
	}
	now := storeTime(time.Now())
	runAt := now
	if !j.RunAt.IsZero() {
		runAt = storeTime(j.RunAt)
	}
	var id string
	err := q.QueryRow(ctx, `INSERT INTO jobs (id, tenant_id, kind, key, args, state, run_at, attempt, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, 'pending', $6, 0, $7, $7)
ON CONFLICT (tenant_id, kind, key) WHERE state <> 'failed' DO UPDATE SET
    args = excluded.args, run_at = excluded.run_at, state = 'pending', attempt = 0,
    locked_until = NULL, claim_id = NULL, last_error = NULL, updated_at = excluded.updated_at
RETURNING id`,
		j.ID, j.TenantID, j.Kind, nullString(j.Key), jsonArg(j.Args), runAt, now).Scan(&id)
	if err != nil {
		var ce *store.ConstraintError
		if errors.As(err, &ce) && ce.Kind == store.ConstraintForeignKey {
			return "", fmt.Errorf("jobs: enqueue: tenant %q: %w: %w", j.TenantID, store.ErrNotFound, err)
		}
		return "", fmt.Errorf("jobs: enqueue %s: %w", j.Kind, err)
	}
	return id, nil
}

// Cancel removes the pending or running job of the tenant, kind and key,
// through q (normally the Tx of the change that makes it moot). It is no
// error when there is none. A run in progress finishes, but the job is
// neither retried nor kept as failed. Failed jobs are left alone.
func Cancel(ctx context.Context, q store.Querier, tenantID, kind, key string) error {
	if !validID(tenantID) || key == "" {
		return nil
	}
	if _, err := q.Exec(ctx, "DELETE FROM jobs WHERE tenant_id = $1 AND kind = $2 AND key = $3 AND state <> 'failed'",
		tenantID, kind, key); err != nil {
		return fmt.Errorf("jobs: cancel %s %q: %w", kind, key, err)
	}
	return nil
}

// Failed returns the tenant's failed jobs, the most recently failed first,
// at most MaxFailed of them.
func Failed(ctx context.Context, q store.Querier, tenantID string) ([]FailedJob, error) {
	out := []FailedJob{}
	if !validID(tenantID) {
		return out, nil
	}
	rows, err := q.Query(ctx, fmt.Sprintf(`SELECT id, tenant_id, kind, key, args, run_at, attempt, last_error, updated_at
FROM jobs WHERE tenant_id = $1 AND state = 'failed' ORDER BY updated_at DESC, id DESC LIMIT %d`, MaxFailed), tenantID)
	if err != nil {
		return nil, fmt.Errorf("jobs: list failed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			f        FailedJob
			key, msg sql.NullString
			args     []byte
			attempt  int64
		)
		if err := rows.Scan(&f.ID, &f.TenantID, &f.Kind, &key, &args, &f.RunAt, &attempt, &msg, &f.FailedAt); err != nil {
			return nil, fmt.Errorf("jobs: list failed: %w", err)
		}
		f.Key, f.Args, f.Attempt, f.Error = key.String, rawJSON(args), int(attempt), msg.String
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: list failed: %w", err)
	}
	return out, nil
}

// Retry makes a failed job of the tenant pending again, due at runAt (now
// when zero), with its attempts starting again from zero. It returns an
// error wrapping store.ErrNotFound when the tenant has no such failed job,
// and a *store.ConstraintError when a live job with the same key exists.
func Retry(ctx context.Context, q store.Querier, tenantID, id string, runAt time.Time) error {
	if !validID(tenantID) || !validID(id) {
		return fmt.Errorf("jobs: retry %q: %w", id, store.ErrNotFound)
	}
	now := storeTime(time.Now())
	if runAt.IsZero() {
		runAt = now
	}
	n, err := q.Exec(ctx, `UPDATE jobs SET state = 'pending', run_at = $3, attempt = 0, last_error = NULL, updated_at = $4
WHERE tenant_id = $1 AND id = $2 AND state = 'failed'`, tenantID, id, storeTime(runAt), now)
	if err != nil {
		return fmt.Errorf("jobs: retry %q: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("jobs: retry %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// Delete removes a failed job of the tenant, once an admin has dealt with
// it. It returns an error wrapping store.ErrNotFound when there is none.
func Delete(ctx context.Context, q store.Querier, tenantID, id string) error {
	if !validID(tenantID) || !validID(id) {
		return fmt.Errorf("jobs: delete %q: %w", id, store.ErrNotFound)
	}
	n, err := q.Exec(ctx, "DELETE FROM jobs WHERE tenant_id = $1 AND id = $2 AND state = 'failed'", tenantID, id)
	if err != nil {
		return fmt.Errorf("jobs: delete %q: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("jobs: delete %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// storeTime is t as the stores keep instants: UTC, microseconds.
func storeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// validID reports whether id is a UUID in canonical form.
func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}

// jsonArg is a JSON argument: nil (NULL) for none or JSON null.
func jsonArg(v json.RawMessage) any {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	return string(v)
}

// rawJSON is a scanned JSON column; NULL is nil.
func rawJSON(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// nullString is s, or NULL when empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
