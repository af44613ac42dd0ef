package approvals

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/runtime/store"
)

// txn is one transition in progress: its transaction, its clock, and
// whether it enqueued jobs.
type txn struct {
	s        *Service
	tx       store.Tx
	now      time.Time
	enqueued bool
}

const instanceColumns = "id, process, object_id, record_id, status, step, submitted_by, submitted_at, completed_at, comment"

func scanInstance(r store.Row) (*Instance, error) {
	var in Instance
	var step int64
	if err := r.Scan(&in.ID, &in.Process, &in.ObjectID, &in.RecordID, &in.Status, &step, &in.SubmittedBy, &in.SubmittedAt, &in.CompletedAt, &in.Comment); err != nil {
		return nil, err
	}
	in.Step = int(step)
	return &in, nil
}

// validUUID reports whether s is a canonical UUID, as ids in the store are.
func validUUID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

// lockInstance reads an instance of the tenant and locks its row for the
// rest of the transaction (on SQLite the transaction holds the only
// writer already).
func (t *txn) lockInstance(ctx context.Context, tenantID, id string) (*Instance, error) {
	if !validUUID(id) {
		return nil, errorf(NotFound, CodeNotFound, "no such approval")
	}
	q := "SELECT " + instanceColumns + " FROM approval_instances WHERE id = $1 AND tenant_id = $2"
	if t.s.db.Dialect().Name() == "postgres" {
		q += " FOR UPDATE"
	}
	in, err := scanInstance(t.tx.QueryRow(ctx, q, id, tenantID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(NotFound, CodeNotFound, "no such approval")
	}
	if err != nil {
		return nil, fmt.Errorf("approvals: lock instance: %w", err)
	}
	return in, nil
}

// pendingInstanceID returns the id of the record's pending instance, ""
// when it has none.
func pendingInstanceID(ctx context.Context, q store.Querier, tenantID, recordID string) (string, error) {
	var id string
	err := q.QueryRow(ctx, "SELECT id FROM approval_instances WHERE tenant_id = $1 AND record_id = $2 AND status = 'pending'", tenantID, recordID).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("approvals: pending instance: %w", err)
	}
	return id, nil
}

func (t *txn) insertInstance(ctx context.Context, tenantID string, in *Instance) error {
	_, err := t.tx.Exec(ctx, "INSERT INTO approval_instances (id, tenant_id, process, object_id, record_id, status, step, submitted_by, submitted_at, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		in.ID, tenantID, in.Process, in.ObjectID, in.RecordID, in.Status, in.Step, in.SubmittedBy, in.SubmittedAt, in.Comment)
	var ce *store.ConstraintError
	if errors.As(err, &ce) && ce.Kind == store.ConstraintUnique {
		return errorf(Conflict, CodeAlreadyPending, "the record is already pending approval")
	}
	if err != nil {
		return fmt.Errorf("approvals: insert instance: %w", err)
	}
	return nil
}

func (t *txn) updateInstance(ctx context.Context, in *Instance) error {
	if _, err := t.tx.Exec(ctx, "UPDATE approval_instances SET status = $1, step = $2, completed_at = $3 WHERE id = $4",
		in.Status, in.Step, in.CompletedAt, in.ID); err != nil {
		return fmt.Errorf("approvals: update instance: %w", err)
	}
	return nil
}

// stepRun is one run of a step in an instance.
type stepRun struct {
	ID     string
	Step   int
	Name   string
	Status string
}

func (t *txn) insertStepRun(ctx context.Context, tenantID, instanceID string, step int, name string) (string, error) {
	id := newID()
	if _, err := t.tx.Exec(ctx, "INSERT INTO approval_step_runs (id, tenant_id, instance_id, step, step_name, status, started_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
		id, tenantID, instanceID, step, name, t.now); err != nil {
		return "", fmt.Errorf("approvals: insert step run: %w", err)
	}
	return id, nil
}

func (t *txn) endStepRun(ctx context.Context, id, status string) error {
	if _, err := t.tx.Exec(ctx, "UPDATE approval_step_runs SET status = $1, ended_at = $2 WHERE id = $3 AND status = 'pending'", status, t.now, id); err != nil {
		return fmt.Errorf("approvals: end step run: %w", err)
	}
	return nil
}

// currentStepRun returns the instance's pending step run.
func (t *txn) currentStepRun(ctx context.Context, instanceID string) (*stepRun, error) {
	var r stepRun
	var step int64
	err := t.tx.QueryRow(ctx, "SELECT id, step, step_name, status FROM approval_step_runs WHERE instance_id = $1 AND status = 'pending'", instanceID).Scan(&r.ID, &step, &r.Name, &r.Status)
	if err != nil {
		return nil, fmt.Errorf("approvals: current step: %w", err)
	}
	r.Step = int(step)
	return &r, nil
}

// previousApprovedStep returns the index of the latest approved run of a
// step before step in the instance, -1 when there is none.
func (t *txn) previousApprovedStep(ctx context.Context, instanceID string, step int) (int, error) {
	var prev sql.NullInt64
	err := t.tx.QueryRow(ctx, "SELECT max(step) FROM approval_step_runs WHERE instance_id = $1 AND status = 'approved' AND step < $2", instanceID, step).Scan(&prev)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return -1, fmt.Errorf("approvals: previous step: %w", err)
	}
	if !prev.Valid {
		return -1, nil
	}
	return int(prev.Int64), nil
}

const taskColumns = "t.id, t.instance_id, t.step_run_id, t.object_id, t.record_id, r.step, r.step_name, t.assignee_id, t.queue, t.original_assignee_id, t.status, t.comment, t.acted_by, t.acted_at, t.created_at, t.due_at"

const taskFrom = " FROM approval_tasks t JOIN approval_step_runs r ON r.id = t.step_run_id"

func scanTask(r store.Row, extra ...any) (*Task, error) {
	var tk Task
	var step int64
	var assignee, queue, original, actedBy sql.NullString
	dest := append([]any{&tk.ID, &tk.InstanceID, &tk.StepRunID, &tk.ObjectID, &tk.RecordID, &step, &tk.StepName,
		&assignee, &queue, &original, &tk.Status, &tk.Comment, &actedBy, &tk.ActedAt, &tk.CreatedAt, &tk.DueAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	tk.Step = int(step)
	tk.AssigneeID, tk.Queue, tk.OriginalAssigneeID, tk.ActedBy = assignee.String, queue.String, original.String, actedBy.String
	return &tk, nil
}

// task reads a task of the tenant.
func task(ctx context.Context, q store.Querier, tenantID, id string) (*Task, error) {
	if !validUUID(id) {
		return nil, errorf(NotFound, CodeNotFound, "no such task")
	}
	tk, err := scanTask(q.QueryRow(ctx, "SELECT "+taskColumns+taskFrom+" WHERE t.id = $1 AND t.tenant_id = $2", id, tenantID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(NotFound, CodeNotFound, "no such task")
	}
	if err != nil {
		return nil, fmt.Errorf("approvals: task: %w", err)
	}
	return tk, nil
}

// runTasks returns the tasks of a step run, oldest first.
func (t *txn) runTasks(ctx context.Context, runID string) ([]*Task, error) {
	return queryTasks(ctx, t.tx, " WHERE t.step_run_id = $1 ORDER BY t.created_at, t.id", runID)
}

func queryTasks(ctx context.Context, q store.Querier, where string, args ...any) ([]*Task, error) {
	rows, err := q.Query(ctx, "SELECT "+taskColumns+taskFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("approvals: tasks: %w", err)
	}
	defer rows.Close()
	var out []*Task
	for rows.Next() {
		tk, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("approvals: tasks: %w", err)
		}
		out = append(out, tk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("approvals: tasks: %w", err)
	}
	return out, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *txn) insertTask(ctx context.Context, tenantID string, tk *Task) error {
	if _, err := t.tx.Exec(ctx, "INSERT INTO approval_tasks (id, tenant_id, instance_id, step_run_id, object_id, record_id, assignee_id, queue, original_assignee_id, status, created_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)",
		tk.ID, tenantID, tk.InstanceID, tk.StepRunID, tk.ObjectID, tk.RecordID, nullable(tk.AssigneeID), nullable(tk.Queue), nullable(tk.OriginalAssigneeID), t.now, tk.DueAt); err != nil {
		return fmt.Errorf("approvals: insert task: %w", err)
	}
	return nil
}

// decideTask records a decision on a pending task.
func (t *txn) decideTask(ctx context.Context, id, status, actor, comment string) error {
	n, err := t.tx.Exec(ctx, "UPDATE approval_tasks SET status = $1, acted_by = $2, acted_at = $3, comment = $4 WHERE id = $5 AND status = 'pending'",
		status, nullable(actor), t.now, comment, id)
	if err != nil {
		return fmt.Errorf("approvals: decide task: %w", err)
	}
	if n == 0 {
		return errorf(Conflict, CodeTaskDecided, "the task has already been decided")
	}
	return nil
}

// cancelTasks cancels the pending tasks of an instance.
func (t *txn) cancelTasks(ctx context.Context, instanceID string) error {
	if _, err := t.tx.Exec(ctx, "UPDATE approval_tasks SET status = 'canceled', acted_at = $1 WHERE instance_id = $2 AND status = 'pending'", t.now, instanceID); err != nil {
		return fmt.Errorf("approvals: cancel tasks: %w", err)
	}
	return nil
}

func (t *txn) reassignTask(ctx context.Context, id, to string, due *time.Time) error {
	if _, err := t.tx.Exec(ctx, "UPDATE approval_tasks SET assignee_id = $1, queue = NULL, due_at = $2 WHERE id = $3 AND status = 'pending'", to, due, id); err != nil {
		return fmt.Errorf("approvals: reassign task: %w", err)
	}
	return nil
}

func (t *txn) history(ctx context.Context, tenantID, instanceID string, step *int, stepName, action, actor, original, comment string) error {
	var s any
	if step != nil {
		s = *step
	}
	if _, err := t.tx.Exec(ctx, "INSERT INTO approval_history (id, tenant_id, instance_id, step, step_name, action, actor_id, original_actor_id, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		newID(), tenantID, instanceID, s, stepName, action, nullable(actor), nullable(original), comment, t.now); err != nil {
		return fmt.Errorf("approvals: history: %w", err)
	}
	return nil
}

// Event is an outbox event.
type Event struct {
	ID        string          `json:"id"`
	Event     string          `json:"event"`
	ObjectID  string          `json:"object_id,omitempty"`
	RecordID  string          `json:"record_id,omitempty"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
}

// emit writes an event to the outbox in the transaction.
func (t *txn) emit(ctx context.Context, tenantID, event, objectID, recordID string, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("approvals: event %s: %w", event, err)
	}
	if _, err := t.tx.Exec(ctx, "INSERT INTO outbox (id, tenant_id, event, object_id, record_id, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		newID(), tenantID, event, objectID, recordID, string(b), t.now); err != nil {
		return fmt.Errorf("approvals: event %s: %w", event, err)
	}
	return nil
}

// Outbox returns the tenant's outbox events written after the event with
// id after ("" for the first), oldest first, at most limit.
func Outbox(ctx context.Context, q store.Querier, tenantID, after string, limit int) ([]Event, error) {
	out := []Event{}
	if !validUUID(tenantID) || (after != "" && !validUUID(after)) {
		return out, nil
	}
	query := "SELECT id, event, object_id, record_id, payload, created_at FROM outbox WHERE tenant_id = $1"
	args := []any{tenantID}
	if after != "" {
		query += " AND id > $2"
		args = append(args, after)
	}
	rows, err := q.Query(ctx, query+fmt.Sprintf(" ORDER BY id LIMIT %d", limit), args...)
	if err != nil {
		return nil, fmt.Errorf("approvals: outbox: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var payload any
		if err := rows.Scan(&e.ID, &e.Event, &e.ObjectID, &e.RecordID, &payload, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("approvals: outbox: %w", err)
		}
		switch p := payload.(type) {
		case string:
			e.Payload = json.RawMessage(p)
		case []byte:
			e.Payload = json.RawMessage(p)
		default:
			b, err := json.Marshal(p)
			if err != nil {
				return nil, fmt.Errorf("approvals: outbox: %w", err)
			}
			e.Payload = b
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("approvals: outbox: %w", err)
	}
	return out, nil
}
