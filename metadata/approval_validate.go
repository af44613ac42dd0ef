package metadata

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Bounds of approval processes.
const (
	// MaxApprovalSteps bounds the steps of one process.
	MaxApprovalSteps = 20
	// MaxManagerLevels bounds how far up the chain of managers an approver
	// may be.
	MaxManagerLevels = 10
	// MinStepTimeout and MaxStepTimeout bound a step's timeout.
	MinStepTimeout = time.Minute
	MaxStepTimeout = 365 * 24 * time.Hour
)

// ApprovalChecker compiles the expressions of approval processes when the
// metadata is saved. The engine's expression.Checker implements it; Validate
// uses it when the ExpressionChecker it is given does.
type ApprovalChecker interface {
	// CheckCondition compiles a condition (entry or step criteria) over the
	// object's record; it must be a boolean.
	CheckCondition(m *Model, o *Object, src string) error
	// CheckAssignment compiles the expression of a field update over the
	// object's record; its value must fit field f.
	CheckAssignment(m *Model, o *Object, f *Field, src string) error
}

// userFieldColumns are the system columns that hold a user's id.
var userFieldColumns = map[string]bool{"owner_id": true, "created_by": true, "updated_by": true}

var (
	eventPattern = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,79}$`)
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
)

// validateApprovals checks the queues and the approval processes: names,
// objects, steps, approvers, actions, and (with an ApprovalChecker) every
// expression.
func validateApprovals(m *Model, check ExpressionChecker) []Problem {
	var ps []Problem
	seenQueue := map[string]bool{}
	for _, q := range m.Queues {
		path := "queues." + q.Name
		ps = append(ps, checkName(path+".name", "queue", q.Name, MaxRoleNameLength)...)
		if seenQueue[q.Name] {
			ps = append(ps, problemf(path+".name", ProblemDuplicate, "queue %q is defined twice", q.Name))
		}
		seenQueue[q.Name] = true
		if len(q.Roles) == 0 && len(q.Users) == 0 {
			ps = append(ps, problemf(path, ProblemInvalidSetting, "queue %q has no members: give it roles or users", q.Name))
		}
		for j, r := range q.Roles {
			if !m.HasRole(r) {
				ps = append(ps, problemf(fmt.Sprintf("%s.roles.%d", path, j), ProblemUnknownTarget, "queue %q includes %q, which is not a role", q.Name, r))
			}
		}
		for j, u := range q.Users {
			if !emailPattern.MatchString(u) {
				ps = append(ps, problemf(fmt.Sprintf("%s.users.%d", path, j), ProblemInvalidSetting, "queue %q: users are emails, and %q is not one", q.Name, truncateForMessage(u)))
			}
		}
	}
	ac, _ := check.(ApprovalChecker)
	seen := map[string]bool{}
	for _, p := range m.ApprovalProcesses {
		path := "approval_processes." + p.Name
		ps = append(ps, checkName(path+".name", "approval process", p.Name, MaxObjectNameLength)...)
		if seen[p.Name] {
			ps = append(ps, problemf(path+".name", ProblemDuplicate, "approval process %q is defined twice", p.Name))
		}
		seen[p.Name] = true
		o := m.Object(p.Object)
		if o == nil {
			ps = append(ps, problemf(path+".object", ProblemUnknownTarget, "approval process %q approves %q, which is not an object", p.Name, p.Object))
			continue
		}
		ps = append(ps, validateProcess(m, o, p, path, ac)...)
	}
	return ps
}

func validateProcess(m *Model, o *Object, p *ApprovalProcess, path string, ac ApprovalChecker) []Problem {
	var ps []Problem
	condition := func(at, src string) {
		if ac == nil || src == "" {
			return
		}
		if err := ac.CheckCondition(m, o, src); err != nil {
			ps = append(ps, problemf(at, ProblemInvalidExpr, "%s", err.Error()))
		}
	}
	if p.Order < 0 {
		ps = append(ps, problemf(path+".order", ProblemInvalidSetting, "order must not be negative"))
	}
	switch p.Lock {
	case "", LockAdmin, LockAdminAndApprover:
	default:
		ps = append(ps, problemf(path+".lock", ProblemInvalidSetting, "lock must be %q or %q, not %q", LockAdmin, LockAdminAndApprover, truncateForMessage(p.Lock)))
	}
	if p.Submitters != nil {
		for j, r := range p.Submitters.Roles {
			if !m.HasRole(r) {
				ps = append(ps, problemf(fmt.Sprintf("%s.submitters.roles.%d", path, j), ProblemUnknownTarget, "%q is not a role", r))
			}
		}
	}
	condition(path+".entry_criteria", p.EntryCriteria)
	switch {
	case len(p.Steps) == 0:
		ps = append(ps, problemf(path+".steps", ProblemInvalidSetting, "approval process %q needs at least one step", p.Name))
	case len(p.Steps) > MaxApprovalSteps:
		ps = append(ps, problemf(path+".steps", ProblemInvalidSetting, "approval process %q has %d steps; at most %d are allowed", p.Name, len(p.Steps), MaxApprovalSteps))
	}
	seen := map[string]bool{}
	for i, s := range p.Steps {
		spath := path + ".steps." + s.Name
		ps = append(ps, checkName(spath+".name", "step", s.Name, MaxFieldNameLength)...)
		if seen[s.Name] {
			ps = append(ps, problemf(spath+".name", ProblemDuplicate, "step %q is defined twice in approval process %q", s.Name, p.Name))
		}
		seen[s.Name] = true
		condition(spath+".criteria", s.Criteria)
		ps = append(ps, validateStep(m, o, s, i, spath)...)
		ps = append(ps, validateActions(m, o, s.OnApprove, spath+".on_approve", ac)...)
	}
	ps = append(ps, validateActions(m, o, p.OnSubmit, path+".on_submit", ac)...)
	ps = append(ps, validateActions(m, o, p.OnApprove, path+".on_approve", ac)...)
	ps = append(ps, validateActions(m, o, p.OnReject, path+".on_reject", ac)...)
	ps = append(ps, validateActions(m, o, p.OnRecall, path+".on_recall", ac)...)
	return ps
}

func validateStep(m *Model, o *Object, s *ApprovalStep, index int, spath string) []Problem {
	var ps []Problem
	switch s.WhenFalse {
	case "", StepSkip, StepApprove, StepReject:
	default:
		ps = append(ps, problemf(spath+".when_false", ProblemInvalidSetting, "when_false must be %q, %q or %q, not %q", StepSkip, StepApprove, StepReject, truncateForMessage(s.WhenFalse)))
	}
	switch s.Mode {
	case "", ModeFirstResponse, ModeUnanimous:
		if s.Required != 0 {
			ps = append(ps, problemf(spath+".required", ProblemInvalidSetting, "required is for mode %q only", ModeRatio))
		}
	case ModeRatio:
		if s.Required < 1 {
			ps = append(ps, problemf(spath+".required", ProblemInvalidSetting, "mode %q needs required: the number of approvals that approve the step", ModeRatio))
		}
	default:
		ps = append(ps, problemf(spath+".mode", ProblemInvalidSetting, "mode must be %q, %q or %q, not %q", ModeFirstResponse, ModeUnanimous, ModeRatio, truncateForMessage(s.Mode)))
	}
	switch s.OnReject {
	case "", RejectFinal:
	case RejectPrevious:
		if index == 0 {
			ps = append(ps, problemf(spath+".on_reject", ProblemInvalidSetting, "the first step cannot send a rejection back to a previous step"))
		}
	default:
		ps = append(ps, problemf(spath+".on_reject", ProblemInvalidSetting, "on_reject must be %q or %q, not %q", RejectFinal, RejectPrevious, truncateForMessage(s.OnReject)))
	}
	if s.Timeout != "" {
		if _, err := parseTimeout(s.Timeout); err != nil {
			ps = append(ps, problemf(spath+".timeout", ProblemInvalidSetting, "%s", err.Error()))
		}
	}
	switch s.Escalation {
	case "":
	case EscalateReassign, EscalateNotify:
		if s.Timeout == "" {
			ps = append(ps, problemf(spath+".escalation", ProblemInvalidSetting, "escalation happens after a timeout; give the step a timeout"))
		}
	default:
		ps = append(ps, problemf(spath+".escalation", ProblemInvalidSetting, "escalation must be %q or %q, not %q", EscalateReassign, EscalateNotify, truncateForMessage(s.Escalation)))
	}
	if len(s.Approvers) == 0 {
		ps = append(ps, problemf(spath+".approvers", ProblemInvalidSetting, "step %q needs at least one approver", s.Name))
	}
	for j, a := range s.Approvers {
		apath := fmt.Sprintf("%s.approvers.%d", spath, j)
		if a.count() != 1 {
			ps = append(ps, problemf(apath, ProblemInvalidSetting, "an approver is exactly one of user, role, manager, field or queue"))
			continue
		}
		switch a.Kind() {
		case "user":
			if !emailPattern.MatchString(a.User) {
				ps = append(ps, problemf(apath+".user", ProblemInvalidSetting, "user approvers are named by email, and %q is not one", truncateForMessage(a.User)))
			}
		case "role":
			if !m.HasRole(a.Role) {
				ps = append(ps, problemf(apath+".role", ProblemUnknownTarget, "%q is not a role", a.Role))
			}
		case "manager":
			if a.Manager < 1 || a.Manager > MaxManagerLevels {
				ps = append(ps, problemf(apath+".manager", ProblemInvalidSetting, "manager is how many levels up the submitter's chain of managers: 1 to %d", MaxManagerLevels))
			}
		case "field":
			if !userFieldColumns[a.Field] {
				f := o.Field(a.Field)
				switch {
				case f == nil:
					ps = append(ps, problemf(apath+".field", ProblemUnknownField, "%q is not a field of object %q", a.Field, o.Name))
				case f.Type != "text" && f.Type != "email":
					ps = append(ps, problemf(apath+".field", ProblemInvalidSetting, "an approver field holds a user: owner_id, created_by, updated_by, or a text or email field; %q is a %s field", a.Field, f.Type))
				}
			}
		case "queue":
			if m.Queue(a.Queue) == nil {
				ps = append(ps, problemf(apath+".queue", ProblemUnknownTarget, "%q is not a queue", a.Queue))
			}
		}
	}
	return ps
}

// writableByAction reports whether a field update may set a field of that
// type: computed and generated fields are never written.
func writableByAction(f *Field) bool {
	switch f.Type {
	case "formula", "rollup", "auto_number":
		return false
	}
	return true
}

func validateActions(m *Model, o *Object, actions []*ApprovalAction, path string, ac ApprovalChecker) []Problem {
	var ps []Problem
	for i, a := range actions {
		apath := fmt.Sprintf("%s.%d", path, i)
		switch {
		case (a.Update == "") == (a.Event == ""):
			ps = append(ps, problemf(apath, ProblemInvalidSetting, "an action is exactly one of update or event"))
		case a.Event != "":
			if !eventPattern.MatchString(a.Event) {
				ps = append(ps, problemf(apath+".event", ProblemInvalidName, "event name %q must start with a lower-case letter and contain only a-z, 0-9, _ and .", truncateForMessage(a.Event)))
			}
		default:
			name, src, ok := a.Assignment()
			if !ok {
				ps = append(ps, problemf(apath+".update", ProblemInvalidExpr, "a field update is written field := expression, such as status := \"Approved\""))
				continue
			}
			f := o.Field(name)
			switch {
			case f == nil:
				ps = append(ps, problemf(apath+".update", ProblemUnknownField, "%q is not a field of object %q", truncateForMessage(name), o.Name))
			case !writableByAction(f):
				ps = append(ps, problemf(apath+".update", ProblemInvalidSetting, "%q is a %s field, which is computed and cannot be updated", name, f.Type))
			case ac != nil:
				if err := ac.CheckAssignment(m, o, f, src); err != nil {
					ps = append(ps, problemf(apath+".update", ProblemInvalidExpr, "%s", err.Error()))
				}
			}
		}
	}
	return ps
}

// parseTimeout reads a step timeout: a Go duration ("48h", "90m") or a
// number of days ("2d"), within MinStepTimeout and MaxStepTimeout.
func parseTimeout(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, serr := fmt.Sscanf(days, "%d", &n); serr != nil || fmt.Sprint(n) != days {
			return 0, fmt.Errorf("timeout %q is not a duration such as \"48h\" or \"2d\"", truncateForMessage(s))
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("timeout %q is not a duration such as \"48h\" or \"2d\"", truncateForMessage(s))
	}
	if d < MinStepTimeout || d > MaxStepTimeout {
		return 0, fmt.Errorf("timeout %q must be between 1m and 365d", truncateForMessage(s))
	}
	return d, nil
}

// FollowApprovalReferences brings the approval processes of m, the next
// revision, in step with objects and fields renamed since prev (matched by
// stable id): the process's object, approver fields and the fields of field
// updates. Expressions are not rewritten; compiling them reports a name
// that is gone.
func (m *Model) FollowApprovalReferences(prev *Model) {
	if prev == nil {
		return
	}
	for _, p := range m.ApprovalProcesses {
		was := prev.Object(p.Object)
		if was == nil || was.ID == "" {
			continue
		}
		o := m.ObjectByID(was.ID)
		if o == nil {
			continue
		}
		p.Object = o.Name
		rename := func(name string) string {
			if f := was.Field(name); f != nil && f.ID != "" {
				if nf := o.FieldByID(f.ID); nf != nil {
					return nf.Name
				}
			}
			return name
		}
		renameActions := func(as []*ApprovalAction) {
			for _, a := range as {
				if name, src, ok := a.Assignment(); ok {
					if n := rename(name); n != name {
						a.Update = n + " := " + src
					}
				}
			}
		}
		for _, s := range p.Steps {
			for _, a := range s.Approvers {
				if a.Field != "" && !userFieldColumns[a.Field] {
					a.Field = rename(a.Field)
				}
			}
			renameActions(s.OnApprove)
		}
		renameActions(p.OnSubmit)
		renameActions(p.OnApprove)
		renameActions(p.OnReject)
		renameActions(p.OnRecall)
	}
}
