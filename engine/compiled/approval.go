package compiled

import (
	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/metadata"
)

// compileApprovals compiles every approval process of the model.
func (r *Revision) compileApprovals() error {
	r.approvals = map[string][]*approval.Process{}
	r.approvalsByName = map[string]*approval.Process{}
	for _, o := range r.Model.Objects {
		for _, p := range r.Model.ApprovalProcessesOf(o.Name) {
			cp, err := approval.Compile(r.Model, p)
			if err != nil {
				return err
			}
			r.approvals[o.Name] = append(r.approvals[o.Name], cp)
			r.approvalsByName[p.Name] = cp
		}
	}
	return nil
}

// ApprovalProcesses returns the compiled approval processes of the object,
// active or not, in the order they are tried.
func (r *Revision) ApprovalProcesses(object string) []*approval.Process {
	return r.approvals[object]
}

// ApprovalProcess returns the compiled process with that name.
func (r *Revision) ApprovalProcess(name string) (*approval.Process, bool) {
	p, ok := r.approvalsByName[name]
	return p, ok
}

// HasApprovals reports whether the object has approval processes, active
// or not (records of an inactive process may still be pending).
func (r *Revision) HasApprovals(object string) bool { return len(r.approvals[object]) > 0 }

// ApproversEdit reports whether a process of the object lets the current
// approvers edit its pending records (lock admin_and_approver): their
// pending tasks then give them edit access to those records.
func (r *Revision) ApproversEdit(object string) bool {
	for _, p := range r.approvals[object] {
		if p.Meta.EffectiveLock() == metadata.LockAdminAndApprover {
			return true
		}
	}
	return false
}
