package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// FieldChange is one row of field history: one change of one tracked field
// of a record. Objects and fields are named by their stable ids, so a rename
// keeps their history.
type FieldChange struct {
	// ID is the row's UUID (version 7); InsertFieldHistory sets it.
	ID       string
	TenantID string
	// ObjectID and FieldID are the stable ids of the object and field.
	ObjectID string
	RecordID string
	FieldID  string
	// FieldName is the field's API name when the change was made.
	FieldName string
	// OldValue and NewValue are the values as the API writes them in JSON
	// (exact decimals, YYYY-MM-DD dates…); nil means no value.
	OldValue, NewValue json.RawMessage
	// ChangedBy is who made the change ("" if unknown).
	ChangedBy string
	// ChangedAt is when (UTC, microseconds).
	ChangedAt time.Time
}

// Limits of a page of field history.
const (
	DefaultHistoryLimit = 50
	MaxHistoryLimit     = 200
)

// ErrInvalidCursor means that a history cursor is not one EncodeHistoryCursor
// made.
var ErrInvalidCursor = errors.New("store: invalid cursor")

// HistoryCursor is the position after which a page of history starts: the
// (changed_at, id) of the last row of the previous page.
type HistoryCursor struct {
	ChangedAt time.Time
	ID        string
}

// HistoryPage is one page of a record's history, newest first. Next is set
// when more rows follow.
type HistoryPage struct {
	Changes []FieldChange
	Next    *HistoryCursor
}

// historyBatch bounds the rows of one INSERT, far below the parameter limits
// of both stores.
const historyBatch = 100

const historyColumns = "id, tenant_id, object_id, record_id, field_id, field_name, old_value, new_value, changed_by, changed_at"

// InsertFieldHistory writes rows of field history in tx, the transaction of
// the change they describe, giving each row without an id a new UUIDv7.
// Rows are numbered in the order given, so of rows with the same ChangedAt
// the last one given is listed first.
func InsertFieldHistory(ctx context.Context, tx Tx, rows []FieldChange) error {
	for start := 0; start < len(rows); start += historyBatch {
		chunk := rows[start:min(start+historyBatch, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO field_history (" + historyColumns + ") VALUES ")
		args := make([]any, 0, len(chunk)*10)
		for i := range chunk {
			r := &chunk[i]
			if err := checkFieldChange(r); err != nil {
				return fmt.Errorf("store: insert field history: %w", err)
			}
			if r.ID == "" {
				r.ID = uuid.Must(uuid.NewV7()).String()
			}
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			args = append(args, r.ID, r.TenantID, r.ObjectID, r.RecordID, r.FieldID, r.FieldName,
				jsonArg(r.OldValue), jsonArg(r.NewValue), nullString(r.ChangedBy), r.ChangedAt.UTC().Truncate(time.Microsecond))
		}
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			var ce *ConstraintError
			if errors.As(err, &ce) && ce.Kind == ConstraintForeignKey {
				return fmt.Errorf("store: insert field history: tenant: %w: %w", ErrNotFound, err)
			}
			return fmt.Errorf("store: insert field history: %w", err)
		}
	}
	return nil
}

// checkFieldChange refuses rows the tables would store differently on the
// two stores: ids not in canonical form, values that are not JSON.
func checkFieldChange(r *FieldChange) error {
	switch {
	case !validID(r.TenantID):
		return fmt.Errorf("tenant %q: %w", r.TenantID, ErrNotFound)
	case !validID(r.RecordID):
		return fmt.Errorf("record id %q is not a UUID", r.RecordID)
	case r.ID != "" && !validID(r.ID):
		return fmt.Errorf("id %q is not a UUID", r.ID)
	case r.ObjectID == "" || r.FieldID == "":
		return fmt.Errorf("object and field ids are required")
	case r.ChangedAt.IsZero():
		return fmt.Errorf("the time of the change is required")
	case len(r.OldValue) > 0 && !json.Valid(r.OldValue), len(r.NewValue) > 0 && !json.Valid(r.NewValue):
		return fmt.Errorf("field %s: a value is not valid JSON", r.FieldName)
	}
	return nil
}

// ListFieldHistory returns one page of a record's history, newest first
// (changed_at, then id, descending), starting after the cursor when one is
// given. limit is the page size: DefaultHistoryLimit when 0 or less, at
// most MaxHistoryLimit. Only rows of the tenant and object are read.
func ListFieldHistory(ctx context.Context, q Querier, tenantID, objectID, recordID string, after *HistoryCursor, limit int) (HistoryPage, error) {
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	limit = min(limit, MaxHistoryLimit)
	if !validID(tenantID) || !validID(recordID) {
		return HistoryPage{Changes: []FieldChange{}}, nil
	}
	query := "SELECT " + historyColumns + " FROM field_history WHERE tenant_id = $1 AND object_id = $2 AND record_id = $3"
	args := []any{tenantID, objectID, recordID}
	if after != nil {
		if !validID(after.ID) {
			return HistoryPage{}, fmt.Errorf("store: list field history: %w", ErrInvalidCursor)
		}
		// A row comparison, which both stores turn into a range of the
		// index rather than a filter.
		query += " AND (changed_at, id) < ($4, $5)"
		args = append(args, after.ChangedAt.UTC(), after.ID)
	}
	query += fmt.Sprintf(" ORDER BY changed_at DESC, id DESC LIMIT %d", limit+1)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("store: list field history: %w", err)
	}
	defer rows.Close()
	page := HistoryPage{Changes: make([]FieldChange, 0, min(limit, 16))}
	for rows.Next() {
		var c FieldChange
		var oldV, newV []byte
		var by sql.NullString
		if err := rows.Scan(&c.ID, &c.TenantID, &c.ObjectID, &c.RecordID, &c.FieldID, &c.FieldName, &oldV, &newV, &by, &c.ChangedAt); err != nil {
			return HistoryPage{}, fmt.Errorf("store: list field history: %w", err)
		}
		c.OldValue, c.NewValue, c.ChangedBy = rawJSON(oldV), rawJSON(newV), by.String
		page.Changes = append(page.Changes, c)
	}
	if err := rows.Err(); err != nil {
		return HistoryPage{}, fmt.Errorf("store: list field history: %w", err)
	}
	if len(page.Changes) > limit {
		page.Changes = page.Changes[:limit]
		last := page.Changes[limit-1]
		page.Next = &HistoryCursor{ChangedAt: last.ChangedAt, ID: last.ID}
	}
	return page, nil
}

// DeleteRecordHistory deletes a record's history, in the transaction that
// deletes the record.
func DeleteRecordHistory(ctx context.Context, tx Tx, tenantID, objectID, recordID string) error {
	if !validID(tenantID) || !validID(recordID) {
		return nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM field_history WHERE tenant_id = $1 AND object_id = $2 AND record_id = $3",
		tenantID, objectID, recordID); err != nil {
		return fmt.Errorf("store: delete field history of record %s: %w", recordID, err)
	}
	return nil
}

// DeleteObjectHistory deletes the history of every record of an object, in
// the transaction that deletes the object.
func DeleteObjectHistory(ctx context.Context, tx Tx, tenantID, objectID string) error {
	if !validID(tenantID) {
		return nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM field_history WHERE tenant_id = $1 AND object_id = $2", tenantID, objectID); err != nil {
		return fmt.Errorf("store: delete field history of object %s: %w", objectID, err)
	}
	return nil
}

// historyCursorWire is the JSON inside an opaque history cursor.
type historyCursorWire struct {
	At string `json:"t"`
	ID string `json:"i"`
}

// Encode returns the cursor as an opaque string for a next page link.
func (c HistoryCursor) Encode() string {
	b, _ := json.Marshal(historyCursorWire{At: c.ChangedAt.UTC().Format(time.RFC3339Nano), ID: c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeHistoryCursor reads a cursor made by HistoryCursor.Encode; anything
// else is an error wrapping ErrInvalidCursor.
func DecodeHistoryCursor(s string) (*HistoryCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed cursor", ErrInvalidCursor)
	}
	var w historyCursorWire
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: malformed cursor", ErrInvalidCursor)
	}
	at, err := time.Parse(time.RFC3339Nano, w.At)
	if err != nil || !validID(w.ID) {
		return nil, fmt.Errorf("%w: malformed cursor", ErrInvalidCursor)
	}
	return &HistoryCursor{ChangedAt: at.UTC(), ID: w.ID}, nil
}

// jsonArg is a JSON value as a statement argument: text, or NULL for no
// value (a JSON null included).
func jsonArg(v json.RawMessage) any {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return nil
	}
	return string(v)
}

// rawJSON is a scanned JSON column; NULL is nil.
func rawJSON(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
