package records

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Create validates input and inserts a new record.
func (s *Service) Create(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, input map[string]any) (Record, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	values, err := prepareCreate(obj, input, now, actor, 0)
	if err != nil {
		return nil, err
	}
	var rec Record
	err = s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		rec, err = s.insert(ctx, tx, rev, obj, actor, values, now, 0)
		return err
	})
	return rec, s.explainLookups(ctx, rev, err)
}

// prepareCreate normalizes a new record's input, fills defaults and checks
// required fields.
func prepareCreate(obj *compiled.Object, input map[string]any, now time.Time, actor Actor, index int) (map[string]any, error) {
	values, errs := normalize(obj, actor.Access, input, index)
	errs = append(errs, applyDefaults(obj, values, now, actor, index)...)
	for _, re := range checkRequired(obj, values, index) {
		// A field whose given value was refused is not also "missing"; one
		// given as null (or blank) is.
		_, given := input[re.Field]
		if _, accepted := values[re.Field]; !given || accepted {
			errs = append(errs, re)
		}
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Errors: errs}
	}
	return values, nil
}

// insert writes a prepared record inside tx: auto-numbers, lookup checks,
// the row.
func (s *Service) insert(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor Actor, values map[string]any, now time.Time, index int) (Record, error) {
	rec := Record{}
	for k, v := range values {
		rec[k] = v
	}
	rec[compiled.ColID] = uuid.Must(uuid.NewV7()).String()
	rec[compiled.ColCreatedAt] = now
	rec[compiled.ColUpdatedAt] = now
	rec[compiled.ColCreatedBy] = nilIfEmpty(actor.ID)
	rec[compiled.ColUpdatedBy] = nilIfEmpty(actor.ID)
	rec[compiled.ColOwnerID] = nilIfEmpty(actor.ID)
	rec[compiled.ColVersion] = int64(1)
	for _, col := range obj.FieldColumns() {
		if col.Field.Type != "auto_number" {
			continue
		}
		start := col.Field.Settings.Start
		if start == 0 {
			start = 1
		}
		n, err := store.NextAutoNumber(ctx, tx, rev.TenantID, col.Field.ID, start)
		if err != nil {
			return nil, fmt.Errorf("records: auto-number %s: %w", col.Name, err)
		}
		rec[col.Name] = metadata.FormatAutoNumber(col.Field.Settings.Format, n, now)
	}
	if err := checkVisibleLookups(ctx, tx, rev, obj, actor, values, nil, index); err != nil {
		return nil, err
	}
	startRollups(obj, rec)
	if err := computeFormulas(ctx, tx, rev, obj, rec, index); err != nil {
		return nil, err
	}
	if err := checkRecord(rev, obj, rec, nil, now, actor, index); err != nil {
		return nil, err
	}
	args, err := rowArgs(rev, obj.Columns, rec)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, obj.InsertSQL, args...); err != nil {
		return nil, writeError(obj, values, err, index)
	}
	if err := writeHistory(ctx, tx, rev, obj, nil, rec, actor, now); err != nil {
		return nil, err
	}
	if err := maintainRollups(ctx, tx, rev, obj, nil, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// rowArgs converts the record's values of cols into driver arguments.
func rowArgs(rev *compiled.Revision, cols []*compiled.Column, rec Record) ([]any, error) {
	args := make([]any, len(cols))
	for i, c := range cols {
		v, err := rev.Dialect.Arg(c.Type, rec[c.Name])
		if err != nil {
			return nil, fmt.Errorf("records: field %s: %w", c.Name, err)
		}
		args[i] = v
	}
	return args, nil
}

// checkLookups verifies that every lookup value written points at an
// existing record of the target object. The write path does not run it up
// front — the foreign key refuses a missing record, saving a round trip —
// but after a foreign-key violation, to name every field concerned.
func checkLookups(ctx context.Context, tx store.Querier, rev *compiled.Revision, obj *compiled.Object, values map[string]any, index int) error {
	var errs []FieldError
	for _, fk := range obj.ForeignKeys {
		v, ok := values[fk.Column.Name]
		if !ok || v == nil {
			continue
		}
		q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = %s", fk.TargetTable, `"id"`, rev.Dialect.Placeholder(1))
		var n int64
		if err := tx.QueryRow(ctx, q, v).Scan(&n); err != nil {
			return fmt.Errorf("records: check lookup %s: %w", fk.Column.Name, err)
		}
		if n == 0 {
			errs = append(errs, missingLookup(fk, v, index))
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// missingLookup is the error of a lookup value that names no record (the
// caller may see) of the target object.
func missingLookup(fk *compiled.ForeignKey, v any, index int) FieldError {
	return FieldError{Index: index, Field: fk.Column.Name, Code: metadata.CodeNotFound,
		Message: fmt.Sprintf("no %s record has the id %v", fk.Column.Field.Settings.Target, v)}
}

// writeError turns a store constraint error into field errors.
func writeError(obj *compiled.Object, values map[string]any, err error, index int) error {
	var ce *store.ConstraintError
	if !errors.As(err, &ce) {
		return fmt.Errorf("records: write %s: %w", obj.Meta.Name, err)
	}
	switch ce.Kind {
	case "unique":
		field := ce.Column
		for _, idx := range obj.Indexes {
			if idx.Name == ce.Constraint || strings.HasSuffix(ce.Constraint, idx.Name) {
				field = idx.Column.Name
			}
		}
		return &ValidationError{Conflict: true, Errors: []FieldError{{Index: index, Field: field, Code: metadata.CodeUnique,
			Message: fmt.Sprintf("another %s record already has this %s", obj.Meta.Name, field)}}}
	case "foreign_key":
		return &missingLookupError{obj: obj, values: values, index: index, err: err}
	}
	return fmt.Errorf("records: write %s: %w", obj.Meta.Name, err)
}

// Update applies a partial change to a record. expected, when not nil, is
// the version the caller read: a different current version is ErrStale.
func (s *Service) Update(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, input map[string]any, expected *int64) (Record, error) {
	values, errs := normalize(obj, actor.Access, input, 0)
	if len(errs) > 0 {
		return nil, &ValidationError{Errors: errs}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var rec Record
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var err error
		rec, err = s.update(ctx, tx, rev, obj, actor, id, values, expected, now, 0)
		return err
	})
	return rec, s.explainLookups(ctx, rev, err)
}

// UpdateInTx applies a partial change to record id inside tx, for work
// that must commit with other changes (an approval's field updates). The
// record is read for update with actor's record-level access; the edit
// guard is asked as for Update.
func (s *Service) UpdateInTx(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, input map[string]any) (Record, error) {
	values, errs := normalize(obj, actor.Access, input, 0)
	if len(errs) > 0 {
		return nil, &ValidationError{Errors: errs}
	}
	return s.update(ctx, tx, rev, obj, actor, id, values, nil, s.now().UTC().Truncate(time.Microsecond), 0)
}

func (s *Service) update(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, values map[string]any, expected *int64, now time.Time, index int) (Record, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	rec, err := s.readVisible(ctx, tx, rev, obj, actor, id, ModeEdit, true)
	if err != nil {
		return nil, err
	}
	old := rec.Version()
	if expected != nil && *expected != old {
		return nil, ErrStale
	}
	if err := s.checkGuard(ctx, tx, rev, obj, actor, rec, false); err != nil {
		return nil, err
	}
	if len(values) == 0 {
		// Nothing to change: the record stays as it is, version included.
		return rec, nil
	}
	prior := make(Record, len(rec))
	for k, v := range rec {
		prior[k] = v
	}
	if err := checkVisibleLookups(ctx, tx, rev, obj, actor, values, prior, index); err != nil {
		return nil, err
	}
	for k, v := range values {
		rec[k] = v
	}
	if errs := checkRequired(obj, rec, index); len(errs) > 0 {
		return nil, &ValidationError{Errors: errs}
	}
	if err := computeFormulas(ctx, tx, rev, obj, rec, index); err != nil {
		return nil, err
	}
	if err := checkRecord(rev, obj, rec, prior, now, actor, index); err != nil {
		return nil, err
	}
	rec[compiled.ColUpdatedAt] = now
	rec[compiled.ColUpdatedBy] = nilIfEmpty(actor.ID)
	rec[compiled.ColVersion] = old + 1
	cols := append(append([]*compiled.Column(nil), obj.FieldColumns()...), mustCols(obj, compiled.ColUpdatedAt, compiled.ColUpdatedBy, compiled.ColOwnerID, compiled.ColVersion)...)
	args, err := rowArgs(rev, cols, rec)
	if err != nil {
		return nil, err
	}
	args = append(args, id, old)
	n, err := tx.Exec(ctx, obj.UpdateSQL, args...)
	if err != nil {
		return nil, writeError(obj, values, err, index)
	}
	if n == 0 {
		return nil, ErrStale
	}
	if err := writeHistory(ctx, tx, rev, obj, prior, rec, actor, now); err != nil {
		return nil, err
	}
	if err := maintainRollups(ctx, tx, rev, obj, prior, rec); err != nil {
		return nil, err
	}
	if err := refreshDependents(ctx, tx, rev, obj, prior, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

func mustCols(obj *compiled.Object, names ...string) []*compiled.Column {
	out := make([]*compiled.Column, len(names))
	for i, n := range names {
		c, ok := obj.Column(n)
		if !ok {
			panic("records: missing system column " + n)
		}
		out[i] = c
	}
	return out
}

// Delete removes a record. expected, when not nil, must be its current
// version.
//
// A record the actor may not see is ErrNotFound, one it may see but not
// change ErrForbidden.
func (s *Service) Delete(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, expected *int64) error {
	if !validID(id) {
		return ErrNotFound
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		rec, err := s.readVisible(ctx, tx, rev, obj, actor, id, ModeEdit, true)
		if err != nil {
			return err
		}
		if expected != nil && *expected != rec.Version() {
			return ErrStale
		}
		if err := s.checkGuard(ctx, tx, rev, obj, actor, rec, true); err != nil {
			return err
		}
		cascaded, gone, err := cascadedRollups(ctx, tx, rev, obj, rec)
		if err != nil {
			return err
		}
		stale, err := formulaReaders(ctx, tx, obj, id)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, obj.DeleteSQL, id)
		if err != nil {
			var ce *store.ConstraintError
			if errors.As(err, &ce) && ce.Kind == "foreign_key" {
				return referencedError(rev, obj)
			}
			return fmt.Errorf("records: delete %s: %w", obj.Meta.Name, err)
		}
		if n == 0 {
			return ErrNotFound
		}
		if err := maintainRollups(ctx, tx, rev, obj, rec, nil); err != nil {
			return err
		}
		if err := cascaded.recompute(ctx, tx, rev); err != nil {
			return err
		}
		if err := stale.recompute(ctx, tx, rev); err != nil {
			return err
		}
		if err := gone.deleteTraces(ctx, tx, rev); err != nil {
			return err
		}
		return deleteHistory(ctx, tx, rev, obj, id)
	})
}

func referencedError(rev *compiled.Revision, obj *compiled.Object) error {
	var names []string
	for _, r := range rev.Referrers(obj.Meta.Name) {
		if r.Column.Field.OnDeleteOrDefault() == metadata.OnDeleteRestrict {
			names = append(names, r.Object.Meta.Name+"."+r.Column.Name)
		}
	}
	return fmt.Errorf("%w (%s)", ErrReferenced, strings.Join(names, ", "))
}

func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}

// missingLookupError is a write refused by a lookup's foreign key. It is
// explained as field errors by explainLookups once the transaction is over.
type missingLookupError struct {
	obj    *compiled.Object
	values map[string]any
	index  int
	err    error
}

func (e *missingLookupError) Error() string {
	return "a looked-up record does not exist: " + e.err.Error()
}

func (e *missingLookupError) Unwrap() error { return e.err }

// explainLookups turns a missingLookupError into the field errors of every
// lookup that points at no record; other errors pass through.
func (s *Service) explainLookups(ctx context.Context, rev *compiled.Revision, err error) error {
	var ml *missingLookupError
	if !errors.As(err, &ml) {
		return err
	}
	if verr := checkLookups(ctx, s.db, rev, ml.obj, ml.values, ml.index); verr != nil {
		return verr
	}
	// The target was deleted and re-created in between: say so plainly.
	return &ValidationError{Errors: []FieldError{{Index: ml.index, Field: "", Code: metadata.CodeNotFound,
		Message: "a looked-up record does not exist"}}}
}
