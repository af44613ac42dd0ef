package approvals

import (
	"context"
	"errors"

	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

// Decisions on a task.
const (
	Approve = "approve"
	Reject  = "reject"
)

// DecideInput is a decision on a task.
type DecideInput struct {
	Comment string `json:"comment"`
}

// Decide approves or rejects a pending task (decision is Approve or
// Reject). Its assignee, a member of its queue, or an administrator on the
// assignee's behalf may. The step is then decided by its mode, and the
// instance moves on: to the next step whose criteria hold, back to the
// previous step, or to its end. Under the instance's lock, a task that
// another decision already settled is refused with CodeTaskDecided.
func (s *Service) Decide(ctx context.Context, rev *compiled.Revision, actor records.Actor, taskID, decision string, in DecideInput) (*Task, error) {
	if decision != Approve && decision != Reject {
		return nil, errorf(Invalid, "invalid_decision", "a decision is %q or %q", Approve, Reject)
	}
	if err := checkComment(in.Comment); err != nil {
		return nil, err
	}
	var out *Task
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		f, tk, err := s.lockTask(ctx, t, rev, actor, taskID)
		if err != nil {
			return err
		}
		status, action := approval.TaskApproved, HistoryApproved
		if decision == Reject {
			status, action = approval.TaskRejected, HistoryRejected
		}
		if err := f.decideTask(ctx, tk.ID, status, actor.ID, in.Comment); err != nil {
			return err
		}
		original := ""
		if tk.AssigneeID != "" && tk.AssigneeID != actor.ID {
			original = tk.AssigneeID
		}
		step := tk.Step
		if err := f.history(ctx, rev.TenantID, f.inst.ID, &step, tk.StepName, action, actor.ID, original, in.Comment); err != nil {
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
		meta := f.proc.Steps[run.Step].Meta
		a, r, n := tally(tasks)
		if outcome := approval.Decide(meta.EffectiveMode(), meta.Required, a, r, n); outcome != approval.Undecided {
			if err := f.decided(ctx, run, outcome, in.Comment); err != nil {
				return err
			}
		}
		out, err = task(ctx, t.tx, rev.TenantID, tk.ID)
		if err == nil {
			out.Object, out.Process = f.obj.Meta.Name, f.inst.Process
		}
		return err
	})
	return out, err
}

// BatchInput decides several tasks alike.
type BatchInput struct {
	Decision string   `json:"decision"`
	TaskIDs  []string `json:"task_ids"`
	Comment  string   `json:"comment"`
}

// MaxBatch bounds the tasks of one batch decision.
const MaxBatch = 200

// BatchResult is the outcome of one task of a batch.
type BatchResult struct {
	TaskID string `json:"task_id"`
	// Status is the task's status after the decision, empty on error.
	Status string `json:"status,omitempty"`
	Error  *Error `json:"error,omitempty"`
}

// Batch decides each task on its own (one transaction each, as Decide):
// one refused task does not stop the others. Errors other than approval
// errors (the store failing) stop the batch.
func (s *Service) Batch(ctx context.Context, rev *compiled.Revision, actor records.Actor, in BatchInput) ([]BatchResult, error) {
	if in.Decision != Approve && in.Decision != Reject {
		return nil, errorf(Invalid, "invalid_decision", "a decision is %q or %q", Approve, Reject)
	}
	if len(in.TaskIDs) == 0 || len(in.TaskIDs) > MaxBatch {
		return nil, errorf(Invalid, "invalid_batch", "a batch decides 1 to %d tasks", MaxBatch)
	}
	out := make([]BatchResult, 0, len(in.TaskIDs))
	for _, id := range in.TaskIDs {
		tk, err := s.Decide(ctx, rev, actor, id, in.Decision, DecideInput{Comment: in.Comment})
		var ae *Error
		var ve *records.ValidationError
		switch {
		case err == nil:
			out = append(out, BatchResult{TaskID: id, Status: tk.Status})
		case errors.As(err, &ae):
			out = append(out, BatchResult{TaskID: id, Error: ae})
		case errors.As(err, &ve):
			out = append(out, BatchResult{TaskID: id, Error: errorf(Invalid, CodeActionFailed, "%v", ve)})
		default:
			return nil, err
		}
	}
	return out, nil
}
