package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// AuditEntry is one security-relevant event of a tenant: who (a user,
// through a token or not), when, from where, what, and on what.
type AuditEntry struct {
	// ID is the entry's UUID (version 7); InsertAudit sets it.
	ID       string
	TenantID string
	// At is when it happened (UTC); InsertAudit sets it when zero.
	At time.Time
	// ActorUserID is the user who acted ("" when unknown: a failed sign-in,
	// the command line).
	ActorUserID string
	// ActorTokenID is the API token the actor used ("" for a session or
	// none).
	ActorTokenID string
	// Address is the client's address ("" when none).
	Address string
	// Event names what happened, such as "auth.sign_in" (see the audit
	// events of runtime/auth).
	Event string
	// ObjectID is the stable id of the object concerned, and RecordID the
	// record's id, when the event concerns them.
	ObjectID, RecordID string
	// Detail says more, as a JSON object (nil for nothing).
	Detail json.RawMessage
}

// AuditQuery selects a page of the audit log, newest first.
type AuditQuery struct {
	// Events, when not empty, keeps the entries of these events only.
	Events []string
	// Since and Until, when not zero, keep entries at or after Since and
	// before Until.
	Since, Until time.Time
	// After continues from the last entry of a previous page.
	After *AuditCursor
	// Limit is the page size: DefaultAuditLimit when 0 or less, at most
	// MaxAuditLimit.
	Limit int
}

// AuditCursor is the position after which a page of the audit log starts:
// the time and id of the previous page's last entry. It encodes like a
// history cursor (see HistoryCursor.Encode and DecodeHistoryCursor).
type AuditCursor = HistoryCursor

// AuditPage is one page of the audit log; Next is set when more follow.
type AuditPage struct {
	Entries []AuditEntry
	Next    *AuditCursor
}

// Limits of a page of the audit log and of an entry filter.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 200
	maxAuditEvents    = 50
)

const auditColumns = "id, tenant_id, at, actor_user_id, actor_token_id, address, event, object_id, record_id, detail"

// InsertAudit writes an entry to the audit log, giving it an id and, when
// it has none, the current time. Write it in the transaction of the change
// it records, when there is one.
func InsertAudit(ctx context.Context, q Querier, e *AuditEntry) error {
	switch {
	case !validID(e.TenantID):
		return fmt.Errorf("store: insert audit: tenant %q: %w", e.TenantID, ErrNotFound)
	case e.Event == "":
		return errors.New("store: insert audit: the event is required")
	case e.ActorUserID != "" && !validID(e.ActorUserID), e.ActorTokenID != "" && !validID(e.ActorTokenID):
		return errors.New("store: insert audit: actor ids must be UUIDs")
	case len(e.Detail) > 0 && !json.Valid(e.Detail):
		return errors.New("store: insert audit: the detail is not valid JSON")
	}
	if e.ID == "" {
		e.ID = uuid.Must(uuid.NewV7()).String()
	}
	if e.At.IsZero() {
		e.At = utcNow()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	_, err := q.Exec(ctx, "INSERT INTO audit_log ("+auditColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		e.ID, e.TenantID, e.At, nullString(e.ActorUserID), nullString(e.ActorTokenID), nullString(e.Address), e.Event,
		nullString(e.ObjectID), nullString(e.RecordID), jsonArg(e.Detail))
	if err != nil {
		var ce *ConstraintError
		if errors.As(err, &ce) && ce.Kind == ConstraintForeignKey {
			return fmt.Errorf("store: insert audit: tenant %q: %w: %w", e.TenantID, ErrNotFound, err)
		}
		return fmt.Errorf("store: insert audit: %w", err)
	}
	return nil
}

// ListAudit returns one page of the tenant's audit log, newest first (time,
// then id, descending). Only the tenant's entries are read.
func ListAudit(ctx context.Context, q Querier, tenantID string, aq AuditQuery) (AuditPage, error) {
	limit := aq.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)
	if !validID(tenantID) {
		return AuditPage{Entries: []AuditEntry{}}, nil
	}
	if len(aq.Events) > maxAuditEvents {
		return AuditPage{}, fmt.Errorf("store: list audit: at most %d events", maxAuditEvents)
	}
	var b strings.Builder
	b.WriteString("SELECT " + auditColumns + " FROM audit_log WHERE tenant_id = $1")
	args := []any{tenantID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(aq.Events) > 0 {
		b.WriteString(" AND event IN (")
		for i, ev := range aq.Events {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(arg(ev))
		}
		b.WriteString(")")
	}
	if !aq.Since.IsZero() {
		b.WriteString(" AND at >= " + arg(aq.Since.UTC()))
	}
	if !aq.Until.IsZero() {
		b.WriteString(" AND at < " + arg(aq.Until.UTC()))
	}
	if aq.After != nil {
		if !validID(aq.After.ID) {
			return AuditPage{}, fmt.Errorf("store: list audit: %w", ErrInvalidCursor)
		}
		b.WriteString(" AND (at, id) < (" + arg(aq.After.ChangedAt.UTC()) + ", " + arg(aq.After.ID) + ")")
	}
	fmt.Fprintf(&b, " ORDER BY at DESC, id DESC LIMIT %d", limit+1)
	rows, err := q.Query(ctx, b.String(), args...)
	if err != nil {
		return AuditPage{}, fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	page := AuditPage{Entries: make([]AuditEntry, 0, min(limit, 16))}
	for rows.Next() {
		var (
			e                                    AuditEntry
			user, token, address, object, record sql.NullString
			detail                               []byte
		)
		if err := rows.Scan(&e.ID, &e.TenantID, &e.At, &user, &token, &address, &e.Event, &object, &record, &detail); err != nil {
			return AuditPage{}, fmt.Errorf("store: list audit: %w", err)
		}
		e.ActorUserID, e.ActorTokenID, e.Address, e.ObjectID, e.RecordID = user.String, token.String, address.String, object.String, record.String
		e.Detail = rawJSON(detail)
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return AuditPage{}, fmt.Errorf("store: list audit: %w", err)
	}
	if len(page.Entries) > limit {
		page.Entries = page.Entries[:limit]
		last := page.Entries[limit-1]
		page.Next = &AuditCursor{ChangedAt: last.At, ID: last.ID}
	}
	return page, nil
}
