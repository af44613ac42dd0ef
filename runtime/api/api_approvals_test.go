package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// The quote tenant of the approval scenarios: quotes are private; rep
// reports to mgr (role manager, above rep in the hierarchy); dir (role
// director) and the finance users stand outside that branch, so they see a
// quote only while they have a task on it.
const (
	approvalQuoteDoc = `{"name": "quote", "name_field": "name", "sharing": "private", "fields": [
  {"name": "name", "type": "text"},
  {"name": "code", "type": "external_id"},
  {"name": "discount", "type": "percent", "settings": {"precision": 5, "scale": 2}},
  {"name": "amount", "type": "currency", "settings": {"precision": 14, "scale": 2}},
  {"name": "status", "type": "text", "default": "\"Draft\""}]}`
	approvalSetsDoc = `{"permission_sets": [{"name": "sell",
  "objects": {"quote": {"read": true, "create": true, "edit": true, "delete": true}},
  "fields": {"quote": {"name": {"read": true, "edit": true}, "code": {"read": true, "edit": true}, "discount": {"read": true, "edit": true},
                       "amount": {"read": true, "edit": true}, "status": {"read": true}}}}]}`
	approvalRolesDoc = `{"roles": [
  {"name": "manager", "permission_sets": ["sell"]},
  {"name": "rep", "parent": "manager", "permission_sets": ["sell"]},
  {"name": "director", "permission_sets": ["sell"]},
  {"name": "finance", "permission_sets": ["sell"]}]}`
	approvalQueuesDoc  = `{"queues": [{"name": "finance_desk", "roles": ["finance"]}]}`
	approvalProcessDoc = `
name: discount
object: quote
entry_criteria: discount > 0
steps:
  - name: manager
    approvers: [{manager: 1}]
  - name: director
    criteria: discount > 20
    approvers: [{role: director}]
    on_reject: previous
  - name: finance
    criteria: amount > 100000
    approvers: [{role: finance}]
    mode: unanimous
on_submit:
  - update: status := "In Review"
on_approve:
  - update: status := "Approved"
  - event: quote.approved
on_reject:
  - update: status := "Rejected"
on_recall:
  - update: status := "Draft"
`
)

// approvalEnv is a tenant with the quote approval and its users.
type approvalEnv struct {
	*apitest.Env
	rep, mgr, dir, fin1, fin2 string // tokens
	users                     map[string]store.User
}

func newApprovalEnv(t *testing.T, db store.DB) *approvalEnv {
	e := apitest.New(t, db, "acme")
	mustDefine(t, e, approvalQuoteDoc)
	e.MustDo(http.StatusOK, "PUT", "/api/v1/permission-sets", approvalSetsDoc)
	e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", approvalRolesDoc)
	e.MustDo(http.StatusOK, "PUT", "/api/v1/queues", approvalQueuesDoc)
	e.MustDo(http.StatusCreated, "PUT", "/api/v1/approval-processes/discount", approvalProcessDoc, "Content-Type", "application/yaml")
	a := &approvalEnv{Env: e, users: map[string]store.User{}}
	add := func(name, role string) string {
		u, tok := e.AddUser(name+"@example.com", role, password)
		a.users[name] = u
		return tok
	}
	a.dir = add("dir", "director")
	a.mgr = add("mgr", "manager")
	a.rep = add("rep", "rep")
	a.fin1 = add("fin1", "finance")
	a.fin2 = add("fin2", "finance")
	e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+a.users["rep"].ID, map[string]any{"manager_id": a.users["mgr"].ID})
	return a
}

// quote creates a quote as rep and returns its id.
func (a *approvalEnv) quote(t *testing.T, code string, discount, amount string) string {
	r := a.DoAs(a.rep, "POST", "/api/v1/objects/quote/records", `{"name": "Q `+code+`", "code": "`+code+`", "discount": `+discount+`, "amount": `+amount+`}`)
	wantStatus(t, r, http.StatusCreated)
	return r.JSON()["id"].(string)
}

// inbox returns the ids of the pending tasks of the token's user.
func (a *approvalEnv) inbox(t *testing.T, token string) []string {
	r := a.DoAs(token, "GET", "/api/v1/approvals/inbox", nil)
	wantStatus(t, r, http.StatusOK)
	var ids []string
	for _, tk := range r.JSON()["tasks"].([]any) {
		ids = append(ids, tk.(map[string]any)["id"].(string))
	}
	return ids
}

func (a *approvalEnv) field(t *testing.T, id, field string) any {
	return a.MustDo(http.StatusOK, "GET", "/api/v1/objects/quote/records/"+id, nil)[field]
}

// TestApprovalQuoteDiscount runs the three-step quote discount approval:
// preview, submit, the record lock on every write path, a task that is
// not yours, the manager, a director's rejection back to the manager, the
// director again, a unanimous finance step, the final field updates and
// event, history, and metrics.
func TestApprovalQuoteDiscount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		a := newApprovalEnv(t, db)
		q := a.quote(t, "Q1", "25", "150000")
		rec := "/api/v1/objects/quote/records/" + q

		wantStatus(t, a.DoAs(a.dir, "GET", rec, nil), http.StatusNotFound) // private, not dir's

		prev := a.DoAs(a.rep, "GET", rec+"/approval/preview", nil)
		wantStatus(t, prev, http.StatusOK)
		p := prev.JSON()
		assert.Equal(t, "discount", p["process"])
		assert.Equal(t, true, p["may_submit"])
		steps := p["steps"].([]any)
		require.Len(t, steps, 3)
		for _, s := range steps {
			assert.Equal(t, "runs", s.(map[string]any)["status"])
		}
		approvers := steps[0].(map[string]any)["approvers"].([]any)
		require.Len(t, approvers, 1)
		assert.Equal(t, "mgr@example.com", approvers[0].(map[string]any)["email"])
		assert.Len(t, steps[2].(map[string]any)["approvers"], 2)

		// Only the owner may submit (no submitters given).
		wantProblem(t, a.DoAs(a.mgr, "POST", rec+"/approval/submit", `{}`), http.StatusForbidden, "not_allowed_to_submit")
		sub := a.DoAs(a.rep, "POST", rec+"/approval/submit", `{"comment": "big deal"}`)
		wantStatus(t, sub, http.StatusCreated)
		assert.Equal(t, "pending", sub.JSON()["status"])
		assert.Equal(t, "manager", sub.JSON()["step_name"])
		assert.Equal(t, "In Review", a.field(t, q, "status"))
		wantProblem(t, a.DoAs(a.rep, "POST", rec+"/approval/submit", `{}`), http.StatusConflict, "approval_pending")

		// Locked: every write path of the owner, and deletes even by admins.
		wantProblem(t, a.DoAs(a.rep, "PATCH", rec, `{"discount": 5}`), http.StatusConflict, "record_locked")
		wantProblem(t, a.DoAs(a.rep, "PUT", "/api/v1/objects/quote/records/by/code/Q1", `{"discount": 5}`), http.StatusConflict, "record_locked")
		batch := a.DoAs(a.rep, "POST", "/api/v1/objects/quote/records/batch", `{"operation": "update", "records": [{"id": "`+q+`", "discount": 5}]}`)
		assert.Equal(t, http.StatusConflict, batch.Status, batch.String())
		wantProblem(t, a.Do("DELETE", rec, nil), http.StatusConflict, "record_locked")
		assert.Equal(t, "25.00", num(t, a.field(t, q, "discount")), "nothing changed")
		// An administrator may edit a locked record.
		wantStatus(t, a.Do("PATCH", rec, `{"name": "Q1 (checked)"}`), http.StatusOK)

		tasks := a.inbox(t, a.mgr)
		require.Len(t, tasks, 1)
		assert.Empty(t, a.inbox(t, a.dir))
		wantProblem(t, a.DoAs(a.dir, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/approve", `{}`), http.StatusForbidden, "not_your_task")
		wantProblem(t, a.DoAs(a.mgr, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/approve", `{"comment": 5}`), http.StatusUnprocessableEntity, "validation_failed")
		wantStatus(t, a.DoAs(a.mgr, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/approve", `{"comment": "ok"}`), http.StatusOK)
		wantProblem(t, a.DoAs(a.mgr, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/approve", `{}`), http.StatusConflict, "task_already_decided")

		// The director sees the quote while the task is theirs, and sends it
		// back to the manager.
		dirTasks := a.inbox(t, a.dir)
		require.Len(t, dirTasks, 1)
		wantStatus(t, a.DoAs(a.dir, "GET", rec, nil), http.StatusOK)
		wantStatus(t, a.DoAs(a.dir, "POST", "/api/v1/approvals/tasks/"+dirTasks[0]+"/reject", `{"comment": "too generous"}`), http.StatusOK)
		wantStatus(t, a.DoAs(a.dir, "GET", rec, nil), http.StatusNotFound)
		tasks = a.inbox(t, a.mgr)
		require.Len(t, tasks, 1, "back to the manager")
		wantStatus(t, a.DoAs(a.mgr, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/approve", nil), http.StatusOK)
		dirTasks = a.inbox(t, a.dir)
		require.Len(t, dirTasks, 1)
		wantStatus(t, a.DoAs(a.dir, "POST", "/api/v1/approvals/tasks/"+dirTasks[0]+"/approve", nil), http.StatusOK)

		// Finance is unanimous: one approval is not enough.
		f1, f2 := a.inbox(t, a.fin1), a.inbox(t, a.fin2)
		require.Len(t, f1, 1)
		require.Len(t, f2, 1)
		wantStatus(t, a.DoAs(a.fin1, "POST", "/api/v1/approvals/tasks/"+f1[0]+"/approve", nil), http.StatusOK)
		assert.Equal(t, "In Review", a.field(t, q, "status"))
		wantStatus(t, a.DoAs(a.fin2, "POST", "/api/v1/approvals/tasks/"+f2[0]+"/approve", nil), http.StatusOK)
		assert.Equal(t, "Approved", a.field(t, q, "status"))
		wantStatus(t, a.DoAs(a.rep, "PATCH", rec, `{"discount": 24}`), http.StatusOK) // unlocked

		st := a.DoAs(a.rep, "GET", rec+"/approval", nil)
		wantStatus(t, st, http.StatusOK)
		insts := st.JSON()["instances"].([]any)
		require.Len(t, insts, 1)
		inst := insts[0].(map[string]any)
		assert.Equal(t, "approved", inst["status"])
		var actions []string
		for _, h := range inst["history"].([]any) {
			actions = append(actions, h.(map[string]any)["action"].(string))
		}
		assert.Equal(t, []string{"submitted", "step_started", "approved", "step_approved", "step_started", "rejected", "step_rejected",
			"sent_back", "step_started", "approved", "step_approved", "step_started", "approved", "step_approved", "step_started",
			"approved", "approved", "step_approved", "final_approved"}, actions)

		events := a.MustDo(http.StatusOK, "GET", "/api/v1/outbox?limit=1000", nil)["events"].([]any)
		var names []string
		for _, ev := range events {
			names = append(names, ev.(map[string]any)["event"].(string))
		}
		assert.Contains(t, names, "quote.approved")
		assert.Contains(t, names, "approval.approved")
		assert.Contains(t, names, "approval.submitted")
		wantStatus(t, a.DoAs(a.rep, "GET", "/api/v1/outbox", nil), http.StatusForbidden)

		m := a.MustDo(http.StatusOK, "GET", "/api/v1/approval-processes/discount/metrics", nil)
		assert.Equal(t, "1", num(t, m["instances"].(map[string]any)["approved"]))
		assert.Equal(t, "1", num(t, m["decision"].(map[string]any)["count"]))
		ms := m["steps"].([]any)
		assert.Equal(t, "2", num(t, ms[0].(map[string]any)["runs"].(map[string]any)["approved"]), "the manager approved twice")
		assert.Equal(t, "1", num(t, ms[1].(map[string]any)["runs"].(map[string]any)["rejected"]))
	})
}

// TestApprovalRefusals checks the clear 4xx answers that change nothing:
// no matching process, a finished approval, recall rules, reassignment
// and added approvers, batches, and bodies that are not valid.
func TestApprovalRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		a := newApprovalEnv(t, db)
		none := a.quote(t, "N", "0", "10")
		wantProblem(t, a.DoAs(a.rep, "POST", "/api/v1/objects/quote/records/"+none+"/approval/submit", nil), http.StatusUnprocessableEntity, "no_matching_process")
		wantStatus(t, a.DoAs(a.rep, "POST", "/api/v1/objects/quote/records/00000000-0000-0000-0000-000000000000/approval/submit", nil), http.StatusNotFound)
		wantStatus(t, a.DoAs(a.rep, "POST", "/api/v1/objects/quote/records/"+none+"/approval/submit", `{"comment": `), http.StatusBadRequest)
		wantProblem(t, a.DoAs(a.rep, "POST", "/api/v1/objects/quote/records/"+none+"/approval/submit", `{"surprise": 1}`), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "Draft", a.field(t, none, "status"))

		// A small discount skips the director and finance: the manager decides.
		q := a.quote(t, "S", "10", "500")
		rec := "/api/v1/objects/quote/records/" + q
		wantStatus(t, a.DoAs(a.rep, "POST", rec+"/approval/submit", nil), http.StatusCreated)
		wantProblem(t, a.DoAs(a.mgr, "POST", rec+"/approval/recall", nil), http.StatusForbidden, "recall_not_allowed")
		wantStatus(t, a.DoAs(a.rep, "POST", rec+"/approval/recall", `{"comment": "wrong amount"}`), http.StatusOK)
		assert.Equal(t, "Draft", a.field(t, q, "status"))
		assert.Empty(t, a.inbox(t, a.mgr), "recall cancels the tasks")
		wantProblem(t, a.DoAs(a.rep, "POST", rec+"/approval/recall", nil), http.StatusConflict, "not_pending")

		// Reassign and add an approver.
		wantStatus(t, a.DoAs(a.rep, "POST", rec+"/approval/submit", nil), http.StatusCreated)
		tasks := a.inbox(t, a.mgr)
		require.Len(t, tasks, 1)
		wantProblem(t, a.DoAs(a.rep, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/reassign", map[string]any{"user_id": a.users["dir"].ID}), http.StatusForbidden, "not_your_task")
		wantProblem(t, a.DoAs(a.mgr, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/reassign", map[string]any{"user_id": "00000000-0000-0000-0000-000000000000"}), http.StatusUnprocessableEntity, "unknown_user")
		re := a.DoAs(a.mgr, "POST", "/api/v1/approvals/tasks/"+tasks[0]+"/reassign", map[string]any{"user_id": a.users["dir"].ID, "comment": "on leave"})
		wantStatus(t, re, http.StatusOK)
		assert.Equal(t, a.users["dir"].ID, re.JSON()["assignee_id"])
		assert.Equal(t, a.users["mgr"].ID, re.JSON()["original_assignee_id"])
		assert.Empty(t, a.inbox(t, a.mgr))
		dirTasks := a.inbox(t, a.dir)
		require.Len(t, dirTasks, 1)
		inst := a.DoAs(a.rep, "GET", rec+"/approval", nil).JSON()["pending"].(string)
		added := a.DoAs(a.dir, "POST", "/api/v1/approvals/"+inst+"/approvers", map[string]any{"user_id": a.users["fin1"].ID})
		wantStatus(t, added, http.StatusCreated)
		wantProblem(t, a.DoAs(a.fin2, "POST", "/api/v1/approvals/"+inst+"/approvers", map[string]any{"user_id": a.users["fin2"].ID}), http.StatusForbidden, "not_your_task")

		// Batch: the second task is decided by the first (first response).
		both := append(a.inbox(t, a.dir), a.inbox(t, a.fin1)...)
		require.Len(t, both, 2)
		res := a.Do("POST", "/api/v1/approvals/tasks/batch", map[string]any{"decision": "approve", "task_ids": both, "comment": "admin"})
		wantStatus(t, res, http.StatusOK)
		results := res.JSON()["results"].([]any)
		assert.Equal(t, "approved", results[0].(map[string]any)["status"])
		assert.Equal(t, "task_already_decided", results[1].(map[string]any)["error"].(map[string]any)["code"])
		assert.Equal(t, "Approved", a.field(t, q, "status"))
		hist := a.MustDo(http.StatusOK, "GET", "/api/v1/approvals/"+inst, nil)["history"].([]any)
		var onBehalf bool
		for _, h := range hist {
			hm := h.(map[string]any)
			if hm["action"] == "approved" && hm["actor_id"] == a.Admin.ID && hm["original_actor_id"] == a.users["dir"].ID {
				onBehalf = true
			}
		}
		assert.True(t, onBehalf, "the admin approved on the director's behalf: %v", hist)
		wantProblem(t, a.DoAs(a.fin1, "POST", "/api/v1/approvals/"+inst+"/approvers", map[string]any{"user_id": a.users["fin2"].ID}), http.StatusConflict, "approval_finished")
		wantProblem(t, a.Do("POST", "/api/v1/approvals/tasks/batch", map[string]any{"decision": "approve", "task_ids": []string{}}), http.StatusUnprocessableEntity, "invalid_batch")
		wantProblem(t, a.Do("POST", "/api/v1/approvals/tasks/"+both[0]+"/approve", nil), http.StatusConflict, "task_already_decided")

		// Another tenant's admin sees none of it.
		other := a.Other("globex")
		wantStatus(t, other.Do("GET", "/api/v1/approvals/"+inst, nil), http.StatusNotFound)
		wantStatus(t, other.Do("POST", "/api/v1/approvals/tasks/"+both[0]+"/approve", nil), http.StatusNotFound)
	})
}
