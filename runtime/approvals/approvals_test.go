package approvals_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/approvals"
	"github.com/mosaic-paas/mosaic/runtime/jobs"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const (
	quoteDoc = `{"name": "quote", "name_field": "name", "fields": [
  {"name": "name", "type": "text"},
  {"name": "amount", "type": "number"},
  {"name": "status", "type": "text", "default": "\"Draft\""}]}`
	rolesDoc = `{"roles": [{"name": "finance"}, {"name": "boss"}]}`
)

// env is a tenant with a quote object and a process named by the test.
type env struct {
	*apitest.Env
	users map[string]store.User
	toks  map[string]string
}

// newEnv sets up the tenant; pre are PUTs (path, body) made before the
// process is defined.
func newEnv(t *testing.T, db store.DB, process string, pre ...[2]string) *env {
	e := apitest.New(t, db, "acme")
	e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", quoteDoc)
	e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", rolesDoc)
	for _, p := range pre {
		e.MustDo(http.StatusOK, "PUT", p[0], p[1])
	}
	e.MustDo(http.StatusCreated, "PUT", "/api/v1/approval-processes/p", process, "Content-Type", "application/yaml")
	return &env{Env: e, users: map[string]store.User{}, toks: map[string]string{}}
}

func (e *env) add(name, role string) {
	u, tok := e.AddUser(name+"@example.com", role, "")
	e.users[name], e.toks[name] = u, tok
}

func (e *env) submit(t *testing.T) string {
	r := e.Do("POST", "/api/v1/objects/quote/records", `{"name": "Q", "amount": 10}`)
	require.Equal(t, http.StatusCreated, r.Status, r.String())
	id := r.JSON()["id"].(string)
	r = e.Do("POST", "/api/v1/objects/quote/records/"+id+"/approval/submit", nil)
	require.Equal(t, http.StatusCreated, r.Status, r.String())
	return id
}

func (e *env) inbox(t *testing.T, name string) []string {
	r := e.DoAs(e.toks[name], "GET", "/api/v1/approvals/inbox", nil)
	require.Equal(t, http.StatusOK, r.Status, r.String())
	var ids []string
	for _, tk := range r.JSON()["tasks"].([]any) {
		ids = append(ids, tk.(map[string]any)["id"].(string))
	}
	return ids
}

func (e *env) history(t *testing.T, record string) []string {
	st := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/quote/records/"+record+"/approval", nil)
	inst := st["instances"].([]any)[0].(map[string]any)
	var out []string
	for _, h := range inst["history"].([]any) {
		out = append(out, h.(map[string]any)["action"].(string))
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// TestConcurrentDecisions has many approvers of one step act at the same
// moment. First response: exactly one advances the instance, every other
// one is told its task was already decided. Unanimous: every approval
// counts and the last one, whichever it is, advances the instance exactly
// once (without the instance's lock each would see the others' approvals
// still pending, and the record would stay pending for ever).
func TestConcurrentDecisions(t *testing.T) {
	const approvers = 20
	for _, mode := range []string{"first_response", "unanimous"} {
		t.Run(mode, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db store.DB) {
				e := newEnv(t, db, `
name: p
object: quote
steps:
  - name: finance
    approvers: [{role: finance}]
    mode: `+mode+`
on_approve:
  - update: status := "Approved"
`)
				for i := range approvers {
					e.add(fmt.Sprintf("fin%d", i), "finance")
				}
				rec := e.submit(t)
				var wg sync.WaitGroup
				statuses := make([]int, approvers)
				codes := make([]string, approvers)
				start := make(chan struct{})
				for i := range approvers {
					name := fmt.Sprintf("fin%d", i)
					tasks := e.inbox(t, name)
					require.Len(t, tasks, 1)
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						r := e.DoAs(e.toks[name], "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/approve", nil)
						statuses[i] = r.Status
						if r.Status != http.StatusOK {
							codes[i], _ = r.JSON()["code"].(string)
						}
					}()
				}
				close(start)
				wg.Wait()
				ok := 0
				for i, s := range statuses {
					switch s {
					case http.StatusOK:
						ok++
					default:
						assert.Equal(t, http.StatusConflict, s)
						assert.Equal(t, approvals.CodeTaskDecided, codes[i])
					}
				}
				h := e.history(t, rec)
				if mode == "first_response" {
					assert.Equal(t, 1, ok, "exactly one approval wins")
					assert.Equal(t, 1, count(h, approvals.HistoryApproved))
				} else {
					assert.Equal(t, approvers, ok, "every approval counts")
					assert.Equal(t, approvers, count(h, approvals.HistoryApproved))
				}
				assert.Equal(t, 1, count(h, approvals.HistoryStepApproved))
				assert.Equal(t, 1, count(h, approvals.HistoryFinalApproved))
				assert.Equal(t, "Approved", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/quote/records/"+rec, nil)["status"])
			})
		})
	}
}

// TestRatioStep approves a 2-of-3 step after a rejection, and rejects
// another once two approvals can no longer be reached.
func TestRatioStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db, `
name: p
object: quote
steps:
  - name: finance
    approvers: [{role: finance}]
    mode: ratio
    required: 2
on_approve: [{update: 'status := "Approved"'}]
on_reject: [{update: 'status := "Rejected"'}]
`)
		for _, n := range []string{"a", "b", "c"} {
			e.add(n, "finance")
		}
		decide := func(name, decision string) {
			tasks := e.inbox(t, name)
			require.Len(t, tasks, 1, name)
			e.MustDo(http.StatusOK, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/"+decision, nil)
		}
		status := func(rec string) any {
			return e.MustDo(http.StatusOK, "GET", "/api/v1/objects/quote/records/"+rec, nil)["status"]
		}
		rec := e.submit(t)
		decide("a", "reject")
		decide("b", "approve")
		assert.Equal(t, "Draft", status(rec), "one of two approvals so far")
		decide("c", "approve")
		assert.Equal(t, "Approved", status(rec))

		rec = e.submit(t)
		decide("a", "reject")
		assert.Equal(t, "Draft", status(rec))
		decide("b", "reject")
		assert.Equal(t, "Rejected", status(rec), "two approvals out of reach")
		assert.Empty(t, e.inbox(t, "c"), "the last task was canceled")
	})
}

// TestTimeoutEscalation lets a 48h step time out: the background job gives
// the task to the approver's manager, then, with no manager above, writes
// an overdue event.
func TestTimeoutEscalation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db, `
name: p
object: quote
steps:
  - name: finance
    approvers: [{user: clerk@example.com}]
    timeout: 48h
`)
		e.add("boss", "boss")
		e.add("clerk", "finance")
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+e.users["clerk"].ID, map[string]any{"manager_id": e.users["boss"].ID})

		var mu sync.Mutex
		now := time.Now().UTC()
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		svc := e.API.Approvals()
		svc.SetClock(clock)
		runner := jobs.NewRunner(db, jobs.Config{Now: clock})
		runner.Handle(approvals.JobTimeout, svc.HandleTimeout(e.Catalog.Current))
		ctx := context.Background()

		rec := e.submit(t)
		require.Len(t, e.inbox(t, "clerk"), 1)
		n, err := runner.RunDue(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, n, "not due yet")

		advance(49 * time.Hour)
		n, err = runner.RunDue(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Empty(t, e.inbox(t, "clerk"))
		require.Len(t, e.inbox(t, "boss"), 1, "escalated to the manager")
		assert.Equal(t, 1, count(e.history(t, rec), approvals.HistoryEscalated))

		advance(49 * time.Hour)
		_, err = runner.RunDue(ctx)
		require.NoError(t, err)
		require.Len(t, e.inbox(t, "boss"), 1, "no manager above: the task stays")
		assert.Equal(t, 2, count(e.history(t, rec), approvals.HistoryEscalated))
		events := e.MustDo(http.StatusOK, "GET", "/api/v1/outbox?limit=1000", nil)["events"].([]any)
		var overdue int
		for _, ev := range events {
			if ev.(map[string]any)["event"] == "approval.task_overdue" {
				overdue++
			}
		}
		assert.Equal(t, 1, overdue)

		// Once decided, no timeout is left to run.
		e.MustDo(http.StatusOK, "POST", "/api/v1/approvals/tasks/"+e.inbox(t, "boss")[0]+"/approve", nil)
		advance(100 * time.Hour)
		n, err = runner.RunDue(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, n)
	})
}

// TestQueueLockAndSubmitters covers a queue's shared task (members see the
// record and decide, others may not), the admin_and_approver lock, and
// submitters given by role, and a preview whose step criteria end the
// process.
func TestQueueLockAndSubmitters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db, `
name: p
object: quote
lock: admin_and_approver
submitters: {roles: [boss]}
steps:
  - name: desk
    approvers: [{queue: desk}]
  - name: big
    criteria: amount > 1000
    when_false: approve
    approvers: [{role: boss}]
on_approve: [{update: 'status := "Approved"'}]
`, [2]string{"/api/v1/permission-sets", `{"permission_sets": [{"name": "q",
  "objects": {"quote": {"read": true, "edit": true, "create": true}},
  "fields": {"quote": {"name": {"read": true, "edit": true}, "amount": {"read": true, "edit": true}, "status": {"read": true}}}}]}`},
			[2]string{"/api/v1/roles", `{"roles": [{"name": "finance", "permission_sets": ["q"]}, {"name": "boss", "permission_sets": ["q"]}, {"name": "other", "permission_sets": ["q"]}]}`},
			[2]string{"/api/v1/queues", `{"queues": [{"name": "desk", "roles": ["finance"], "users": ["outsider@example.com"]}]}`})
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/objects/quote", `{"sharing": "private"}`)
		e.add("clerk", "finance")
		e.add("boss", "boss")
		e.add("outsider", "other")
		e.add("stranger", "other")

		r := e.DoAs(e.toks["stranger"], "POST", "/api/v1/objects/quote/records", `{"name": "Q", "amount": 10}`)
		require.Equal(t, http.StatusCreated, r.Status, r.String())
		rec := r.JSON()["id"].(string)
		path := "/api/v1/objects/quote/records/" + rec

		// The owner is not a submitter here; a boss may submit a record it
		// sees (an admin shares it first).
		pr := e.DoAs(e.toks["stranger"], "GET", path+"/approval/preview", nil).JSON()
		assert.Equal(t, false, pr["may_submit"])
		steps := pr["steps"].([]any)
		assert.Equal(t, "runs", steps[0].(map[string]any)["status"])
		assert.Equal(t, "desk", steps[0].(map[string]any)["approvers"].([]any)[0].(map[string]any)["queue"])
		assert.Equal(t, "approves", steps[1].(map[string]any)["status"])
		assert.Equal(t, "approved", pr["outcome"])
		r = e.DoAs(e.toks["stranger"], "POST", path+"/approval/submit", nil)
		require.Equal(t, http.StatusForbidden, r.Status, r.String())
		e.MustDo(http.StatusCreated, "POST", path+"/shares", map[string]any{"user_id": e.users["boss"].ID, "access": "read"})
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/quote/records/"+rec+"/approval/submit", nil, "Authorization", "Bearer "+e.toks["boss"])

		// Queue members by role and by email see the record and the task.
		wantRead := func(name string, status int) {
			r := e.DoAs(e.toks[name], "GET", path, nil)
			assert.Equal(t, status, r.Status, "%s: %s", name, r.String())
		}
		wantRead("clerk", http.StatusOK)
		wantRead("outsider", http.StatusOK)
		wantRead("stranger", http.StatusOK) // the owner
		require.Len(t, e.inbox(t, "clerk"), 1)
		require.Len(t, e.inbox(t, "outsider"), 1)
		assert.Empty(t, e.inbox(t, "boss"))

		// admin_and_approver: a queue member may edit the pending record,
		// its owner may not.
		r = e.DoAs(e.toks["stranger"], "PATCH", path, `{"amount": 11}`)
		assert.Equal(t, http.StatusConflict, r.Status, r.String())
		r = e.DoAs(e.toks["clerk"], "PATCH", path, `{"amount": 12}`)
		assert.Equal(t, http.StatusOK, r.Status, r.String())

		task := e.inbox(t, "clerk")[0]
		r = e.DoAs(e.toks["boss"], "POST", "/api/v1/approvals/tasks/"+task+"/approve", nil)
		assert.Equal(t, http.StatusForbidden, r.Status, r.String())
		e.MustDo(http.StatusOK, "POST", "/api/v1/approvals/tasks/"+task+"/approve", nil, "Authorization", "Bearer "+e.toks["outsider"])
		assert.Equal(t, "Approved", e.MustDo(http.StatusOK, "GET", path, nil)["status"], "the big step's criteria are false and approve")
		wantRead("clerk", http.StatusNotFound)
		h := e.history(t, rec)
		assert.Equal(t, []string{"submitted", "step_started", "approved", "step_approved", "final_approved"}, h)
	})
}

// TestProcessChangedWhilePending changes and then deletes a process while
// a record is pending in it: decisions are refused with process_changed
// rather than acting on a step that is gone, and a recall still frees the
// record.
func TestProcessChangedWhilePending(t *testing.T) {
	two := `
name: p
object: quote
steps:
  - {name: one, approvers: [{user: a@example.com}]}
  - {name: two, approvers: [{user: b@example.com}]}
on_recall: [{update: 'status := "Recalled"'}]
`
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db, two)
		e.add("a", "finance")
		e.add("b", "finance")
		rec := e.submit(t)
		e.MustDo(http.StatusOK, "POST", "/api/v1/approvals/tasks/"+e.inbox(t, "a")[0]+"/approve", nil, "Authorization", "Bearer "+e.toks["a"])
		task := e.inbox(t, "b")
		require.Len(t, task, 1)

		e.MustDo(http.StatusOK, "PUT", "/api/v1/approval-processes/p", `{"name": "p", "object": "quote", "steps": [{"name": "one", "approvers": [{"user": "a@example.com"}]}]}`)
		r := e.DoAs(e.toks["b"], "POST", "/api/v1/approvals/tasks/"+task[0]+"/approve", nil)
		assert.Equal(t, http.StatusConflict, r.Status, r.String())
		assert.Equal(t, approvals.CodeProcessChanged, r.JSON()["code"])

		e.MustDo(http.StatusOK, "DELETE", "/api/v1/approval-processes/p", nil)
		e.MustDo(http.StatusOK, "POST", "/api/v1/objects/quote/records/"+rec+"/approval/recall", nil)
		assert.Empty(t, e.inbox(t, "b"))
		assert.Equal(t, "Draft", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/quote/records/"+rec, nil)["status"], "no recall actions without the process")
		assert.Equal(t, "recalled", e.MustDo(http.StatusOK, "GET", "/api/v1/objects/quote/records/"+rec+"/approval", nil)["instances"].([]any)[0].(map[string]any)["status"])
	})
}
