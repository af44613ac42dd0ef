package approvals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/jobs"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

func jsonMarshal(v any) (json.RawMessage, error) { return json.Marshal(v) }

// jsonValue turns an expression's value into what a record write takes.
func jsonValue(v any) any {
	if d, ok := metadata.DecimalOf(v); ok {
		switch v.(type) {
		case int, int64, float64:
			return json.Number(d.String())
		}
	}
	return v
}

// assignee is who a task goes to: a user or a queue.
type assignee struct {
	user  string
	queue string
}

// resolve finds the approvers of a step for the record: active users of
// the tenant, each once, and queues.
func (f *flow) resolve(ctx context.Context, step *approval.Step, rec records.Record) ([]assignee, error) {
	return resolveApprovers(ctx, f.tx, f.rev, step, rec, f.inst.SubmittedBy)
}

func resolveApprovers(ctx context.Context, q store.Querier, rev *compiled.Revision, step *approval.Step, rec records.Record, submitter string) ([]assignee, error) {
	tenant := rev.TenantID
	var out []assignee
	seen := map[string]bool{}
	addUser := func(u store.User) {
		if u.Active && !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, assignee{user: u.ID})
		}
	}
	var roleUsers []store.User
	for _, a := range step.Meta.Approvers {
		switch a.Kind() {
		case "user":
			u, err := store.UserByEmail(ctx, q, tenant, a.User)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("approvals: approver %s: %w", a.User, err)
			}
			if err == nil {
				addUser(u)
			}
		case "role":
			if roleUsers == nil {
				active := true
				us, err := store.ListUsers(ctx, q, tenant, store.UserFilter{Active: &active})
				if err != nil {
					return nil, err
				}
				roleUsers = us
			}
			for _, u := range roleUsers {
				if u.Role == a.Role {
					addUser(u)
				}
			}
		case "manager":
			id := submitter
			for level := 0; level < a.Manager && id != ""; level++ {
				u, err := store.UserByID(ctx, q, tenant, id)
				if err != nil {
					if errors.Is(err, store.ErrNotFound) {
						id = ""
						break
					}
					return nil, err
				}
				id = u.ManagerID
			}
			if id != "" {
				u, err := store.UserByID(ctx, q, tenant, id)
				if err == nil {
					addUser(u)
				} else if !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
			}
		case "field":
			v, _ := rec[a.Field].(string)
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			var u store.User
			var err error
			if validUUID(v) {
				u, err = store.UserByID(ctx, q, tenant, v)
			} else {
				u, err = store.UserByEmail(ctx, q, tenant, v)
			}
			if err == nil {
				addUser(u)
			} else if !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
		case "queue":
			if !seen["queue:"+a.Queue] {
				seen["queue:"+a.Queue] = true
				out = append(out, assignee{queue: a.Queue})
			}
		}
	}
	return out, nil
}

// mayAct reports whether actor may decide tk: its assignee, a member of its
// queue, or an administrator (acting on the assignee's behalf).
func mayAct(rev *compiled.Revision, actor records.Actor, tk *Task) bool {
	if isAdmin(actor) {
		return true
	}
	if tk.AssigneeID != "" {
		return tk.AssigneeID == actor.ID
	}
	q := rev.Model.Queue(tk.Queue)
	return q != nil && q.HasMember(actor.Role, actor.Email)
}

// ReassignInput is a reassignment of a task.
type ReassignInput struct {
	// UserID is the user the task goes to.
	UserID  string `json:"user_id"`
	Comment string `json:"comment"`
}

// Reassign gives a pending task to another active user of the tenant. Its
// assignee (or a member of its queue, taking it) and administrators may.
func (s *Service) Reassign(ctx context.Context, rev *compiled.Revision, actor records.Actor, taskID string, in ReassignInput) (*Task, error) {
	if err := checkComment(in.Comment); err != nil {
		return nil, err
	}
	var out *Task
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		f, tk, err := s.lockTask(ctx, t, rev, actor, taskID)
		if err != nil {
			return err
		}
		to, err := activeUser(ctx, t.tx, rev.TenantID, in.UserID)
		if err != nil {
			return err
		}
		if err := f.notInStep(ctx, tk.StepRunID, to); err != nil {
			return err
		}
		if err := f.reassignTask(ctx, tk.ID, to.ID, tk.DueAt); err != nil {
			return err
		}
		step := tk.Step
		original := ""
		if tk.AssigneeID != "" && tk.AssigneeID != actor.ID {
			original = tk.AssigneeID
		}
		if err := f.history(ctx, rev.TenantID, f.inst.ID, &step, tk.StepName, HistoryReassigned, actor.ID, original, reassignComment(to, in.Comment)); err != nil {
			return err
		}
		if err := f.emit(ctx, rev.TenantID, "approval.task_assigned", f.inst.ObjectID, f.inst.RecordID,
			f.payload(map[string]any{"task_id": tk.ID, "assignee_id": to.ID, "step": tk.StepName})); err != nil {
			return err
		}
		out, err = task(ctx, t.tx, rev.TenantID, tk.ID)
		if err == nil {
			out.Object, out.Process = f.obj.Meta.Name, f.inst.Process
		}
		return err
	})
	return out, err
}

func reassignComment(to store.User, comment string) string {
	c := "to " + to.Email
	if comment != "" {
		c += ": " + comment
	}
	return c
}

// activeUser returns an active user of the tenant by id.
func activeUser(ctx context.Context, q store.Querier, tenantID, id string) (store.User, error) {
	u, err := store.UserByID(ctx, q, tenantID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return store.User{}, errorf(Invalid, CodeUnknownUser, "user %q is not an active user of this tenant", truncate(id))
	}
	return u, err
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// AddApproverInput adds an approver to an instance's current step.
type AddApproverInput struct {
	UserID  string `json:"user_id"`
	Comment string `json:"comment"`
}

// AddApprover adds a task for another user to the current step of a
// pending instance: administrators and the step's current approvers may.
// A unanimous step then waits for that user too.
func (s *Service) AddApprover(ctx context.Context, rev *compiled.Revision, actor records.Actor, instanceID string, in AddApproverInput) (*Task, error) {
	if err := checkComment(in.Comment); err != nil {
		return nil, err
	}
	var out *Task
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		f, err := s.lockFlow(ctx, t, rev, actor, instanceID)
		if err != nil {
			return err
		}
		run, err := f.currentStepRun(ctx, f.inst.ID)
		if err != nil {
			return err
		}
		tasks, err := f.runTasks(ctx, run.ID)
		if err != nil {
			return err
		}
		allowed := isAdmin(actor)
		for _, tk := range tasks {
			if tk.Status == approval.TaskPending && mayAct(rev, actor, tk) {
				allowed = true
			}
		}
		if !allowed {
			return errorf(Forbidden, CodeNotYourTask, "only an administrator or an approver of the current step may add an approver")
		}
		to, err := activeUser(ctx, t.tx, rev.TenantID, in.UserID)
		if err != nil {
			return err
		}
		if err := f.notInStep(ctx, run.ID, to); err != nil {
			return err
		}
		step := f.proc.Steps[run.Step]
		if err := f.addTask(ctx, run.ID, step, assignee{user: to.ID}); err != nil {
			return err
		}
		i := run.Step
		if err := f.history(ctx, rev.TenantID, f.inst.ID, &i, run.Name, HistoryApproverAdded, actor.ID, "", reassignComment(to, in.Comment)); err != nil {
			return err
		}
		all, err := f.runTasks(ctx, run.ID)
		if err != nil {
			return err
		}
		out = all[len(all)-1]
		return nil
	})
	return out, err
}

// notInStep refuses a user who already has a pending task in the step
// run.
func (f *flow) notInStep(ctx context.Context, runID string, u store.User) error {
	tasks, err := f.runTasks(ctx, runID)
	if err != nil {
		return err
	}
	for _, tk := range tasks {
		if tk.Status == approval.TaskPending && tk.AssigneeID == u.ID {
			return errorf(Conflict, CodeAlreadyApprover, "%s already has a pending task in this step", u.Email)
		}
	}
	return nil
}

// lockFlow locks a pending instance and builds its flow; the process must
// still define the instance's current step.
func (s *Service) lockFlow(ctx context.Context, t *txn, rev *compiled.Revision, actor records.Actor, instanceID string) (*flow, error) {
	f, err := s.openFlow(ctx, t, rev, actor, instanceID)
	if err != nil {
		return nil, err
	}
	return f, f.current()
}

// openFlow locks a pending instance and builds its flow, with a nil
// process when the process is gone (a recall still works then).
func (s *Service) openFlow(ctx context.Context, t *txn, rev *compiled.Revision, actor records.Actor, instanceID string) (*flow, error) {
	inst, err := t.lockInstance(ctx, rev.TenantID, instanceID)
	if err != nil {
		return nil, err
	}
	return flowOf(t, rev, actor, inst)
}

// flowOf builds the flow of an instance the transaction has locked.
func flowOf(t *txn, rev *compiled.Revision, actor records.Actor, inst *Instance) (*flow, error) {
	if inst.Status != approval.StatePending {
		return nil, errorf(Conflict, CodeFinished, "the approval is already %s", inst.Status)
	}
	obj, ok := objectByID(rev, inst.ObjectID)
	if !ok {
		return nil, errorf(Conflict, CodeProcessChanged, "the object of this approval no longer exists")
	}
	inst.Object = obj.Meta.Name
	f := &flow{txn: t, rev: rev, obj: obj, inst: inst, actor: actor}
	if proc, ok := rev.ApprovalProcess(inst.Process); ok && proc.Meta.Object == obj.Meta.Name {
		f.proc = proc
		if inst.Step >= 0 && inst.Step < len(proc.Steps) {
			inst.StepName = proc.Steps[inst.Step].Meta.Name
		}
	}
	return f, nil
}

// current refuses a flow whose process is gone or no longer has the
// instance's current step.
func (f *flow) current() error {
	if f.proc == nil {
		return errorf(Conflict, CodeProcessChanged, "approval process %s no longer exists; recall the record and submit it again", f.inst.Process)
	}
	if f.inst.Step < 0 || f.inst.Step >= len(f.proc.Steps) {
		return errorf(Conflict, CodeProcessChanged, "approval process %s no longer has the step this approval is at; recall the record and submit it again", f.inst.Process)
	}
	return nil
}

// lockTask reads a task, locks its instance and checks that the task is
// still pending and that actor may act on it.
func (s *Service) lockTask(ctx context.Context, t *txn, rev *compiled.Revision, actor records.Actor, taskID string) (*flow, *Task, error) {
	tk, err := task(ctx, t.tx, rev.TenantID, taskID)
	if err != nil {
		return nil, nil, err
	}
	if !mayAct(rev, actor, tk) {
		return nil, nil, errorf(Forbidden, CodeNotYourTask, "this task is not yours")
	}
	inst, err := t.lockInstance(ctx, rev.TenantID, tk.InstanceID)
	if err != nil {
		return nil, nil, err
	}
	// Read again under the instance's lock: another transition may have
	// decided or canceled it meanwhile. That answer comes first: the loser
	// of two approvers acting at once learns that its task was decided.
	if tk, err = task(ctx, t.tx, rev.TenantID, taskID); err != nil {
		return nil, nil, err
	}
	if tk.Status != approval.TaskPending {
		return nil, nil, errorf(Conflict, CodeTaskDecided, "the task has already been decided (%s)", tk.Status)
	}
	if !mayAct(rev, actor, tk) {
		return nil, nil, errorf(Forbidden, CodeNotYourTask, "this task is not yours (it was reassigned)")
	}
	f, err := flowOf(t, rev, actor, inst)
	if err != nil {
		return nil, nil, err
	}
	if err := f.current(); err != nil {
		return nil, nil, err
	}
	return f, tk, nil
}

// HandleTimeout is the JobTimeout handler: a task still pending past its
// due time escalates as its step says — to its assignee's manager (then
// timing out again), or, for a queue, a user without a manager or
// EscalateNotify, with an approval.task_overdue event.
func (s *Service) HandleTimeout(revision func(ctx context.Context, t store.Tenant) (*compiled.Revision, error)) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var args timeoutArgs
		if err := json.Unmarshal(j.Args, &args); err != nil {
			return fmt.Errorf("approvals: timeout job %s: %w", j.ID, err)
		}
		tenant, err := store.TenantByID(ctx, s.db, j.TenantID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // the tenant is gone
		}
		if err != nil {
			return err
		}
		rev, err := revision(ctx, tenant)
		if err != nil {
			return err
		}
		return s.escalate(ctx, rev, args.TaskID)
	}
}

func (s *Service) escalate(ctx context.Context, rev *compiled.Revision, taskID string) error {
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		tk, err := task(ctx, t.tx, rev.TenantID, taskID)
		var ae *Error
		if errors.As(err, &ae) {
			return nil // gone with its tenant or instance
		}
		if err != nil {
			return err
		}
		// A finished instance, or one whose process changed, has nothing
		// to escalate to.
		f, err := s.lockFlow(ctx, t, rev, records.Actor{}, tk.InstanceID)
		if errors.As(err, &ae) {
			return nil
		}
		if err != nil {
			return err
		}
		if tk, err = task(ctx, t.tx, rev.TenantID, taskID); err != nil {
			return err
		}
		if tk.Status != approval.TaskPending || tk.DueAt == nil || tk.DueAt.After(t.now) || tk.Step != f.inst.Step {
			return nil // decided meanwhile, or moved forward
		}
		inst := f.inst
		step := f.proc.Steps[tk.Step]
		i := tk.Step
		manager := ""
		if step.Meta.EffectiveEscalation() == metadata.EscalateReassign && tk.AssigneeID != "" {
			if u, err := store.UserByID(ctx, t.tx, rev.TenantID, tk.AssigneeID); err == nil && u.ManagerID != "" {
				if m, err := store.UserByID(ctx, t.tx, rev.TenantID, u.ManagerID); err == nil && m.Active {
					manager = m.ID
				}
			}
		}
		if manager == "" {
			if err := f.history(ctx, rev.TenantID, inst.ID, &i, tk.StepName, HistoryEscalated, "", tk.AssigneeID, "overdue; notified"); err != nil {
				return err
			}
			if _, err := t.tx.Exec(ctx, "UPDATE approval_tasks SET due_at = NULL WHERE id = $1", tk.ID); err != nil {
				return fmt.Errorf("approvals: escalate: %w", err)
			}
			return f.emit(ctx, rev.TenantID, "approval.task_overdue", inst.ObjectID, inst.RecordID,
				f.payload(map[string]any{"task_id": tk.ID, "assignee_id": tk.AssigneeID, "queue": tk.Queue, "step": tk.StepName}))
		}
		due := t.now.Add(step.Timeout)
		if err := f.reassignTask(ctx, tk.ID, manager, &due); err != nil {
			return err
		}
		if err := f.scheduleTimeout(ctx, tk.ID, due); err != nil {
			return err
		}
		if err := f.history(ctx, rev.TenantID, inst.ID, &i, tk.StepName, HistoryEscalated, "", tk.AssigneeID, "overdue; reassigned to the manager"); err != nil {
			return err
		}
		return f.emit(ctx, rev.TenantID, "approval.task_assigned", inst.ObjectID, inst.RecordID,
			f.payload(map[string]any{"task_id": tk.ID, "assignee_id": manager, "step": tk.StepName, "escalated": true}))
	})
}
