package api

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/actions"
)

// routeActions registers record actions: listing an object's actions (for
// the UI) and running one on a record.
func (s *Server) routeActions(r fiber.Router) {
	r.Get("/objects/:object/actions", s.listActions)
	r.Post("/objects/:object/records/:id/actions/:action", s.runAction)
}

// actionInfo describes a record action to a caller: what to show and
// which parameters to ask for.
type actionInfo struct {
	Name        string                      `json:"name"`
	Label       metadata.Text               `json:"label,omitempty"`
	Description metadata.Text               `json:"description,omitempty"`
	Criteria    string                      `json:"criteria,omitempty"`
	Parameters  []*metadata.ActionParameter `json:"parameters"`
	// Creates lists the objects the action creates records of, in order.
	Creates []string `json:"creates"`
}

func (s *Server) listActions(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	out := []actionInfo{}
	for _, a := range rev.Actions(obj.Meta.Name) {
		info := actionInfo{Name: a.Meta.Name, Label: a.Meta.Label, Description: a.Meta.Description,
			Criteria: a.Meta.Criteria, Parameters: a.Meta.Parameters, Creates: []string{}}
		if info.Parameters == nil {
			info.Parameters = []*metadata.ActionParameter{}
		}
		for _, cr := range a.Creates {
			info.Creates = append(info.Creates, cr.Target.Meta.Name)
		}
		out = append(out, info)
	}
	return c.JSON(fiber.Map{"actions": out})
}

// runAction runs a record action. The body is an optional JSON object of
// parameters. The answer is {"record": …, "created": {alias: record}},
// each record limited to the fields the caller may read.
func (s *Server) runAction(c *fiber.Ctx) error {
	rev, obj, err := s.object(c)
	if err != nil {
		return err
	}
	var params map[string]any
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if params, err = decodeObject(c.Body()); err != nil {
			return err
		}
	}
	res, err := s.actions.Run(c.UserContext(), rev, obj, actorOf(c), strings.ToLower(c.Params("id")), c.Params("action"), params)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(res.Record))
	return sendEncoded(c, fiber.StatusOK, func(dst []byte) ([]byte, error) {
		var err error
		dst = append(dst, `{"record":`...)
		if dst, err = newRecordEncoder(obj, accessOf(c), nil).appendRecord(dst, res.Record); err != nil {
			return nil, err
		}
		dst = append(dst, `,"created":{`...)
		for i, alias := range res.Order {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, alias)
			dst = append(dst, ':')
			co := res.Objects[alias]
			if dst, err = newRecordEncoder(co, accessTo(c, rev, co), nil).appendRecord(dst, res.Created[alias]); err != nil {
				return nil, err
			}
		}
		return append(dst, "}}"...), nil
	})
}

// actionProblem maps a refused record action to a problem.
func actionProblem(ae *actions.Error) *Problem {
	status := fiber.StatusUnprocessableEntity
	switch ae.Kind {
	case actions.NotFound:
		status = fiber.StatusNotFound
	case actions.Forbidden:
		status = fiber.StatusForbidden
	}
	p := problem(status, ae.Code, "%s", ae.Message)
	for _, fe := range ae.Errors {
		p.Errors = append(p.Errors, ProblemItem{Field: fe.Field, Code: fe.Code, Message: fe.Message})
	}
	return p
}
