// Package web is Mosaic's generated web UI: server-rendered HTML (Go
// templates) with htmx for partial updates, generated entirely from the
// tenant's metadata — navigation, lists, record pages, forms, the approval
// inbox and the implementer's object manager. Every form also submits
// without JavaScript. Assets are embedded; nothing comes from a CDN. It
// runs beside the REST API, on the same services and sessions.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/api"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Handler serves the web UI over the API server's services.
type Handler struct {
	srv *api.Server
}

// New returns the web UI over srv's services; its pages answer their own
// errors.
func New(srv *api.Server) *Handler {
	h := &Handler{srv: srv}
	srv.PageErrors(h.ErrorPage)
	return h
}

// page registers the routes of one part of the UI; each part's file adds
// its own in init, so that parts stay in their files.
type page func(h *Handler, r fiber.Router)

var (
	pagesMu sync.Mutex
	pages   []page
)

// register adds a part's routes (called from init).
func register(p page) {
	pagesMu.Lock()
	defer pagesMu.Unlock()
	pages = append(pages, p)
}

const (
	userLocal = "web.user"
	langLocal = "web.lang"
	// csrfField is the form field carrying the session's CSRF token.
	csrfField = "_csrf"
	// langCookie holds the language a user chose.
	langCookie = "mosaic_lang"
)

// Mount adds the UI's routes to app: assets and sign-in are public, every
// other page needs a signed-in session.
func (h *Handler) Mount(app *fiber.App) {
	app.Get("/assets/*", h.asset)
	app.Get("/favicon.ico", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
	app.Get("/sign-in", h.signInPage)
	app.Post("/sign-in", h.signIn)
	app.Get("/language/:lang", h.setLanguage)
	ui := app.Group("", h.session)
	ui.Post("/sign-out", h.signOut)
	ui.Get("/", h.home)
	pagesMu.Lock()
	ps := append([]page(nil), pages...)
	pagesMu.Unlock()
	for _, p := range ps {
		p(h, ui)
	}
}

// session resolves the session cookie to a user, or sends the browser to
// sign in; a POST must carry the session's CSRF token.
func (h *Handler) session(c *fiber.Ctx) error {
	path := c.Path()
	if strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz" {
		return c.Next()
	}
	secret := c.Cookies(api.SessionCookie)
	if secret == "" {
		return h.toSignIn(c)
	}
	id, err := h.srv.Auth().AuthenticateSession(c.UserContext(), secret)
	if errors.Is(err, store.ErrUnauthorized) {
		return h.toSignIn(c)
	}
	if err != nil {
		return err
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		token := c.FormValue(csrfField)
		if token == "" {
			token = c.Get(api.CSRFHeader)
		}
		if subtle.ConstantTimeCompare([]byte(token), []byte(id.CSRF)) != 1 {
			return fiber.NewError(fiber.StatusForbidden, "the form is out of date; reload the page and try again")
		}
	}
	c.Locals(userLocal, id)
	return c.Next()
}

func (h *Handler) toSignIn(c *fiber.Ctx) error {
	if c.Get("HX-Request") != "" {
		c.Set("HX-Redirect", "/sign-in")
		return c.SendStatus(fiber.StatusUnauthorized)
	}
	next := c.OriginalURL()
	if c.Method() != fiber.MethodGet {
		next = "/"
	}
	return c.Redirect("/sign-in?next="+url.QueryEscape(next), fiber.StatusSeeOther)
}

// identity is the signed-in user.
func identity(c *fiber.Ctx) auth.Identity { return c.Locals(userLocal).(auth.Identity) }

// revision is the user's tenant's current metadata.
func (h *Handler) revision(c *fiber.Ctx) (*compiled.Revision, error) {
	return h.srv.Catalog().Current(c.UserContext(), identity(c).Tenant)
}

// access is what the user's role may do with obj.
func access(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object) *compiled.Access {
	return rev.Access(identity(c).User.Role, obj.Meta.Name)
}

// actor is the user as the record paths see it, with its access to obj.
func actor(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object) records.Actor {
	u := identity(c).User
	a := records.Actor{ID: u.ID, Role: u.Role, Manager: u.ManagerID, Email: u.Email, Languages: languages(c)}
	if obj != nil {
		a.Access = access(c, rev, obj)
	} else {
		a.Access = &compiled.Access{}
	}
	return a
}

// object resolves the :object parameter to an object the user may read;
// others do not exist for it.
func (h *Handler) object(c *fiber.Ctx) (*compiled.Revision, *compiled.Object, error) {
	rev, err := h.revision(c)
	if err != nil {
		return nil, nil, err
	}
	obj, ok := rev.Object(c.Params("object"))
	if !ok || !access(c, rev, obj).Read {
		return nil, nil, fiber.NewError(fiber.StatusNotFound, T(lang(c), "err.no_object"))
	}
	return rev, obj, nil
}

// NavApp is a group of the navigation: an installed app (bundle) or the
// tenant's own objects.
type NavApp struct {
	Label   string
	Objects []NavObject
}

// NavObject is one object in the navigation.
type NavObject struct {
	Name  string
	Label string
}

// nav lists the objects the user may read, grouped by the bundle that
// installed them.
func (h *Handler) nav(ctx context.Context, c *fiber.Ctx, rev *compiled.Revision) []NavApp {
	langs := languages(c)
	groups := map[string]*NavApp{}
	var order []string
	labels := h.bundleLabels(ctx, c, langs)
	for _, o := range rev.Model.Objects {
		obj, _ := rev.Object(o.Name)
		if obj == nil || !access(c, rev, obj).Read {
			continue
		}
		key := o.Bundle
		g := groups[key]
		if g == nil {
			label := labels[key]
			if label == "" {
				label = T(lang(c), "nav.own")
			}
			g = &NavApp{Label: label}
			groups[key] = g
			order = append(order, key)
		}
		g.Objects = append(g.Objects, NavObject{Name: o.Name, Label: PluralLabel(o, langs)})
	}
	sort.Strings(order)
	out := make([]NavApp, 0, len(order))
	for _, k := range order {
		g := groups[k]
		sort.Slice(g.Objects, func(i, j int) bool { return g.Objects[i].Label < g.Objects[j].Label })
		out = append(out, *g)
	}
	return out
}

// bundleLabels maps the namespaces of installed bundles to their labels.
func (h *Handler) bundleLabels(ctx context.Context, c *fiber.Ctx, langs []string) map[string]string {
	out := map[string]string{}
	installed, err := h.srv.Bundles().Installed(ctx, identity(c).Tenant)
	if err != nil {
		return out
	}
	for _, in := range installed {
		label := in.Manifest.Label.In(langs)
		if label == "" {
			label = in.Name
		}
		out[in.Namespace] = label
	}
	return out
}

// Label is an object's label in the languages, its name when it has none.
func Label(o *metadata.Object, langs []string) string {
	if l := o.Label.In(langs); l != "" {
		return l
	}
	return o.Name
}

// PluralLabel is an object's plural label, else its label.
func PluralLabel(o *metadata.Object, langs []string) string {
	if l := o.PluralLabel.In(langs); l != "" {
		return l
	}
	return Label(o, langs)
}

// FieldLabel is a field's label, else its name.
func FieldLabel(f *metadata.Field, langs []string) string {
	if l := f.Label.In(langs); l != "" {
		return l
	}
	return f.Name
}
