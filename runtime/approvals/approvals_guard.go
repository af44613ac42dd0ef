package approvals

import (
	"context"

	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// guard is the records edit guard: a record pending approval may be
// changed only by administrators, and, when its process's lock is
// admin_and_approver, by the users with a pending task of its current
// step; nobody deletes it (recall it first). It runs inside the write's
// transaction, after the record's row was locked, so a submit and an edit
// of one record are serialized.
func (s *Service) guard(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor records.Actor, rec records.Record, deleting bool) error {
	if !rev.HasApprovals(obj.Meta.Name) {
		return nil
	}
	id, err := pendingInstanceID(ctx, tx, rev.TenantID, rec.ID())
	if err != nil || id == "" {
		return err
	}
	if deleting {
		return errorf(Conflict, CodeRecordLocked, "the record is pending approval; recall it before deleting it")
	}
	if actor.Role == store.RoleAdmin {
		return nil
	}
	var process string
	if err := tx.QueryRow(ctx, "SELECT process FROM approval_instances WHERE id = $1", id).Scan(&process); err != nil {
		return err
	}
	if p, ok := rev.ApprovalProcess(process); ok && p.Meta.EffectiveLock() == metadata.LockAdminAndApprover {
		tasks, err := queryTasks(ctx, tx, " WHERE t.instance_id = $1 AND t.status = 'pending'", id)
		if err != nil {
			return err
		}
		for _, tk := range tasks {
			if tk.Status == approval.TaskPending && mayAct(rev, actor, tk) {
				return nil
			}
		}
		return errorf(Conflict, CodeRecordLocked, "the record is pending approval; only an administrator or its current approver may change it")
	}
	return errorf(Conflict, CodeRecordLocked, "the record is pending approval; only an administrator may change it")
}
