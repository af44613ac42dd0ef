package approvals

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/mosaic-paas/mosaic/engine/approval"
	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

// InstanceState is an instance with its tasks and history.
type InstanceState struct {
	Instance
	Tasks   []*Task        `json:"tasks"`
	History []HistoryEntry `json:"history"`
}

// RecordState is a record's approvals: the pending one, if any, and every
// instance, newest first.
type RecordState struct {
	// Pending is the pending instance's id, "" when none.
	Pending   string          `json:"pending,omitempty"`
	Instances []InstanceState `json:"instances"`
}

// State returns a record's approval state and history, if actor may see
// the record.
func (s *Service) State(ctx context.Context, rev *compiled.Revision, obj *compiled.Object, actor records.Actor, recordID string) (*RecordState, error) {
	if _, err := s.records.Get(ctx, rev, obj, actor, recordID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+instanceColumns+" FROM approval_instances WHERE tenant_id = $1 AND record_id = $2 ORDER BY submitted_at DESC, id DESC", rev.TenantID, recordID)
	if err != nil {
		return nil, fmt.Errorf("approvals: state: %w", err)
	}
	var insts []*Instance
	for rows.Next() {
		in, err := scanInstance(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("approvals: state: %w", err)
		}
		insts = append(insts, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("approvals: state: %w", err)
	}
	out := &RecordState{Instances: []InstanceState{}}
	for _, in := range insts {
		st, err := s.instanceState(ctx, rev, in)
		if err != nil {
			return nil, err
		}
		if in.Status == approval.StatePending {
			out.Pending = in.ID
		}
		out.Instances = append(out.Instances, *st)
	}
	return out, nil
}

// Instance returns one instance with its tasks and history, if actor may
// see its record.
func (s *Service) Instance(ctx context.Context, rev *compiled.Revision, actor records.Actor, access AccessFunc, id string) (*InstanceState, error) {
	if !validUUID(id) {
		return nil, errorf(NotFound, CodeNotFound, "no such approval")
	}
	in, err := scanInstance(s.db.QueryRow(ctx, "SELECT "+instanceColumns+" FROM approval_instances WHERE id = $1 AND tenant_id = $2", id, rev.TenantID))
	if err != nil {
		return nil, errorf(NotFound, CodeNotFound, "no such approval")
	}
	obj, ok := objectByID(rev, in.ObjectID)
	if !ok {
		return nil, errorf(NotFound, CodeNotFound, "no such approval")
	}
	if acc := access(obj); acc == nil || !acc.Read {
		return nil, errorf(NotFound, CodeNotFound, "no such approval")
	} else if actor.Access != nil {
		actor.Access = acc
	}
	if _, err := s.records.Get(ctx, rev, obj, actor, in.RecordID); err != nil {
		return nil, errorf(NotFound, CodeNotFound, "no such approval")
	}
	return s.instanceState(ctx, rev, in)
}

func (s *Service) instanceState(ctx context.Context, rev *compiled.Revision, in *Instance) (*InstanceState, error) {
	if o := rev.Model.ObjectByID(in.ObjectID); o != nil {
		in.Object = o.Name
	}
	if p, ok := rev.ApprovalProcess(in.Process); ok && in.Step >= 0 && in.Step < len(p.Steps) {
		in.StepName = p.Steps[in.Step].Meta.Name
	}
	tasks, err := queryTasks(ctx, s.db, " WHERE t.instance_id = $1 ORDER BY t.created_at, t.id", in.ID)
	if err != nil {
		return nil, err
	}
	for _, tk := range tasks {
		tk.Object, tk.Process = in.Object, in.Process
	}
	if tasks == nil {
		tasks = []*Task{}
	}
	hist, err := s.history(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &InstanceState{Instance: *in, Tasks: tasks, History: hist}, nil
}

func (s *Service) history(ctx context.Context, instanceID string) ([]HistoryEntry, error) {
	rows, err := s.db.Query(ctx, "SELECT id, instance_id, step, step_name, action, actor_id, original_actor_id, comment, created_at FROM approval_history WHERE instance_id = $1 ORDER BY created_at, id", instanceID)
	if err != nil {
		return nil, fmt.Errorf("approvals: history: %w", err)
	}
	defer rows.Close()
	out := []HistoryEntry{}
	for rows.Next() {
		var h HistoryEntry
		var step *int64
		var actor, original *string
		if err := rows.Scan(&h.ID, &h.InstanceID, &step, &h.StepName, &h.Action, &actor, &original, &h.Comment, &h.CreatedAt); err != nil {
			return nil, fmt.Errorf("approvals: history: %w", err)
		}
		if step != nil {
			i := int(*step)
			h.Step = &i
		}
		if actor != nil {
			h.ActorID = *actor
		}
		if original != nil {
			h.OriginalActorID = *original
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// AccessFunc returns the caller's access to an object (the API's
// permission of the caller's role).
type AccessFunc func(obj *compiled.Object) *compiled.Access

// MaxInbox bounds the tasks an inbox lists.
const MaxInbox = 500

// Inbox returns actor's pending tasks, its own and its queues', oldest
// first, with their records' names.
func (s *Service) Inbox(ctx context.Context, rev *compiled.Revision, actor records.Actor, access AccessFunc) ([]*Task, error) {
	where := " WHERE t.tenant_id = $1 AND t.status = 'pending' AND (t.assignee_id = $2"
	args := []any{rev.TenantID, actor.ID}
	for _, q := range rev.Model.Queues {
		if q.HasMember(actor.Role, actor.Email) {
			args = append(args, q.Name)
			if len(args) == 3 {
				where += " OR t.queue IN ("
			} else {
				where += ", "
			}
			where += fmt.Sprintf("$%d", len(args))
		}
	}
	if len(args) > 2 {
		where += ")"
	}
	where += fmt.Sprintf(") ORDER BY t.created_at, t.id LIMIT %d", MaxInbox)
	tasks, err := queryTasks(ctx, s.db, where, args...)
	if err != nil {
		return nil, err
	}
	out := make([]*Task, 0, len(tasks))
	for _, tk := range tasks {
		in, err := scanInstance(s.db.QueryRow(ctx, "SELECT "+instanceColumns+" FROM approval_instances WHERE id = $1", tk.InstanceID))
		if err != nil {
			return nil, fmt.Errorf("approvals: inbox: %w", err)
		}
		obj, ok := objectByID(rev, tk.ObjectID)
		if !ok {
			continue
		}
		tk.Object, tk.Process, tk.SubmittedBy = obj.Meta.Name, in.Process, in.SubmittedBy
		sub := in.SubmittedAt
		tk.SubmittedAt = &sub
		reader := actor
		if reader.Access != nil {
			reader.Access = access(obj)
		}
		tk.RecordName = recordName(ctx, s, rev, obj, reader, tk.RecordID)
		out = append(out, tk)
	}
	return out, nil
}

// recordName is the record's name as actor may read it, its id otherwise.
func recordName(ctx context.Context, s *Service, rev *compiled.Revision, obj *compiled.Object, actor records.Actor, id string) string {
	nf := obj.Meta.NameField
	if nf == "" || (actor.Access != nil && (!actor.Access.Read || !actor.Access.CanRead(nf))) {
		return id
	}
	rec, err := s.records.Get(ctx, rev, obj, actor, id)
	if err != nil {
		return id
	}
	if v, ok := rec[nf]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return id
}

// Metrics are the figures of one process: instances by outcome, and how
// long approvals took, overall and per step.
type Metrics struct {
	Process string `json:"process"`
	// Instances counts instances by status.
	Instances map[string]int `json:"instances"`
	// Decision is the time from submit to the final decision of approved
	// and rejected instances.
	Decision Durations `json:"decision"`
	// Steps are the times from a step's start to its decision, per step.
	Steps []StepMetrics `json:"steps"`
}

// StepMetrics are one step's figures.
type StepMetrics struct {
	Step      string         `json:"step"`
	Runs      map[string]int `json:"runs"`
	Durations Durations      `json:"decision"`
}

// Durations summarize decided durations.
type Durations struct {
	Count int `json:"count"`
	// MedianSeconds and P90Seconds are nil when Count is 0.
	MedianSeconds *float64 `json:"median_seconds"`
	P90Seconds    *float64 `json:"p90_seconds"`
}

// Metrics computes a process's figures.
func (s *Service) Metrics(ctx context.Context, rev *compiled.Revision, process string) (*Metrics, error) {
	p, ok := rev.ApprovalProcess(process)
	if !ok {
		return nil, errorf(NotFound, CodeNotFound, "no approval process %q", truncate(process))
	}
	out := &Metrics{Process: p.Meta.Name, Instances: map[string]int{}}
	for _, st := range []string{approval.StatePending, approval.StateApproved, approval.StateRejected, approval.StateRecalled} {
		out.Instances[st] = 0
	}
	rows, err := s.db.Query(ctx, "SELECT status, submitted_at, completed_at FROM approval_instances WHERE tenant_id = $1 AND process = $2", rev.TenantID, process)
	if err != nil {
		return nil, fmt.Errorf("approvals: metrics: %w", err)
	}
	var decisions []time.Duration
	for rows.Next() {
		var status string
		var start time.Time
		var end *time.Time
		if err := rows.Scan(&status, &start, &end); err != nil {
			rows.Close()
			return nil, fmt.Errorf("approvals: metrics: %w", err)
		}
		out.Instances[status]++
		if end != nil && (status == approval.StateApproved || status == approval.StateRejected) {
			decisions = append(decisions, end.Sub(start))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("approvals: metrics: %w", err)
	}
	out.Decision = summarize(decisions)
	steps := map[string]*StepMetrics{}
	durations := map[string][]time.Duration{}
	for _, st := range p.Steps {
		sm := &StepMetrics{Step: st.Meta.Name, Runs: map[string]int{"pending": 0, "approved": 0, "rejected": 0, "canceled": 0}}
		steps[st.Meta.Name] = sm
	}
	rows, err = s.db.Query(ctx, "SELECT r.step_name, r.status, r.started_at, r.ended_at FROM approval_step_runs r JOIN approval_instances i ON i.id = r.instance_id WHERE i.tenant_id = $1 AND i.process = $2", rev.TenantID, process)
	if err != nil {
		return nil, fmt.Errorf("approvals: metrics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, status string
		var start time.Time
		var end *time.Time
		if err := rows.Scan(&name, &status, &start, &end); err != nil {
			return nil, fmt.Errorf("approvals: metrics: %w", err)
		}
		sm := steps[name]
		if sm == nil {
			continue // a step since removed from the process
		}
		sm.Runs[status]++
		if end != nil && (status == "approved" || status == "rejected") {
			durations[name] = append(durations[name], end.Sub(start))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("approvals: metrics: %w", err)
	}
	for _, st := range p.Steps {
		sm := steps[st.Meta.Name]
		sm.Durations = summarize(durations[st.Meta.Name])
		out.Steps = append(out.Steps, *sm)
	}
	return out, nil
}

// summarize returns the count, median and 90th percentile (nearest rank)
// of ds.
func summarize(ds []time.Duration) Durations {
	out := Durations{Count: len(ds)}
	if len(ds) == 0 {
		return out
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	median := ds[len(ds)/2].Seconds()
	if len(ds)%2 == 0 {
		median = (ds[len(ds)/2-1].Seconds() + ds[len(ds)/2].Seconds()) / 2
	}
	rank := int(math.Ceil(0.9*float64(len(ds)))) - 1
	p90 := ds[rank].Seconds()
	out.MedianSeconds, out.P90Seconds = &median, &p90
	return out
}
