package approvals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/jobs"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

// JobTimeout is the kind of the background job that escalates a task
// whose step timed out.
const JobTimeout = "approval.timeout"

// flow is a transition of one instance: the transaction, the revision, the
// object and process, the instance (locked), and who the submitter is (for
// manager approvers).
type flow struct {
	*txn
	rev   *compiled.Revision
	obj   *compiled.Object
	proc  *approval.Process
	inst  *Instance
	actor records.Actor
}

// record reads the instance's record as the system sees it, locked, with
// the lookup paths expressions read.
func (f *flow) record(ctx context.Context) (records.Record, error) {
	rec, err := f.s.records.ReadInTx(ctx, f.tx, f.rev, f.obj, system(f.actor.ID), f.inst.RecordID, records.ModeRead, true)
	if errors.Is(err, records.ErrNotFound) {
		return nil, errorf(Conflict, CodeActionFailed, "the record of this approval no longer exists")
	}
	return rec, err
}

// eval returns a Condition over rec.
func (f *flow) eval(rec records.Record) approval.Condition {
	vars := records.ExpressionVars(f.obj, rec, f.now, f.actor)
	return func(p *expression.Program) (bool, error) { return p.RunCondition(vars) }
}

// runActions runs actions on the record: field updates in one write (as
// the acting user, with system access), events to the outbox.
func (f *flow) runActions(ctx context.Context, what string, actions []approval.Action, extra map[string]any) error {
	if len(actions) == 0 {
		return nil
	}
	rec, err := f.record(ctx)
	if err != nil {
		return err
	}
	vars := records.ExpressionVars(f.obj, rec, f.now, f.actor)
	updates := map[string]any{}
	for _, a := range actions {
		if a.Event != "" {
			continue
		}
		v, err := a.Value.Run(vars)
		if err != nil {
			return errorf(Invalid, CodeActionFailed, "%s: update of %s could not be evaluated: %v", what, a.Field, err)
		}
		updates[a.Field] = jsonValue(v)
	}
	if len(updates) > 0 {
		if _, err := f.s.records.UpdateInTx(ctx, f.tx, f.rev, f.obj, system(f.actor.ID), f.inst.RecordID, updates); err != nil {
			return actionError(what, err)
		}
	}
	for _, a := range actions {
		if a.Event == "" {
			continue
		}
		if err := f.emit(ctx, f.rev.TenantID, a.Event, f.inst.ObjectID, f.inst.RecordID, f.payload(extra)); err != nil {
			return err
		}
	}
	return nil
}

// payload is the body of the instance's outbox events.
func (f *flow) payload(extra map[string]any) map[string]any {
	p := map[string]any{"instance_id": f.inst.ID, "process": f.inst.Process, "object": f.obj.Meta.Name,
		"record_id": f.inst.RecordID, "status": f.inst.Status, "actor_id": f.actor.ID}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// route moves the instance from step from (inclusive) to the next step
// whose criteria hold, or to its end.
func (f *flow) route(ctx context.Context, from int) error {
	rec, err := f.record(ctx)
	if err != nil {
		return err
	}
	r, err := f.proc.Next(from, f.eval(rec))
	if err != nil {
		return errorf(Invalid, CodeActionFailed, "%v", err)
	}
	for _, i := range r.Skipped {
		step := i
		if err := f.history(ctx, f.rev.TenantID, f.inst.ID, &step, f.proc.Steps[i].Meta.Name, HistoryStepSkipped, "", "", "criteria not met"); err != nil {
			return err
		}
	}
	if r.Step >= 0 {
		return f.enterStep(ctx, r.Step, rec)
	}
	comment := ""
	if r.DecidedBy >= 0 {
		comment = fmt.Sprintf("criteria of step %s not met", f.proc.Steps[r.DecidedBy].Meta.Name)
	}
	return f.finish(ctx, r.Outcome, comment)
}

// enterStep starts a run of step i: tasks for its approvers (refused when
// it resolves to none), their timeouts.
func (f *flow) enterStep(ctx context.Context, i int, rec records.Record) error {
	step := f.proc.Steps[i]
	assignees, err := f.resolve(ctx, step, rec)
	if err != nil {
		return err
	}
	if len(assignees) == 0 {
		return errorf(Invalid, CodeNoApprover, "step %s of approval process %s has no approver for this record (no active user matches its approvers)", step.Meta.Name, f.proc.Meta.Name)
	}
	runID, err := f.insertStepRun(ctx, f.rev.TenantID, f.inst.ID, i, step.Meta.Name)
	if err != nil {
		return err
	}
	f.inst.Step, f.inst.StepName = i, step.Meta.Name
	if err := f.updateInstance(ctx, f.inst); err != nil {
		return err
	}
	if err := f.history(ctx, f.rev.TenantID, f.inst.ID, &i, step.Meta.Name, HistoryStepStarted, "", "", ""); err != nil {
		return err
	}
	for _, a := range assignees {
		if err := f.addTask(ctx, runID, step, a); err != nil {
			return err
		}
	}
	return nil
}

// addTask creates a task of the current step run for an assignee (a user
// id or a queue), with its timeout job.
func (f *flow) addTask(ctx context.Context, runID string, step *approval.Step, a assignee) error {
	tk := &Task{ID: newID(), InstanceID: f.inst.ID, StepRunID: runID, ObjectID: f.inst.ObjectID, RecordID: f.inst.RecordID,
		AssigneeID: a.user, Queue: a.queue, OriginalAssigneeID: a.user}
	if step.Timeout > 0 {
		due := f.now.Add(step.Timeout)
		tk.DueAt = &due
	}
	if err := f.insertTask(ctx, f.rev.TenantID, tk); err != nil {
		return err
	}
	if tk.DueAt != nil {
		if err := f.scheduleTimeout(ctx, tk.ID, *tk.DueAt); err != nil {
			return err
		}
	}
	return f.emit(ctx, f.rev.TenantID, "approval.task_assigned", f.inst.ObjectID, f.inst.RecordID,
		f.payload(map[string]any{"task_id": tk.ID, "assignee_id": a.user, "queue": a.queue, "step": step.Meta.Name}))
}

// timeoutArgs are the arguments of a JobTimeout job.
type timeoutArgs struct {
	TaskID string `json:"task_id"`
}

func (f *flow) scheduleTimeout(ctx context.Context, taskID string, due time.Time) error {
	args, _ := jsonMarshal(timeoutArgs{TaskID: taskID})
	if _, err := jobs.Enqueue(ctx, f.tx, jobs.Job{TenantID: f.rev.TenantID, Kind: JobTimeout, Key: taskID, Args: args, RunAt: due}); err != nil {
		return fmt.Errorf("approvals: schedule timeout: %w", err)
	}
	f.enqueued = true
	return nil
}

// finish ends the instance with outcome (approved or rejected): pending
// tasks are canceled and the process's final actions run.
func (f *flow) finish(ctx context.Context, outcome, comment string) error {
	if err := f.end(ctx, outcome); err != nil {
		return err
	}
	action, actions, event := HistoryFinalApproved, f.proc.OnApprove, "approval.approved"
	if outcome == approval.StateRejected {
		action, actions, event = HistoryFinalRejected, f.proc.OnReject, "approval.rejected"
	}
	if err := f.history(ctx, f.rev.TenantID, f.inst.ID, nil, "", action, "", "", comment); err != nil {
		return err
	}
	if err := f.runActions(ctx, "final "+outcome+" actions", actions, nil); err != nil {
		return err
	}
	return f.emit(ctx, f.rev.TenantID, event, f.inst.ObjectID, f.inst.RecordID, f.payload(nil))
}

// end ends the instance with status: its pending tasks and step run are
// canceled.
func (f *flow) end(ctx context.Context, status string) error {
	if err := f.cancelTasks(ctx, f.inst.ID); err != nil {
		return err
	}
	if _, err := f.tx.Exec(ctx, "UPDATE approval_step_runs SET status = 'canceled', ended_at = $1 WHERE instance_id = $2 AND status = 'pending'", f.now, f.inst.ID); err != nil {
		return fmt.Errorf("approvals: end instance: %w", err)
	}
	now := f.now
	f.inst.Status, f.inst.Step, f.inst.StepName, f.inst.CompletedAt = status, -1, "", &now
	return f.updateInstance(ctx, f.inst)
}

// decided moves the instance on after its current step run was decided.
func (f *flow) decided(ctx context.Context, run *stepRun, outcome approval.Outcome, comment string) error {
	step := f.proc.Steps[run.Step]
	i := run.Step
	action := HistoryStepApproved
	if outcome == approval.Rejected {
		action = HistoryStepRejected
	}
	if err := f.cancelRun(ctx, run.ID); err != nil {
		return err
	}
	if err := f.endStepRun(ctx, run.ID, outcome.String()); err != nil {
		return err
	}
	if err := f.history(ctx, f.rev.TenantID, f.inst.ID, &i, step.Meta.Name, action, "", "", ""); err != nil {
		return err
	}
	if outcome == approval.Approved {
		if err := f.runActions(ctx, "actions of step "+step.Meta.Name, step.OnApprove, map[string]any{"step": step.Meta.Name}); err != nil {
			return err
		}
		return f.route(ctx, i+1)
	}
	if step.Meta.EffectiveOnReject() == metadata.RejectPrevious {
		prev, err := f.previousApprovedStep(ctx, f.inst.ID, i)
		if err != nil {
			return err
		}
		if prev >= 0 {
			rec, err := f.record(ctx)
			if err != nil {
				return err
			}
			if err := f.history(ctx, f.rev.TenantID, f.inst.ID, &prev, f.proc.Steps[prev].Meta.Name, HistorySentBack, "", "", comment); err != nil {
				return err
			}
			return f.enterStep(ctx, prev, rec)
		}
	}
	return f.finish(ctx, approval.StateRejected, comment)
}

// cancelRun cancels the pending tasks of a step run that was decided.
func (f *flow) cancelRun(ctx context.Context, runID string) error {
	if _, err := f.tx.Exec(ctx, "UPDATE approval_tasks SET status = 'canceled', acted_at = $1 WHERE step_run_id = $2 AND status = 'pending'", f.now, runID); err != nil {
		return fmt.Errorf("approvals: cancel tasks: %w", err)
	}
	return nil
}

// tally counts the decisions of a step run's tasks (canceled ones aside).
func tally(tasks []*Task) (approvals, rejections, total int) {
	for _, t := range tasks {
		switch t.Status {
		case approval.TaskApproved:
			approvals++
			total++
		case approval.TaskRejected:
			rejections++
			total++
		case approval.TaskPending:
			total++
		}
	}
	return approvals, rejections, total
}
