package metadata_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

func two() *int { n := 2; return &n }

func approvalModel() *metadata.Model {
	return &metadata.Model{
		Objects: []*metadata.Object{{ID: "o1", Name: "quote", Fields: []*metadata.Field{
			{ID: "f1", Name: "name", Type: "text"},
			{ID: "f2", Name: "discount", Type: "percent", Settings: metadata.Settings{Precision: 5, Scale: two()}},
			{ID: "f3", Name: "amount", Type: "currency", Settings: metadata.Settings{Precision: 14, Scale: two()}},
			{ID: "f4", Name: "status", Type: "text"},
			{ID: "f5", Name: "reviewer", Type: "email"},
			{ID: "f6", Name: "total", Type: "formula", Settings: metadata.Settings{Expression: "amount", ResultType: "number", Scale: two()}},
		}}},
		Roles:  []*metadata.Role{{Name: "director"}, {Name: "finance"}},
		Queues: []*metadata.Queue{{Name: "finance_desk", Roles: []string{"finance"}, Users: []string{"cfo@example.com"}}},
		ApprovalProcesses: []*metadata.ApprovalProcess{{
			Name: "discount", Object: "quote", EntryCriteria: "discount > 0",
			Steps: []*metadata.ApprovalStep{
				{Name: "manager", Approvers: []*metadata.Approver{{Manager: 1}}, Timeout: "48h"},
				{Name: "director", Criteria: "discount > 20", Approvers: []*metadata.Approver{{Role: "director"}}, OnReject: metadata.RejectPrevious},
				{Name: "finance", Criteria: "amount > 100000", Approvers: []*metadata.Approver{{Queue: "finance_desk"}, {Field: "reviewer"}, {User: "cfo@example.com"}}, Mode: metadata.ModeRatio, Required: 2},
			},
			OnSubmit:  []*metadata.ApprovalAction{{Update: `status := "In Review"`}, {Event: "quote.submitted"}},
			OnApprove: []*metadata.ApprovalAction{{Update: `status := "Approved"`}},
		}},
	}
}

func TestValidateApprovalProcesses(t *testing.T) {
	check := expression.Checker{}
	require.Empty(t, metadata.Validate(approvalModel(), check))

	tests := []struct {
		name   string
		change func(m *metadata.Model)
		path   string
		code   string
	}{
		{"unknown object", func(m *metadata.Model) { m.ApprovalProcesses[0].Object = "nope" }, "approval_processes.discount.object", metadata.ProblemUnknownTarget},
		{"duplicate process", func(m *metadata.Model) {
			m.ApprovalProcesses = append(m.ApprovalProcesses, m.ApprovalProcesses[0].Clone())
		}, "approval_processes.discount.name", metadata.ProblemDuplicate},
		{"entry criteria not boolean", func(m *metadata.Model) { m.ApprovalProcesses[0].EntryCriteria = "discount + 1" }, "approval_processes.discount.entry_criteria", metadata.ProblemInvalidExpr},
		{"entry criteria unknown field", func(m *metadata.Model) { m.ApprovalProcesses[0].EntryCriteria = "nope > 1" }, "approval_processes.discount.entry_criteria", metadata.ProblemInvalidExpr},
		{"step criteria", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[1].Criteria = `discount > "x"` }, "approval_processes.discount.steps.director.criteria", metadata.ProblemInvalidExpr},
		{"no steps", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps = nil }, "approval_processes.discount.steps", metadata.ProblemInvalidSetting},
		{"duplicate step", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[1].Name = "manager" }, "approval_processes.discount.steps.manager.name", metadata.ProblemDuplicate},
		{"previous on first step", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[0].OnReject = metadata.RejectPrevious }, "approval_processes.discount.steps.manager.on_reject", metadata.ProblemInvalidSetting},
		{"ratio without required", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[2].Required = 0 }, "approval_processes.discount.steps.finance.required", metadata.ProblemInvalidSetting},
		{"required without ratio", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[0].Required = 2 }, "approval_processes.discount.steps.manager.required", metadata.ProblemInvalidSetting},
		{"bad timeout", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[0].Timeout = "soon" }, "approval_processes.discount.steps.manager.timeout", metadata.ProblemInvalidSetting},
		{"timeout too short", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[0].Timeout = "5s" }, "approval_processes.discount.steps.manager.timeout", metadata.ProblemInvalidSetting},
		{"escalation without timeout", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[1].Escalation = metadata.EscalateNotify }, "approval_processes.discount.steps.director.escalation", metadata.ProblemInvalidSetting},
		{"unknown role", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[1].Approvers[0].Role = "ceo" }, "approval_processes.discount.steps.director.approvers.0.role", metadata.ProblemUnknownTarget},
		{"two kinds in one approver", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[1].Approvers[0].Manager = 2 }, "approval_processes.discount.steps.director.approvers.0", metadata.ProblemInvalidSetting},
		{"manager too far", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[0].Approvers[0].Manager = 11 }, "approval_processes.discount.steps.manager.approvers.0.manager", metadata.ProblemInvalidSetting},
		{"unknown queue", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[2].Approvers[0].Queue = "nope" }, "approval_processes.discount.steps.finance.approvers.0.queue", metadata.ProblemUnknownTarget},
		{"approver field not a user", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[2].Approvers[1].Field = "amount" }, "approval_processes.discount.steps.finance.approvers.1.field", metadata.ProblemInvalidSetting},
		{"approver user not an email", func(m *metadata.Model) { m.ApprovalProcesses[0].Steps[2].Approvers[2].User = "bob" }, "approval_processes.discount.steps.finance.approvers.2.user", metadata.ProblemInvalidSetting},
		{"update without :=", func(m *metadata.Model) { m.ApprovalProcesses[0].OnSubmit[0].Update = `status = "x"` }, "approval_processes.discount.on_submit.0.update", metadata.ProblemInvalidExpr},
		{"update of unknown field", func(m *metadata.Model) { m.ApprovalProcesses[0].OnSubmit[0].Update = `stage := "x"` }, "approval_processes.discount.on_submit.0.update", metadata.ProblemUnknownField},
		{"update of a formula", func(m *metadata.Model) { m.ApprovalProcesses[0].OnApprove[0].Update = `total := 1` }, "approval_processes.discount.on_approve.0.update", metadata.ProblemInvalidSetting},
		{"update of the wrong type", func(m *metadata.Model) { m.ApprovalProcesses[0].OnApprove[0].Update = `status := 5` }, "approval_processes.discount.on_approve.0.update", metadata.ProblemInvalidExpr},
		{"bad event name", func(m *metadata.Model) { m.ApprovalProcesses[0].OnSubmit[1].Event = "Quote Submitted" }, "approval_processes.discount.on_submit.1.event", metadata.ProblemInvalidName},
		{"lock", func(m *metadata.Model) { m.ApprovalProcesses[0].Lock = "nobody" }, "approval_processes.discount.lock", metadata.ProblemInvalidSetting},
		{"submitter role", func(m *metadata.Model) {
			m.ApprovalProcesses[0].Submitters = &metadata.Submitters{Roles: []string{"ghost"}}
		}, "approval_processes.discount.submitters.roles.0", metadata.ProblemUnknownTarget},
		{"empty queue", func(m *metadata.Model) { m.Queues[0].Roles, m.Queues[0].Users = nil, nil }, "queues.finance_desk", metadata.ProblemInvalidSetting},
		{"queue role", func(m *metadata.Model) { m.Queues[0].Roles = []string{"ghost"} }, "queues.finance_desk.roles.0", metadata.ProblemUnknownTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := approvalModel()
			tt.change(m)
			ps := metadata.Validate(m, check)
			got := map[string]string{}
			for _, p := range ps {
				got[p.Path] = p.Code
			}
			assert.Equal(t, tt.code, got[tt.path], "problems: %v", ps)
		})
	}
}

func TestDecodeApprovalProcess(t *testing.T) {
	p, err := metadata.DecodeApprovalProcess([]byte(`
name: discount
object: quote
entry_criteria: discount > 0
steps:
  - name: manager
    approvers: [{manager: 1}]
    timeout: 48h
  - name: finance
    approvers: [{queue: finance_desk}]
on_approve:
  - update: status := "Approved"
  - event: quote.approved
`))
	require.NoError(t, err)
	assert.Equal(t, 1, p.Steps[0].Approvers[0].Manager)
	field, src, ok := p.OnApprove[0].Assignment()
	assert.True(t, ok)
	assert.Equal(t, "status", field)
	assert.Equal(t, `"Approved"`, src)

	_, err = metadata.DecodeApprovalProcess([]byte(`{"name": "x", "object": "quote", "steps": [{"name": "a", "approvers": [{"user": "a@b.c", "role": "finance"}]}]}`))
	require.Error(t, err, "an approver with two kinds is refused by the schema")
	_, err = metadata.DecodeApprovalProcess([]byte(`{"name": "x", "object": "quote", "steps": [], "surprise": 1}`))
	require.Error(t, err)
}

func TestFollowApprovalReferences(t *testing.T) {
	prev := approvalModel()
	next := prev.Clone()
	next.Objects[0].Name = "offer"
	next.Objects[0].Fields[3].Name = "state"   // status
	next.Objects[0].Fields[4].Name = "checker" // reviewer
	next.FollowApprovalReferences(prev)
	p := next.ApprovalProcesses[0]
	assert.Equal(t, "offer", p.Object)
	assert.Equal(t, `state := "In Review"`, p.OnSubmit[0].Update)
	assert.Equal(t, "checker", p.Steps[2].Approvers[1].Field)
	assert.Equal(t, "discount", prev.ApprovalProcesses[0].Name, "prev untouched")
	assert.Equal(t, `status := "In Review"`, prev.ApprovalProcesses[0].OnSubmit[0].Update)
}
