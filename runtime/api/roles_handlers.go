package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
)

// routeRoles registers the metadata of authorization: the tenant's custom
// roles and permission sets, each read and replaced as a whole list, by
// administrators only.
func (s *Server) routeRoles(r fiber.Router) {
	r.Get("/roles", s.getRoles)
	r.Put("/roles", s.putRoles)
	r.Get("/permission-sets", s.getPermissionSets)
	r.Put("/permission-sets", s.putPermissionSets)
}

func (s *Server) getRoles(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	roles := rev.Model.Roles
	if roles == nil {
		roles = []*metadata.Role{}
	}
	return c.JSON(fiber.Map{"revision": rev.Number, "roles": roles})
}

func (s *Server) getPermissionSets(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	sets := rev.Model.PermissionSets
	if sets == nil {
		sets = []*metadata.PermissionSet{}
	}
	return c.JSON(fiber.Map{"revision": rev.Number, "permission_sets": sets})
}

// putRoles replaces every custom role: the body is {"roles": [...]}, a
// model document with roles only, checked against model.schema.json.
func (s *Server) putRoles(c *fiber.Ctx) error {
	part, err := decodeModelPart(c, "roles")
	if err != nil {
		return err
	}
	return s.change(c, fiber.StatusOK, "replace roles", "", func(m *metadata.Model) error {
		m.Roles = part.Roles
		return nil
	})
}

// putPermissionSets replaces every permission set: the body is
// {"permission_sets": [...]}.
func (s *Server) putPermissionSets(c *fiber.Ctx) error {
	part, err := decodeModelPart(c, "permission_sets")
	if err != nil {
		return err
	}
	return s.change(c, fiber.StatusOK, "replace permission sets", "", func(m *metadata.Model) error {
		m.PermissionSets = part.PermissionSets
		return nil
	})
}

// decodeModelPart decodes a body that is a model document holding only the
// member named (JSON or YAML), validated against the model's schema.
func decodeModelPart(c *fiber.Ctx, member string) (*metadata.Model, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	if err := checkJSON(c); err != nil {
		return nil, err
	}
	m, err := metadata.DecodeModel(c.Body())
	if err != nil {
		return nil, err
	}
	other := len(m.Objects) > 0 || len(m.ApprovalProcesses) > 0 || (member != "roles" && m.Roles != nil) ||
		(member != "permission_sets" && m.PermissionSets != nil) || (member != "queues" && m.Queues != nil)
	if other {
		return nil, metadata.Problems{{Path: member, Code: metadata.ProblemSchema, Message: "the body must be {\"" + member + "\": [...]} and nothing else"}}
	}
	return m, nil
}
