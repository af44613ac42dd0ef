package web

import (
	"context"
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/approvals"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// The implementer's setup pages live under /admin, for administrators
// only; each part (objects, approvals, users, bundles) adds its routes to
// the admin group from its own file.
func init() {
	register(func(h *Handler, r fiber.Router) {
		a := r.Group("/admin", h.adminOnly)
		a.Get("/", h.adminIndex)
		h.routeAdminObjects(a)
		h.routeAdminApprovals(a)
		h.routeAdminUsers(a)
		h.routeAdminBundles(a)
	})
	addMessages(map[string][2]string{
		"admin.title":          {"Setup", "设置"},
		"admin.intro":          {"Define what your organization's users see and do.", "定义您组织的用户能看到和做什么。"},
		"admin.objects":        {"Object manager", "对象管理器"},
		"admin.objects_help":   {"Objects, fields, validation rules, record types, layouts and field security.", "对象、字段、校验规则、记录类型、布局和字段安全。"},
		"admin.approvals":      {"Approval processes", "审批流程"},
		"admin.approvals_help": {"Multi-step approvals of records.", "记录的多步审批。"},
		"admin.users":          {"Users and roles", "用户和角色"},
		"admin.users_help":     {"Who may sign in, their roles and managers.", "谁可以登录，以及他们的角色和经理。"},
		"admin.bundles":        {"Apps", "应用"},
		"admin.bundles_help":   {"Install, upgrade and uninstall app bundles.", "安装、升级和卸载应用包。"},
		"admin.problems":       {"The change was refused:", "更改被拒绝："},
		"admin.back":           {"Back to setup", "返回设置"},
		"admin.confirm_loss":   {"I understand that data will be lost", "我知道数据将会丢失"},
		"admin.yaml":           {"Document (YAML or JSON)", "文档（YAML 或 JSON）"},
	})
}

// adminOnly lets administrators through; everyone else gets a 403 page.
func (h *Handler) adminOnly(c *fiber.Ctx) error {
	if !identity(c).IsAdmin() {
		return fiber.NewError(fiber.StatusForbidden, T(lang(c), "err.forbidden"))
	}
	return c.Next()
}

func (h *Handler) adminIndex(c *fiber.Ctx) error {
	return h.render(c, fiber.StatusOK, "admin", T(lang(c), "admin.title"), nil)
}

// metaChange is how a setup page changes metadata.
type metaChange struct {
	// Summary describes the change in the revision history.
	Summary string
	// Object is the object the change concerns, for the audit log.
	Object string
	// Confirm allows losing data; DryRun only plans.
	Confirm, DryRun bool
}

// change applies mutate through the catalog as the signed-in
// administrator, and audits an applied change as the API does. A refused
// change returns metadata.Problems.
func (h *Handler) change(c *fiber.Ctx, mc metaChange, mutate func(m *metadata.Model) error) (*catalog.Result, error) {
	id := identity(c)
	res, err := h.srv.Catalog().Change(c.UserContext(), id.Tenant, catalog.ChangeOptions{
		Actor: id.User.ID, Summary: mc.Summary, ConfirmDataLoss: mc.Confirm, DryRun: mc.DryRun,
	}, mutate)
	if err != nil || mc.DryRun {
		return res, err
	}
	objectID := ""
	if o, ok := res.Revision.Object(mc.Object); ok {
		objectID = o.Meta.ID
	}
	h.audit(c, auth.EventMetadataChanged, objectID, map[string]any{
		"revision": res.Revision.Number, "summary": mc.Summary, "changes": res.Changes,
	})
	return res, nil
}

// audit writes an entry of the signed-in user's action; a failure to
// write it is logged (the change is made).
func (h *Handler) audit(c *fiber.Ctx, event, objectID string, detail map[string]any) {
	id := identity(c)
	e := auth.Actor{UserID: id.User.ID, Address: c.IP()}.Entry(id.Tenant.ID, event, detail)
	e.ObjectID = objectID
	if err := store.InsertAudit(context.WithoutCancel(c.UserContext()), h.srv.DB(), e); err != nil {
		slog.ErrorContext(c.UserContext(), "web: audit entry not written", "event", event, "error", err)
	}
}

// problemsOf turns a refused operation into the problems to show next to
// the form: metadata problems as they are, refusals of the approval,
// bundle and user services as problems without a path (user input errors
// with their field). ok is false for other errors, which are bugs.
func problemsOf(err error) (metadata.Problems, bool) {
	var ps metadata.Problems
	if errors.As(err, &ps) {
		return ps, true
	}
	var ae *approvals.Error
	if errors.As(err, &ae) {
		return metadata.Problems{{Code: ae.Code, Message: ae.Message}}, true
	}
	var be *bundles.Error
	if errors.As(err, &be) {
		return metadata.Problems{{Code: be.Code, Message: be.Message}}, true
	}
	var ie *auth.InputError
	if errors.As(err, &ie) {
		for _, fe := range ie.Errors {
			ps = append(ps, metadata.Problem{Path: fe.Field, Code: fe.Code, Message: fe.Message})
		}
		return ps, true
	}
	var fe *fiber.Error
	if errors.As(err, &fe) && fe.Code < 500 {
		return metadata.Problems{{Message: fe.Message}}, true
	}
	return nil, false
}

// hasCode reports whether one of the problems has code.
func hasCode(ps metadata.Problems, code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}

// notFound is the error of a setup page about something that is not there.
func notFound(c *fiber.Ctx) error {
	return fiber.NewError(fiber.StatusNotFound, T(lang(c), "err.not_found"))
}
