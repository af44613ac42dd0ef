package records

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// ErrNotUpsertKey: the field named for an upsert is not a unique key.
var ErrNotUpsertKey = errors.New("field is not an external id or unique field")

// upsertKey returns the column an upsert matches on: an external id or
// another unique text field.
//
// The key must be a field the actor's role may read (one it may not is
// refused as if it did not exist) and edit (a creating upsert writes it).
func upsertKey(obj *compiled.Object, actor Actor, field string) (*compiled.Column, error) {
	col, ok := obj.Column(field)
	if !ok || col.System || !col.Field.IsUnique() || col.Field.IsGenerated() || col.Type.Kind != metadata.KindText ||
		(actor.Access != nil && !actor.Access.CanRead(field)) {
		return nil, fmt.Errorf("%w: %q", ErrNotUpsertKey, field)
	}
	if actor.Access != nil && !actor.Access.CanEdit(field) {
		return nil, &ValidationError{Errors: []FieldError{{Index: WholeBatch, Field: field, Code: metadata.CodeReadOnly,
			Message: fmt.Sprintf("your role may read field %q but not edit it, so it cannot be an upsert key", field)}}}
	}
	return col, nil
}

// Upsert creates the record whose key field has value, or updates it when
// it exists. It reports whether it created the record.
func (s *Service) Upsert(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, field, value string, input map[string]any) (Record, bool, error) {
	col, err := upsertKey(obj, actor, field)
	if err != nil {
		return nil, false, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var rec Record
	var created bool
	err = s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		rec, created, err = s.upsert(ctx, tx, rev, obj, actor, col, value, input, now, 0)
		return err
	})
	return rec, created, s.explainLookups(ctx, rev, err)
}

func (s *Service) upsert(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor Actor, col *compiled.Column, value string, input map[string]any, now time.Time, index int) (Record, bool, error) {
	key, verr := col.Field.TypeOf().Normalize(col.Field, value)
	if verr != nil {
		return nil, false, &ValidationError{Errors: []FieldError{{Index: index, Field: col.Name, Code: verr.Code, Message: verr.Message}}}
	}
	if given, ok := input[col.Name]; ok && given != key {
		return nil, false, &ValidationError{Errors: []FieldError{{Index: index, Field: col.Name, Code: metadata.CodeInvalidFormat,
			Message: fmt.Sprintf("the body sets %s to a different value than the URL", col.Name)}}}
	}
	id, err := upsertTarget(ctx, tx, rev, obj, col, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		withKey := make(map[string]any, len(input)+1)
		for k, v := range input {
			withKey[k] = v
		}
		withKey[col.Name] = key
		values, err := prepareCreate(obj, withKey, now, actor, index)
		if err != nil {
			return nil, false, err
		}
		rec, err := s.insert(ctx, tx, rev, obj, actor, values, now, index)
		return rec, true, err
	case err != nil:
		return nil, false, fmt.Errorf("records: upsert %s: %w", obj.Meta.Name, err)
	}
	values, errs := normalize(obj, actor.Access, input, index)
	if len(errs) > 0 {
		return nil, false, &ValidationError{Errors: errs}
	}
	rec, err := s.update(ctx, tx, rev, obj, actor, id, values, nil, now, index)
	return rec, false, err
}

// upsertTarget returns the id of the record whose key column col holds key,
// whoever may see it: a key is unique across all records, so an upsert
// onto a record the actor may not see is not a create but an update that
// update refuses (ErrNotFound, ErrForbidden), like any other.
func upsertTarget(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, col *compiled.Column, key any) (string, error) {
	var id string
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s", `"id"`, obj.Table, col.Quoted, rev.Dialect.Placeholder(1))
	return id, tx.QueryRow(ctx, q, key).Scan(&id)
}

// WholeBatch is the FieldError.Index of errors about a batch as a whole
// rather than one of its records.
const WholeBatch = -1

// BatchOp is the operation of a batch call.
type BatchOp string

// Batch operations.
const (
	BatchCreate BatchOp = "create"
	BatchUpdate BatchOp = "update"
	BatchUpsert BatchOp = "upsert"
)

// BatchRequest is a batch call: up to MaxBatch records written in one
// transaction, all or none.
type BatchRequest struct {
	Op BatchOp
	// Key is the upsert key field (for BatchUpsert).
	Key     string
	Records []map[string]any
}

// BatchResult is a record written by a batch and whether it was created.
type BatchResult struct {
	Record  Record
	Created bool
}

// Batch writes every record of the request in one transaction. Input
// errors of all records are reported together (each with its index); a
// write error stops at the first failing record. Nothing is written unless
// everything is.
func (s *Service) Batch(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, req BatchRequest) ([]BatchResult, error) {
	if len(req.Records) == 0 {
		return nil, &ValidationError{Errors: []FieldError{{Index: WholeBatch, Field: "records", Code: metadata.CodeRequired, Message: "a batch needs at least one record"}}}
	}
	if len(req.Records) > MaxBatch {
		return nil, &ValidationError{Errors: []FieldError{{Index: WholeBatch, Field: "records", Code: metadata.CodeOutOfRange,
			Message: fmt.Sprintf("a batch may write at most %d records, not %d", MaxBatch, len(req.Records))}}}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var keyCol *compiled.Column
	prepared := make([]map[string]any, len(req.Records))
	ids := make([]string, len(req.Records))
	var errs []FieldError
	for i, in := range req.Records {
		switch req.Op {
		case BatchCreate:
			values, err := prepareCreate(obj, in, now, actor, i)
			if err != nil {
				errs = append(errs, validationErrors(err)...)
			}
			prepared[i] = values
		case BatchUpdate:
			body := make(map[string]any, len(in))
			for k, v := range in {
				body[k] = v
			}
			id, _ := body[compiled.ColID].(string)
			delete(body, compiled.ColID)
			if id == "" {
				errs = append(errs, FieldError{Index: i, Field: compiled.ColID, Code: metadata.CodeRequired, Message: "each record of an update batch needs its id"})
			}
			ids[i] = id
			values, ferrs := normalize(obj, actor.Access, body, i)
			errs = append(errs, ferrs...)
			prepared[i] = values
		case BatchUpsert:
			col, err := upsertKey(obj, actor, req.Key)
			if err != nil {
				return nil, err
			}
			keyCol = col
			v, _ := in[col.Name].(string)
			if v == "" {
				errs = append(errs, FieldError{Index: i, Field: col.Name, Code: metadata.CodeRequired, Message: "each record of an upsert batch needs its " + col.Name})
			}
			ids[i] = v
			prepared[i] = in
		default:
			return nil, &ValidationError{Errors: []FieldError{{Index: WholeBatch, Field: "operation", Code: metadata.CodeInvalidChoice,
				Message: fmt.Sprintf("operation must be create, update or upsert, not %q", req.Op)}}}
		}
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Errors: errs}
	}
	out := make([]BatchResult, len(req.Records))
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		for i, values := range prepared {
			var rec Record
			var created bool
			var err error
			switch req.Op {
			case BatchCreate:
				rec, err = s.insert(ctx, tx, rev, obj, actor, values, now, i)
				created = true
			case BatchUpdate:
				rec, err = s.update(ctx, tx, rev, obj, actor, ids[i], values, nil, now, i)
				if errors.Is(err, ErrNotFound) {
					err = &ValidationError{Errors: []FieldError{{Index: i, Field: compiled.ColID, Code: metadata.CodeNotFound, Message: fmt.Sprintf("no %s record has the id %s", obj.Meta.Name, ids[i])}}}
				}
			case BatchUpsert:
				body := make(map[string]any, len(values))
				for k, v := range values {
					if k != keyCol.Name {
						body[k] = v
					}
				}
				rec, created, err = s.upsert(ctx, tx, rev, obj, actor, keyCol, ids[i], body, now, i)
			}
			if err != nil {
				return err
			}
			out[i] = BatchResult{Record: rec, Created: created}
		}
		return nil
	})
	if err != nil {
		return nil, s.explainLookups(ctx, rev, err)
	}
	return out, nil
}

func validationErrors(err error) []FieldError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Errors
	}
	return []FieldError{{Code: "error", Message: err.Error()}}
}
