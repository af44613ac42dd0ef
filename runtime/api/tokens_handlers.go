package api

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

func (s *Server) routeTokens(r fiber.Router) {
	r.Get("/tokens", s.listTokens)
	r.Post("/tokens", s.createToken)
	r.Delete("/tokens/:id", s.revokeToken)
}

// tokenJSON is a token as the API shows it: never its hash. Its objects
// are shown by their current names.
func (s *Server) tokenJSON(c *fiber.Ctx, tenant store.Tenant, tok store.Token) fiber.Map {
	out := fiber.Map{
		"id": tok.ID, "name": tok.Name, "user_id": tok.UserID, "read_only": tok.ReadOnly, "objects": nil,
		"created_at": timeJSON(tok.CreatedAt), "last_used_at": timePtrJSON(tok.LastUsedAt), "revoked_at": timePtrJSON(tok.RevokedAt),
	}
	if tok.Objects != nil {
		var rev *compiled.Revision
		if r, err := s.catalog.Current(c.UserContext(), tenant); err == nil {
			rev = r
		}
		names := make([]string, len(tok.Objects))
		for i, oid := range tok.Objects {
			names[i] = oid
			if rev != nil {
				if o := rev.Model.ObjectByID(oid); o != nil {
					names[i] = o.Name
				}
			}
		}
		out["objects"] = names
	}
	return out
}

// listTokens answers GET /tokens: the caller's tokens; administrators may
// ask for a user's (?user=ID) or everyone's (?all=true).
func (s *Server) listTokens(c *fiber.Ctx) error {
	id := identityOf(c)
	all, err := boolQuery(c, "all")
	if err != nil {
		return err
	}
	user := strings.ToLower(c.Query("user"))
	if (all || (user != "" && user != id.User.ID)) && !id.IsAdmin() {
		return problem(fiber.StatusForbidden, CodeForbidden, "only administrators may list other users' tokens")
	}
	if user == "" {
		user = id.User.ID
	}
	var tokens []store.Token
	if all {
		tokens, err = store.ListTokens(c.UserContext(), s.db, id.Tenant.ID)
	} else {
		tokens, err = store.ListUserTokens(c.UserContext(), s.db, id.Tenant.ID, user)
	}
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(tokens))
	for i, t := range tokens {
		out[i] = s.tokenJSON(c, id.Tenant, t)
	}
	return c.JSON(fiber.Map{"tokens": out})
}

// createTokenBody is the body of POST /tokens.
type createTokenBody struct {
	Name     string `json:"name"`
	ReadOnly bool   `json:"read_only"`
	// Objects names the objects the token is limited to; absent or null
	// for no limit.
	Objects *[]string `json:"objects"`
}

// createToken answers POST /tokens: a token of the caller's user, with the
// plaintext in "token", shown this once.
func (s *Server) createToken(c *fiber.Ctx) error {
	id := identityOf(c)
	var body createTokenBody
	if err := decodeInput(c.Body(), &body); err != nil {
		return err
	}
	in := auth.TokenInput{Name: body.Name, ReadOnly: body.ReadOnly}
	if body.Objects != nil {
		p := problem(fiber.StatusUnprocessableEntity, CodeValidation, "the token's objects are not valid")
		if len(*body.Objects) == 0 {
			p.Errors = append(p.Errors, ProblemItem{Field: "objects", Code: auth.CodeRequired, Message: "name at least one object, or leave objects out for a token of every object"})
		}
		rev, err := s.revision(c)
		if err != nil {
			return err
		}
		in.Objects = []string{}
		for _, name := range *body.Objects {
			o, ok := rev.Object(name)
			if !ok {
				p.Errors = append(p.Errors, ProblemItem{Field: "objects", Code: CodeUnknownObject, Message: "there is no object " + strconv.Quote(name)})
				continue
			}
			in.Objects = append(in.Objects, o.Meta.ID)
		}
		if len(p.Errors) > 0 {
			return p
		}
	}
	plain, tok, err := s.auth.CreateToken(c.UserContext(), id.Tenant.ID, id.User.ID, in, id.Actor(c.IP()))
	if err != nil {
		return err
	}
	out := s.tokenJSON(c, id.Tenant, tok)
	out["token"] = plain
	c.Set(fiber.HeaderLocation, "/api/v1/tokens/"+tok.ID)
	return c.Status(fiber.StatusCreated).JSON(out)
}

// revokeToken answers DELETE /tokens/{id}: users revoke their own tokens,
// administrators anyone's. Another user's token is "not found" to a
// non-administrator.
func (s *Server) revokeToken(c *fiber.Ctx) error {
	id := identityOf(c)
	tokenID := strings.ToLower(c.Params("id"))
	tok, err := store.TokenByID(c.UserContext(), s.db, id.Tenant.ID, tokenID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && tok.UserID != id.User.ID && !id.IsAdmin()) {
		return problem(fiber.StatusNotFound, CodeNotFound, "no such token")
	}
	if err != nil {
		return err
	}
	if _, err := s.auth.RevokeToken(c.UserContext(), id.Tenant.ID, tok.ID, id.Actor(c.IP())); err != nil {
		return err
	}
	s.forgetAll()
	return c.SendStatus(fiber.StatusNoContent)
}
