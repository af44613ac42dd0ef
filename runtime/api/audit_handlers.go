package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

func (s *Server) routeAudit(r fiber.Router) {
	r.Get("/audit", s.listAudit)
}

// auditEntryJSON is an entry of the audit log as answered.
type auditEntryJSON struct {
	ID           string          `json:"id"`
	At           string          `json:"at"`
	Event        string          `json:"event"`
	ActorUserID  *string         `json:"actor_user_id"`
	ActorTokenID *string         `json:"actor_token_id"`
	Address      *string         `json:"address"`
	ObjectID     *string         `json:"object_id"`
	RecordID     *string         `json:"record_id"`
	Detail       json.RawMessage `json:"detail"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// listAudit answers GET /audit, for administrators: the tenant's audit log,
// newest first, filtered by event (?event=a,b), and time (?since=, ?until=,
// RFC 3339), a page (?limit=, ?cursor=) at a time.
func (s *Server) listAudit(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	var q store.AuditQuery
	if ev := c.Query("event"); ev != "" {
		for _, e := range strings.Split(ev, ",") {
			e = strings.TrimSpace(e)
			if !slices.Contains(auth.Events, e) {
				return problem(fiber.StatusBadRequest, CodeInvalidQuery, "there is no audit event %q; the events are %s", e, strings.Join(auth.Events, ", "))
			}
			q.Events = append(q.Events, e)
		}
	}
	for _, tp := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if v := c.Query(tp.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return problem(fiber.StatusBadRequest, CodeInvalidQuery, "%s must be a time in RFC 3339 form, such as 2025-01-31T09:00:00Z", tp.name)
			}
			*tp.dst = t
		}
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxAuditLimit {
			return problem(fiber.StatusBadRequest, CodeInvalidQuery, "limit must be a whole number from 1 to %d", store.MaxAuditLimit)
		}
		q.Limit = n
	}
	if cur := c.Query("cursor"); cur != "" {
		after, err := store.DecodeHistoryCursor(cur)
		if err != nil {
			return problem(fiber.StatusBadRequest, CodeInvalidQuery, "the cursor is not one this API gave")
		}
		q.After = after
	}
	page, err := store.ListAudit(c.UserContext(), s.db, tenantOf(c).ID, q)
	if errors.Is(err, store.ErrInvalidCursor) {
		return problem(fiber.StatusBadRequest, CodeInvalidQuery, "the cursor is not one this API gave")
	}
	if err != nil {
		return err
	}
	out := make([]auditEntryJSON, len(page.Entries))
	for i, e := range page.Entries {
		out[i] = auditEntryJSON{
			ID: e.ID, At: timeJSON(e.At), Event: e.Event, ActorUserID: strPtr(e.ActorUserID), ActorTokenID: strPtr(e.ActorTokenID),
			Address: strPtr(e.Address), ObjectID: strPtr(e.ObjectID), RecordID: strPtr(e.RecordID), Detail: e.Detail,
		}
		if out[i].Detail == nil {
			out[i].Detail = json.RawMessage("{}")
		}
	}
	var next any
	if page.Next != nil {
		next = page.Next.Encode()
	}
	return c.JSON(fiber.Map{"entries": out, "next_cursor": next})
}

// audit writes an entry for a change that has already committed (a
// metadata change, a record delete). The change stands whatever happens
// here, so a failure to write the entry is logged rather than answered.
func (s *Server) audit(c *fiber.Ctx, event, objectID, recordID string, detail map[string]any) {
	e := auditActor(c).Entry(tenantOf(c).ID, event, detail)
	e.ObjectID, e.RecordID = objectID, recordID
	// The request may be cancelled once the change is made; the entry is
	// written anyway.
	if err := store.InsertAudit(context.WithoutCancel(c.UserContext()), s.db, e); err != nil {
		slog.ErrorContext(c.UserContext(), "api: audit entry not written", "event", event, "tenant", tenantOf(c).Name, "error", err)
	}
}

// auditRecordDeleted records the delete of a record.
func (s *Server) auditRecordDeleted(c *fiber.Ctx, obj *compiled.Object, id string) {
	s.audit(c, auth.EventRecordDeleted, obj.Meta.ID, id, map[string]any{"object": obj.Meta.Name})
}

// auditMetadataChange records an applied metadata change: its revision,
// summary and what it changed.
func (s *Server) auditMetadataChange(c *fiber.Ctx, summary, object string, res *catalog.Result) {
	objectID := ""
	if o, ok := res.Revision.Object(object); ok {
		objectID = o.Meta.ID
	}
	s.audit(c, auth.EventMetadataChanged, objectID, "", map[string]any{
		"revision": res.Revision.Number, "summary": summary, "changes": res.Changes,
	})
}
