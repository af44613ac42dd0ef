package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Share is a manual share of one record: to one user (UserID) or to every
// user of one role (Role), for reading or editing ("read" or "edit").
type Share struct {
	ID        string
	TenantID  string
	ObjectID  string
	RecordID  string
	UserID    string
	Role      string
	Access    string
	CreatedBy string
	CreatedAt time.Time
}

const shareColumns = "id, tenant_id, object_id, record_id, user_id, role, access, created_by, created_at"

// InsertShare stores a share. A second share of the record to the same user
// or role is a *ConstraintError of kind ConstraintUnique; a user who is not
// one of the tenant's, ConstraintForeignKey.
func InsertShare(ctx context.Context, q Querier, s Share) error {
	var user, role any
	if s.UserID != "" {
		user = s.UserID
	}
	if s.Role != "" {
		role = s.Role
	}
	if _, err := q.Exec(ctx, "INSERT INTO record_shares ("+shareColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		s.ID, s.TenantID, s.ObjectID, s.RecordID, user, role, s.Access, s.CreatedBy, s.CreatedAt.UTC()); err != nil {
		return fmt.Errorf("store: share record %s: %w", s.RecordID, err)
	}
	return nil
}

// ListShares returns a record's shares, oldest first.
func ListShares(ctx context.Context, q Querier, tenantID, objectID, recordID string) ([]Share, error) {
	out := []Share{}
	if !validID(tenantID) || !validID(recordID) {
		return out, nil
	}
	rows, err := q.Query(ctx, "SELECT "+shareColumns+" FROM record_shares WHERE record_id = $1 AND tenant_id = $2 AND object_id = $3 ORDER BY created_at, id",
		recordID, tenantID, objectID)
	if err != nil {
		return nil, fmt.Errorf("store: list shares: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s Share
		var user, role sql.NullString
		if err := rows.Scan(&s.ID, &s.TenantID, &s.ObjectID, &s.RecordID, &user, &role, &s.Access, &s.CreatedBy, &s.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: list shares: %w", err)
		}
		s.UserID, s.Role = user.String, role.String
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list shares: %w", err)
	}
	return out, nil
}

// DeleteShare deletes one share of a record; ErrNotFound when the record
// has no share with that id.
func DeleteShare(ctx context.Context, q Querier, tenantID, objectID, recordID, shareID string) error {
	if !validID(tenantID) || !validID(recordID) || !validID(shareID) {
		return ErrNotFound
	}
	n, err := q.Exec(ctx, "DELETE FROM record_shares WHERE id = $1 AND record_id = $2 AND tenant_id = $3 AND object_id = $4",
		shareID, recordID, tenantID, objectID)
	if err != nil {
		return fmt.Errorf("store: delete share %s: %w", shareID, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteRecordShares deletes a record's shares, in the transaction that
// deletes the record.
func DeleteRecordShares(ctx context.Context, tx Tx, tenantID, objectID, recordID string) error {
	if !validID(tenantID) || !validID(recordID) {
		return nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM record_shares WHERE record_id = $1 AND tenant_id = $2 AND object_id = $3",
		recordID, tenantID, objectID); err != nil {
		return fmt.Errorf("store: delete shares of record %s: %w", recordID, err)
	}
	return nil
}

// DeleteObjectShares deletes the shares of every record of an object, in
// the transaction that deletes the object.
func DeleteObjectShares(ctx context.Context, tx Tx, tenantID, objectID string) error {
	if !validID(tenantID) {
		return nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM record_shares WHERE tenant_id = $1 AND object_id = $2", tenantID, objectID); err != nil {
		return fmt.Errorf("store: delete shares of object %s: %w", objectID, err)
	}
	return nil
}
