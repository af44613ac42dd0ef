package approval_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		mode                                 string
		required, approvals, rejections, all int
		want                                 approval.Outcome
	}{
		{metadata.ModeFirstResponse, 0, 0, 0, 3, approval.Undecided},
		{metadata.ModeFirstResponse, 0, 1, 0, 3, approval.Approved},
		{metadata.ModeFirstResponse, 0, 0, 1, 3, approval.Rejected},
		{"", 0, 1, 0, 1, approval.Approved},
		{metadata.ModeUnanimous, 0, 2, 0, 3, approval.Undecided},
		{metadata.ModeUnanimous, 0, 3, 0, 3, approval.Approved},
		{metadata.ModeUnanimous, 0, 2, 1, 3, approval.Rejected},
		{metadata.ModeRatio, 2, 1, 0, 3, approval.Undecided},
		{metadata.ModeRatio, 2, 2, 0, 3, approval.Approved},
		{metadata.ModeRatio, 2, 1, 1, 3, approval.Undecided},
		{metadata.ModeRatio, 2, 0, 2, 3, approval.Rejected},
		{metadata.ModeRatio, 3, 1, 0, 1, approval.Approved}, // fewer tasks than required: all of them
		{metadata.ModeRatio, 3, 0, 1, 1, approval.Rejected},
	}
	for _, tt := range tests {
		got := approval.Decide(tt.mode, tt.required, tt.approvals, tt.rejections, tt.all)
		assert.Equal(t, tt.want, got, "%s %d of %d: %d approved, %d rejected", tt.mode, tt.required, tt.all, tt.approvals, tt.rejections)
	}
}

func TestNext(t *testing.T) {
	m := &metadata.Model{Objects: []*metadata.Object{{Name: "quote", Fields: []*metadata.Field{{Name: "discount", Type: "number"}}}}}
	p := &metadata.ApprovalProcess{Name: "p", Object: "quote", Steps: []*metadata.ApprovalStep{
		{Name: "a"},
		{Name: "b", Criteria: "discount > 20"},
		{Name: "c", Criteria: "discount > 50", WhenFalse: metadata.StepApprove},
		{Name: "d"},
	}}
	cp, err := approval.Compile(m, p)
	require.NoError(t, err)
	eval := func(discount int) approval.Condition {
		return func(prog *expression.Program) (bool, error) {
			vars := expression.NewVars(time.Now(), expression.User{})
			vars["discount"] = discount
			return prog.RunCondition(vars)
		}
	}
	r, err := cp.Next(0, eval(10))
	require.NoError(t, err)
	assert.Equal(t, approval.Route{Step: 0, DecidedBy: -1}, r)
	r, err = cp.Next(1, eval(10))
	require.NoError(t, err)
	assert.Equal(t, approval.Route{Step: -1, Outcome: approval.StateApproved, Skipped: []int{1}, DecidedBy: 2}, r)
	r, err = cp.Next(1, eval(30))
	require.NoError(t, err)
	assert.Equal(t, 1, r.Step)
	r, err = cp.Next(2, eval(60))
	require.NoError(t, err)
	assert.Equal(t, 2, r.Step)
	r, err = cp.Next(4, eval(60))
	require.NoError(t, err)
	assert.Equal(t, approval.Route{Step: -1, Outcome: approval.StateApproved, DecidedBy: -1}, r)
}
