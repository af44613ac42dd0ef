package schedules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/jobs"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/schedules"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// caseFields are the fields of the support case object; a rule refuses to
// escalate a case whose subject is "locked".
const caseFields = `"fields": [
  {"name": "subject", "type": "text"},
  {"name": "status", "type": "text"},
  {"name": "breached", "type": "boolean"},
  {"name": "resolution_due", "type": "datetime"},
  {"name": "escalated_at", "type": "datetime"}],
 "rules": [{"name": "locked", "condition": "subject == \"locked\" && status == \"Escalated\"", "message": "a locked case cannot be escalated"}]`

// caseDoc is the object with the schedule of the design: escalate breached
// cases every 5 minutes.
const caseDoc = `{"name": "support_case", ` + caseFields + `,
 "schedules": [{
   "name": "escalate_breached",
   "label": {"en": "Escalate breached cases", "zh-CN": "升级超时工单"},
   "every": "5m",
   "filter": "status != \"Closed\" && breached != true && resolution_due < $now",
   "updates": {"breached": "true", "status": "\"Escalated\"", "escalated_at": "$now"},
   "limit": 500}]}`

// clock is a settable clock shared by the runner and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a tenant with the schedules service wired as the server wires it.
type env struct {
	*apitest.Env
	clock  *clock
	svc    *schedules.Service
	runner *jobs.Runner
}

func newEnv(t *testing.T, db store.DB) *env {
	e := apitest.New(t, db, "acme")
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	svc := schedules.New(db, records.New(db), schedules.Config{Now: c.Now})
	e.Catalog.OnChange(svc.Ensure)
	runner := jobs.NewRunner(db, jobs.Config{Now: c.Now})
	runner.Handle(schedules.JobKind, svc.Handler(e.Catalog.Current))
	return &env{Env: e, clock: c, svc: svc, runner: runner}
}

// objectID is the stable id of the support case object.
func (e *env) objectID(t *testing.T) string {
	rev, err := e.Catalog.Current(context.Background(), e.Tenant)
	require.NoError(t, err)
	return rev.Model.Object("support_case").ID
}

func (e *env) create(t *testing.T, subject, status string, due time.Time) string {
	body := fmt.Sprintf(`{"subject": %q, "status": %q, "breached": false, "resolution_due": %q}`, subject, status, due.Format(time.RFC3339))
	return e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/support_case/records", body)["id"].(string)
}

func (e *env) get(t *testing.T, id string) map[string]any {
	return e.MustDo(http.StatusOK, "GET", "/api/v1/objects/support_case/records/"+id, nil)
}

// job is the live job of the schedule, if any.
type job struct {
	state string
	runAt time.Time
	args  schedules.Args
}

func (e *env) job(t *testing.T, key string) (job, bool) {
	rows, err := e.DB.Query(context.Background(), "SELECT state, run_at, args FROM jobs WHERE tenant_id = $1 AND kind = $2 AND key = $3 AND state <> 'failed'",
		e.Tenant.ID, schedules.JobKind, key)
	require.NoError(t, err)
	defer rows.Close()
	if !rows.Next() {
		require.NoError(t, rows.Err())
		return job{}, false
	}
	var (
		j    job
		args []byte
	)
	require.NoError(t, rows.Scan(&j.state, &j.runAt, &args))
	require.NoError(t, json.Unmarshal(args, &j.args))
	assert.False(t, rows.Next(), "one live job per schedule")
	return j, true
}

func (e *env) runDue(t *testing.T) int {
	n, err := e.runner.RunDue(context.Background())
	require.NoError(t, err)
	return n
}

func TestScheduleRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		start := e.clock.Now()
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", caseDoc)
		key := schedules.Key(e.objectID(t), "escalate_breached")

		// Saving the schedule started it: its first run is one interval
		// away.
		j, ok := e.job(t, key)
		require.True(t, ok, "the change enqueues the schedule's job")
		assert.Equal(t, "pending", j.state)
		assert.True(t, j.runAt.Equal(start.Add(5*time.Minute)), "run_at %v", j.runAt)
		assert.Equal(t, schedules.Args{ObjectID: e.objectID(t), Schedule: "escalate_breached"}, j.args)

		past, future := time.Now().Add(-time.Hour), time.Now().Add(365*24*time.Hour)
		breached := e.create(t, "printer on fire", "Working", past)
		breached2 := e.create(t, "no email", "New", past)
		closed := e.create(t, "fixed", "Closed", past)
		notDue := e.create(t, "slow", "Working", future)
		locked := e.create(t, "locked", "Working", past)

		// Another change does not reset the timer.
		e.clock.Advance(time.Minute)
		e.MustDo(http.StatusOK, "PUT", "/api/v1/objects/support_case", caseDoc[:len(caseDoc)-1]+`, "label": {"en": "Case"}}`)
		j, _ = e.job(t, key)
		assert.True(t, j.runAt.Equal(start.Add(5*time.Minute)), "run_at %v", j.runAt)

		assert.Zero(t, e.runDue(t), "not due yet")
		e.clock.Advance(4*time.Minute + time.Second)
		ranAt := e.clock.Now()
		assert.Equal(t, 1, e.runDue(t))

		for _, id := range []string{breached, breached2} {
			r := e.get(t, id)
			assert.Equal(t, "Escalated", r["status"], id)
			assert.Equal(t, true, r["breached"], id)
			at, err := time.Parse(time.RFC3339Nano, r["escalated_at"].(string))
			require.NoError(t, err)
			assert.True(t, at.Equal(ranAt), "escalated_at %v, ran at %v", at, ranAt)
		}
		for id, status := range map[string]string{closed: "Closed", notDue: "Working", locked: "Working"} {
			r := e.get(t, id)
			assert.Equal(t, status, r["status"], id)
			assert.Equal(t, false, r["breached"], id)
			assert.Nil(t, r["escalated_at"], id)
		}

		// The next run is enqueued one interval after this one.
		j, ok = e.job(t, key)
		require.True(t, ok, "the run enqueues the next")
		assert.Equal(t, "pending", j.state)
		assert.True(t, j.runAt.Equal(ranAt.Add(5*time.Minute)), "run_at %v", j.runAt)

		// The next run finds nothing new but the locked case, which it
		// skips again; and it goes on.
		e.clock.Advance(5 * time.Minute)
		assert.Equal(t, 1, e.runDue(t))
		assert.Equal(t, "Working", e.get(t, locked)["status"])
		j, ok = e.job(t, key)
		require.True(t, ok)
		assert.True(t, j.runAt.Equal(e.clock.Now().Add(5*time.Minute)), "run_at %v", j.runAt)
	})
}

func TestScheduleLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		doc := caseDoc[:len(caseDoc)-len(`"limit": 500}]}`)] + `"limit": 2}]}`
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", doc)
		past := time.Now().Add(-time.Hour)
		ids := []string{e.create(t, "a", "New", past), e.create(t, "b", "New", past), e.create(t, "c", "New", past)}
		e.clock.Advance(5 * time.Minute)
		assert.Equal(t, 1, e.runDue(t))
		var escalated int
		for _, id := range ids {
			if e.get(t, id)["status"] == "Escalated" {
				escalated++
			}
		}
		assert.Equal(t, 2, escalated, "a run updates at most the limit")
		e.clock.Advance(5 * time.Minute)
		assert.Equal(t, 1, e.runDue(t))
		for _, id := range ids {
			assert.Equal(t, "Escalated", e.get(t, id)["status"], "the next run updates the rest")
		}
	})
}

func TestScheduleStops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", caseDoc)
		objectID := e.objectID(t)
		key := schedules.Key(objectID, "escalate_breached")
		id := e.create(t, "printer on fire", "Working", time.Now().Add(-time.Hour))

		// Deactivating the schedule cancels its job; activating it starts
		// it again.
		inactive := caseDoc[:len(caseDoc)-len(`}]}`)] + `, "active": false}]}`
		e.MustDo(http.StatusOK, "PUT", "/api/v1/objects/support_case", inactive)
		_, ok := e.job(t, key)
		assert.False(t, ok, "an inactive schedule has no job")
		e.MustDo(http.StatusOK, "PUT", "/api/v1/objects/support_case", caseDoc)
		_, ok = e.job(t, key)
		assert.True(t, ok, "an active schedule has a job")

		// Deleting the schedule cancels its job.
		e.MustDo(http.StatusOK, "PUT", "/api/v1/objects/support_case", `{"name": "support_case", `+caseFields+`}`)
		_, ok = e.job(t, key)
		assert.False(t, ok, "a deleted schedule has no job")

		// A run of a job left over (enqueued before the change, on another
		// node) does nothing and ends the chain.
		args, err := json.Marshal(schedules.Args{ObjectID: objectID, Schedule: "escalate_breached"})
		require.NoError(t, err)
		_, err = jobs.Enqueue(ctx, db, jobs.Job{TenantID: e.Tenant.ID, Kind: schedules.JobKind, Key: key, Args: args, RunAt: e.clock.Now()})
		require.NoError(t, err)
		assert.Equal(t, 1, e.runDue(t))
		assert.Equal(t, "Working", e.get(t, id)["status"])
		_, ok = e.job(t, key)
		assert.False(t, ok, "no next run")
		failed, err := jobs.Failed(ctx, db, e.Tenant.ID)
		require.NoError(t, err)
		assert.Empty(t, failed)
	})
}

func TestEnsureAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", caseDoc)
		key := schedules.Key(e.objectID(t), "escalate_breached")
		// As after a crash that lost the job: the start enqueues it again.
		require.NoError(t, jobs.Cancel(ctx, db, e.Tenant.ID, schedules.JobKind, key))
		e.clock.Advance(time.Hour)
		require.NoError(t, e.svc.EnsureAll(ctx, e.Catalog.Current))
		j, ok := e.job(t, key)
		require.True(t, ok)
		assert.True(t, j.runAt.Equal(e.clock.Now().Add(5*time.Minute)), "run_at %v", j.runAt)
		// A second start keeps the timer.
		e.clock.Advance(time.Minute)
		require.NoError(t, e.svc.EnsureAll(ctx, e.Catalog.Current))
		j2, _ := e.job(t, key)
		assert.True(t, j2.runAt.Equal(j.runAt), "run_at %v", j2.runAt)
	})
}

func TestScheduleRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		tests := []struct{ name, schedule, path string }{
			{"filter names no field", `{"name": "s", "every": "5m", "filter": "stage == \"x\"", "updates": {"status": "\"x\""}}`, "objects.support_case.schedules.s.filter"},
			{"filter does not parse", `{"name": "s", "every": "5m", "filter": "status ==", "updates": {"status": "\"x\""}}`, "objects.support_case.schedules.s.filter"},
			{"every too short", `{"name": "s", "every": "10s", "filter": "status == \"x\"", "updates": {"status": "\"x\""}}`, "objects.support_case.schedules.s.every"},
			{"update of the wrong kind", `{"name": "s", "every": "5m", "filter": "status == \"x\"", "updates": {"breached": "subject"}}`, "objects.support_case.schedules.s.updates.breached"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.Do("POST", "/api/v1/objects", `{"name": "support_case", `+caseFields+`, "schedules": [`+tt.schedule+`]}`)
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.String())
				assert.Contains(t, r.String(), tt.path)
			})
		}
		n, err := e.runner.RunDue(context.Background())
		require.NoError(t, err)
		assert.Zero(t, n, "a refused change enqueues nothing")
	})
}
