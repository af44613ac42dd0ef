package records

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// writeHistory records changes of tracked fields in the same transaction:
// on update one row per tracked field whose value changed, on create
// (before == nil) one row per tracked field that has a value.
func writeHistory(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, before, after Record, actor Actor, now time.Time) error {
	tracked := obj.Meta.TrackHistory
	if len(tracked) == 0 {
		return nil
	}
	var rows []store.FieldChange
	// Backwards, so that the rows of one change, numbered in the order
	// written, list newest first in the order the object tracks them.
	for i := len(tracked) - 1; i >= 0; i-- {
		col, ok := obj.Column(tracked[i])
		if !ok || col.System {
			continue
		}
		var oldV any
		if before != nil {
			oldV = noValue(before[col.Name])
		}
		newV := noValue(after[col.Name])
		if sameValue(oldV, newV) {
			continue
		}
		oldJSON, err := historyJSON(col, oldV)
		if err != nil {
			return err
		}
		newJSON, err := historyJSON(col, newV)
		if err != nil {
			return err
		}
		rows = append(rows, store.FieldChange{
			TenantID: rev.TenantID, ObjectID: obj.Meta.ID, RecordID: after.ID(),
			FieldID: col.Field.ID, FieldName: col.Name,
			OldValue: oldJSON, NewValue: newJSON,
			ChangedBy: actor.ID, ChangedAt: now,
		})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := store.InsertFieldHistory(ctx, tx, rows); err != nil {
		return fmt.Errorf("records: field history of %s %s: %w", obj.Meta.Name, after.ID(), err)
	}
	return nil
}

// deleteHistory deletes a record's history and its shares with the record.
func deleteHistory(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, id string) error {
	if err := store.DeleteRecordHistory(ctx, tx, rev.TenantID, obj.Meta.ID, id); err != nil {
		return fmt.Errorf("records: delete %s: %w", obj.Meta.Name, err)
	}
	if err := store.DeleteRecordShares(ctx, tx, rev.TenantID, obj.Meta.ID, id); err != nil {
		return fmt.Errorf("records: delete %s: %w", obj.Meta.Name, err)
	}
	return nil
}

// noValue folds the forms of "no value" into nil: an empty list is no more
// a value than null (required fields treat it so too).
func noValue(v any) any {
	if l, ok := v.([]string); ok && len(l) == 0 {
		return nil
	}
	return v
}

// sameValue compares two canonical values of a field: decimals by value
// (10 and 10.00 are the same), times by instant, lists item by item.
func sameValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch a := a.(type) {
	case decimal.Decimal:
		b, ok := b.(decimal.Decimal)
		return ok && a.Equal(b)
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.Equal(b)
	case []string:
		b, ok := b.([]string)
		return ok && slices.Equal(a, b)
	case string, bool, int64:
		return a == b
	}
	return reflect.DeepEqual(a, b)
}

// historyJSON encodes a canonical value as the API writes it; nil stays nil
// (no value).
func historyJSON(col *compiled.Column, v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if enc, ok := col.Field.TypeOf().(metadata.Encoder); ok {
		v = enc.EncodeJSON(col.Field, v)
	}
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, fmt.Errorf("records: field history: encode %s: %w", col.Name, err)
	}
	return json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// HistoryEntry is one change of one tracked field of a record, as read.
type HistoryEntry struct {
	// Field is the field's current API name, or its name at the time of the
	// change when the field no longer exists.
	Field string
	// OldValue and NewValue are JSON as the API writes field values; nil
	// means no value.
	OldValue, NewValue json.RawMessage
	// ChangedBy is who made the change ("" if unknown).
	ChangedBy string
	ChangedAt time.Time
}

// HistoryQuery asks for one page of a record's history.
type HistoryQuery struct {
	// Limit is the page size (default 50, at most 200).
	Limit int
	// Cursor continues a previous page.
	Cursor string
}

// HistoryResult is one page of a record's history, newest first.
type HistoryResult struct {
	Entries    []HistoryEntry
	NextCursor string
}

// History reads one page of a record's field history, newest first. A
// record that does not exist (in the caller's tenant) or that actor may not
// see is ErrNotFound; a bad limit or cursor wraps ErrInvalidQuery.
func (s *Service) History(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, q HistoryQuery) (*HistoryResult, error) {
	if q.Limit < 0 || q.Limit > store.MaxHistoryLimit {
		return nil, fmt.Errorf("%w: limit must be from 1 to %d", ErrInvalidQuery, store.MaxHistoryLimit)
	}
	var after *store.HistoryCursor
	if q.Cursor != "" {
		c, err := store.DecodeHistoryCursor(q.Cursor)
		if err != nil {
			return nil, fmt.Errorf("%w: malformed cursor", ErrInvalidQuery)
		}
		after = c
	}
	if _, err := s.Get(ctx, rev, obj, actor, id); err != nil {
		return nil, err
	}
	page, err := store.ListFieldHistory(ctx, s.db, rev.TenantID, obj.Meta.ID, id, after, q.Limit)
	if errors.Is(err, store.ErrInvalidCursor) {
		return nil, fmt.Errorf("%w: malformed cursor", ErrInvalidQuery)
	}
	if err != nil {
		return nil, fmt.Errorf("records: history of %s %s: %w", obj.Meta.Name, id, err)
	}
	res := &HistoryResult{Entries: make([]HistoryEntry, len(page.Changes))}
	for i, c := range page.Changes {
		name := c.FieldName
		if f := obj.Meta.FieldByID(c.FieldID); f != nil {
			name = f.Name
		}
		res.Entries[i] = HistoryEntry{Field: name, OldValue: c.OldValue, NewValue: c.NewValue, ChangedBy: c.ChangedBy, ChangedAt: c.ChangedAt}
	}
	if page.Next != nil {
		res.NextCursor = page.Next.Encode()
	}
	return res, nil
}
