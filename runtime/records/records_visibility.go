package records

import (
	"context"
	"fmt"
	"strings"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/query"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Mode is the kind of record-level access asked for.
type Mode int

// Record-level access modes.
const (
	// ModeRead is seeing a record: lists, counts, reads, history, lookups.
	ModeRead Mode = iota
	// ModeEdit is changing or deleting a record.
	ModeEdit
)

// visibility is the record-level access of one actor to one object in one
// mode, computed from the compiled revision alone: either every record
// (all) or the records matching a predicate over the object's table. It
// is the only way record SELECTs of this package learn which rows the
// caller may see (TestRecordSelectsGoThroughVisibility checks that).
type visibility struct {
	all bool
	// build writes the predicate with its placeholders numbered from
	// offset+1.
	build func(offset int) (string, []any)
}

// recordVisibility returns what actor may see (ModeRead) or change
// (ModeEdit) of obj's records:
//   - system work (an actor without Access) and the admin role: every record;
//   - view_all (read) or modify_all (edit) on the object: every record;
//   - the object's organization-wide default public_read (read) or
//     public_read_write (read and edit): every record;
//   - else the records the actor owns, that users whose role is below the
//     actor's in the role hierarchy own, that are shared with the actor or
//     the actor's role (record_shares), or that match the criteria of a
//     sharing rule of the object that applies to the actor's role (for
//     edit, shares and rules granting edit), and the records of the
//     actor's pending approval tasks (its own or its queues'), for read,
//     and for edit when a process of the object lets approvers edit.
func recordVisibility(rev *compiled.Revision, obj *compiled.Object, actor Actor, mode Mode) visibility {
	if actor.Access == nil || actor.Role == metadata.RoleAdmin {
		return visibility{all: true}
	}
	acc := rev.Access(actor.Role, obj.Meta.Name)
	sharing := obj.Meta.EffectiveSharing()
	switch mode {
	case ModeRead:
		if acc.ViewAll || sharing != metadata.SharingPrivate {
			return visibility{all: true}
		}
	case ModeEdit:
		if acc.ModifyAll || sharing == metadata.SharingPublicReadWrite {
			return visibility{all: true}
		}
	}
	owner := `"` + compiled.ColOwnerID + `"`
	below := rev.RolesBelow(actor.Role)
	rules := obj.SharingRulesFor(actor.Role, mode == ModeEdit)
	d := rev.Dialect
	tenant, user, role := rev.TenantID, actor.ID, actor.Role
	table, objectID := obj.Table, obj.Meta.ID
	// Read access also covers the records of the actor's pending approval
	// tasks, its own or its queues'; so does edit access when a process of
	// the object lets approvers edit (the approvals edit guard then holds
	// the records of other processes to their lock).
	approvals := (mode == ModeRead && rev.HasApprovals(obj.Meta.Name)) || (mode == ModeEdit && rev.ApproversEdit(obj.Meta.Name))
	var queues []string
	if approvals {
		for _, q := range rev.Model.Queues {
			if q.HasMember(actor.Role, actor.Email) {
				queues = append(queues, q.Name)
			}
		}
	}
	editOnly := ""
	if mode == ModeEdit {
		editOnly = " AND record_shares.access = 'edit'"
	}
	return visibility{build: func(offset int) (string, []any) {
		args := []any{user}
		terms := []string{owner + " = " + d.Placeholder(offset+1)}
		if len(below) > 0 {
			args = append(args, tenant)
			phs := make([]string, len(below))
			for i, b := range below {
				phs[i] = d.Placeholder(offset + 3 + i)
				args = append(args, b)
			}
			terms = append(terms, fmt.Sprintf("%s IN (SELECT id FROM users WHERE tenant_id = %s AND role IN (%s))",
				owner, d.Placeholder(offset+2), strings.Join(phs, ", ")))
		}
		// Manual shares of the record to the user or the user's role.
		args = append(args, tenant, objectID, role)
		n := len(args)
		terms = append(terms, fmt.Sprintf("EXISTS (SELECT 1 FROM record_shares WHERE record_shares.record_id = %s.%s"+
			" AND record_shares.tenant_id = %s AND record_shares.object_id = %s"+
			" AND (record_shares.user_id = %s OR record_shares.role = %s)%s)",
			table, `"`+compiled.ColID+`"`, d.Placeholder(offset+n-2), d.Placeholder(offset+n-1),
			d.Placeholder(offset+1), d.Placeholder(offset+n), editOnly))
		// Approvers see the records of their pending approval tasks.
		if approvals {
			args = append(args, tenant)
			tp := d.Placeholder(offset + len(args))
			assignee := "approval_tasks.assignee_id = " + d.Placeholder(offset+1)
			if len(queues) > 0 {
				phs := make([]string, len(queues))
				for i, q := range queues {
					args = append(args, q)
					phs[i] = d.Placeholder(offset + len(args))
				}
				assignee = "(" + assignee + " OR approval_tasks.queue IN (" + strings.Join(phs, ", ") + "))"
			}
			terms = append(terms, fmt.Sprintf("EXISTS (SELECT 1 FROM approval_tasks WHERE approval_tasks.record_id = %s.%s"+
				" AND approval_tasks.tenant_id = %s AND approval_tasks.status = 'pending' AND %s)",
				table, `"`+compiled.ColID+`"`, tp, assignee))
		}
		// Sharing rules: their criteria, numbered after what comes before.
		for _, r := range rules {
			sql, rargs := r.Criteria(offset + len(args))
			terms = append(terms, "("+sql+")")
			args = append(args, rargs...)
		}
		return "(" + strings.Join(terms, " OR ") + ")", args
	}}
}

// restrict returns the visibility as a query.Visibility for a list.
func (v visibility) restrict() query.Visibility {
	if v.all {
		return query.Unrestricted()
	}
	sql, args := v.build(0)
	return query.Restricted(sql, args)
}

// byID returns the SQL of a read of one record of obj by id, locking the
// row when forUpdate, limited to the visible records, with its arguments.
func (v visibility) byID(obj *compiled.Object, forUpdate bool, id string) (string, []any) {
	lock := ""
	if forUpdate {
		// SelectByIDForUpdateSQL is SelectByIDSQL and the dialect's lock.
		lock = strings.TrimPrefix(obj.SelectByIDForUpdateSQL, obj.SelectByIDSQL)
	}
	if v.all {
		return obj.SelectByIDSQL + lock, []any{id}
	}
	// SelectByIDSQL ends with WHERE "id" = <placeholder 1>.
	pred, args := v.build(1)
	return obj.SelectByIDSQL + " AND " + pred + lock, append([]any{id}, args...)
}

// readVisible reads one record by id if actor may see it (ErrNotFound
// otherwise, exactly as for a record that does not exist), and, for
// ModeEdit, refuses with ErrForbidden one it may see but not change.
// forUpdate locks the row.
func (s *Service) readVisible(ctx context.Context, q store.Querier, rev *compiled.Revision, obj *compiled.Object, actor Actor, id string, mode Mode, forUpdate bool) (Record, error) {
	read := recordVisibility(rev, obj, actor, ModeRead)
	sql, args := read.byID(obj, forUpdate, id)
	rec, err := s.getTx(ctx, q, rev, obj, sql, args...)
	if err != nil || mode == ModeRead {
		return rec, err
	}
	edit := recordVisibility(rev, obj, actor, ModeEdit)
	// The owner always edits; otherwise a restricted edit may be narrower
	// than the read that found the record (public_read, view_all, read-only
	// sharing rules and shares), so it is checked with its own predicate.
	if owner, _ := rec[compiled.ColOwnerID].(string); edit.all || owner == actor.ID {
		return rec, nil
	}
	pred, pargs := edit.build(1)
	var n int64
	cq := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = %s AND %s", obj.Table, `"id"`, rev.Dialect.Placeholder(1), pred)
	if err := q.QueryRow(ctx, cq, append([]any{id}, pargs...)...).Scan(&n); err != nil {
		return nil, fmt.Errorf("records: check access to %s: %w", obj.Meta.Name, err)
	}
	if n == 0 {
		return nil, ErrForbidden
	}
	return rec, nil
}

// checkVisibleLookups refuses a lookup value written (in values; prior is
// the record before an update, nil for a create) that points at a record
// actor may not see, with the field error a missing record gets: to the
// caller, a record it may not see does not exist. A value left as it was
// is not checked again.
func checkVisibleLookups(ctx context.Context, q store.Querier, rev *compiled.Revision, obj *compiled.Object, actor Actor, values map[string]any, prior Record, index int) error {
	var errs []FieldError
	for _, fk := range obj.ForeignKeys {
		v, ok := values[fk.Column.Name]
		if !ok || v == nil || prior != nil && sameValue(prior[fk.Column.Name], v) {
			continue
		}
		target, ok := rev.Object(fk.Column.Field.Settings.Target)
		if !ok {
			continue
		}
		vis := recordVisibility(rev, target, actor, ModeRead)
		if vis.all {
			continue
		}
		pred, args := vis.build(1)
		cq := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = %s AND %s", target.Table, `"id"`, rev.Dialect.Placeholder(1), pred)
		var n int64
		if err := q.QueryRow(ctx, cq, append([]any{v}, args...)...).Scan(&n); err != nil {
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
