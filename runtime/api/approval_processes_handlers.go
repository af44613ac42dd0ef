package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
)

// routeApprovalProcesses registers the metadata of approvals: approval
// processes one by one, the queues as a whole list, and each process's
// metrics, for administrators.
func (s *Server) routeApprovalProcesses(r fiber.Router) {
	r.Get("/approval-processes", s.listApprovalProcesses)
	r.Get("/approval-processes/:name", s.getApprovalProcess)
	r.Put("/approval-processes/:name", s.putApprovalProcess)
	r.Delete("/approval-processes/:name", s.deleteApprovalProcess)
	r.Get("/approval-processes/:name/metrics", s.approvalMetrics)
	r.Get("/queues", s.getQueues)
	r.Put("/queues", s.putQueues)
}

func (s *Server) listApprovalProcesses(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	ps := rev.Model.ApprovalProcesses
	if ps == nil {
		ps = []*metadata.ApprovalProcess{}
	}
	return c.JSON(fiber.Map{"revision": rev.Number, "approval_processes": ps})
}

func (s *Server) getApprovalProcess(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	p := rev.Model.ApprovalProcess(c.Params("name"))
	if p == nil {
		return problem(fiber.StatusNotFound, CodeNotFound, "there is no approval process %q", c.Params("name"))
	}
	return c.JSON(fiber.Map{"revision": rev.Number, "approval_process": p})
}

// putApprovalProcess creates or replaces one process: the body is the
// process document (JSON or YAML), checked against
// approval_process.schema.json, then with the whole model.
func (s *Server) putApprovalProcess(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	if err := checkJSON(c); err != nil {
		return err
	}
	p, err := metadata.DecodeApprovalProcess(c.Body())
	if err != nil {
		return err
	}
	name := c.Params("name")
	if p.Name != name {
		return metadata.Problems{{Path: "name", Code: metadata.ProblemInvalidSetting, Message: "the process's name must be the one in the URL, " + name}}
	}
	status, summary := fiber.StatusCreated, "create approval process "+name
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	if rev.Model.ApprovalProcess(name) != nil {
		status, summary = fiber.StatusOK, "change approval process "+name
	}
	return s.change(c, status, summary, "", func(m *metadata.Model) error {
		for i, old := range m.ApprovalProcesses {
			if old.Name == name {
				m.ApprovalProcesses[i] = p
				return nil
			}
		}
		m.ApprovalProcesses = append(m.ApprovalProcesses, p)
		return nil
	})
}

func (s *Server) deleteApprovalProcess(c *fiber.Ctx) error {
	name := c.Params("name")
	return s.change(c, fiber.StatusOK, "delete approval process "+name, "", func(m *metadata.Model) error {
		for i, p := range m.ApprovalProcesses {
			if p.Name == name {
				m.ApprovalProcesses = append(m.ApprovalProcesses[:i], m.ApprovalProcesses[i+1:]...)
				return nil
			}
		}
		return problem(fiber.StatusNotFound, CodeNotFound, "there is no approval process %q", name)
	})
}

func (s *Server) approvalMetrics(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	m, err := s.approvals.Metrics(c.UserContext(), rev, c.Params("name"))
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) getQueues(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	qs := rev.Model.Queues
	if qs == nil {
		qs = []*metadata.Queue{}
	}
	return c.JSON(fiber.Map{"revision": rev.Number, "queues": qs})
}

// putQueues replaces every queue: the body is {"queues": [...]}.
func (s *Server) putQueues(c *fiber.Ctx) error {
	part, err := decodeModelPart(c, "queues")
	if err != nil {
		return err
	}
	return s.change(c, fiber.StatusOK, "replace queues", "", func(m *metadata.Model) error {
		m.Queues = part.Queues
		return nil
	})
}
