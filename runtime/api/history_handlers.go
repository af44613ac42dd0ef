package api

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// historyEntryJSON is one change of a record's field history as answered.
type historyEntryJSON struct {
	Field     string          `json:"field"`
	OldValue  json.RawMessage `json:"old_value"`
	NewValue  json.RawMessage `json:"new_value"`
	ChangedBy *string         `json:"changed_by"`
	ChangedAt string          `json:"changed_at"`
}

// recordHistory answers GET /objects/{object}/records/{id}/history: the
// changes of the record's tracked fields, newest first, a page at a time.
func (s *Server) recordHistory(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	q := records.HistoryQuery{Cursor: c.Query("cursor")}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxHistoryLimit {
			return problem(fiber.StatusBadRequest, CodeInvalidQuery, "limit must be a whole number from 1 to %d", store.MaxHistoryLimit)
		}
		q.Limit = n
	}
	res, err := s.records.History(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")), q)
	if err != nil {
		return err
	}
	// Changes of fields the caller's role may not read are left out.
	acc := accessOf(c)
	out := make([]historyEntryJSON, 0, len(res.Entries))
	for _, e := range res.Entries {
		if !acc.CanRead(e.Field) {
			continue
		}
		entry := historyEntryJSON{Field: e.Field, OldValue: e.OldValue, NewValue: e.NewValue, ChangedAt: e.ChangedAt.UTC().Format(metadata.DateTimeLayout)}
		if e.ChangedBy != "" {
			by := e.ChangedBy
			entry.ChangedBy = &by
		}
		out = append(out, entry)
	}
	return c.JSON(fiber.Map{"history": out, "next_cursor": nilIfEmpty(res.NextCursor)})
}
