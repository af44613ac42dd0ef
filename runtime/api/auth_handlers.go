package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/runtime/auth"
)

func (s *Server) routeAuth(r fiber.Router) {
	r.Post("/auth/sign-out", s.signOut)
	r.Get("/auth/me", s.me)
	s.routeUsers(r)
	s.routeTokens(r)
}

// sessionCookie is the cookie that carries a session: HttpOnly (scripts
// cannot read it), SameSite=Lax (other sites' requests do not send it,
// but for top-level navigation), Secure when the request came over TLS,
// for the whole site, until the session's absolute expiry.
func sessionCookie(secret string, expires time.Time, secure bool) *fiber.Cookie {
	return &fiber.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", Expires: expires,
		HTTPOnly: true, Secure: secure, SameSite: fiber.CookieSameSiteLaxMode,
	}
}

// clearSessionCookie tells the browser to drop the session cookie.
func clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(sessionCookie("", fasthttp.CookieExpireDelete, c.Protocol() == "https"))
}

// signInBody is the body of POST /auth/sign-in.
type signInBody struct {
	Tenant   string `json:"tenant"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// signIn answers POST /auth/sign-in: it checks the credentials, sets the
// session cookie and answers like /auth/me, with the CSRF token.
func (s *Server) signIn(c *fiber.Ctx) error {
	// A JSON body cannot be sent by another site's form without a CORS
	// preflight, so nobody can sign a victim's browser in to their account.
	if !strings.HasPrefix(strings.ToLower(string(c.Request().Header.ContentType())), fiber.MIMEApplicationJSON) {
		return problem(fiber.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send the credentials as application/json")
	}
	var body signInBody
	if err := decodeInput(c.Body(), &body); err != nil {
		return err
	}
	p := problem(fiber.StatusUnprocessableEntity, CodeValidation, "the tenant, email and password are required")
	for _, f := range []struct{ name, value string }{{"tenant", body.Tenant}, {"email", body.Email}, {"password", body.Password}} {
		if f.value == "" {
			p.Errors = append(p.Errors, ProblemItem{Field: f.name, Code: auth.CodeRequired, Message: f.name + " is required"})
		}
	}
	if len(p.Errors) > 0 {
		return p
	}
	res, err := s.auth.SignIn(c.UserContext(), auth.Credentials{
		Tenant: body.Tenant, Email: body.Email, Password: body.Password, Address: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent),
	})
	if err != nil {
		return signInProblem(c, err)
	}
	c.Cookie(sessionCookie(res.Secret, res.Session.ExpiresAt, c.Protocol() == "https"))
	return c.JSON(s.meJSON(c, res.Identity))
}

// signInProblem answers a refused sign-in or password check.
func signInProblem(c *fiber.Ctx, err error) error {
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &te):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(te.RetryAfterSeconds()))
		return problem(fiber.StatusTooManyRequests, CodeTooManyAttempts, "too many failed attempts; try again in %d seconds", te.RetryAfterSeconds())
	case errors.Is(err, auth.ErrInvalidCredentials):
		return problem(fiber.StatusUnauthorized, CodeInvalidCredentials, "the tenant, email or password is not right")
	}
	return err
}

// signOut answers POST /auth/sign-out: it ends the session and drops its
// cookie.
func (s *Server) signOut(c *fiber.Ctx) error {
	id := identityOf(c)
	if id.Session == nil {
		return problem(fiber.StatusBadRequest, CodeBadRequest, "sign-out ends a session; an API token is revoked with DELETE /api/v1/tokens/{id}")
	}
	if err := s.auth.SignOut(c.UserContext(), id, c.IP()); err != nil {
		return err
	}
	s.forget(c.Cookies(SessionCookie))
	clearSessionCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) me(c *fiber.Ctx) error { return c.JSON(s.meJSON(c, identityOf(c))) }

// meJSON describes an identity: tenant, user, and how it authenticated.
func (s *Server) meJSON(c *fiber.Ctx, id auth.Identity) fiber.Map {
	out := fiber.Map{
		"tenant": fiber.Map{"id": id.Tenant.ID, "name": id.Tenant.Name},
		"user":   userJSON(id.User),
	}
	if id.Session != nil {
		out["auth"] = "session"
		out["csrf_token"] = id.CSRF
		out["session"] = fiber.Map{
			"id": id.Session.ID, "created_at": timeJSON(id.Session.CreatedAt),
			"idle_expires_at": timeJSON(id.Session.IdleExpiresAt), "expires_at": timeJSON(id.Session.ExpiresAt),
		}
	}
	if id.Token != nil {
		out["auth"] = "token"
		out["token"] = s.tokenJSON(c, id.Tenant, *id.Token)
	}
	return out
}

// decodeInput decodes a JSON object body into v, refusing unknown members
// and members of the wrong type with a validation problem.
func decodeInput(body []byte, v any) error {
	if _, err := decodeObject(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytesReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		p := problem(fiber.StatusUnprocessableEntity, CodeValidation, "the request body is not valid")
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			p.Errors = []ProblemItem{{Field: te.Field, Code: auth.CodeInvalid, Message: te.Field + " must be a JSON " + jsonKind(te.Type)}}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			p.Errors = []ProblemItem{{Field: f, Code: CodeUnknownField, Message: "unknown member " + strconv.Quote(f)}}
		default:
			p.Detail = err.Error()
		}
		return p
	}
	return nil
}

// jsonKind names a Go type as the JSON it decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "number"
}

// forget drops a session from the cache (one that signed out).
func (s *Server) forget(secret string) {
	key := cookieKey(secret)
	s.identitiesMu.Lock()
	delete(s.identities, key)
	s.identitiesMu.Unlock()
}

// forgetAll empties the credential cache, after a change that affects
// identities already resolved: a user changed or deactivated, a token
// revoked, a password changed. Other nodes see it within TokenCacheTTL.
func (s *Server) forgetAll() {
	s.identitiesMu.Lock()
	s.identities = map[[32]byte]cachedIdentity{}
	s.identitiesMu.Unlock()
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// safeMethod reports whether a method only reads.
func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// checkScope refuses what an API token's scope excludes: anything but
// reading for a read-only token; for a token limited to objects, anything
// but those objects' routes (/objects/{object}…) and /auth/me.
func (s *Server) checkScope(c *fiber.Ctx, id auth.Identity) error {
	if id.ReadOnly() && !safeMethod(c.Method()) {
		return problem(fiber.StatusForbidden, CodeForbidden, "this API token is read-only: it cannot %s", c.Method())
	}
	objects := id.Objects()
	if objects == nil {
		return nil
	}
	rest := strings.TrimPrefix(c.Path(), "/api/v1")
	if rest == "/auth/me" {
		return nil
	}
	name, ok := strings.CutPrefix(rest, "/objects/")
	if ok {
		name, _, _ = strings.Cut(name, "/")
		rev, err := s.catalog.Current(c.UserContext(), id.Tenant)
		if err != nil {
			return err
		}
		if obj, found := rev.Object(name); found && slices.Contains(objects, obj.Meta.ID) {
			return nil
		}
	}
	return problem(fiber.StatusForbidden, CodeForbidden, "this API token is limited to some objects; %s %s is outside its scope", c.Method(), c.Path())
}

// auditActor returns the request's identity as an actor of the audit log.
func auditActor(c *fiber.Ctx) auth.Actor { return identityOf(c).Actor(c.IP()) }

// userOf returns the request's user as expressions see it ($user).
func userOf(c *fiber.Ctx) expression.User {
	u := identityOf(c).User
	return expression.User{ID: u.ID, Role: u.Role, Manager: u.ManagerID}
}

// requireAdmin refuses a caller who is not an administrator.
func requireAdmin(c *fiber.Ctx) error {
	if !identityOf(c).IsAdmin() {
		return problem(fiber.StatusForbidden, CodeForbidden, "only administrators may do this")
	}
	return nil
}
