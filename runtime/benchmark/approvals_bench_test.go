package benchmark_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// The approval benchmark's tenant: a quote whose status the final approval
// sets, and two one-step first-response processes, submitted by name:
// by_role gives the task to every user of the reviewer role (one user),
// by_field to the user whose email the quote's approver field holds.
const (
	approvalBenchQuoteDoc = `{"name": "quote", "name_field": "name", "fields": [
  {"name": "name", "type": "text"},
  {"name": "amount", "type": "number"},
  {"name": "approver", "type": "email"},
  {"name": "status", "type": "text", "default": "\"Draft\""}]}`
	approvalBenchRolesDoc  = `{"roles": [{"name": "reviewer"}, {"name": "approver"}]}`
	approvalBenchByRoleDoc = `
name: by_role
object: quote
steps:
  - name: review
    approvers: [{role: reviewer}]
on_approve:
  - update: status := "Approved"
`
	approvalBenchByFieldDoc = `
name: by_field
object: quote
steps:
  - name: review
    approvers: [{field: approver}]
on_approve:
  - update: status := "Approved"
`
	// approvalBenchApprovers is the number of concurrent approvers.
	approvalBenchApprovers = 50
	approvalBenchRecords   = "/api/v1/objects/quote/records"
)

// BenchmarkApprovals measures approval transitions through the fiber
// app's fasthttp handler, in process, on each store:
//
//   - submit_approve: one iteration creates a quote, submits it to
//     by_role and has the reviewer approve its task (which ends the
//     instance and sets the quote's status), one after the other;
//     reports records/s;
//   - submit: the submit alone, of quotes created outside the timer;
//     reports submits/s;
//   - approve: the approve alone, of tasks submitted outside the timer;
//     reports approvals/s;
//   - concurrent_50: 50 approvers, each a user with its own token and its
//     own b.N/50 tasks (quotes submitted to by_field outside the timer),
//     approve as fast as they can, each on its own goroutine; reports
//     transitions/s over the wall time and the p50, p99 and max latency
//     of one approve call. Every approve must answer 200 with the task
//     approved, and afterwards exactly b.N more instances and quotes must
//     be approved and none of by_field left pending.
//
// Each also reports tasks-before, the rows of approval_tasks when its
// timed part starts: the sub-benchmarks run on one store in turn, and an
// approve's cost grows with that table (see tasks).
//
// PostgreSQL runs when MOSAIC_TEST_DATABASE_URL is set; its pool has
// pgxpool's default of max(4, CPUs) connections, and SQLite writes through
// its single writer connection, so 50 goroutines queue for the store.
func BenchmarkApprovals(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			f := newApprovalFixture(b, kind)
			b.Run("submit_approve", func(b *testing.B) {
				tasks := f.tasks(b)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					id, err := f.create(f.admin, "")
					if err == nil {
						var task string
						if task, err = f.submit(f.admin, id, "by_role", f.reviewer.id); err == nil {
							err = approve(f.reviewer.http, task)
						}
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(tasks, "tasks-before")
			})
			b.Run("submit", func(b *testing.B) {
				ids := make([]string, b.N)
				for i := range ids {
					id, err := f.create(f.admin, "")
					if err != nil {
						b.Fatal(err)
					}
					ids[i] = id
				}
				tasks := f.tasks(b)
				b.ReportAllocs()
				b.ResetTimer()
				for _, id := range ids {
					if _, err := f.submit(f.admin, id, "by_role", f.reviewer.id); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submits/s")
				b.ReportMetric(tasks, "tasks-before")
				// Leave no pending task behind for the benchmarks after.
				for _, id := range ids {
					if err := f.approveRecord(f.reviewer.http, id); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("approve", func(b *testing.B) {
				tasks := make([]string, b.N)
				for i := range tasks {
					task, err := f.createSubmitted("by_role", f.reviewer)
					if err != nil {
						b.Fatal(err)
					}
					tasks[i] = task
				}
				before := f.tasks(b)
				b.ReportAllocs()
				b.ResetTimer()
				for _, task := range tasks {
					if err := approve(f.reviewer.http, task); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "approvals/s")
				b.ReportMetric(before, "tasks-before")
			})
			b.Run(fmt.Sprintf("concurrent_%d", approvalBenchApprovers), f.concurrent)
		})
	}
}

// approvalFixture is a tenant with the benchmark's quote and processes,
// its administrator, one reviewer, and the concurrent approvers.
type approvalFixture struct {
	env       *apitest.Env
	admin     *caller
	reviewer  benchApprover
	approvers []benchApprover
	next      int // number of the next quote
}

// benchApprover is a user and a caller with its token.
type benchApprover struct {
	id, email string
	http      *caller
}

func newApprovalFixture(tb testing.TB, kind string) *approvalFixture {
	tb.Helper()
	env := apitest.New(tb, storetest.Open(tb, kind), "bench")
	env.MustDo(http.StatusCreated, "POST", "/api/v1/objects", approvalBenchQuoteDoc)
	env.MustDo(http.StatusOK, "PUT", "/api/v1/roles", approvalBenchRolesDoc)
	env.MustDo(http.StatusCreated, "PUT", "/api/v1/approval-processes/by_role", approvalBenchByRoleDoc, "Content-Type", "application/yaml")
	env.MustDo(http.StatusCreated, "PUT", "/api/v1/approval-processes/by_field", approvalBenchByFieldDoc, "Content-Type", "application/yaml")
	h := env.App.Handler()
	add := func(email, role string) benchApprover {
		u, tok := env.AddUser(email, role, "")
		return benchApprover{id: u.ID, email: email, http: newCaller(h, tok)}
	}
	f := &approvalFixture{env: env, admin: newCaller(h, env.Token), reviewer: add("reviewer@example.com", "reviewer")}
	for i := range approvalBenchApprovers {
		f.approvers = append(f.approvers, add(fmt.Sprintf("approver%d@example.com", i), "approver"))
	}
	return f
}

// create creates a quote as c, with approver as its approver field ("" for
// none), and returns its id.
func (f *approvalFixture) create(c *caller, approver string) (string, error) {
	f.next++
	body := fmt.Sprintf(`{"name": "Q%d", "amount": %d`, f.next, f.next%1000)
	if approver != "" {
		body += `, "approver": "` + approver + `"`
	}
	status, resp := c.do("POST", approvalBenchRecords, []byte(body+"}"))
	if status != http.StatusCreated {
		return "", fmt.Errorf("create answered %d: %.300s", status, resp)
	}
	var rec struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp, &rec); err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	return rec.ID, nil
}

// submit submits a quote to process as c and returns the id of the one
// task it made, which must be assignee's.
func (f *approvalFixture) submit(c *caller, id, process, assignee string) (string, error) {
	status, resp := c.do("POST", approvalBenchRecords+"/"+id+"/approval/submit", []byte(`{"process": "`+process+`"}`))
	if status != http.StatusCreated {
		return "", fmt.Errorf("submit answered %d: %.300s", status, resp)
	}
	var inst struct {
		Status string `json:"status"`
		Tasks  []struct {
			ID         string `json:"id"`
			AssigneeID string `json:"assignee_id"`
			Status     string `json:"status"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(resp, &inst); err != nil {
		return "", fmt.Errorf("submit: %w", err)
	}
	if inst.Status != "pending" || len(inst.Tasks) != 1 || inst.Tasks[0].AssigneeID != assignee || inst.Tasks[0].Status != "pending" {
		return "", fmt.Errorf("submit: not one pending task for %s: %.300s", assignee, resp)
	}
	return inst.Tasks[0].ID, nil
}

// createSubmitted creates a quote for approver, submits it to process as
// the administrator, and returns the approver's task.
func (f *approvalFixture) createSubmitted(process string, approver benchApprover) (string, error) {
	field := ""
	if process == "by_field" {
		field = approver.email
	}
	id, err := f.create(f.admin, field)
	if err != nil {
		return "", err
	}
	return f.submit(f.admin, id, process, approver.id)
}

// approveRecord approves the pending task of a submitted quote as c.
func (f *approvalFixture) approveRecord(c *caller, id string) error {
	status, resp := f.admin.do("GET", approvalBenchRecords+"/"+id+"/approval", nil)
	if status != http.StatusOK {
		return fmt.Errorf("approval state answered %d: %.300s", status, resp)
	}
	var st struct {
		Instances []struct {
			Status string `json:"status"`
			Tasks  []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"tasks"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(resp, &st); err != nil {
		return err
	}
	for _, in := range st.Instances {
		for _, tk := range in.Tasks {
			if in.Status == "pending" && tk.Status == "pending" {
				return approve(c, tk.ID)
			}
		}
	}
	return fmt.Errorf("quote %s has no pending task", id)
}

// approve approves a task as c and checks that it answered 200 with the
// task approved.
func approve(c *caller, task string) error {
	status, resp := c.do("POST", "/api/v1/approvals/tasks/"+task+"/approve", nil)
	if status != http.StatusOK {
		return fmt.Errorf("approve %s answered %d: %.300s", task, status, resp)
	}
	var tk struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(resp, &tk); err != nil || tk.Status != "approved" {
		return fmt.Errorf("approve %s: task not approved (%v): %.300s", task, err, resp)
	}
	return nil
}

// concurrent is BenchmarkApprovals' concurrent_50: b.N tasks dealt round
// robin to the approvers, each approver approving its own on its own
// goroutine.
func (f *approvalFixture) concurrent(b *testing.B) {
	n := len(f.approvers)
	tasks := make([][]string, n)
	for i := range b.N {
		task, err := f.createSubmitted("by_field", f.approvers[i%n])
		if err != nil {
			b.Fatal(err)
		}
		tasks[i%n] = append(tasks[i%n], task)
	}
	approvedBefore := f.count(b, "SELECT count(*) FROM approval_instances WHERE tenant_id = $1 AND status = 'approved'")
	quotesBefore := f.approvedQuotes(b)
	tasksBefore := f.tasks(b)

	latencies := make([][]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range n {
		latencies[g] = make([]time.Duration, 0, len(tasks[g]))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c := f.approvers[g].http
			for _, task := range tasks[g] {
				t0 := time.Now()
				err := approve(c, task)
				latencies[g] = append(latencies[g], time.Since(t0))
				if err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	b.ResetTimer()
	t0 := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t0)
	b.StopTimer()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}

	// Every approval counted exactly once, and nothing left pending.
	require.Equal(b, approvedBefore+int64(b.N), f.count(b, "SELECT count(*) FROM approval_instances WHERE tenant_id = $1 AND status = 'approved'"))
	require.Equal(b, int64(0), f.count(b, "SELECT count(*) FROM approval_instances WHERE tenant_id = $1 AND process = 'by_field' AND status = 'pending'"))
	require.Equal(b, int64(0), f.count(b, "SELECT count(*) FROM approval_tasks WHERE tenant_id = $1 AND status = 'pending'"))
	require.Equal(b, quotesBefore+int64(b.N), f.approvedQuotes(b))

	all := slices.Concat(latencies...)
	slices.Sort(all)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/wall.Seconds(), "transitions/s")
	b.ReportMetric(ms(all[len(all)/2]), "p50-ms")
	b.ReportMetric(ms(all[(len(all)*99)/100]), "p99-ms")
	b.ReportMetric(ms(all[len(all)-1]), "max-ms")
	b.ReportMetric(tasksBefore, "tasks-before")
}

// count runs a count query of the tenant's approval tables.
func (f *approvalFixture) count(tb testing.TB, q string) int64 {
	tb.Helper()
	var n int64
	require.NoError(tb, f.env.DB.QueryRow(tb.Context(), q, f.env.Tenant.ID).Scan(&n))
	return n
}

// approvedQuotes counts the quotes whose status the final approval set.
func (f *approvalFixture) approvedQuotes(tb testing.TB) int64 {
	tb.Helper()
	status, resp := f.admin.do("GET", approvalBenchRecords+`?filter=status%20%3D%3D%20%22Approved%22&count=true&limit=1`, nil)
	require.Equal(tb, http.StatusOK, status, "%s", resp)
	var page struct {
		Total int64 `json:"total"`
	}
	require.NoError(tb, json.Unmarshal(resp, &page))
	return page.Total
}

// tasks counts the tenant's rows of approval_tasks, decided or not: two
// statements of every approve scan that table (no index on step_run_id),
// so its size is part of what a transition costs.
func (f *approvalFixture) tasks(tb testing.TB) float64 {
	tb.Helper()
	return float64(f.count(tb, "SELECT count(*) FROM approval_tasks WHERE tenant_id = $1"))
}
