package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/jobs"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// t0 is the start of the tests' clocks.
var t0 = time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// quiet is a logger that discards, for tests that fail jobs on purpose.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newTenant(t *testing.T, db store.DB, name string) string {
	t.Helper()
	ten, err := store.CreateTenant(context.Background(), db, name)
	require.NoError(t, err)
	return ten.ID
}

func enqueue(t *testing.T, db store.DB, j jobs.Job) string {
	t.Helper()
	id, err := jobs.Enqueue(context.Background(), db, j)
	require.NoError(t, err)
	return id
}

// row is a job as stored.
type row struct {
	State     string
	RunAt     time.Time
	Attempt   int64
	LastError string
	Args      string
}

// jobRow reads a job's row; ok is false when there is none.
func jobRow(t *testing.T, db store.DB, id string) (row, bool) {
	t.Helper()
	var (
		r       row
		lastErr *string
		args    []byte
	)
	err := db.QueryRow(context.Background(), "SELECT state, run_at, attempt, last_error, args FROM jobs WHERE id = $1", id).
		Scan(&r.State, &r.RunAt, &r.Attempt, &lastErr, &args)
	if errors.Is(err, store.ErrNotFound) {
		return row{}, false
	}
	require.NoError(t, err)
	if lastErr != nil {
		r.LastError = *lastErr
	}
	r.Args = string(args)
	return r, true
}

func countJobs(t *testing.T, db store.DB) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRow(context.Background(), "SELECT count(*) FROM jobs").Scan(&n))
	return n
}

// recorder is a handler that records the jobs it ran.
type recorder struct {
	mu   sync.Mutex
	runs []jobs.Job
}

func (rec *recorder) handle(_ context.Context, j jobs.Job) error {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.runs = append(rec.runs, j)
	return nil
}

func (rec *recorder) ran() []jobs.Job {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]jobs.Job(nil), rec.runs...)
}

func runDue(t *testing.T, r *jobs.Runner) int {
	t.Helper()
	n, err := r.RunDue(context.Background())
	require.NoError(t, err)
	return n
}

func TestEnqueueInTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		tenant := newTenant(t, db, "acme")
		rollback := errors.New("roll back")
		err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := jobs.Enqueue(ctx, tx, jobs.Job{TenantID: tenant, Kind: "k"})
			require.NoError(t, err)
			return rollback
		})
		require.ErrorIs(t, err, rollback)
		assert.Zero(t, countJobs(t, db), "a rolled back enqueue leaves no job")

		var id string
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			id, err = jobs.Enqueue(ctx, tx, jobs.Job{TenantID: tenant, Kind: "k", Args: json.RawMessage(`{"a": 1}`)})
			return err
		}))
		r, ok := jobRow(t, db, id)
		require.True(t, ok)
		assert.Equal(t, "pending", r.State)
		assert.JSONEq(t, `{"a": 1}`, r.Args)
	})
}

func TestEnqueueInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		tenant := newTenant(t, db, "acme")
		tests := []struct {
			name string
			job  jobs.Job
			want error
		}{
			{"no tenant", jobs.Job{Kind: "k"}, jobs.ErrInvalidJob},
			{"no kind", jobs.Job{TenantID: tenant}, jobs.ErrInvalidJob},
			{"bad id", jobs.Job{TenantID: tenant, Kind: "k", ID: "x"}, jobs.ErrInvalidJob},
			{"bad args", jobs.Job{TenantID: tenant, Kind: "k", Args: json.RawMessage(`{`)}, jobs.ErrInvalidJob},
			{"unknown tenant", jobs.Job{TenantID: "0190b2a8-0000-7000-8000-000000000001", Kind: "k"}, store.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := jobs.Enqueue(context.Background(), db, tt.job)
				assert.ErrorIs(t, err, tt.want)
			})
		}
		assert.Zero(t, countJobs(t, db))
	})
}

func TestDueJobRunsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		tenant := newTenant(t, db, "acme")
		clk := newClock()
		r := jobs.NewRunner(db, jobs.Config{Now: clk.Now})
		var rec recorder
		r.Handle("approval.timeout", rec.handle)
		id := enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "approval.timeout", Key: "step-1",
			Args: json.RawMessage(`{"step": 1}`), RunAt: t0.Add(48 * time.Hour)})

		assert.Zero(t, runDue(t, r), "not due yet")
		clk.Set(t0.Add(48*time.Hour - time.Microsecond))
		assert.Zero(t, runDue(t, r), "not due yet")
		assert.Empty(t, rec.ran())

		clk.Set(t0.Add(48 * time.Hour))
		assert.Equal(t, 1, runDue(t, r))
		assert.Zero(t, runDue(t, r), "a job runs once")
		clk.Set(t0.Add(100 * time.Hour))
		assert.Zero(t, runDue(t, r), "a job runs once")

		ran := rec.ran()
		require.Len(t, ran, 1)
		assert.Equal(t, id, ran[0].ID)
		assert.Equal(t, tenant, ran[0].TenantID)
		assert.Equal(t, "approval.timeout", ran[0].Kind)
		assert.Equal(t, "step-1", ran[0].Key)
		assert.JSONEq(t, `{"step": 1}`, string(ran[0].Args))
		assert.Equal(t, t0.Add(48*time.Hour), ran[0].RunAt)
		assert.Equal(t, 1, ran[0].Attempt)
		_, ok := jobRow(t, db, id)
		assert.False(t, ok, "a completed job is deleted")
	})
}

func TestKeyUpsertAndCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		acme := newTenant(t, db, "acme")
		beta := newTenant(t, db, "beta")
		clk := newClock()
		r := jobs.NewRunner(db, jobs.Config{Now: clk.Now})
		var rec recorder
		r.Handle("a", rec.handle)
		r.Handle("b", rec.handle)

		first := enqueue(t, db, jobs.Job{TenantID: acme, Kind: "a", Key: "k", Args: json.RawMessage(`{"v": 1}`), RunAt: t0.Add(time.Hour)})
		again := enqueue(t, db, jobs.Job{TenantID: acme, Kind: "a", Key: "k", Args: json.RawMessage(`{"v": 2}`), RunAt: t0.Add(2 * time.Hour)})
		assert.Equal(t, first, again, "the same key replaces the pending job")
		other := []string{
			enqueue(t, db, jobs.Job{TenantID: acme, Kind: "b", Key: "k", RunAt: t0.Add(2 * time.Hour)}),  // other kind
			enqueue(t, db, jobs.Job{TenantID: beta, Kind: "a", Key: "k", RunAt: t0.Add(2 * time.Hour)}),  // other tenant
			enqueue(t, db, jobs.Job{TenantID: acme, Kind: "a", Key: "k2", RunAt: t0.Add(2 * time.Hour)}), // other key
			enqueue(t, db, jobs.Job{TenantID: acme, Kind: "a", RunAt: t0.Add(2 * time.Hour)}),            // no key
			enqueue(t, db, jobs.Job{TenantID: acme, Kind: "a", RunAt: t0.Add(2 * time.Hour)}),            // no key
		}
		for _, id := range other {
			assert.NotEqual(t, first, id)
		}
		assert.EqualValues(t, 6, countJobs(t, db))

		clk.Set(t0.Add(90 * time.Minute))
		assert.Zero(t, runDue(t, r), "the replaced run_at is later")

		// Cancel by key: only that job; no error when there is none.
		require.NoError(t, jobs.Cancel(ctx, db, acme, "a", "k2"))
		require.NoError(t, jobs.Cancel(ctx, db, acme, "a", "k2"))
		require.NoError(t, jobs.Cancel(ctx, db, acme, "a", "missing"))
		require.NoError(t, jobs.Cancel(ctx, db, acme, "a", ""))
		_, ok := jobRow(t, db, other[2])
		assert.False(t, ok, "canceled")
		assert.EqualValues(t, 5, countJobs(t, db))

		clk.Set(t0.Add(2 * time.Hour))
		assert.Equal(t, 5, runDue(t, r))
		var keyed []jobs.Job
		for _, j := range rec.ran() {
			if j.ID == first {
				keyed = append(keyed, j)
			}
			assert.NotEqual(t, other[2], j.ID, "a canceled job does not run")
		}
		require.Len(t, keyed, 1)
		assert.JSONEq(t, `{"v": 2}`, string(keyed[0].Args))
		assert.Zero(t, countJobs(t, db))

		// Once run, the key is free again.
		assert.NotEqual(t, first, enqueue(t, db, jobs.Job{TenantID: acme, Kind: "a", Key: "k"}))
	})
}

func TestFailingJobs(t *testing.T) {
	tests := []struct {
		name    string
		kind    string
		handler jobs.Handler
		wantErr string
	}{
		{"error", "fails", func(context.Context, jobs.Job) error { return errors.New("boom") }, "boom"},
		{"panic", "panics", func(context.Context, jobs.Job) error { panic("kaboom") }, "panicked: kaboom"},
		{"unknown kind", "nobody", nil, "no handler"},
	}
	storetest.Each(t, func(t *testing.T, db store.DB) {
		tenant := newTenant(t, db, "acme")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				clk := newClock()
				r := jobs.NewRunner(db, jobs.Config{Now: clk.Now, MaxAttempts: 3, Logger: quiet})
				var calls atomic.Int32
				if tt.handler != nil {
					r.Handle(tt.kind, func(ctx context.Context, j jobs.Job) error {
						calls.Add(1)
						return tt.handler(ctx, j)
					})
				}
				id := enqueue(t, db, jobs.Job{TenantID: tenant, Kind: tt.kind, Args: json.RawMessage(`[1]`), RunAt: t0})

				var prevDelay time.Duration
				for attempt := 1; attempt <= 3; attempt++ {
					require.Equal(t, 1, runDue(t, r), "attempt %d", attempt)
					assert.Zero(t, runDue(t, r), "a failed job is not due again at once")
					got, ok := jobRow(t, db, id)
					require.True(t, ok)
					assert.EqualValues(t, attempt, got.Attempt)
					assert.Contains(t, got.LastError, tt.wantErr)
					if attempt < 3 {
						assert.Equal(t, "pending", got.State)
						delay := got.RunAt.Sub(clk.Now())
						assert.Greater(t, delay, prevDelay, "retried later, and later each time")
						prevDelay = delay
						clk.Set(got.RunAt)
					} else {
						assert.Equal(t, "failed", got.State)
					}
				}
				clk.Set(t0.Add(1000 * time.Hour))
				assert.Zero(t, runDue(t, r), "a failed job is not retried")
				if tt.handler != nil {
					assert.EqualValues(t, 3, calls.Load())
				}

				failed, err := jobs.Failed(context.Background(), db, tenant)
				require.NoError(t, err)
				require.Len(t, failed, 1)
				assert.Equal(t, id, failed[0].ID)
				assert.Equal(t, tt.kind, failed[0].Kind)
				assert.Equal(t, 3, failed[0].Attempt)
				assert.Contains(t, failed[0].Error, tt.wantErr)
				assert.JSONEq(t, `[1]`, string(failed[0].Args))
				assert.False(t, failed[0].FailedAt.IsZero())

				// An admin retries it: it runs again, and succeeds now.
				r.Handle(tt.kind, func(context.Context, jobs.Job) error { return nil })
				require.NoError(t, jobs.Retry(context.Background(), db, tenant, id, t0))
				require.ErrorIs(t, jobs.Retry(context.Background(), db, tenant, id, t0), store.ErrNotFound, "no longer failed")
				assert.Equal(t, 1, runDue(t, r))
				_, ok := jobRow(t, db, id)
				assert.False(t, ok)
				failed, err = jobs.Failed(context.Background(), db, tenant)
				require.NoError(t, err)
				assert.Empty(t, failed)
			})
		}
	})
}

func TestFailedKeepsKeyFree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		tenant := newTenant(t, db, "acme")
		clk := newClock()
		r := jobs.NewRunner(db, jobs.Config{Now: clk.Now, MaxAttempts: 1, Logger: quiet})
		r.Handle("k", func(context.Context, jobs.Job) error { return errors.New("no") })
		failedID := enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "k", Key: "x", RunAt: t0})
		require.Equal(t, 1, runDue(t, r))
		live := enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "k", Key: "x", RunAt: t0.Add(time.Hour)})
		assert.NotEqual(t, failedID, live, "a failed job does not hold its key")
		require.NoError(t, jobs.Cancel(ctx, db, tenant, "k", "x"))
		got, ok := jobRow(t, db, failedID)
		require.True(t, ok, "Cancel leaves failed jobs")
		assert.Equal(t, "failed", got.State)
		require.NoError(t, jobs.Delete(ctx, db, tenant, failedID))
		require.ErrorIs(t, jobs.Delete(ctx, db, tenant, failedID), store.ErrNotFound)
		assert.Zero(t, countJobs(t, db))
	})
}

// TestExpiredLease runs a job whose first run outlives its lease: another
// runner claims it again, and the first run's outcome must not clobber
// what the second recorded.
func TestExpiredLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		tenant := newTenant(t, db, "acme")
		lease := time.Minute
		slowClock, fastClock := newClock(), newClock()
		slow := jobs.NewRunner(db, jobs.Config{Now: slowClock.Now, Lease: lease, Logger: quiet})
		fast := jobs.NewRunner(db, jobs.Config{Now: fastClock.Now, Lease: lease, Logger: quiet})
		started, release := make(chan jobs.Job, 1), make(chan struct{})
		slow.Handle("k", func(_ context.Context, j jobs.Job) error {
			started <- j
			<-release
			return nil // succeeds, too late
		})
		var second atomic.Int32
		fast.Handle("k", func(_ context.Context, j jobs.Job) error {
			second.Store(int32(j.Attempt))
			return errors.New("second run failed")
		})
		id := enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "k", RunAt: t0})

		done := make(chan error, 1)
		go func() {
			_, err := slow.RunDue(context.Background())
			done <- err
		}()
		var j jobs.Job
		select {
		case j = <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("the first run did not start")
		}
		assert.Equal(t, 1, j.Attempt)

		fastClock.Set(t0.Add(lease - time.Second))
		assert.Zero(t, runDue(t, fast), "the lease still holds")
		fastClock.Set(t0.Add(lease))
		assert.Equal(t, 1, runDue(t, fast), "the expired lease is claimed again")
		assert.EqualValues(t, 2, second.Load())

		close(release)
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("the first run did not end")
		}
		got, ok := jobRow(t, db, id)
		require.True(t, ok, "the late success of the first claim did not delete the job")
		assert.Equal(t, "pending", got.State)
		assert.EqualValues(t, 2, got.Attempt)
		assert.Equal(t, "second run failed", got.LastError)
	})
}

// TestReplacedWhileRunning re-enqueues a running job's key: the running
// job's success must not delete the new schedule.
func TestReplacedWhileRunning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		tenant := newTenant(t, db, "acme")
		clk := newClock()
		r := jobs.NewRunner(db, jobs.Config{Now: clk.Now, Logger: quiet})
		var runs atomic.Int32
		r.Handle("k", func(ctx context.Context, j jobs.Job) error {
			if runs.Add(1) == 1 {
				// The handler schedules the next occurrence under its own key.
				_, err := jobs.Enqueue(ctx, db, jobs.Job{TenantID: j.TenantID, Kind: "k", Key: j.Key, RunAt: t0.Add(time.Hour)})
				return err
			}
			return nil
		})
		id := enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "k", Key: "x", RunAt: t0})
		require.Equal(t, 1, runDue(t, r))
		got, ok := jobRow(t, db, id)
		require.True(t, ok, "the job re-armed by its handler is kept")
		assert.Equal(t, "pending", got.State)
		assert.Equal(t, t0.Add(time.Hour), got.RunAt)
		assert.Zero(t, got.Attempt)
		clk.Set(t0.Add(time.Hour))
		require.Equal(t, 1, runDue(t, r))
		assert.Zero(t, countJobs(t, db))
	})
}

// TestConcurrentRunners has several runners claim the same jobs at once:
// each job must run exactly once.
func TestConcurrentRunners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		tenant := newTenant(t, db, "acme")
		const n, nodes = 60, 4
		ids := make([]string, n)
		for i := range ids {
			ids[i] = enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "count", RunAt: t0.Add(time.Duration(i) * time.Millisecond)})
		}
		var runs sync.Map // job id → *atomic.Int32
		handler := func(_ context.Context, j jobs.Job) error {
			c, _ := runs.LoadOrStore(j.ID, new(atomic.Int32))
			c.(*atomic.Int32).Add(1)
			return nil
		}
		var (
			wg    sync.WaitGroup
			total atomic.Int64
			start = make(chan struct{})
		)
		for range nodes {
			r := jobs.NewRunner(db, jobs.Config{Now: func() time.Time { return t0.Add(time.Hour) }, Batch: 3})
			r.Handle("count", handler)
			wg.Go(func() {
				<-start
				n, err := r.RunDue(context.Background())
				assert.NoError(t, err)
				total.Add(int64(n))
			})
		}
		close(start)
		wg.Wait()
		assert.EqualValues(t, n, total.Load(), "runs reported")
		for _, id := range ids {
			c, ok := runs.Load(id)
			if assert.True(t, ok, "job %s ran", id) {
				assert.EqualValues(t, 1, c.(*atomic.Int32).Load(), "job %s ran once", id)
			}
		}
		assert.Zero(t, countJobs(t, db))
	})
}

// TestRunLoop checks that Run wakes on Notify and on the timer of the next
// due job, and returns when its context ends.
func TestRunLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		tenant := newTenant(t, db, "acme")
		// A long poll: only Notify and the next-job timer can wake the loop.
		sleeps := make(chan struct{}, 100)
		logger := slog.New(sleepSignal{sleeps})
		r := jobs.NewRunner(db, jobs.Config{PollInterval: time.Hour, Logger: logger})
		ran := make(chan string, 10)
		r.Handle("k", func(_ context.Context, j jobs.Job) error {
			ran <- string(j.Args)
			return nil
		})
		wait := func(want string) {
			t.Helper()
			select {
			case got := <-ran:
				assert.Equal(t, want, got)
			case <-time.After(5 * time.Second):
				t.Fatalf("job %s did not run", want)
			}
		}
		enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "k", Args: json.RawMessage(`"first"`)})

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		wait(`"first"`)
		asleep := func() {
			t.Helper()
			select {
			case <-sleeps:
			case <-time.After(5 * time.Second):
				t.Fatal("the loop did not go to sleep")
			}
		}
		asleep()

		// Due now, on this node: Notify wakes the sleeping loop.
		enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "k", Args: json.RawMessage(`"notified"`)})
		r.Notify()
		wait(`"notified"`)
		asleep()

		// Due soon: the loop sleeps until then, not for PollInterval.
		enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "k", Args: json.RawMessage(`"timer"`), RunAt: time.Now().Add(200 * time.Millisecond)})
		r.Notify()
		asleep() // until the timer job is due
		wait(`"timer"`)
		asleep()

		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return when its context ended")
		}
		assert.Zero(t, countJobs(t, db))
	})
}

// sleepSignal is a slog.Handler that signals each time the loop of Run
// goes to sleep (its "jobs: sleep" debug record), so that tests know the
// loop can only be woken by Notify or its timer.
type sleepSignal struct{ c chan<- struct{} }

func (h sleepSignal) Enabled(context.Context, slog.Level) bool { return true }

func (h sleepSignal) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message == "jobs: sleep" {
		select {
		case h.c <- struct{}{}:
		default:
		}
	}
	return nil
}

func (h sleepSignal) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h sleepSignal) WithGroup(string) slog.Handler      { return h }

// TestInterruptedJobIsReleased stops RunDue while a handler runs: the job
// goes back to pending without counting the attempt.
func TestInterruptedJobIsReleased(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		tenant := newTenant(t, db, "acme")
		r := jobs.NewRunner(db, jobs.Config{Logger: quiet})
		started := make(chan struct{})
		r.Handle("k", func(ctx context.Context, _ jobs.Job) error {
			close(started)
			<-ctx.Done()
			return fmt.Errorf("interrupted: %w", ctx.Err())
		})
		id := enqueue(t, db, jobs.Job{TenantID: tenant, Kind: "k"})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := r.RunDue(ctx)
			done <- err
		}()
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("the job did not start")
		}
		cancel()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.Canceled)
		case <-time.After(5 * time.Second):
			t.Fatal("RunDue did not return")
		}
		got, ok := jobRow(t, db, id)
		require.True(t, ok)
		assert.Equal(t, "pending", got.State)
		assert.Zero(t, got.Attempt)
		assert.Empty(t, got.LastError)
	})
}
