package expression

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/metadata"
)

// opportunity is the object of the example validation rules.
func opportunity() *metadata.Object {
	return &metadata.Object{Name: "opportunity", Fields: []*metadata.Field{
		{Name: "name", Type: "text"},
		{Name: "stage", Type: "picklist", Settings: metadata.Settings{Values: []metadata.PicklistValue{
			{Value: "Prospecting"}, {Value: "Negotiation"}, {Value: "Closed Won"}, {Value: "Closed Lost"},
		}}},
		{Name: "amount", Type: "currency", Settings: metadata.Settings{Precision: 18, Scale: scale(2)}},
		{Name: "close_date", Type: "date"},
		{Name: "discount", Type: "percent", Settings: metadata.Settings{Precision: 5, Scale: scale(2)}},
		{Name: "discount_reason", Type: "long_text"},
	}}
}

// The validation rules of the issue: the condition is true when the record
// is invalid. Each runs on the record as the write would store it, with the
// stored record before the write on an update.
func TestExampleRules(t *testing.T) {
	const (
		closeDateRequired = `stage == "Closed Won" && ISBLANK(close_date)`
		discountReason    = `discount > 20 && ISBLANK(discount_reason)`
		amountDecrease    = `stage == "Negotiation" && amount < PRIORVALUE(amount)`
	)
	type record = map[string]any
	tests := []struct {
		name    string
		rule    string
		record  record
		prior   record // nil: the write creates the record
		invalid bool
	}{
		{"closed won without a close date", closeDateRequired, record{"stage": "Closed Won"}, nil, true},
		{"closed won with a close date", closeDateRequired, record{"stage": "Closed Won", "close_date": day(2026, 3, 31)}, nil, false},
		{"closed won, close date cleared on update", closeDateRequired, record{"stage": "Closed Won", "close_date": nil}, record{"stage": "Closed Won", "close_date": day(2026, 3, 31)}, true},
		{"negotiation without a close date", closeDateRequired, record{"stage": "Negotiation"}, nil, false},
		{"no stage", closeDateRequired, record{}, nil, false},
		{"stage is case-sensitive", closeDateRequired, record{"stage": "closed won"}, nil, false},

		{"discount above 20 without a reason", discountReason, record{"discount": dec("25")}, nil, true},
		{"discount above 20 with an empty reason", discountReason, record{"discount": dec("20.01"), "discount_reason": ""}, nil, true},
		{"discount above 20 with a reason", discountReason, record{"discount": dec("25"), "discount_reason": "Loyal customer"}, nil, false},
		{"discount of exactly 20", discountReason, record{"discount": dec("20.00")}, nil, false},
		{"no discount", discountReason, record{}, nil, false},
		{"discount raised on update, reason kept", discountReason, record{"discount": dec("30"), "discount_reason": "Loyal"}, record{"discount": dec("10"), "discount_reason": "Loyal"}, false},

		{"amount decreased in negotiation", amountDecrease, record{"stage": "Negotiation", "amount": dec("900")}, record{"stage": "Negotiation", "amount": dec("1000")}, true},
		{"amount decreased by a cent", amountDecrease, record{"stage": "Negotiation", "amount": dec("999.99")}, record{"stage": "Negotiation", "amount": dec("1000")}, true},
		{"amount kept (other scale)", amountDecrease, record{"stage": "Negotiation", "amount": dec("1000.00")}, record{"stage": "Negotiation", "amount": dec("1000")}, false},
		{"amount increased", amountDecrease, record{"stage": "Negotiation", "amount": dec("1100")}, record{"stage": "Negotiation", "amount": dec("1000")}, false},
		{"amount decreased when moving into negotiation", amountDecrease, record{"stage": "Negotiation", "amount": dec("900")}, record{"stage": "Prospecting", "amount": dec("1000")}, true},
		{"amount decreased in another stage", amountDecrease, record{"stage": "Prospecting", "amount": dec("900")}, record{"stage": "Prospecting", "amount": dec("1000")}, false},
		{"created in negotiation: nothing to compare with", amountDecrease, record{"stage": "Negotiation", "amount": dec("900")}, nil, false},
		{"amount set where there was none", amountDecrease, record{"stage": "Negotiation", "amount": dec("900")}, record{"stage": "Negotiation"}, false},
		{"amount cleared: an ordering with nil is false", amountDecrease, record{"stage": "Negotiation", "amount": nil}, record{"stage": "Negotiation", "amount": dec("1000")}, false},
	}
	env := NewEnv(opportunity())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := CompileCondition(tt.rule, env)
			require.NoError(t, err)
			vars := NewVars(testNow, User{ID: "u1"}).WithFields(tt.record)
			if tt.prior == nil {
				vars.ForCreate()
			} else {
				vars.ForUpdate(tt.prior)
			}
			invalid, err := p.RunCondition(vars)
			require.NoError(t, err)
			assert.Equal(t, tt.invalid, invalid)
		})
	}
}

// A stricter version of the amount rule treats clearing the amount as a
// decrease, spelling the blank case out.
func TestRuleWithBlanks(t *testing.T) {
	p, err := CompileCondition(`stage == "Negotiation" && ISCHANGED(amount) && (amount < PRIORVALUE(amount) || ISBLANK(amount))`, NewEnv(opportunity()))
	require.NoError(t, err)
	vars := NewVars(testNow, User{}).WithFields(map[string]any{"stage": "Negotiation", "amount": nil}).
		ForUpdate(map[string]any{"stage": "Negotiation", "amount": dec("1000")})
	invalid, err := p.RunCondition(vars)
	require.NoError(t, err)
	assert.True(t, invalid)

	vars = NewVars(testNow, User{}).WithFields(map[string]any{"stage": "Negotiation"}).ForCreate()
	invalid, err = p.RunCondition(vars)
	require.NoError(t, err)
	assert.False(t, invalid, "on create nothing changed")
}

func TestRulesWithDates(t *testing.T) {
	env := NewEnv(opportunity())
	rule := `stage != "Closed Won" && !ISBLANK(close_date) && DATEDIFF(TODAY(), close_date) > 365`
	p, err := CompileCondition(rule, env)
	require.NoError(t, err)
	for _, c := range []struct {
		close   time.Time
		invalid bool
	}{
		{day(2027, 3, 4), false}, // 365 days after 2026-03-04
		{day(2027, 3, 5), true},
		{day(2025, 1, 1), false},
	} {
		vars := NewVars(testNow, User{}).WithFields(map[string]any{"stage": "Negotiation", "close_date": c.close}).ForCreate()
		invalid, err := p.RunCondition(vars)
		require.NoError(t, err)
		assert.Equal(t, c.invalid, invalid, c.close)
	}
}
