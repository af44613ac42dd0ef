// Package api is Mosaic's REST API over fiber: describe, metadata admin,
// records, the OpenAPI document generated from a tenant's metadata, and
// identity (sign-in, users, tokens, the audit log). Every failure is
// answered as application/problem+json.
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/actions"
	"github.com/mosaic-paas/mosaic/runtime/approvals"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// DefaultBodyLimit is the largest request body accepted, in bytes: room for a
// batch of 200 large records.
const DefaultBodyLimit = 4 << 20

// Config configures the API.
type Config struct {
	// BodyLimit is the largest request body in bytes (default 4 MiB).
	BodyLimit int
	// TokenCacheTTL is how long an authenticated token is trusted before it
	// is checked against the store again (default 10s): the longest a
	// revoked token keeps working on another node.
	TokenCacheTTL time.Duration
	// Auth configures sessions, sign-in limits and password hashing.
	Auth auth.Config
	// TrustedProxies are the addresses (or CIDR ranges) of reverse proxies
	// whose X-Forwarded-Proto, and ProxyHeader, are believed. With none,
	// a request is over TLS only if it reached Mosaic over TLS, and the
	// client's address is the connection's.
	TrustedProxies []string
	// ProxyHeader names the header a trusted proxy puts the client's
	// address in ("X-Forwarded-For"); "" to use the connection's.
	ProxyHeader string
}

// Server holds what the handlers need.
type Server struct {
	db        store.DB
	catalog   *catalog.Catalog
	records   *records.Service
	approvals *approvals.Service
	actions   *actions.Service
	bundles   *bundles.Service
	auth      *auth.Service
	cfg       Config

	// identities caches resolved credentials (tokens and sessions) by the
	// SHA-256 of the credential, for TokenCacheTTL at most.
	identitiesMu sync.Mutex
	identities   map[[32]byte]cachedIdentity

	// pageErrors answers errors of the web UI's paths (PageErrors).
	pageErrors func(c *fiber.Ctx, status int, message string) error
}

type cachedIdentity struct {
	identity auth.Identity
	expires  time.Time
}

// maxCachedIdentities bounds the credential cache; past it the cache starts
// over.
const maxCachedIdentities = 10000

// New builds the API over a store.
func New(db store.DB, cat *catalog.Catalog, cfg Config) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.TokenCacheTTL <= 0 {
		cfg.TokenCacheTTL = 10 * time.Second
	}
	recs := records.New(db)
	return &Server{db: db, catalog: cat, records: recs, approvals: approvals.New(db, recs), actions: actions.New(db, recs), bundles: bundles.New(db, cat, recs), auth: auth.New(db, cfg.Auth), cfg: cfg,
		identities: map[[32]byte]cachedIdentity{}}
}

// Approvals returns the approval service the API uses (the server runs its
// timeout jobs).
func (s *Server) Approvals() *approvals.Service { return s.approvals }

// Catalog returns the metadata catalog the API uses.
func (s *Server) Catalog() *catalog.Catalog { return s.catalog }

// Records, Actions, Bundles and DB return the services the API uses, for
// the web UI that runs beside it.
func (s *Server) Records() *records.Service { return s.records }

// Actions returns the record action service.
func (s *Server) Actions() *actions.Service { return s.actions }

// Bundles returns the bundle service.
func (s *Server) Bundles() *bundles.Service { return s.bundles }

// DB returns the store.
func (s *Server) DB() store.DB { return s.db }

// PageErrors makes the errors of requests outside /api/ (the web UI's
// pages) answered by page, with the status and message of the problem the
// API would have answered.
func (s *Server) PageErrors(page func(c *fiber.Ctx, status int, message string) error) {
	s.pageErrors = page
}

// handleError answers an error: a page for the web UI's paths when
// PageErrors was given one, else a problem.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if s.pageErrors != nil && !strings.HasPrefix(c.Path(), "/api/") && c.Path() != "/healthz" && c.Path() != "/readyz" {
		p := toProblem(c, err)
		return s.pageErrors(c, p.Status, p.Detail)
	}
	return errorHandler(c, err)
}

// SessionCookieFor is the session cookie carrying secret, for a sign-in
// made outside the API (the web UI's form).
func SessionCookieFor(secret string, expires time.Time, secure bool) *fiber.Cookie {
	return sessionCookie(secret, expires, secure)
}

// SignedOut drops a session's cookie and forgets its cached identity.
func (s *Server) SignedOut(c *fiber.Ctx, secret string) {
	s.forget(secret)
	clearSessionCookie(c)
}

// Auth returns the identity service the API uses.
func (s *Server) Auth() *auth.Service { return s.auth }

// App returns the fiber application with every route; mounts add more
// (the web UI) before the catch-all answer for unknown paths.
func (s *Server) App(mounts ...func(app *fiber.App)) *fiber.App {
	app := fiber.New(fiber.Config{
		// Values taken from the request must outlive the handler in caches
		// and errors; Immutable copies them instead of reusing buffers.
		Immutable:             true,
		BodyLimit:             s.cfg.BodyLimit,
		ErrorHandler:          s.handleError,
		JSONEncoder:           encodeJSON,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Room for a URL carrying the longest filter (4 KiB, up to 12 KiB
		// once escaped) besides the headers; fasthttp's default is 4 KiB.
		ReadBufferSize: 16 << 10,
		// Only the proxies named are believed about the scheme and the
		// client's address (see Config.TrustedProxies).
		EnableTrustedProxyCheck: true,
		TrustedProxies:          s.cfg.TrustedProxies,
		ProxyHeader:             s.cfg.ProxyHeader,
	})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", s.ready)
	// Signing in needs no credentials: registered before the group, whose
	// middleware would otherwise require them.
	app.Post("/api/v1/auth/sign-in", s.signIn)
	v1 := app.Group("/api/v1", s.authenticate)
	s.routeAuth(v1)
	s.routeAudit(v1)
	s.routeMetadata(v1)
	s.routeRoles(v1)
	s.routeRules(v1)
	s.routeRecords(v1)
	s.routeShares(v1)
	s.routeApprovals(v1)
	s.routeActions(v1)
	s.routeApprovalProcesses(v1)
	s.routeBundles(v1)
	v1.Get("/openapi.json", s.openAPI)
	for _, mount := range mounts {
		mount(app)
	}
	app.Use(func(c *fiber.Ctx) error {
		return problem(fiber.StatusNotFound, CodeNotFound, "no such resource: %s %s", c.Method(), c.Path())
	})
	return app
}

func (s *Server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		return problem(fiber.StatusServiceUnavailable, CodeUnavailable, "the store does not answer")
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

const (
	identityLocal = "mosaic.identity"
	batchLocal    = "mosaic.batch"
)

// SessionCookie is the name of the cookie that carries a session.
const SessionCookie = "mosaic_session"

// CSRFHeader is the header in which a request authenticated by a session
// cookie must send the session's CSRF token when it changes anything.
const CSRFHeader = "X-Mosaic-CSRF"

// authenticate resolves the request's credentials — a bearer token, or
// else a session cookie — to an identity (tenant, user, token scope) and
// puts it in the context. A session's unsafe requests must carry its CSRF
// token; a token's requests must stay within its scope.
func (s *Server) authenticate(c *fiber.Ctx) error {
	var (
		id  auth.Identity
		err error
	)
	if authz := c.Get(fiber.HeaderAuthorization); authz != "" || c.Cookies(SessionCookie) == "" {
		const prefix = "Bearer "
		if len(authz) <= len(prefix) || authz[:len(prefix)] != prefix {
			return problem(fiber.StatusUnauthorized, CodeUnauthorized, "send an API token as 'Authorization: Bearer <token>', or sign in at POST /api/v1/auth/sign-in")
		}
		if id, err = s.identify(c, bearerKey(authz[len(prefix):]), authz[len(prefix):], s.auth.AuthenticateToken); err != nil {
			if errors.Is(err, store.ErrUnauthorized) {
				return problem(fiber.StatusUnauthorized, CodeUnauthorized, "the API token is not valid")
			}
			return err
		}
	} else {
		if id, err = s.identify(c, cookieKey(c.Cookies(SessionCookie)), c.Cookies(SessionCookie), s.auth.AuthenticateSession); err != nil {
			if errors.Is(err, store.ErrUnauthorized) {
				clearSessionCookie(c)
				return problem(fiber.StatusUnauthorized, CodeUnauthorized, "the session has ended; sign in again")
			}
			return err
		}
		if !safeMethod(c.Method()) && subtle.ConstantTimeCompare([]byte(c.Get(CSRFHeader)), []byte(id.CSRF)) != 1 {
			return problem(fiber.StatusForbidden, CodeCSRF, "a request of a signed-in session that changes anything must send the session's CSRF token in the %s header", CSRFHeader)
		}
	}
	if err := s.checkScope(c, id); err != nil {
		return err
	}
	c.Locals(identityLocal, id)
	return c.Next()
}

// identify resolves a credential through the cache (under key), or else
// resolve. A cached session is trusted no longer than its expiry.
func (s *Server) identify(c *fiber.Ctx, key [32]byte, credential string, resolve func(context.Context, string) (auth.Identity, error)) (auth.Identity, error) {
	now := s.auth.Now()
	s.identitiesMu.Lock()
	ci, ok := s.identities[key]
	s.identitiesMu.Unlock()
	if ok && now.Before(ci.expires) {
		return ci.identity, nil
	}
	id, err := resolve(c.UserContext(), credential)
	if err != nil {
		return auth.Identity{}, err
	}
	expires := now.Add(s.cfg.TokenCacheTTL)
	if id.Session != nil {
		expires = minTime(expires, minTime(id.Session.IdleExpiresAt, id.Session.ExpiresAt))
	}
	s.identitiesMu.Lock()
	if len(s.identities) >= maxCachedIdentities {
		s.identities = map[[32]byte]cachedIdentity{}
	}
	s.identities[key] = cachedIdentity{identity: id, expires: expires}
	s.identitiesMu.Unlock()
	return id, nil
}

// bearerKey and cookieKey are the cache keys of a credential sent as a
// bearer token and as a session cookie: apart, so that one kind of
// credential never passes for the other.
func bearerKey(token string) [32]byte  { return sha256.Sum256([]byte("bearer\x00" + token)) }
func cookieKey(secret string) [32]byte { return sha256.Sum256([]byte("cookie\x00" + secret)) }

// identityOf returns the request's identity, which authenticate set.
func identityOf(c *fiber.Ctx) auth.Identity { return c.Locals(identityLocal).(auth.Identity) }

func tenantOf(c *fiber.Ctx) store.Tenant { return identityOf(c).Tenant }

func actorOf(c *fiber.Ctx) records.Actor {
	u := identityOf(c).User
	// The access objectNamed found; none (no field at all) when a route
	// did not resolve its object through it, so that a write cannot skip
	// field-level security.
	acc, ok := c.Locals(accessLocal).(*compiled.Access)
	if !ok {
		acc = &compiled.Access{}
	}
	return records.Actor{ID: u.ID, Role: u.Role, Manager: u.ManagerID, Email: u.Email, Languages: languages(c), Access: acc}
}

// revision returns the caller's tenant's current compiled metadata.
func (s *Server) revision(c *fiber.Ctx) (*compiled.Revision, error) {
	return s.catalog.Current(c.UserContext(), tenantOf(c))
}

// object resolves the :object parameter in the caller's tenant.
func (s *Server) object(c *fiber.Ctx) (*compiled.Revision, *compiled.Object, error) {
	return s.objectNamed(c, c.Params("object"))
}

// objectNamed resolves an object of the caller's tenant by API name. An
// object the caller's role may not read does not exist for it: 404, as for
// a name no object has. The caller's access to the object is then
// accessOf(c).
func (s *Server) objectNamed(c *fiber.Ctx, name string) (*compiled.Revision, *compiled.Object, error) {
	rev, err := s.revision(c)
	if err != nil {
		return nil, nil, err
	}
	obj, ok := rev.Object(name)
	if !ok {
		return nil, nil, problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", name)
	}
	acc := accessTo(c, rev, obj)
	if !acc.Read {
		return nil, nil, problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", name)
	}
	c.Locals(accessLocal, acc)
	return rev, obj, nil
}

// decodeObject decodes a JSON object body, keeping numbers exact.
func decodeObject(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, problem(fiber.StatusBadRequest, CodeMalformedJSON, "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, problem(fiber.StatusBadRequest, CodeMalformedJSON, "the request body has data after the JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, problem(fiber.StatusBadRequest, CodeMalformedJSON, "the request body must be a JSON object")
	}
	return m, nil
}

func malformed(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return problem(fiber.StatusBadRequest, CodeMalformedJSON, "malformed JSON at byte %d: %v", se.Offset, err)
	}
	return problem(fiber.StatusBadRequest, CodeMalformedJSON, "malformed JSON: %v", err)
}

// languages returns the caller's preferred languages.
func languages(c *fiber.Ctx) []string {
	return metadata.ParseAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
}

func boolQuery(c *fiber.Ctx, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, problem(fiber.StatusBadRequest, CodeBadRequest, "query parameter %s must be true or false", name)
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// encodeJSON writes JSON without HTML escaping, so that filters and
// expressions in messages read as written ("amount > 5", not "\u003e").
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
