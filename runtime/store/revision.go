package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// RevisionInfo describes one revision of a tenant's metadata. Revisions are
// numbered 1, 2, 3… per tenant; each metadata change saves the next one.
type RevisionInfo struct {
	// Number is the revision's number within its tenant.
	Number int
	// CreatedAt is when it was saved (UTC); SaveRevision sets it to the
	// current time when zero.
	CreatedAt time.Time
	// CreatedBy names who made the change (a user, "bundle:crm@1.2.0").
	CreatedBy string
	// Summary says what changed, in a line.
	Summary string
}

// SaveRevision stores revision info.Number of the tenant's metadata, the
// JSON document, in tx (so the metadata change and its DDL commit
// together). If that number is already taken — a concurrent metadata
// change saved it first — it returns an error wrapping ErrConflict, and tx
// must be rolled back. On PostgreSQL the document is stored as jsonb and so
// comes back with its whitespace and key order normalized; it must be valid
// JSON on both stores.
func SaveRevision(ctx context.Context, tx Tx, tenantID string, info RevisionInfo, document []byte) error {
	if !validID(tenantID) {
		return fmt.Errorf("store: save revision %d: tenant %q: %w", info.Number, tenantID, ErrNotFound)
	}
	if info.Number < 1 {
		return fmt.Errorf("store: save revision: number %d is not positive", info.Number)
	}
	if !json.Valid(document) {
		return fmt.Errorf("store: save revision %d: the document is not valid JSON", info.Number)
	}
	at := info.CreatedAt
	if at.IsZero() {
		at = utcNow()
	}
	_, err := tx.Exec(ctx, `INSERT INTO metadata_revisions (tenant_id, revision, created_at, created_by, summary, document)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		tenantID, info.Number, at.UTC().Truncate(time.Microsecond), info.CreatedBy, info.Summary, string(document))
	if isUnique(err) {
		return fmt.Errorf("store: save revision %d: %w: %w", info.Number, ErrConflict, err)
	}
	if err != nil {
		var ce *ConstraintError
		if errors.As(err, &ce) && ce.Kind == ConstraintForeignKey {
			return fmt.Errorf("store: save revision %d: tenant %q: %w: %w", info.Number, tenantID, ErrNotFound, err)
		}
		return fmt.Errorf("store: save revision %d: %w", info.Number, err)
	}
	return nil
}

// LatestRevisionNumber returns the number of the tenant's newest revision,
// 0 when it has none: a cheap check of whether a cached revision is current.
func LatestRevisionNumber(ctx context.Context, q Querier, tenantID string) (int, error) {
	if !validID(tenantID) {
		return 0, fmt.Errorf("store: latest revision number: tenant %q: %w", tenantID, ErrNotFound)
	}
	var n int
	err := q.QueryRow(ctx, `SELECT coalesce(max(revision), 0) FROM metadata_revisions WHERE tenant_id = $1`, tenantID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: latest revision number: %w", err)
	}
	return n, nil
}

// LatestRevision returns the tenant's newest metadata revision and its
// document; ErrNotFound when the tenant has none.
func LatestRevision(ctx context.Context, q Querier, tenantID string) (RevisionInfo, []byte, error) {
	if !validID(tenantID) {
		return RevisionInfo{}, nil, fmt.Errorf("store: latest revision: tenant %q: %w", tenantID, ErrNotFound)
	}
	var info RevisionInfo
	var doc []byte
	err := q.QueryRow(ctx, `SELECT revision, created_at, created_by, summary, document
		FROM metadata_revisions WHERE tenant_id = $1 ORDER BY revision DESC LIMIT 1`, tenantID).
		Scan(&info.Number, &info.CreatedAt, &info.CreatedBy, &info.Summary, &doc)
	if err != nil {
		return RevisionInfo{}, nil, fmt.Errorf("store: latest revision: %w", err)
	}
	return info, doc, nil
}

// ListRevisions returns up to limit revisions of the tenant, newest first,
// without their documents. A limit of 0 or less means all.
func ListRevisions(ctx context.Context, q Querier, tenantID string, limit int) ([]RevisionInfo, error) {
	if !validID(tenantID) {
		return nil, nil
	}
	query := `SELECT revision, created_at, created_by, summary
		FROM metadata_revisions WHERE tenant_id = $1 ORDER BY revision DESC`
	args := []any{tenantID}
	if limit > 0 {
		query += " LIMIT $2"
		args = append(args, int64(limit))
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list revisions: %w", err)
	}
	defer rows.Close()
	var out []RevisionInfo
	for rows.Next() {
		var info RevisionInfo
		if err := rows.Scan(&info.Number, &info.CreatedAt, &info.CreatedBy, &info.Summary); err != nil {
			return nil, fmt.Errorf("store: list revisions: %w", err)
		}
		out = append(out, info)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list revisions: %w", err)
	}
	return out, nil
}
