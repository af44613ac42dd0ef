// Package approval is the approval state machine: approval processes
// compiled from metadata (criteria and field updates as expression
// programs), which step a record goes to next, and how the decisions of a
// step's tasks decide it. It holds no storage: runtime/approvals keeps
// instances, tasks and history as rows and runs each transition in one
// transaction.
package approval

import (
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// States of an approval instance.
const (
	StatePending  = "pending"
	StateApproved = "approved"
	StateRejected = "rejected"
	StateRecalled = "recalled"
)

// States of a task.
const (
	TaskPending  = "pending"
	TaskApproved = "approved"
	TaskRejected = "rejected"
	// TaskCanceled: the step was decided by others, or the instance was
	// recalled, before this task was.
	TaskCanceled = "canceled"
)

// Process is an approval process compiled for one revision.
type Process struct {
	Meta *metadata.ApprovalProcess
	// Entry is the compiled entry criteria, nil when every record enters.
	Entry *expression.Program
	Steps []*Step
	// The process's actions.
	OnSubmit, OnApprove, OnReject, OnRecall []Action
}

// Step is a compiled step.
type Step struct {
	Meta  *metadata.ApprovalStep
	Index int
	// Criteria is nil when the step always applies.
	Criteria *expression.Program
	// Timeout is 0 for none.
	Timeout   time.Duration
	OnApprove []Action
}

// Action is a compiled action: a field update (Field set to the value of
// Value) or an event.
type Action struct {
	Field string
	Value *expression.Program
	Event string
}

// Compile compiles a process of model m; the model must have passed
// metadata.Validate.
func Compile(m *metadata.Model, p *metadata.ApprovalProcess) (*Process, error) {
	o := m.Object(p.Object)
	if o == nil {
		return nil, fmt.Errorf("approval: process %s: no object %s", p.Name, p.Object)
	}
	env := expression.NewModelEnv(m, o)
	out := &Process{Meta: p}
	var err error
	if p.EntryCriteria != "" {
		if out.Entry, err = expression.CompileCondition(p.EntryCriteria, env); err != nil {
			return nil, fmt.Errorf("approval: entry criteria of %s: %w", p.Name, err)
		}
	}
	for i, s := range p.Steps {
		cs := &Step{Meta: s, Index: i, Timeout: s.TimeoutDuration()}
		if s.Criteria != "" {
			if cs.Criteria, err = expression.CompileCondition(s.Criteria, env); err != nil {
				return nil, fmt.Errorf("approval: criteria of step %s of %s: %w", s.Name, p.Name, err)
			}
		}
		if cs.OnApprove, err = compileActions(env, s.OnApprove); err != nil {
			return nil, fmt.Errorf("approval: step %s of %s: %w", s.Name, p.Name, err)
		}
		out.Steps = append(out.Steps, cs)
	}
	for _, a := range []struct {
		to  *[]Action
		src []*metadata.ApprovalAction
	}{{&out.OnSubmit, p.OnSubmit}, {&out.OnApprove, p.OnApprove}, {&out.OnReject, p.OnReject}, {&out.OnRecall, p.OnRecall}} {
		if *a.to, err = compileActions(env, a.src); err != nil {
			return nil, fmt.Errorf("approval: %s: %w", p.Name, err)
		}
	}
	return out, nil
}

func compileActions(env *expression.Env, as []*metadata.ApprovalAction) ([]Action, error) {
	var out []Action
	for _, a := range as {
		if a.Event != "" {
			out = append(out, Action{Event: a.Event})
			continue
		}
		field, src, ok := a.Assignment()
		if !ok {
			return nil, fmt.Errorf("field update %q is not field := expression", a.Update)
		}
		p, err := expression.Compile(src, env)
		if err != nil {
			return nil, fmt.Errorf("update of %s: %w", field, err)
		}
		out = append(out, Action{Field: field, Value: p})
	}
	return out, nil
}

// Condition evaluates a compiled condition over the record at hand.
type Condition func(p *expression.Program) (bool, error)

// Route is where a process goes from a point: the next step to run, or the
// end with an outcome.
type Route struct {
	// Step is the index of the step to run, -1 when the process ends.
	Step int
	// Outcome is StateApproved or StateRejected when the process ends.
	Outcome string
	// Skipped are the steps passed over because their criteria were false.
	Skipped []int
	// DecidedBy is the step whose false criteria ended the process (with
	// when_false approve or reject), -1 otherwise.
	DecidedBy int
}

// Next finds where the process goes from step from (inclusive): the first
// step whose criteria hold, skipping those whose criteria are false and say
// skip, and ending at one whose false criteria say approve or reject. Past
// the last step the process ends approved.
func (p *Process) Next(from int, eval Condition) (Route, error) {
	r := Route{Step: -1, DecidedBy: -1}
	for i := from; i < len(p.Steps); i++ {
		s := p.Steps[i]
		if s.Criteria == nil {
			r.Step = i
			return r, nil
		}
		ok, err := eval(s.Criteria)
		if err != nil {
			return r, fmt.Errorf("criteria of step %s: %w", s.Meta.Name, err)
		}
		if ok {
			r.Step = i
			return r, nil
		}
		switch s.Meta.EffectiveWhenFalse() {
		case metadata.StepApprove:
			r.Outcome, r.DecidedBy = StateApproved, i
			return r, nil
		case metadata.StepReject:
			r.Outcome, r.DecidedBy = StateRejected, i
			return r, nil
		}
		r.Skipped = append(r.Skipped, i)
	}
	r.Outcome = StateApproved
	return r, nil
}

// Outcome is how a step stands after its tasks' decisions so far.
type Outcome int

// Step outcomes.
const (
	Undecided Outcome = iota
	Approved
	Rejected
)

func (o Outcome) String() string {
	switch o {
	case Approved:
		return "approved"
	case Rejected:
		return "rejected"
	}
	return "undecided"
}

// Decide returns how a step in mode stands with approvals and rejections
// among total tasks:
//   - first response: the first decision decides;
//   - unanimous: one rejection rejects, every task approved approves;
//   - ratio: required approvals approve (all of them when there are fewer
//     tasks than required); the step is rejected once the tasks left
//     undecided can no longer make up the approvals missing.
func Decide(mode string, required, approvals, rejections, total int) Outcome {
	switch mode {
	case metadata.ModeUnanimous:
		switch {
		case rejections > 0:
			return Rejected
		case approvals >= total:
			return Approved
		}
	case metadata.ModeRatio:
		need := min(required, total)
		switch {
		case approvals >= need:
			return Approved
		case total-rejections < need:
			return Rejected
		}
	default:
		switch {
		case approvals > 0:
			return Approved
		case rejections > 0:
			return Rejected
		}
	}
	return Undecided
}
