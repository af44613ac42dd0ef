// Package records runs the write and read paths of records against a
// tenant's compiled metadata: decode and normalize input, collect every field
// error, fill defaults and auto-numbers, and write in one transaction; read
// one record or a filtered, sorted, cursor-paginated list.
package records

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Record is a record's canonical values by column name: the system columns
// and the fields.
type Record map[string]any

// ID returns the record's id.
func (r Record) ID() string { s, _ := r[compiled.ColID].(string); return s }

// Version returns the record's version.
func (r Record) Version() int64 { n, _ := r[compiled.ColVersion].(int64); return n }

// Sentinel errors of the record paths.
var (
	// ErrNotFound: no record with that id (or not visible to the caller).
	ErrNotFound = errors.New("record not found")
	// ErrForbidden: the caller may see the record but not change it.
	ErrForbidden = errors.New("record may not be changed by the caller")
	// ErrStale: the record changed since the version the caller read.
	ErrStale = errors.New("record has changed since it was read")
	// ErrReferenced: the record cannot be deleted while others point at it.
	ErrReferenced = errors.New("record is referenced by other records")
)

// FieldError is one problem with one field of one record.
type FieldError struct {
	// Index is the record's position in a batch (0 otherwise).
	Index int    `json:"index,omitempty"`
	Field string `json:"field"`
	// Rule names the validation rule that raised the error, if one did.
	Rule    string `json:"rule,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ValidationError carries every field error of a write.
type ValidationError struct {
	Errors []FieldError
	// Conflict is true when the errors are uniqueness conflicts with other
	// records rather than bad input.
	Conflict bool
}

func (e *ValidationError) Error() string {
	if len(e.Errors) == 1 {
		return fmt.Sprintf("invalid record: %s: %s", e.Errors[0].Field, e.Errors[0].Message)
	}
	return fmt.Sprintf("invalid record: %d field errors", len(e.Errors))
}

// Actor is who performs an operation.
type Actor struct {
	// ID is the acting user's id, recorded in created_by and updated_by,
	// and the owner of records it creates.
	ID string
	// Role and Manager are the user's role and manager's id ("" for none),
	// as expressions see them in $user.
	Role, Manager string
	// Email is the user's email: it makes the user a member of the queues
	// that list it (approval tasks of those queues are visible to it).
	Email string
	// Languages are the actor's preferred languages, for messages of
	// validation rules.
	Languages []string
	// Access is what the actor's role may do with the object written: a
	// field it may not read is refused as unknown, one it may not edit as
	// read-only. nil means every field and every record (system work and
	// tests); otherwise the record paths also apply record-level access
	// for ID and Role (records_visibility.go). Validation rules, formulas
	// and defaults still see every field.
	Access *compiled.Access
}

// User returns the actor as expressions see it ($user).
func (a Actor) User() expression.User {
	return expression.User{ID: a.ID, Role: a.Role, Manager: a.Manager}
}

// Service runs the record paths over one store.
type Service struct {
	db    store.DB
	now   func() time.Time
	guard EditGuard
}

// EditGuard is asked, inside the transaction of an update or delete
// (deleting) and after the record was read and locked for it, whether
// actor may change rec; an error refuses the write. Approvals use it to
// lock records while they are pending. It is not asked for system work (an
// actor without Access).
type EditGuard func(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor Actor, rec Record, deleting bool) error

// SetEditGuard installs g as the service's edit guard. Call it before the
// service is used.
func (s *Service) SetEditGuard(g EditGuard) { s.guard = g }

// checkGuard runs the edit guard, if any, for an actor that is not system
// work.
func (s *Service) checkGuard(ctx context.Context, tx store.Tx, rev *compiled.Revision, obj *compiled.Object, actor Actor, rec Record, deleting bool) error {
	if s.guard == nil || actor.Access == nil {
		return nil
	}
	return s.guard(ctx, tx, rev, obj, actor, rec, deleting)
}

// New returns a record service over db.
func New(db store.DB) *Service {
	return &Service{db: db, now: time.Now}
}

// SetClock replaces the service's clock (created_at, updated_at, $now of
// filters), for tests of time-based work.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// MaxBatch is the most records one batch call may write.
const MaxBatch = 200
