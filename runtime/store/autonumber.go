package store

import (
	"context"
	"fmt"
)

// NextAutoNumber returns the next number of an auto-number field of the
// tenant: start the first time, then one more on each call. It runs in the
// caller's transaction and locks the field's counter until that
// transaction ends, so numbers are handed out in commit order without gaps
// (a rolled-back transaction gives its number back) and never twice, on
// both stores.
func NextAutoNumber(ctx context.Context, tx Tx, tenantID, fieldID string, start int64) (int64, error) {
	if !validID(tenantID) {
		return 0, fmt.Errorf("store: next auto-number of %s: tenant %q: %w", fieldID, tenantID, ErrNotFound)
	}
	// One statement, atomic on both stores: PostgreSQL's ON CONFLICT DO
	// UPDATE either inserts or locks and updates the existing row, even
	// against a concurrent insert; SQLite runs one writer at a time.
	// The row keeps the number the next call hands out.
	var n int64
	err := tx.QueryRow(ctx, `INSERT INTO autonumbers (tenant_id, field_id, next_value) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id, field_id) DO UPDATE SET next_value = autonumbers.next_value + 1
		RETURNING next_value - 1`, tenantID, fieldID, start+1).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: next auto-number of %s: %w", fieldID, err)
	}
	return n, nil
}
