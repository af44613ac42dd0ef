package api

import (
	"bytes"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
)

// routeBundles registers app bundles and trusted publishers, for
// administrators: the catalog, what is installed, uploads of packed
// bundles, install, upgrade (with its plan) and uninstall, and the keys
// whose signed bundles the tenant installs. Every change is audited.
func (s *Server) routeBundles(r fiber.Router) {
	r.Get("/bundles", s.bundleCatalog)
	r.Get("/bundles/installed", s.installedBundles)
	r.Post("/bundles", s.uploadBundle)
	r.Post("/bundles/:name/install", s.installBundle)
	r.Post("/bundles/:name/upgrade", s.upgradeBundle)
	r.Delete("/bundles/:name", s.uninstallBundle)
	r.Get("/trusted-publishers", s.listPublishers)
	r.Post("/trusted-publishers", s.trustPublisher)
	r.Delete("/trusted-publishers", s.distrustPublisher)
}

// bundleProblem answers a refused bundle operation: NotFound 404,
// Forbidden 403, Conflict 409, Invalid 422, with the bundle's code.
func bundleProblem(be *bundles.Error) *Problem {
	status := fiber.StatusUnprocessableEntity
	switch be.Kind {
	case bundles.NotFound:
		status = fiber.StatusNotFound
	case bundles.Forbidden:
		status = fiber.StatusForbidden
	case bundles.Conflict:
		status = fiber.StatusConflict
	}
	return problem(status, be.Code, "%s", be.Message)
}

// bundleInput is the optional body of install and upgrade.
type bundleInput struct {
	// Version picks an uploaded version; "" is the newest.
	Version string `json:"version"`
	// AllowUnsigned accepts unsigned uploaded bundles (the bundle and the
	// dependencies resolved from the catalog).
	AllowUnsigned bool `json:"allow_unsigned"`
}

// bundleCatalog answers GET /bundles: the built-in and uploaded bundles,
// with the version installed of each.
func (s *Server) bundleCatalog(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	entries, err := s.bundles.Catalog(c.UserContext(), tenantOf(c))
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []bundles.Entry{}
	}
	return c.JSON(fiber.Map{"bundles": entries})
}

// installedBundles answers GET /bundles/installed.
func (s *Server) installedBundles(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	list, err := s.bundles.Installed(c.UserContext(), tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"bundles": list})
}

// archiveTypes are the media types a packed bundle is uploaded as.
var archiveTypes = []string{"application/gzip", "application/x-gzip", "application/octet-stream"}

// uploadBundle answers POST /bundles: the body is a packed bundle, kept in
// the tenant's catalog once its signature (or ?allow_unsigned=true) and
// documents check out.
func (s *Server) uploadBundle(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	known := false
	for _, t := range archiveTypes {
		known = known || mt == t
	}
	if !known {
		return problem(fiber.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send the packed bundle as %s", strings.Join(archiveTypes, " or "))
	}
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return problem(fiber.StatusBadRequest, CodeBadRequest, "the request body is empty; send the packed bundle (mosaic bundle pack)")
	}
	allow, err := boolQuery(c, "allow_unsigned")
	if err != nil {
		return err
	}
	entry, err := s.bundles.Upload(c.UserContext(), tenantOf(c), c.Body(), allow)
	if err != nil {
		return err
	}
	s.audit(c, auth.EventBundleUploaded, "", "", map[string]any{
		"name": entry.Name, "version": entry.Version, "publisher": entry.Publisher, "signed_by": entry.SignedBy,
	})
	return c.Status(fiber.StatusCreated).JSON(entry)
}

// bundleSource reads the body and options of install and upgrade and finds
// the bundle :name in the catalog.
func (s *Server) bundleSource(c *fiber.Ctx) (bundles.Source, bundles.Resolver, bundles.Options, error) {
	var in bundleInput
	var opt bundles.Options
	if err := requireAdmin(c); err != nil {
		return bundles.Source{}, nil, opt, err
	}
	if err := decodeOptional(c, &in); err != nil {
		return bundles.Source{}, nil, opt, err
	}
	allow, err := boolQuery(c, "allow_unsigned")
	if err != nil {
		return bundles.Source{}, nil, opt, err
	}
	in.AllowUnsigned = in.AllowUnsigned || allow
	if opt.DryRun, err = boolQuery(c, "dry_run"); err != nil {
		return bundles.Source{}, nil, opt, err
	}
	if opt.ConfirmDataLoss, err = boolQuery(c, "confirm"); err != nil {
		return bundles.Source{}, nil, opt, err
	}
	opt.Actor = identityOf(c).User.ID
	t := tenantOf(c)
	src, err := s.bundles.Find(c.UserContext(), t, c.Params("name"), in.Version, in.AllowUnsigned)
	if err != nil {
		return bundles.Source{}, nil, opt, err
	}
	return src, s.bundles.Resolver(t, in.AllowUnsigned), opt, nil
}

// installBundle answers POST /bundles/:name/install: the bundle with the
// dependencies it lacks, in one change; ?dry_run=true answers the plan.
func (s *Server) installBundle(c *fiber.Ctx) error {
	src, resolve, opt, err := s.bundleSource(c)
	if err != nil {
		return err
	}
	res, err := s.bundles.Install(c.UserContext(), tenantOf(c), src, resolve, opt)
	if err != nil {
		return err
	}
	if opt.DryRun {
		return c.JSON(res)
	}
	s.auditBundle(c, auth.EventBundleInstalled, src, res)
	return c.Status(fiber.StatusCreated).JSON(res)
}

// upgradeBundle answers POST /bundles/:name/upgrade: ?dry_run=true is the
// plan; ?confirm=true lets the upgrade lose data.
func (s *Server) upgradeBundle(c *fiber.Ctx) error {
	src, resolve, opt, err := s.bundleSource(c)
	if err != nil {
		return err
	}
	res, err := s.bundles.Upgrade(c.UserContext(), tenantOf(c), src, resolve, opt)
	if err != nil {
		return err
	}
	if !opt.DryRun {
		s.auditBundle(c, auth.EventBundleUpgraded, src, res)
	}
	return c.JSON(res)
}

// uninstallBundle answers DELETE /bundles/:name: tables that hold data
// need ?confirm=true; ?dry_run=true answers the plan.
func (s *Server) uninstallBundle(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	var opt bundles.Options
	var err error
	if opt.DryRun, err = boolQuery(c, "dry_run"); err != nil {
		return err
	}
	if opt.ConfirmDataLoss, err = boolQuery(c, "confirm"); err != nil {
		return err
	}
	opt.Actor = identityOf(c).User.ID
	res, err := s.bundles.Uninstall(c.UserContext(), tenantOf(c), c.Params("name"), opt)
	if err != nil {
		return err
	}
	if !opt.DryRun {
		s.audit(c, auth.EventBundleUninstalled, "", "", map[string]any{
			"name": c.Params("name"), "bundles": res.Bundles, "revision": res.Revision, "components": res.Components, "changes": res.Changes,
		})
	}
	return c.JSON(res)
}

// auditBundle records an applied install or upgrade.
func (s *Server) auditBundle(c *fiber.Ctx, event string, src bundles.Source, res *bundles.Result) {
	m := src.Bundle.Manifest
	s.audit(c, event, "", "", map[string]any{
		"name": m.Name, "version": m.Version, "signature": src.Signature,
		"bundles": res.Bundles, "revision": res.Revision, "components": res.Components, "changes": res.Changes,
	})
}

// listPublishers answers GET /trusted-publishers.
func (s *Server) listPublishers(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	ps, err := s.bundles.Publishers(c.UserContext(), tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"publishers": ps})
}

// trustPublisher answers POST /trusted-publishers {"name", "public_key"}.
func (s *Server) trustPublisher(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	var in struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
	}
	if err := decodeInput(c.Body(), &in); err != nil {
		return err
	}
	p, err := s.bundles.TrustPublisher(c.UserContext(), tenantOf(c), strings.TrimSpace(in.Name), strings.TrimSpace(in.PublicKey))
	if err != nil {
		return err
	}
	s.audit(c, auth.EventPublisherTrusted, "", "", map[string]any{"name": p.Name, "public_key": p.PublicKey})
	return c.Status(fiber.StatusCreated).JSON(p)
}

// distrustPublisher answers DELETE /trusted-publishers?public_key=…. A
// "+" of the base64 key sent unescaped reads as a space, which base64
// never holds: it is taken back.
func (s *Server) distrustPublisher(c *fiber.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	key := strings.TrimSpace(strings.ReplaceAll(c.Query("public_key"), " ", "+"))
	if key == "" {
		return problem(fiber.StatusBadRequest, CodeBadRequest, "name the key to remove: ?public_key=<base64>")
	}
	if err := s.bundles.DistrustPublisher(c.UserContext(), tenantOf(c), key); err != nil {
		return err
	}
	s.audit(c, auth.EventPublisherDistrusted, "", "", map[string]any{"public_key": key})
	return c.SendStatus(fiber.StatusNoContent)
}
