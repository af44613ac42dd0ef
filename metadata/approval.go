package metadata

import (
	"strings"
	"time"
)

// ApprovalProcess is a multi-step approval of the records of one object:
// who may submit which records, the ordered steps with their approvers,
// and what happens on submit, approval, rejection and recall. When a record
// is submitted, the active processes of its object are tried in Order and
// the first whose EntryCriteria match is used.
type ApprovalProcess struct {
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Object is the API name of the object whose records the process
	// approves.
	Object string `json:"object"`
	Active *bool  `json:"active,omitempty"`
	// Order ranks the processes of one object: the lowest first.
	Order int `json:"order,omitempty"`
	// EntryCriteria is a condition over the record; empty matches every
	// record.
	EntryCriteria string `json:"entry_criteria,omitempty"`
	// Submitters says who may submit a record; nil means its owner.
	Submitters *Submitters `json:"submitters,omitempty"`
	// Lock is who may edit a record while it is pending: LockAdmin (the
	// default) or LockAdminAndApprover.
	Lock string `json:"lock,omitempty"`
	// AllowRecall lets the submitter (and admins) withdraw a pending
	// record; nil means true.
	AllowRecall *bool `json:"allow_recall,omitempty"`
	// Steps run in order; at least one.
	Steps []*ApprovalStep `json:"steps"`
	// Actions run when the record is submitted, finally approved, finally
	// rejected and recalled.
	OnSubmit  []*ApprovalAction `json:"on_submit,omitempty"`
	OnApprove []*ApprovalAction `json:"on_approve,omitempty"`
	OnReject  []*ApprovalAction `json:"on_reject,omitempty"`
	OnRecall  []*ApprovalAction `json:"on_recall,omitempty"`
	// Bundle is the namespace of the app bundle that installed the process.
	Bundle string `json:"bundle,omitempty"`
}

// IsActive reports whether records may be submitted to the process.
func (p *ApprovalProcess) IsActive() bool { return p.Active == nil || *p.Active }

// RecallAllowed reports whether a pending record may be recalled.
func (p *ApprovalProcess) RecallAllowed() bool { return p.AllowRecall == nil || *p.AllowRecall }

// EffectiveLock returns Lock with the empty value read as LockAdmin.
func (p *ApprovalProcess) EffectiveLock() string {
	if p.Lock == "" {
		return LockAdmin
	}
	return p.Lock
}

// Record locks while an approval is pending.
const (
	// LockAdmin: only administrators may edit the record.
	LockAdmin = "admin"
	// LockAdminAndApprover: administrators and the users with a pending
	// task of the current step may edit it.
	LockAdminAndApprover = "admin_and_approver"
)

// Submitters says who may submit a record to a process. Each flag adds
// users; with none set only the owner may.
type Submitters struct {
	// Owner lets the record's owner submit.
	Owner bool `json:"owner,omitempty"`
	// Editors lets every user who may edit the record submit.
	Editors bool `json:"editors,omitempty"`
	// Roles lets the users of these roles submit records they may see.
	Roles []string `json:"roles,omitempty"`
}

// ApprovalStep is one step of a process.
type ApprovalStep struct {
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Criteria is a condition over the record, evaluated when the process
	// reaches the step; empty always applies. When it is false the step
	// does WhenFalse.
	Criteria string `json:"criteria,omitempty"`
	// WhenFalse is StepSkip (the default), StepApprove or StepReject: skip
	// the step, or end the process approving or rejecting the record.
	WhenFalse string `json:"when_false,omitempty"`
	// Approvers are who decide the step; tasks are created for each user
	// they name (one shared task per queue).
	Approvers []*Approver `json:"approvers"`
	// Mode is ModeFirstResponse (the default), ModeUnanimous or
	// ModeRatio.
	Mode string `json:"mode,omitempty"`
	// Required is the number of approvals ModeRatio needs ("2 of 3").
	Required int `json:"required,omitempty"`
	// OnReject is RejectFinal (the default) or RejectPrevious (back to the
	// previous step that ran; not allowed on the first step).
	OnReject string `json:"on_reject,omitempty"`
	// Timeout is how long a task may wait for a decision ("48h"), empty for
	// no limit; then Escalation happens.
	Timeout string `json:"timeout,omitempty"`
	// Escalation is EscalateReassign (the default: the task goes to its
	// assignee's manager) or EscalateNotify (an event is written and the
	// task stays).
	Escalation string `json:"escalation,omitempty"`
	// OnApprove actions run when the step is approved.
	OnApprove []*ApprovalAction `json:"on_approve,omitempty"`
}

// What a step does when its criteria are false.
const (
	StepSkip    = "skip"
	StepApprove = "approve"
	StepReject  = "reject"
)

// How a step is decided.
const (
	// ModeFirstResponse: the first approval or rejection decides.
	ModeFirstResponse = "first_response"
	// ModeUnanimous: every approver must approve; one rejection rejects.
	ModeUnanimous = "unanimous"
	// ModeRatio: Required approvals approve; the step is rejected once
	// that many can no longer be reached.
	ModeRatio = "ratio"
)

// What rejecting a step does.
const (
	RejectFinal    = "final"
	RejectPrevious = "previous"
)

// What a step's timeout does.
const (
	EscalateReassign = "reassign_manager"
	EscalateNotify   = "notify"
)

// EffectiveMode returns Mode with the empty value read as
// ModeFirstResponse.
func (s *ApprovalStep) EffectiveMode() string {
	if s.Mode == "" {
		return ModeFirstResponse
	}
	return s.Mode
}

// EffectiveWhenFalse returns WhenFalse, StepSkip when empty.
func (s *ApprovalStep) EffectiveWhenFalse() string {
	if s.WhenFalse == "" {
		return StepSkip
	}
	return s.WhenFalse
}

// EffectiveOnReject returns OnReject, RejectFinal when empty.
func (s *ApprovalStep) EffectiveOnReject() string {
	if s.OnReject == "" {
		return RejectFinal
	}
	return s.OnReject
}

// EffectiveEscalation returns Escalation, EscalateReassign when empty.
func (s *ApprovalStep) EffectiveEscalation() string {
	if s.Escalation == "" {
		return EscalateReassign
	}
	return s.Escalation
}

// TimeoutDuration returns the step's timeout, 0 for none (or one that does
// not parse, which Validate refuses).
func (s *ApprovalStep) TimeoutDuration() time.Duration {
	d, err := parseTimeout(s.Timeout)
	if err != nil {
		return 0
	}
	return d
}

// Approver names who decides a step; exactly one member is set.
type Approver struct {
	// User is the email of one user.
	User string `json:"user,omitempty"`
	// Role gives a task to every active user of the role.
	Role string `json:"role,omitempty"`
	// Manager is the submitter's manager this many levels up (1 is the
	// submitter's manager).
	Manager int `json:"manager,omitempty"`
	// Field is a field of the record holding a user: owner_id, created_by,
	// updated_by, or a text or email field holding a user's id or email.
	Field string `json:"field,omitempty"`
	// Queue is the name of a queue: one task any of its members may take.
	Queue string `json:"queue,omitempty"`
}

// Kind returns which member of the approver is set: "user", "role",
// "manager", "field" or "queue" ("" for none).
func (a *Approver) Kind() string {
	switch {
	case a.User != "":
		return "user"
	case a.Role != "":
		return "role"
	case a.Manager != 0:
		return "manager"
	case a.Field != "":
		return "field"
	case a.Queue != "":
		return "queue"
	}
	return ""
}

// count returns how many members of the approver are set.
func (a *Approver) count() int {
	n := 0
	for _, set := range []bool{a.User != "", a.Role != "", a.Manager != 0, a.Field != "", a.Queue != ""} {
		if set {
			n++
		}
	}
	return n
}

// ApprovalAction is something done at a point of a process: a field
// update ("status := \"Approved\"") or an event written to the outbox for
// notifications and integrations. Exactly one member is set.
type ApprovalAction struct {
	// Update is "field := expression": the field is set to the value of
	// the expression over the record.
	Update string `json:"update,omitempty"`
	// Event is the name of an event written to the outbox.
	Event string `json:"event,omitempty"`
}

// Assignment splits Update into the field and the expression; ok is false
// when it is not of the form "field := expression".
func (a *ApprovalAction) Assignment() (field, expr string, ok bool) {
	field, expr, ok = strings.Cut(a.Update, ":=")
	field, expr = strings.TrimSpace(field), strings.TrimSpace(expr)
	return field, expr, ok && field != "" && expr != ""
}

// Queue is a named group of users who share approval tasks: a task given
// to a queue may be decided by any member.
type Queue struct {
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Roles: every user of these roles is a member.
	Roles []string `json:"roles,omitempty"`
	// Users are members by email.
	Users []string `json:"users,omitempty"`
	// Bundle is the namespace of the app bundle that installed the queue.
	Bundle string `json:"bundle,omitempty"`
}

// HasMember reports whether a user with that role and email is a member.
func (q *Queue) HasMember(role, email string) bool {
	for _, r := range q.Roles {
		if r == role {
			return true
		}
	}
	for _, u := range q.Users {
		if email != "" && strings.EqualFold(u, email) {
			return true
		}
	}
	return false
}

// ApprovalProcessesOf returns the processes of the object, in the order
// they are tried (Order, then name), active or not.
func (m *Model) ApprovalProcessesOf(object string) []*ApprovalProcess {
	var out []*ApprovalProcess
	for _, p := range m.ApprovalProcesses {
		if p.Object == object {
			out = append(out, p)
		}
	}
	sortProcesses(out)
	return out
}

// ApprovalProcess returns the process with that name, nil if none.
func (m *Model) ApprovalProcess(name string) *ApprovalProcess {
	for _, p := range m.ApprovalProcesses {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Queue returns the queue with that name, nil if none.
func (m *Model) Queue(name string) *Queue {
	for _, q := range m.Queues {
		if q.Name == name {
			return q
		}
	}
	return nil
}

func sortProcesses(ps []*ApprovalProcess) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && (ps[j].Order < ps[j-1].Order || ps[j].Order == ps[j-1].Order && ps[j].Name < ps[j-1].Name); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// Clone returns a deep copy of the process.
func (p *ApprovalProcess) Clone() *ApprovalProcess {
	c := *p
	c.Label, c.Description = p.Label.clone(), p.Description.clone()
	if p.Active != nil {
		v := *p.Active
		c.Active = &v
	}
	if p.AllowRecall != nil {
		v := *p.AllowRecall
		c.AllowRecall = &v
	}
	if p.Submitters != nil {
		s := *p.Submitters
		s.Roles = append([]string(nil), p.Submitters.Roles...)
		c.Submitters = &s
	}
	c.Steps = make([]*ApprovalStep, len(p.Steps))
	for i, s := range p.Steps {
		cs := *s
		cs.Label, cs.Description = s.Label.clone(), s.Description.clone()
		cs.Approvers = make([]*Approver, len(s.Approvers))
		for j, a := range s.Approvers {
			ca := *a
			cs.Approvers[j] = &ca
		}
		cs.OnApprove = cloneActions(s.OnApprove)
		c.Steps[i] = &cs
	}
	c.OnSubmit, c.OnApprove = cloneActions(p.OnSubmit), cloneActions(p.OnApprove)
	c.OnReject, c.OnRecall = cloneActions(p.OnReject), cloneActions(p.OnRecall)
	return &c
}

func cloneActions(as []*ApprovalAction) []*ApprovalAction {
	if as == nil {
		return nil
	}
	out := make([]*ApprovalAction, len(as))
	for i, a := range as {
		ca := *a
		out[i] = &ca
	}
	return out
}

func (q *Queue) clone() *Queue {
	c := *q
	c.Label, c.Description = q.Label.clone(), q.Description.clone()
	c.Roles = append([]string(nil), q.Roles...)
	c.Users = append([]string(nil), q.Users...)
	return &c
}
