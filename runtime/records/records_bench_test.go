package records

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// validationDoc is the object of the validation benchmark: 30 fields of
// the common types and 10 rules of the kinds implementers write — blanks,
// record changes (PRIORVALUE, ISCHANGED), date arithmetic (DATEDIFF),
// patterns (REGEX) and decimal arithmetic.
const validationDoc = `
name: deal
fields:
  - {name: name, type: text, required: true, settings: {max_length: 120}}
  - {name: account_name, type: text, required: true}
  - {name: description, type: long_text}
  - {name: contact_email, type: email}
  - {name: contact_phone, type: phone}
  - {name: website, type: url}
  - {name: stage, type: picklist, required: true, settings: {values: [{value: Prospecting, default: true}, {value: Qualification}, {value: Negotiation}, {value: Closed Won}, {value: Closed Lost}]}}
  - {name: kind, type: picklist, settings: {values: [{value: New}, {value: Renewal}, {value: Upsell}]}}
  - {name: lead_source, type: picklist, settings: {values: [{value: Web}, {value: Partner}, {value: Event}, {value: Referral}]}}
  - {name: tags, type: multi_picklist, settings: {values: [{value: strategic}, {value: public_sector}, {value: multi_year}, {value: pilot}]}}
  - {name: amount, type: currency, settings: {precision: 14, scale: 2}}
  - {name: list_price, type: currency}
  - {name: cost, type: currency}
  - {name: quantity, type: number, settings: {precision: 10}}
  - {name: discount, type: percent}
  - {name: probability, type: percent}
  - {name: close_date, type: date}
  - {name: start_date, type: date}
  - {name: end_date, type: date}
  - {name: next_step, type: text}
  - {name: next_step_date, type: date, default: $today}
  - {name: last_contact, type: datetime}
  - {name: approved, type: boolean, default: "false"}
  - {name: approved_by, type: text}
  - {name: postal_code, type: text}
  - {name: country, type: text, default: '"US"'}
  - {name: ref, type: external_id}
  - {name: region, type: picklist, settings: {values: [{value: AMER}, {value: EMEA}, {value: APAC}]}}
  - {name: competitor, type: text}
  - {name: notes, type: long_text}
rules:
  - name: close_date_when_won
    condition: stage == "Closed Won" && ISBLANK(close_date)
    message: Close date is required when the stage is Closed Won
    field: close_date
  - name: discount_needs_approval
    condition: discount > 20 && !approved
    message: A discount above 20% needs approval
    field: discount
  - name: approver_when_approved
    condition: approved && ISBLANK(approved_by)
    message: Say who approved
    field: approved_by
  - name: amount_may_not_decrease
    condition: stage == "Negotiation" && amount < PRIORVALUE(amount)
    message: The amount may not decrease once the stage is Negotiation
    field: amount
  - name: next_step_when_stage_changes
    condition: ISCHANGED(stage) && ISBLANK(next_step)
    message: A new stage needs a next step
    field: next_step
  - name: end_after_start
    condition: DATEDIFF(start_date, end_date) < 0
    message: The end date must not be before the start date
    field: end_date
  - name: close_within_a_year
    condition: DATEDIFF(TODAY(), close_date) > 365
    message: Close within a year
    field: close_date
  - name: postal_code_format
    condition: country == "US" && !REGEX(postal_code, "[0-9]{5}(-[0-9]{4})?")
    message: A US postal code is 5 digits, or 5+4
    field: postal_code
  - name: amount_within_list_price
    condition: "!ISBLANK(quantity) && !ISBLANK(list_price) && amount > ROUND(quantity * list_price * (100 - (discount ?? 0)) / 100, 2)"
    message: The amount exceeds the discounted list price
    field: amount
  - name: margin_warning
    condition: "!ISBLANK(cost) && amount - cost < amount * 0.1"
    message: Margin below 10%
    severity: warning
`

// validationFixture compiles the benchmark's object as a tenant's revision
// would hold it.
func validationFixture(tb testing.TB) (*compiled.Revision, *compiled.Object) {
	tb.Helper()
	o, err := metadata.DecodeObject([]byte(validationDoc))
	require.NoError(tb, err)
	m := &metadata.Model{Objects: []*metadata.Object{o}}
	require.Empty(tb, metadata.Validate(m, expression.Checker{}))
	rev, err := compiled.Compile(dialect.Postgres{}, "tenant-1", "t_bench", 1, m)
	require.NoError(tb, err)
	obj, ok := rev.Object("deal")
	require.True(tb, ok)
	require.Len(tb, obj.FieldColumns(), 30)
	require.Len(tb, obj.Rules, 10)
	return rev, obj
}

// validationInput is a create's body as the API decodes it (strings,
// json.Number, booleans, lists): 26 of the 30 fields, the others left to
// their defaults or blank.
func validationInput(now time.Time) map[string]any {
	day := func(d int) string { return now.AddDate(0, 0, d).Format(metadata.DateLayout) }
	return map[string]any{
		"name": "Acme — 500 seats", "account_name": "Acme Corporation",
		"description":   "Renewal of the enterprise plan for the whole sales organization, with the analytics add-on and premium support.",
		"contact_email": "jane.doe@acme.example", "contact_phone": "+1 415 555 0100", "website": "https://acme.example/",
		"stage": "Qualification", "kind": "Renewal", "lead_source": "Partner", "tags": []any{"strategic", "multi_year"},
		"amount": json.Number("118750.00"), "list_price": json.Number("250.00"), "cost": json.Number("42000"),
		"quantity": json.Number("500"), "discount": json.Number("5"), "probability": json.Number("40"),
		"close_date": day(45), "start_date": day(60), "end_date": day(425),
		"next_step": "Send the order form", "last_contact": now.Add(-26 * time.Hour).Format(time.RFC3339),
		"approved": false, "postal_code": "94107-1234", "country": "US", "ref": "ACME-2026-0042", "region": "AMER",
	}
}

// BenchmarkValidation runs the in-memory write pipeline — normalize the
// decoded input, fill defaults, check required fields, then picklists and
// the 10 validation rules — for a record of 30 fields, without a database,
// and reports records per second. Run it on one core:
//
//	go test ./runtime/records -run '^$' -bench Validation -cpu 1
//
// create is a new record (no prior: PRIORVALUE is nil, ISCHANGED false);
// update changes the stage, quantity, amount and next step of a stored
// record, so that the record-change functions compare with a prior record.
func BenchmarkValidation(b *testing.B) {
	rev, obj := validationFixture(b)
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	actor := Actor{ID: "0190f3c2-7b1e-7c3a-9d4e-2f1a0b9c8d7e", Languages: []string{"en"}}
	input := validationInput(now)

	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			values, err := prepareCreate(obj, input, now, actor, 0)
			if err == nil {
				err = checkRecord(rev, obj, values, nil, now, actor, 0)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})

	prior, err := prepareCreate(obj, input, now, actor, 0)
	require.NoError(b, err)
	prior[compiled.ColID] = "0190f3c2-7b1e-7c3a-9d4e-2f1a0b9c8d7f"
	prior[compiled.ColVersion] = int64(3)
	change := map[string]any{"stage": "Negotiation", "quantity": json.Number("520"), "amount": json.Number("121000.00"), "next_step": "Legal review"}
	b.Run("update", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			values, errs := normalize(obj, nil, change, 0)
			if len(errs) > 0 {
				b.Fatal(errs)
			}
			rec := make(Record, len(prior)+len(values))
			for k, v := range prior {
				rec[k] = v
			}
			for k, v := range values {
				rec[k] = v
			}
			if errs := checkRequired(obj, rec, 0); len(errs) > 0 {
				b.Fatal(errs)
			}
			if err := checkRecord(rev, obj, rec, prior, now, actor, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// TestValidationFixtureIsValid: the benchmark's record passes every rule on
// create and update, and each rule can break (so that the benchmark
// measures rules that really run).
func TestValidationFixtureIsValid(t *testing.T) {
	rev, obj := validationFixture(t)
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	actor := Actor{ID: "0190f3c2-7b1e-7c3a-9d4e-2f1a0b9c8d7e"}
	values, err := prepareCreate(obj, validationInput(now), now, actor, 0)
	require.NoError(t, err)
	require.NoError(t, checkRecord(rev, obj, values, nil, now, actor, 0))
	require.Empty(t, Record(values).Warnings())

	broken := map[string]map[string]any{
		"close_date_when_won":          {"stage": "Closed Won", "close_date": nil},
		"discount_needs_approval":      {"discount": json.Number("25")},
		"approver_when_approved":       {"approved": true},
		"amount_may_not_decrease":      {"stage": "Negotiation", "amount": json.Number("1000"), "next_step": "x"},
		"next_step_when_stage_changes": {"stage": "Closed Lost", "next_step": nil},
		"end_after_start":              {"end_date": now.AddDate(0, 0, 10).Format(metadata.DateLayout)},
		"close_within_a_year":          {"close_date": now.AddDate(2, 0, 0).Format(metadata.DateLayout)},
		"postal_code_format":           {"postal_code": "9410"},
		"amount_within_list_price":     {"amount": json.Number("200000")},
	}
	for rule, change := range broken {
		t.Run(rule, func(t *testing.T) {
			ch, errs := normalize(obj, nil, change, 0)
			require.Empty(t, errs)
			rec := Record{}
			for k, v := range values {
				rec[k] = v
			}
			for k, v := range ch {
				rec[k] = v
			}
			err := checkRecord(rev, obj, rec, Record(values), now, actor, 0)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			var rules []string
			for _, e := range ve.Errors {
				rules = append(rules, e.Rule)
			}
			require.Contains(t, rules, rule)
		})
	}
	rec := Record{}
	for k, v := range values {
		rec[k] = v
	}
	ch, _ := normalize(obj, nil, map[string]any{"cost": json.Number("110000")}, 0)
	for k, v := range ch {
		rec[k] = v
	}
	require.NoError(t, checkRecord(rev, obj, rec, Record(values), now, actor, 0))
	require.Len(t, rec.Warnings(), 1)
	require.Equal(t, "margin_warning", rec.Warnings()[0].Rule)
}
