package filter

import (
	"time"

	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

var testNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

const (
	userID    = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	accountID = "0b8f3c2e-4f5a-4c1b-9d3e-2a1b3c4d5e6f"
)

func intp(n int) *int { return &n }

func inactive() *bool { f := false; return &f }

// dealFields are fields of every type.
func dealFields() []*metadata.Field {
	return []*metadata.Field{
		{Name: "name", Type: "text"},
		{Name: "stage", Type: "picklist", Settings: metadata.Settings{Values: []metadata.PicklistValue{
			{Value: "Open"}, {Value: "Won"}, {Value: "Lost", Active: inactive()},
		}}},
		{Name: "amount", Type: "currency", Settings: metadata.Settings{Precision: 18, Scale: intp(2)}},
		{Name: "cost", Type: "currency", Settings: metadata.Settings{Precision: 18, Scale: intp(2)}},
		{Name: "quantity", Type: "number"},
		{Name: "rate", Type: "percent", Settings: metadata.Settings{Precision: 5, Scale: intp(4)}},
		{Name: "closed", Type: "boolean"},
		{Name: "close_date", Type: "date"},
		{Name: "reminder", Type: "datetime"},
		{Name: "tags", Type: "multi_picklist", Settings: metadata.Settings{Values: []metadata.PicklistValue{
			{Value: "gold"}, {Value: "new"}, {Value: "old", Active: inactive()},
		}}},
		{Name: "account", Type: "lookup", Settings: metadata.Settings{Target: "account"}},
		{Name: "number", Type: "auto_number", Settings: metadata.Settings{Format: "D-{0000}"}},
		{Name: "email", Type: "email"},
	}
}

// dealColumns are the columns of a deal: its fields and system columns.
func dealColumns() ColumnMap {
	cols := ColumnMap{}
	for _, f := range dealFields() {
		cols[f.Name] = Column{Name: f.Name, SQL: dialect.Quote(f.Name), Field: f, Type: dialect.ColumnOf(f)}
	}
	for name, kind := range map[string]metadata.Kind{
		"id":         metadata.KindID,
		"owner_id":   metadata.KindID,
		"created_at": metadata.KindDateTime,
		"version":    metadata.KindInteger,
	} {
		cols[name] = Column{Name: name, SQL: "t." + dialect.Quote(name), Type: dialect.Column{Kind: kind}}
	}
	return cols
}

func options(d dialect.Dialect) Options {
	return Options{
		Dialect: d,
		Now:     testNow,
		User:    expression.User{ID: userID, Role: "sales"},
	}
}
