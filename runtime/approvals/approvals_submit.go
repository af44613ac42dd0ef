package approvals

import (
	"context"
	"errors"

	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// MaxComment bounds a comment, in bytes.
const MaxComment = 4000

// SubmitInput is a submission.
type SubmitInput struct {
	Comment string `json:"comment"`
	// Process names the process to use; empty for the first active one
	// whose entry criteria match.
	Process string `json:"process"`
}

func checkComment(c string) error {
	if len(c) > MaxComment {
		return errorf(Invalid, "comment_too_long", "a comment may be at most %d bytes", MaxComment)
	}
	return nil
}

// Submit submits a record for approval: the first active process of its
// object whose entry criteria match (or the one named), if actor may submit
// to it; the submit actions run, then the first step whose criteria hold
// gets its tasks (or the process ends at once). Nothing changes when it is
// refused.
func (s *Service) Submit(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor records.Actor, recordID string, in SubmitInput) (*Instance, error) {
	if err := checkComment(in.Comment); err != nil {
		return nil, err
	}
	var out *Instance
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		rec, err := s.records.ReadInTx(ctx, t.tx, rev, obj, actor, recordID, records.ModeRead, true)
		if err != nil {
			return err
		}
		pending, err := pendingInstanceID(ctx, t.tx, rev.TenantID, rec.ID())
		if err != nil {
			return err
		}
		if pending != "" {
			return errorf(Conflict, CodeAlreadyPending, "the record is already pending approval")
		}
		proc, err := s.choose(rev, obj, rec, t, actor, in.Process)
		if err != nil {
			return err
		}
		if err := s.maySubmit(ctx, t, rev, obj, actor, proc, rec); err != nil {
			return err
		}
		inst := &Instance{ID: newID(), Process: proc.Meta.Name, Object: obj.Meta.Name, ObjectID: obj.Meta.ID, RecordID: rec.ID(),
			Status: approval.StatePending, Step: -1, SubmittedBy: actor.ID, SubmittedAt: t.now, Comment: in.Comment}
		if err := t.insertInstance(ctx, rev.TenantID, inst); err != nil {
			return err
		}
		f := &flow{txn: t, rev: rev, obj: obj, proc: proc, inst: inst, actor: actor}
		if err := f.history(ctx, rev.TenantID, inst.ID, nil, "", HistorySubmitted, actor.ID, "", in.Comment); err != nil {
			return err
		}
		if err := f.runActions(ctx, "submit actions", proc.OnSubmit, nil); err != nil {
			return err
		}
		if err := f.emit(ctx, rev.TenantID, "approval.submitted", inst.ObjectID, inst.RecordID, f.payload(map[string]any{"comment": in.Comment})); err != nil {
			return err
		}
		if err := f.route(ctx, 0); err != nil {
			return err
		}
		out = inst
		return nil
	})
	return out, err
}

// choose returns the process a record goes to.
func (s *Service) choose(rev *compiled.Revision, obj *compiled.Object, rec records.Record, t *txn, actor records.Actor, name string) (*approval.Process, error) {
	vars := records.ExpressionVars(obj, rec, t.now, actor)
	for _, p := range rev.ApprovalProcesses(obj.Meta.Name) {
		if !p.Meta.IsActive() || (name != "" && p.Meta.Name != name) {
			continue
		}
		if p.Entry != nil {
			ok, err := p.Entry.RunCondition(vars)
			if err != nil {
				return nil, errorf(Invalid, CodeNoProcess, "the entry criteria of approval process %s could not be evaluated: %v", p.Meta.Name, err)
			}
			if !ok {
				continue
			}
		}
		return p, nil
	}
	if name != "" {
		return nil, errorf(Invalid, CodeNoProcess, "approval process %q is not an active process of %s whose entry criteria this record meets", truncate(name), obj.Meta.Name)
	}
	return nil, errorf(Invalid, CodeNoProcess, "no active approval process of %s matches this record", obj.Meta.Name)
}

// maySubmit checks the process's submitters: administrators always; the
// owner unless the process names others; users who may edit the record
// when it says editors; users of its roles.
func (s *Service) maySubmit(ctx context.Context, t *txn, rev *compiled.Revision, obj *compiled.Object, actor records.Actor, proc *approval.Process, rec records.Record) error {
	if isAdmin(actor) {
		return nil
	}
	sub := proc.Meta.Submitters
	if sub == nil {
		sub = &metadata.Submitters{Owner: true}
	}
	owner, _ := rec[compiled.ColOwnerID].(string)
	if sub.Owner && owner == actor.ID {
		return nil
	}
	for _, r := range sub.Roles {
		if r == actor.Role {
			return nil
		}
	}
	if sub.Editors && actor.Access != nil && actor.Access.Edit {
		_, err := s.records.ReadInTx(ctx, t.tx, rev, obj, actor, rec.ID(), records.ModeEdit, false)
		if err == nil {
			return nil
		}
		if !errors.Is(err, records.ErrForbidden) {
			return err
		}
	}
	return errorf(Forbidden, CodeNotSubmitter, "you may not submit this record to approval process %s", proc.Meta.Name)
}

// RecallInput is a recall.
type RecallInput struct {
	Comment string `json:"comment"`
}

// Recall withdraws a record's pending approval: its submitter or an
// administrator may, when the process allows recall. The recall actions
// run.
func (s *Service) Recall(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor records.Actor, recordID string, in RecallInput) (*Instance, error) {
	if err := checkComment(in.Comment); err != nil {
		return nil, err
	}
	var out *Instance
	err := s.inTx(ctx, func(ctx context.Context, t *txn) error {
		rec, err := s.records.ReadInTx(ctx, t.tx, rev, obj, actor, recordID, records.ModeRead, false)
		if err != nil {
			return err
		}
		id, err := pendingInstanceID(ctx, t.tx, rev.TenantID, rec.ID())
		if err != nil {
			return err
		}
		if id == "" {
			return errorf(Conflict, CodeNotPending, "the record is not pending approval")
		}
		f, err := s.openFlow(ctx, t, rev, actor, id)
		if err != nil {
			return err
		}
		// A process deleted since the submission allows recall (without
		// actions), so that its records are not stranded.
		if f.proc != nil && !f.proc.Meta.RecallAllowed() {
			return errorf(Forbidden, CodeRecallNotAllowed, "approval process %s does not allow recall", f.proc.Meta.Name)
		}
		if f.inst.SubmittedBy != actor.ID && !isAdmin(actor) {
			return errorf(Forbidden, CodeRecallNotAllowed, "only the submitter or an administrator may recall")
		}
		if err := f.end(ctx, approval.StateRecalled); err != nil {
			return err
		}
		if err := f.history(ctx, rev.TenantID, f.inst.ID, nil, "", HistoryRecalled, actor.ID, "", in.Comment); err != nil {
			return err
		}
		if f.proc != nil {
			if err := f.runActions(ctx, "recall actions", f.proc.OnRecall, nil); err != nil {
				return err
			}
		}
		if err := f.emit(ctx, rev.TenantID, "approval.recalled", f.inst.ObjectID, f.inst.RecordID, f.payload(nil)); err != nil {
			return err
		}
		out = f.inst
		return nil
	})
	return out, err
}

// Preview is what submitting a record would do, without submitting it.
type Preview struct {
	// Process is the process the record would go to; empty (with Reason)
	// when none matches.
	Process string `json:"process,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// MaySubmit says whether the caller may submit it.
	MaySubmit bool `json:"may_submit"`
	// Pending is true when the record is already pending approval.
	Pending bool          `json:"pending"`
	Steps   []PreviewStep `json:"steps,omitempty"`
	// Outcome is how the process would end on the record as it is, if
	// every step that runs is approved: approved, or rejected by a step
	// whose false criteria reject.
	Outcome string `json:"outcome,omitempty"`
}

// PreviewStep is one step of a preview.
type PreviewStep struct {
	Name string `json:"name"`
	// Status is "runs", "skipped", "approves" or "rejects" (the last two:
	// its criteria are false and end the process), or "not_reached".
	Status    string            `json:"status"`
	Mode      string            `json:"mode,omitempty"`
	Approvers []PreviewApprover `json:"approvers,omitempty"`
	// Problem says why the step could not run (no approver).
	Problem string `json:"problem,omitempty"`
}

// PreviewApprover is a resolved approver.
type PreviewApprover struct {
	UserID string `json:"user_id,omitempty"`
	Email  string `json:"email,omitempty"`
	Name   string `json:"name,omitempty"`
	Queue  string `json:"queue,omitempty"`
}

// Preview shows which process a record would go to, which steps would run
// and who would approve them, judging every step's criteria on the record
// as it is now (field updates of earlier steps are not applied). Nothing
// is written.
func (s *Service) Preview(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor records.Actor, recordID string) (*Preview, error) {
	out := &Preview{}
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		t := &txn{s: s, tx: tx, now: s.clock()}
		rec, err := s.records.ReadInTx(ctx, tx, rev, obj, actor, recordID, records.ModeRead, false)
		if err != nil {
			return err
		}
		pending, err := pendingInstanceID(ctx, tx, rev.TenantID, rec.ID())
		if err != nil {
			return err
		}
		out.Pending = pending != ""
		proc, err := s.choose(rev, obj, rec, t, actor, "")
		if err != nil {
			var ae *Error
			if errors.As(err, &ae) {
				out.Reason = ae.Message
				return nil
			}
			return err
		}
		out.Process = proc.Meta.Name
		out.MaySubmit = s.maySubmit(ctx, t, rev, obj, actor, proc, rec) == nil && !out.Pending
		vars := records.ExpressionVars(obj, rec, t.now, actor)
		ended := false
		for _, step := range proc.Steps {
			ps := PreviewStep{Name: step.Meta.Name, Mode: step.Meta.EffectiveMode()}
			switch {
			case ended:
				ps.Status = "not_reached"
			default:
				holds := true
				if step.Criteria != nil {
					if holds, err = step.Criteria.RunCondition(vars); err != nil {
						ps.Problem = "criteria could not be evaluated: " + err.Error()
						holds = false
					}
				}
				if holds {
					ps.Status = "runs"
					as, err := resolveApprovers(ctx, tx, rev, step, rec, actor.ID)
					if err != nil {
						return err
					}
					if len(as) == 0 {
						ps.Problem = "no active user matches this step's approvers"
					}
					for _, a := range as {
						pa := PreviewApprover{UserID: a.user, Queue: a.queue}
						if a.user != "" {
							if u, err := activeUser(ctx, tx, rev.TenantID, a.user); err == nil {
								pa.Email, pa.Name = u.Email, u.Name
							}
						}
						ps.Approvers = append(ps.Approvers, pa)
					}
					break
				}
				switch step.Meta.EffectiveWhenFalse() {
				case metadata.StepApprove:
					ps.Status, out.Outcome, ended = "approves", approval.StateApproved, true
				case metadata.StepReject:
					ps.Status, out.Outcome, ended = "rejects", approval.StateRejected, true
				default:
					ps.Status = "skipped"
				}
			}
			out.Steps = append(out.Steps, ps)
		}
		if !ended {
			out.Outcome = approval.StateApproved
		}
		return nil
	})
	return out, err
}
