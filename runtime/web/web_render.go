package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/runtime/auth"
)

//go:embed templates assets
var files embed.FS

// Page is what every template gets: the page's own data and what the
// layout shows around it.
type Page struct {
	Title string
	Lang  string
	// User is the signed-in user (zero on the sign-in page).
	User auth.Identity
	// Nav is the navigation: apps and their objects.
	Nav []NavApp
	// CSRF is the token forms send back in the _csrf field.
	CSRF string
	// Path is the request's path, for marking the current page.
	Path string
	// Flash is a message shown at the top of the page.
	Flash string
	// Data is the page's own data.
	Data any
}

var (
	templatesOnce sync.Once
	templates     map[string]*template.Template
	templatesErr  error
)

// funcs are the template functions every page may use.
func funcs() template.FuncMap {
	return template.FuncMap{
		"t": T,
		"join": func(sep string, xs []string) string {
			return strings.Join(xs, sep)
		},
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"contains": func(xs []string, x string) bool {
			for _, v := range xs {
				if v == x {
					return true
				}
			}
			return false
		},
		"add": func(a, b int) int { return a + b },
		// count is "N records" in language l, "1 record" for one.
		"count": func(l string, n any) string {
			if fmt.Sprint(n) == "1" {
				return T(l, "common.count_one")
			}
			return T(l, "common.count", n)
		},
	}
}

// loadTemplates parses templates/layout.html with templates/partials/*.html
// into one set per page (templates/<page>.html), so that each page defines
// its own "title" and "content".
func loadTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs()).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	if partials, _ := fs.Glob(files, "templates/partials/*.html"); len(partials) > 0 {
		if base, err = base.ParseFS(files, partials...); err != nil {
			return nil, err
		}
	}
	pagesFiles, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pagesFiles {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if name == "layout" {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(files, p); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p, err)
		}
		out[name] = t
	}
	return out, nil
}

func pageTemplate(name string) (*template.Template, error) {
	templatesOnce.Do(func() { templates, templatesErr = loadTemplates() })
	if templatesErr != nil {
		return nil, templatesErr
	}
	t, ok := templates[name]
	if !ok {
		return nil, fmt.Errorf("web: no template %q", name)
	}
	return t, nil
}

// render writes page name with data inside the layout (or only its
// "content" block for htmx requests that ask for a fragment with
// fragment true).
func (h *Handler) render(c *fiber.Ctx, status int, name, title string, data any) error {
	p := Page{Title: title, Lang: lang(c), Path: c.Path(), Data: data}
	if id, ok := c.Locals(userLocal).(auth.Identity); ok {
		p.User, p.CSRF = id, id.CSRF
		if rev, err := h.revision(c); err == nil {
			p.Nav = h.nav(c.UserContext(), c, rev)
		}
	}
	return renderPage(c, status, name, "layout", p)
}

// renderFragment writes one named template of page name (an htmx
// partial), with data as the page's Data.
func (h *Handler) renderFragment(c *fiber.Ctx, name, block string, data any) error {
	p := Page{Lang: lang(c), Path: c.Path(), Data: data}
	if id, ok := c.Locals(userLocal).(auth.Identity); ok {
		p.User, p.CSRF = id, id.CSRF
	}
	return renderPage(c, fiber.StatusOK, name, block, p)
}

func renderPage(c *fiber.Ctx, status int, name, block string, p Page) error {
	t, err := pageTemplate(name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	return c.Status(status).Send(buf.Bytes())
}

// ErrorPage answers an error of a UI route as a page, with the status
// and message of the problem the API would answer (api.Server.PageErrors).
func (h *Handler) ErrorPage(c *fiber.Ctx, status int, message string) error {
	if status >= 500 {
		message = T(lang(c), "err.title")
	}
	if status == fiber.StatusUnauthorized {
		return c.Redirect("/sign-in", fiber.StatusSeeOther)
	}
	if c.Get("HX-Request") != "" {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Status(status).SendString(`<p class="error" role="alert">` + template.HTMLEscapeString(message) + `</p>`)
	}
	return h.render(c, status, "error", T(lang(c), "err.title"), map[string]any{"Status": status, "Message": message})
}

// asset serves an embedded asset; CSS is every stylesheet of
// assets/css, in name order, as one file.
func (h *Handler) asset(c *fiber.Ctx) error {
	name := c.Params("*")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	if name == "mosaic.css" {
		css, err := stylesheet()
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
		return c.Send(css)
	}
	if strings.Contains(name, "..") || strings.HasPrefix(name, "css/") {
		return fiber.NewError(fiber.StatusNotFound, "no such asset")
	}
	b, err := fs.ReadFile(files, "assets/"+name)
	if err != nil {
		return fiber.NewError(fiber.StatusNotFound, "no such asset")
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		c.Set(fiber.HeaderContentType, t)
	}
	return c.Send(b)
}

var (
	cssOnce  sync.Once
	cssBytes []byte
	cssErr   error
)

func stylesheet() ([]byte, error) {
	cssOnce.Do(func() {
		names, err := fs.Glob(files, "assets/css/*.css")
		if err != nil {
			cssErr = err
			return
		}
		sort.Strings(names)
		var buf bytes.Buffer
		for _, n := range names {
			b, err := fs.ReadFile(files, n)
			if err != nil {
				cssErr = err
				return
			}
			buf.Write(b)
			buf.WriteByte('\n')
		}
		cssBytes = buf.Bytes()
	})
	return cssBytes, cssErr
}
