package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

func (s *Server) routeShares(r fiber.Router) {
	r.Get("/objects/:object/records/:id/shares", s.listShares)
	r.Post("/objects/:object/records/:id/shares", s.createShare)
	r.Delete("/objects/:object/records/:id/shares/:share", s.deleteShare)
}

// shareJSON is a manual share as answered.
type shareJSON struct {
	ID        string  `json:"id"`
	UserID    *string `json:"user_id"`
	Role      *string `json:"role"`
	Access    string  `json:"access"`
	CreatedBy string  `json:"created_by"`
	CreatedAt string  `json:"created_at"`
}

func shareOut(sh store.Share) shareJSON {
	out := shareJSON{ID: sh.ID, Access: sh.Access, CreatedBy: sh.CreatedBy, CreatedAt: sh.CreatedAt.UTC().Format(metadata.DateTimeLayout)}
	if sh.UserID != "" {
		out.UserID = &sh.UserID
	}
	if sh.Role != "" {
		out.Role = &sh.Role
	}
	return out
}

// listShares answers GET /objects/{object}/records/{id}/shares: the
// record's manual shares, for its owner or an admin.
func (s *Server) listShares(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	shares, err := s.records.Shares(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")))
	if err != nil {
		return err
	}
	out := make([]shareJSON, len(shares))
	for i, sh := range shares {
		out[i] = shareOut(sh)
	}
	return c.JSON(fiber.Map{"shares": out})
}

// shareRequest is the body of POST …/shares.
type shareRequest struct {
	UserID string `json:"user_id"`
	Role   string `json:"role"`
	Access string `json:"access"`
}

// createShare answers POST /objects/{object}/records/{id}/shares: shares
// the record with a user or a role, by its owner or an admin (edit
// permission on the object is needed too).
func (s *Server) createShare(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	if err := permit(c, obj, actionEdit); err != nil {
		return err
	}
	var req shareRequest
	if err := decodeInput(c.Body(), &req); err != nil {
		return err
	}
	sh, err := s.records.Share(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")),
		records.ShareInput{UserID: strings.ToLower(req.UserID), Role: req.Role, Access: req.Access})
	if err != nil {
		return err
	}
	out := shareOut(sh)
	s.audit(c, auth.EventRecordShared, obj.Meta.ID, strings.ToLower(c.Params("id")), map[string]any{
		"object": obj.Meta.Name, "share": out})
	return c.Status(fiber.StatusCreated).JSON(out)
}

// deleteShare answers DELETE /objects/{object}/records/{id}/shares/{share}.
func (s *Server) deleteShare(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	if err := permit(c, obj, actionEdit); err != nil {
		return err
	}
	id, share := strings.ToLower(c.Params("id")), strings.ToLower(c.Params("share"))
	if err := s.records.Unshare(c.UserContext(), rev, obj, actorOf(c), id, share); err != nil {
		return err
	}
	s.audit(c, auth.EventRecordUnshared, obj.Meta.ID, id, map[string]any{"object": obj.Meta.Name, "share_id": share})
	return c.SendStatus(fiber.StatusNoContent)
}
