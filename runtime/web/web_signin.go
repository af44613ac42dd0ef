package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/runtime/api"
	"github.com/mosaic-paas/mosaic/runtime/auth"
)

// signInCookie carries the token that the sign-in form sends back, so that
// another site cannot sign a browser in to its own account (login CSRF).
const signInCookie = "mosaic_signin"

type signInData struct {
	Tenant, Email, Next, Token, Error string
}

func (h *Handler) signInPage(c *fiber.Ctx) error {
	return h.showSignIn(c, fiber.StatusOK, signInData{Tenant: c.Query("tenant"), Next: safeNext(c.Query("next"))})
}

func (h *Handler) showSignIn(c *fiber.Ctx, status int, d signInData) error {
	// One token per browser while it signs in: a page opened twice (or a
	// request the browser makes on its own) must not void the first form.
	d.Token = c.Cookies(signInCookie)
	if len(d.Token) != 32 {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		d.Token = hex.EncodeToString(b)
	}
	c.Cookie(&fiber.Cookie{Name: signInCookie, Value: d.Token, Path: "/sign-in", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode, Secure: c.Protocol() == "https", Expires: time.Now().Add(time.Hour)})
	return h.render(c, status, "signin", T(lang(c), "signin.title"), d)
}

// signIn checks the form's credentials and starts a session.
func (h *Handler) signIn(c *fiber.Ctx) error {
	d := signInData{Tenant: strings.TrimSpace(c.FormValue("tenant")), Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next"))}
	cookie := c.Cookies(signInCookie)
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(c.FormValue(csrfField))) != 1 {
		d.Error = T(lang(c), "err.forbidden")
		return h.showSignIn(c, fiber.StatusForbidden, d)
	}
	password := c.FormValue("password")
	if d.Tenant == "" || d.Email == "" || password == "" {
		d.Error = T(lang(c), "signin.missing")
		return h.showSignIn(c, fiber.StatusUnprocessableEntity, d)
	}
	res, err := h.srv.Auth().SignIn(c.UserContext(), auth.Credentials{Tenant: d.Tenant, Email: d.Email, Password: password,
		Address: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent)})
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &te):
		d.Error = T(lang(c), "signin.throttled", te.RetryAfterSeconds())
		return h.showSignIn(c, fiber.StatusTooManyRequests, d)
	case errors.Is(err, auth.ErrInvalidCredentials):
		d.Error = T(lang(c), "signin.failed")
		return h.showSignIn(c, fiber.StatusUnauthorized, d)
	case err != nil:
		return err
	}
	c.Cookie(api.SessionCookieFor(res.Secret, res.Session.ExpiresAt, c.Protocol() == "https"))
	c.ClearCookie(signInCookie)
	next := d.Next
	if next == "" {
		next = "/"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// signOut ends the session.
func (h *Handler) signOut(c *fiber.Ctx) error {
	if err := h.srv.Auth().SignOut(c.UserContext(), identity(c), c.IP()); err != nil {
		return err
	}
	h.srv.SignedOut(c, c.Cookies(api.SessionCookie))
	return c.Redirect("/sign-in", fiber.StatusSeeOther)
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/sign-") {
		return ""
	}
	return next
}

// home lists the user's apps and objects.
func (h *Handler) home(c *fiber.Ctx) error {
	return h.render(c, fiber.StatusOK, "home", T(lang(c), "home.title"), nil)
}
