// Package approvals runs approval processes (engine/approval) over the
// store: submitting records, approving and rejecting tasks, recall,
// reassignment, added approvers, step timeouts with escalation (background
// jobs), the record lock while pending, the inbox, history, preview and
// metrics. Instances, step runs, tasks, history and outbox events are rows
// (migrations 00006); every transition is one transaction that first locks
// the instance's row, so two approvers acting at once cannot both advance
// it.
package approvals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Kind is the kind of an approval error, which the API maps to a status.
type Kind int

// Kinds of errors.
const (
	// NotFound: no such task or instance for the caller (404).
	NotFound Kind = iota + 1
	// Forbidden: the caller may not do this (403).
	Forbidden
	// Conflict: the state does not allow it (409).
	Conflict
	// Invalid: the request or the metadata cannot be followed (422).
	Invalid
)

// Error is a refused approval action. Nothing was changed.
type Error struct {
	Kind Kind `json:"-"`
	// Code is a stable, machine-readable reason (CodeNoProcess…).
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Codes of approval errors.
const (
	CodeNoProcess        = "no_matching_process"
	CodeNotSubmitter     = "not_allowed_to_submit"
	CodeAlreadyPending   = "approval_pending"
	CodeNotYourTask      = "not_your_task"
	CodeTaskDecided      = "task_already_decided"
	CodeFinished         = "approval_finished"
	CodeRecallNotAllowed = "recall_not_allowed"
	CodeRecordLocked     = "record_locked"
	CodeNoApprover       = "no_approver"
	CodeNotPending       = "not_pending"
	CodeUnknownUser      = "unknown_user"
	CodeActionFailed     = "action_failed"
	CodeNotFound         = "not_found"
	CodeProcessChanged   = "process_changed"
	CodeAlreadyApprover  = "already_approver"
)

func errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Instance is one submission of a record to a process.
type Instance struct {
	ID      string `json:"id"`
	Process string `json:"process"`
	// Object is the object's API name in the current revision.
	Object   string `json:"object"`
	ObjectID string `json:"-"`
	RecordID string `json:"record_id"`
	// Status is approval.StatePending, StateApproved, StateRejected or
	// StateRecalled.
	Status string `json:"status"`
	// Step is the index of the current step, -1 once finished.
	Step        int        `json:"step"`
	StepName    string     `json:"step_name,omitempty"`
	SubmittedBy string     `json:"submitted_by"`
	SubmittedAt time.Time  `json:"submitted_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Comment     string     `json:"comment,omitempty"`
}

// Task is a decision asked of one approver (or of a queue).
type Task struct {
	ID         string `json:"id"`
	InstanceID string `json:"instance_id"`
	StepRunID  string `json:"-"`
	Process    string `json:"process,omitempty"`
	Object     string `json:"object"`
	ObjectID   string `json:"-"`
	RecordID   string `json:"record_id"`
	// RecordName is the record's name, filled for the inbox.
	RecordName string `json:"record_name,omitempty"`
	Step       int    `json:"step"`
	StepName   string `json:"step_name"`
	// AssigneeID is the user asked; empty for a queue's task.
	AssigneeID string `json:"assignee_id,omitempty"`
	Queue      string `json:"queue,omitempty"`
	// OriginalAssigneeID is who the task was first given to.
	OriginalAssigneeID string     `json:"original_assignee_id,omitempty"`
	Status             string     `json:"status"`
	Comment            string     `json:"comment,omitempty"`
	ActedBy            string     `json:"acted_by,omitempty"`
	ActedAt            *time.Time `json:"acted_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	DueAt              *time.Time `json:"due_at,omitempty"`
	// SubmittedBy and SubmittedAt are the instance's, filled for the inbox.
	SubmittedBy string     `json:"submitted_by,omitempty"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
}

// HistoryEntry is one event of an instance.
type HistoryEntry struct {
	ID         string `json:"id"`
	InstanceID string `json:"instance_id"`
	// Step is the step's index, nil for events of the whole instance.
	Step     *int   `json:"step,omitempty"`
	StepName string `json:"step_name,omitempty"`
	// Action is one of the History* constants.
	Action string `json:"action"`
	// ActorID is who acted, empty for the system (criteria, timeouts).
	ActorID string `json:"actor_id,omitempty"`
	// OriginalActorID is the assignee of the task when someone else acted
	// on it (an administrator).
	OriginalActorID string    `json:"original_actor_id,omitempty"`
	Comment         string    `json:"comment,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// Actions recorded in the history.
const (
	HistorySubmitted     = "submitted"
	HistoryStepStarted   = "step_started"
	HistoryStepSkipped   = "step_skipped"
	HistoryApproved      = "approved"
	HistoryRejected      = "rejected"
	HistoryStepApproved  = "step_approved"
	HistoryStepRejected  = "step_rejected"
	HistorySentBack      = "sent_back"
	HistoryReassigned    = "reassigned"
	HistoryApproverAdded = "approver_added"
	HistoryEscalated     = "escalated"
	HistoryRecalled      = "recalled"
	HistoryFinalApproved = "final_approved"
	HistoryFinalRejected = "final_rejected"
)

// Notifier is woken after a transaction that enqueued background jobs
// commits (runtime/jobs.Runner).
type Notifier interface{ Notify() }

// Service runs approvals over one store.
type Service struct {
	db      store.DB
	records *records.Service
	now     func() time.Time
	jobs    Notifier
	log     *slog.Logger
}

// New returns the approval service over db, writing records through recs.
// It installs its edit guard on recs, so that records stay locked while
// they are pending.
func New(db store.DB, recs *records.Service) *Service {
	s := &Service{db: db, records: recs, now: time.Now, log: slog.Default()}
	recs.SetEditGuard(s.guard)
	return s
}

// SetNotifier makes the service wake n after it enqueues timeouts.
func (s *Service) SetNotifier(n Notifier) { s.jobs = n }

// SetClock replaces the service's clock (tests of timeouts).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// system is the actor of work the process does on its own (field updates,
// escalations): every field and every record, recorded as done by id.
func system(id string) records.Actor { return records.Actor{ID: id} }

// isAdmin reports whether the actor is an administrator or system work.
func isAdmin(a records.Actor) bool { return a.Access == nil || a.Role == store.RoleAdmin }

// objectByID returns the compiled object with that stable id.
func objectByID(rev *compiled.Revision, id string) (*compiled.Object, bool) {
	o := rev.Model.ObjectByID(id)
	if o == nil {
		return nil, false
	}
	return rev.Object(o.Name)
}

// inTx runs fn in a transaction and wakes the job runner after a commit
// that enqueued jobs.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, t *txn) error) error {
	var enqueued bool
	err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		t := &txn{s: s, tx: tx, now: s.clock()}
		if err := fn(ctx, t); err != nil {
			return err
		}
		enqueued = t.enqueued
		return nil
	})
	if err == nil && enqueued && s.jobs != nil {
		s.jobs.Notify()
	}
	return err
}

// asApprovalError turns the errors of record writes made by actions into
// an approval error naming the action, keeping validation errors as they
// are (they list the fields).
func actionError(what string, err error) error {
	var ve *records.ValidationError
	if errors.As(err, &ve) {
		return err
	}
	if errors.Is(err, records.ErrNotFound) || errors.Is(err, records.ErrStale) {
		return errorf(Conflict, CodeActionFailed, "%s: %v", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
