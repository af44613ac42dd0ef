package api

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

func (s *Server) routeUsers(r fiber.Router) {
	r.Get("/users", s.listUsers)
	r.Post("/users", s.createUser)
	r.Get("/users/:id", s.getUser)
	r.Patch("/users/:id", s.updateUser)
	r.Put("/users/:id/password", s.setPassword)
}

// userJSON is a user as the API shows it: never its password hash.
func userJSON(u store.User) fiber.Map {
	return fiber.Map{
		"id": u.ID, "email": u.Email, "name": u.Name, "active": u.Active, "manager_id": nilIfEmpty(u.ManagerID),
		"role": u.Role, "has_password": u.HasPassword, "password_changed_at": timePtrJSON(u.PasswordChangedAt),
		"created_at": timeJSON(u.CreatedAt), "updated_at": timeJSON(u.UpdatedAt),
	}
}

func timeJSON(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func timePtrJSON(t *time.Time) any {
	if t == nil {
		return nil
	}
	return timeJSON(*t)
}

// userParam resolves the :id parameter to a user of the caller's tenant;
// "me" is the caller.
func (s *Server) userParam(c *fiber.Ctx) (store.User, error) {
	id := identityOf(c)
	param := strings.ToLower(c.Params("id"))
	if param == "me" {
		param = id.User.ID
	}
	u, err := store.UserByID(c.UserContext(), s.db, id.Tenant.ID, param)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, problem(fiber.StatusNotFound, CodeNotFound, "no such user")
	}
	return u, err
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	var f store.UserFilter
	switch c.Query("active") {
	case "":
	case "true":
		f.Active = new(true)
	case "false":
		f.Active = new(false)
	default:
		return problem(fiber.StatusBadRequest, CodeInvalidQuery, "query parameter active must be true or false")
	}
	users, err := store.ListUsers(c.UserContext(), s.db, tenantOf(c).ID, f)
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(users))
	for i, u := range users {
		out[i] = userJSON(u)
	}
	return c.JSON(fiber.Map{"users": out})
}

func (s *Server) getUser(c *fiber.Ctx) error {
	u, err := s.userParam(c)
	if err != nil {
		return err
	}
	return c.JSON(userJSON(u))
}

// createUserBody is the body of POST /users.
type createUserBody struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	ManagerID string `json:"manager_id"`
	Password  string `json:"password"`
}

func (s *Server) createUser(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	var body createUserBody
	if err := decodeInput(c.Body(), &body); err != nil {
		return err
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	u, err := s.auth.CreateUser(c.UserContext(), tenantOf(c).ID, auth.UserInput{
		Email: body.Email, Name: body.Name, Role: body.Role, ManagerID: strings.ToLower(body.ManagerID), Password: body.Password,
		KnownRole: rev.Model.HasRole,
	}, auditActor(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/api/v1/users/"+u.ID)
	return c.Status(fiber.StatusCreated).JSON(userJSON(u))
}

// updateUser answers PATCH /users/{id}: email, name, role, manager_id
// (null removes the manager) and active (false deactivates the user).
func (s *Server) updateUser(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	u, err := s.userParam(c)
	if err != nil {
		return err
	}
	body, err := decodeObject(c.Body())
	if err != nil {
		return err
	}
	var ch auth.UserChange
	p := problem(fiber.StatusUnprocessableEntity, CodeValidation, "the user change is not valid")
	str := func(name string, v any, nullable bool) *string {
		if v == nil && nullable {
			return new("")
		}
		sv, ok := v.(string)
		if !ok {
			p.Errors = append(p.Errors, ProblemItem{Field: name, Code: auth.CodeInvalid, Message: name + " must be a string"})
			return nil
		}
		return &sv
	}
	for k, v := range body {
		switch k {
		case "email":
			ch.Email = str(k, v, false)
		case "name":
			ch.Name = str(k, v, false)
		case "role":
			ch.Role = str(k, v, false)
		case "manager_id":
			if ch.ManagerID = str(k, v, true); ch.ManagerID != nil {
				*ch.ManagerID = strings.ToLower(*ch.ManagerID)
			}
		case "active":
			b, ok := v.(bool)
			if !ok {
				p.Errors = append(p.Errors, ProblemItem{Field: k, Code: auth.CodeInvalid, Message: "active must be true or false"})
				continue
			}
			ch.Active = &b
		default:
			p.Errors = append(p.Errors, ProblemItem{Field: k, Code: CodeUnknownField,
				Message: "a user has no member " + strconv.Quote(k) + " that can be changed (email, name, role, manager_id, active; passwords at PUT /users/{id}/password)"})
		}
	}
	if len(p.Errors) > 0 {
		return p
	}
	rev, err := s.revision(c)
	if err != nil {
		return err
	}
	ch.KnownRole = rev.Model.HasRole
	after, err := s.auth.UpdateUser(c.UserContext(), tenantOf(c).ID, u.ID, ch, auditActor(c))
	if errors.Is(err, store.ErrNotFound) {
		return problem(fiber.StatusNotFound, CodeNotFound, "no such user")
	}
	if err != nil {
		return err
	}
	s.forgetAll()
	return c.JSON(userJSON(after))
}

// passwordBody is the body of PUT /users/{id}/password.
type passwordBody struct {
	Password        string `json:"password"`
	CurrentPassword string `json:"current_password"`
}

// setPassword answers PUT /users/{id}/password. Users set their own
// password, giving the current one if they have one; administrators set
// anyone's. The user's other sessions end.
func (s *Server) setPassword(c *fiber.Ctx) error {
	id := identityOf(c)
	u, err := s.userParam(c)
	if err != nil {
		return err
	}
	own := u.ID == id.User.ID
	if !own && !id.IsAdmin() {
		return problem(fiber.StatusForbidden, CodeForbidden, "only administrators may set another user's password")
	}
	var body passwordBody
	if err := decodeInput(c.Body(), &body); err != nil {
		return err
	}
	if own && u.HasPassword {
		if body.CurrentPassword == "" {
			return &Problem{Type: "https://mosaic.dev/problems/" + CodeValidation, Title: "Unprocessable Entity", Status: fiber.StatusUnprocessableEntity,
				Code: CodeValidation, Detail: "changing your own password needs your current one",
				Errors: []ProblemItem{{Field: "current_password", Code: auth.CodeRequired, Message: "give your current password"}}}
		}
		ok, err := s.auth.CheckPassword(c.UserContext(), id, body.CurrentPassword, c.IP())
		if err != nil {
			return signInProblem(c, err)
		}
		if !ok {
			p := problem(fiber.StatusUnprocessableEntity, CodeValidation, "the current password is not right")
			p.Errors = []ProblemItem{{Field: "current_password", Code: auth.CodeInvalid, Message: "the current password is not right"}}
			return p
		}
	}
	keep := ""
	if own && id.Session != nil {
		keep = id.Session.ID
	}
	if err := s.auth.SetPassword(c.UserContext(), id.Tenant.ID, u.ID, body.Password, keep, id.Actor(c.IP())); err != nil {
		return err
	}
	s.forgetAll()
	return c.SendStatus(fiber.StatusNoContent)
}
