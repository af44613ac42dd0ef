// Package api is Mosaic's REST API over fiber: describe, metadata admin,
// records, and the OpenAPI document generated from a tenant's metadata.
// Every failure is answered as application/problem+json.
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
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
}

// Server holds what the handlers need.
type Server struct {
	db      store.DB
	catalog *catalog.Catalog
	records *records.Service
	cfg     Config

	tokensMu sync.Mutex
	tokens   map[[32]byte]cachedToken
}

type cachedToken struct {
	tenant  store.Tenant
	token   store.Token
	expires time.Time
}

// New builds the API over a store.
func New(db store.DB, cat *catalog.Catalog, cfg Config) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.TokenCacheTTL <= 0 {
		cfg.TokenCacheTTL = 10 * time.Second
	}
	return &Server{db: db, catalog: cat, records: records.New(db), cfg: cfg, tokens: map[[32]byte]cachedToken{}}
}

// App returns the fiber application with every route.
func (s *Server) App() *fiber.App {
	app := fiber.New(fiber.Config{
		// Values taken from the request must outlive the handler in caches
		// and errors; Immutable copies them instead of reusing buffers.
		Immutable:             true,
		BodyLimit:             s.cfg.BodyLimit,
		ErrorHandler:          errorHandler,
		JSONEncoder:           encodeJSON,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Room for a URL carrying the longest filter (4 KiB, up to 12 KiB
		// once escaped) besides the headers; fasthttp's default is 4 KiB.
		ReadBufferSize: 16 << 10,
	})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", s.ready)
	v1 := app.Group("/api/v1", s.authenticate)
	s.routeMetadata(v1)
	s.routeRules(v1)
	s.routeRecords(v1)
	v1.Get("/openapi.json", s.openAPI)
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
	tenantLocal = "mosaic.tenant"
	tokenLocal  = "mosaic.token"
	batchLocal  = "mosaic.batch"
)

// authenticate requires a bearer token and puts its tenant in the context.
func (s *Server) authenticate(c *fiber.Ctx) error {
	auth := c.Get(fiber.HeaderAuthorization)
	const prefix = "Bearer "
	if len(auth) <= len(prefix) || auth[:len(prefix)] != prefix {
		return problem(fiber.StatusUnauthorized, CodeUnauthorized, "send an API token as 'Authorization: Bearer <token>'")
	}
	plain := auth[len(prefix):]
	key := sha256.Sum256([]byte(plain))
	now := time.Now()
	s.tokensMu.Lock()
	ct, ok := s.tokens[key]
	s.tokensMu.Unlock()
	if !ok || now.After(ct.expires) {
		tenant, tok, err := store.AuthenticateToken(c.UserContext(), s.db, plain)
		if err != nil {
			if errors.Is(err, store.ErrUnauthorized) {
				return problem(fiber.StatusUnauthorized, CodeUnauthorized, "the API token is not valid")
			}
			return err
		}
		ct = cachedToken{tenant: tenant, token: tok, expires: now.Add(s.cfg.TokenCacheTTL)}
		s.tokensMu.Lock()
		if len(s.tokens) > 10000 {
			s.tokens = map[[32]byte]cachedToken{}
		}
		s.tokens[key] = ct
		s.tokensMu.Unlock()
	}
	c.Locals(tenantLocal, ct.tenant)
	c.Locals(tokenLocal, ct.token)
	return c.Next()
}

func tenantOf(c *fiber.Ctx) store.Tenant { return c.Locals(tenantLocal).(store.Tenant) }

func actorOf(c *fiber.Ctx) records.Actor {
	return records.Actor{ID: c.Locals(tokenLocal).(store.Token).ID, Languages: languages(c)}
}

// revision returns the caller's tenant's current compiled metadata.
func (s *Server) revision(c *fiber.Ctx) (*compiled.Revision, error) {
	return s.catalog.Current(c.UserContext(), tenantOf(c))
}

// object resolves the :object parameter in the caller's tenant.
func (s *Server) object(c *fiber.Ctx) (*compiled.Revision, *compiled.Object, error) {
	return s.objectNamed(c, c.Params("object"))
}

// objectNamed resolves an object of the caller's tenant by API name.
func (s *Server) objectNamed(c *fiber.Ctx, name string) (*compiled.Revision, *compiled.Object, error) {
	rev, err := s.revision(c)
	if err != nil {
		return nil, nil, err
	}
	obj, ok := rev.Object(name)
	if !ok {
		return nil, nil, problem(fiber.StatusNotFound, CodeUnknownObject, "there is no object %q", name)
	}
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
