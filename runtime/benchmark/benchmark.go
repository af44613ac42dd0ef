// Package benchmark holds the fixture that Mosaic's speed is measured with:
// a 15-field "opportunity" object with two indexes (its unique external id
// and its lookup to "account"), a deterministic generator of its records,
// and the same operations written by hand directly against each driver
// (pgx for PostgreSQL, database/sql with modernc for SQLite) on the same
// tables, to compare the generic path with.
//
// The in-process benchmarks (testing.B) live in this package's tests; the
// load driver cmd/mosaic-load uses the fixture against a running server.
// Figures and the commands that reproduce them are in docs/BENCHMARKS.md.
// Nothing here asserts a timing.
package benchmark

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// Object names of the fixture.
const (
	AccountObject     = "account"
	OpportunityObject = "opportunity"
)

// AccountDoc defines the object opportunities look up.
const AccountDoc = `{
  "name": "account",
  "label": "Account",
  "name_field": "name",
  "fields": [
    {"name": "name", "type": "text", "required": true}
  ]
}`

// OpportunityDoc defines the measured object: 15 fields of 15 types, with
// two secondary indexes — the unique index of the external id ref and the
// index of the lookup account.
const OpportunityDoc = `{
  "name": "opportunity",
  "label": "Opportunity",
  "name_field": "name",
  "fields": [
    {"name": "name", "type": "text", "required": true, "settings": {"max_length": 120}},
    {"name": "description", "type": "long_text"},
    {"name": "amount", "type": "currency", "settings": {"precision": 14, "scale": 2}},
    {"name": "quantity", "type": "number", "settings": {"precision": 10}},
    {"name": "probability", "type": "percent"},
    {"name": "close_date", "type": "date"},
    {"name": "last_activity", "type": "datetime"},
    {"name": "won", "type": "boolean"},
    {"name": "stage", "type": "picklist", "settings": {"values": [
      {"value": "prospect", "label": "Prospect", "default": true},
      {"value": "qualified", "label": "Qualified"},
      {"value": "proposal", "label": "Proposal"},
      {"value": "won", "label": "Won"},
      {"value": "lost", "label": "Lost"}]}},
    {"name": "tags", "type": "multi_picklist", "settings": {"values": [
      {"value": "new", "label": "New"},
      {"value": "renewal", "label": "Renewal"},
      {"value": "upsell", "label": "Upsell"},
      {"value": "partner", "label": "Partner"}]}},
    {"name": "contact_email", "type": "email"},
    {"name": "contact_phone", "type": "phone"},
    {"name": "website", "type": "url"},
    {"name": "ref", "type": "external_id"},
    {"name": "account", "type": "lookup", "settings": {"target": "account"}}
  ]
}`

// OpenStages are the stages the list benchmark filters on: three of the
// five, so about 60% of an account's opportunities match.
var OpenStages = []string{"prospect", "qualified", "proposal"}

// ListLimit is the page size of the list benchmark.
const ListLimit = 50

// Direct runs the benchmark's operations with hand-written SQL straight on a
// driver, on the tables the platform made for the fixture. It is the
// baseline the generic path is compared with.
type Direct interface {
	// Create inserts one opportunity (ID, times and version already set).
	Create(ctx context.Context, o *Opportunity) error
	// Get reads the opportunity with the id into dst.
	Get(ctx context.Context, id string, dst *Opportunity) error
	// List reads up to limit+1 opportunities of the account in one of the
	// stages, by amount descending then id: the list benchmark's query.
	List(ctx context.Context, account string, stages []string, limit int, dst []Opportunity) ([]Opportunity, error)
	// CreateBatch inserts the opportunities in one transaction.
	CreateBatch(ctx context.Context, os []Opportunity) error
	// CreateChecked is Create as the platform runs it: in a transaction
	// that first checks that the account exists (SELECT count(*)), then
	// inserts.
	CreateChecked(ctx context.Context, o *Opportunity) error
	// CreateBatchChecked is CreateBatch with the same check before each
	// insert.
	CreateBatchChecked(ctx context.Context, os []Opportunity) error
	// Seed bulk-loads n generated opportunities (see Gen.Opportunity) in
	// one transaction: COPY on PostgreSQL, one prepared INSERT on SQLite.
	Seed(ctx context.Context, gen *Gen, from, n int) error
	// SeedAccounts inserts the generator's accounts.
	SeedAccounts(ctx context.Context, gen *Gen) error
	// Analyze refreshes the planner's statistics of the fixture's tables.
	Analyze(ctx context.Context) error
	// Close releases the connections.
	Close()
}

// Errors of the direct operations.
var (
	// ErrNotFound is returned by Direct.Get for an unknown id.
	ErrNotFound = errors.New("benchmark: no such opportunity")
	// ErrNoAccount is returned by the checked creates for an unknown
	// account.
	ErrNoAccount = errors.New("benchmark: no such account")
)

// columns are the opportunity table's columns in the order every
// hand-written statement uses.
var columns = []string{
	"id", "created_at", "created_by", "updated_at", "updated_by", "owner_id", "version",
	"name", "description", "amount", "quantity", "probability", "close_date", "last_activity",
	"won", "stage", "tags", "contact_email", "contact_phone", "website", "ref", "account",
}

var columnList = strings.Join(columns, ", ")

// placeholders returns "$1, $2, … $n" (or "?1, …" when q is "?"), numbered
// from from+1.
func placeholders(n, from int, q string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString(q)
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}
