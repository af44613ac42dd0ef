package api

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/approvals"
)

// routeApprovals registers the approval runtime: submitting, recalling
// and previewing a record's approval, its state and history, the inbox,
// decisions on tasks (one or a batch), reassignment, added approvers, and
// the outbox of events.
func (s *Server) routeApprovals(r fiber.Router) {
	r.Get("/objects/:object/records/:id/approval", s.approvalState)
	r.Get("/objects/:object/records/:id/approval/preview", s.approvalPreview)
	r.Post("/objects/:object/records/:id/approval/submit", s.approvalSubmit)
	r.Post("/objects/:object/records/:id/approval/recall", s.approvalRecall)
	r.Get("/approvals/inbox", s.approvalInbox)
	r.Post("/approvals/tasks/batch", s.approvalBatch)
	r.Post("/approvals/tasks/:task/approve", s.approvalDecide(approvals.Approve))
	r.Post("/approvals/tasks/:task/reject", s.approvalDecide(approvals.Reject))
	r.Post("/approvals/tasks/:task/reassign", s.approvalReassign)
	r.Get("/approvals/:instance", s.approvalInstance)
	r.Post("/approvals/:instance/approvers", s.approvalAddApprover)
	r.Get("/outbox", s.outbox)
}

// decodeOptional decodes an optional JSON object body into v like
// decodeInput: an empty body leaves v as it is.
func decodeOptional(c *fiber.Ctx, v any) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	return decodeInput(c.Body(), v)
}

// accessFunc returns the caller's access to each object of rev.
func (s *Server) accessFunc(c *fiber.Ctx, rev *compiled.Revision) approvals.AccessFunc {
	return func(obj *compiled.Object) *compiled.Access { return accessTo(c, rev, obj) }
}

func (s *Server) approvalSubmit(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	var in approvals.SubmitInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	inst, err := s.approvals.Submit(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")), in)
	if err != nil {
		return err
	}
	st, err := s.approvals.Instance(c.UserContext(), rev, actorOf(c), s.accessFunc(c, rev), inst.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(st)
}

func (s *Server) approvalRecall(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	var in approvals.RecallInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	inst, err := s.approvals.Recall(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")), in)
	if err != nil {
		return err
	}
	st, err := s.approvals.Instance(c.UserContext(), rev, actorOf(c), s.accessFunc(c, rev), inst.ID)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) approvalState(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	st, err := s.approvals.State(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) approvalPreview(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	p, err := s.approvals.Preview(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) approvalInbox(c *fiber.Ctx) error {
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	tasks, err := s.approvals.Inbox(c.UserContext(), rev, actorOf(c), s.accessFunc(c, rev))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tasks": tasks, "count": len(tasks)})
}

func (s *Server) approvalDecide(decision string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		rev, err := s.revision(c)
		if err != nil {
			return err
		}
		var in approvals.DecideInput
		if err := decodeOptional(c, &in); err != nil {
			return err
		}
		tk, err := s.approvals.Decide(c.UserContext(), rev, actorOf(c), strings.ToLower(c.Params("task")), decision, in)
		if err != nil {
			return err
		}
		return c.JSON(tk)
	}
}

func (s *Server) approvalBatch(c *fiber.Ctx) error {
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	var in approvals.BatchInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	results, err := s.approvals.Batch(c.UserContext(), rev, actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"results": results})
}

func (s *Server) approvalReassign(c *fiber.Ctx) error {
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	var in approvals.ReassignInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	tk, err := s.approvals.Reassign(c.UserContext(), rev, actorOf(c), strings.ToLower(c.Params("task")), in)
	if err != nil {
		return err
	}
	return c.JSON(tk)
}

func (s *Server) approvalInstance(c *fiber.Ctx) error {
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	st, err := s.approvals.Instance(c.UserContext(), rev, actorOf(c), s.accessFunc(c, rev), strings.ToLower(c.Params("instance")))
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) approvalAddApprover(c *fiber.Ctx) error {
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	var in approvals.AddApproverInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	tk, err := s.approvals.AddApprover(c.UserContext(), rev, actorOf(c), strings.ToLower(c.Params("instance")), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(tk)
}

// outbox lists the tenant's outbox events after ?after=<id> (admins only).
func (s *Server) outbox(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	limit := 100
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return problem(fiber.StatusBadRequest, CodeInvalidQuery, "limit must be a whole number from 1 to 1000")
		}
		limit = n
	}
	events, err := approvals.Outbox(c.UserContext(), s.db, tenantOf(c).ID, strings.ToLower(c.Query("after")), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"events": events})
}

// approvalProblem maps an approval error to its problem.
func approvalProblem(ae *approvals.Error) *Problem {
	status := fiber.StatusUnprocessableEntity
	switch ae.Kind {
	case approvals.NotFound:
		status = fiber.StatusNotFound
	case approvals.Forbidden:
		status = fiber.StatusForbidden
	case approvals.Conflict:
		status = fiber.StatusConflict
	}
	return problem(status, ae.Code, "%s", ae.Message)
}
