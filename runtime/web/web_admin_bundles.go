package web

import (
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
)

// App bundles: the catalog with what is installed; installing, upgrading
// and uninstalling always show the plan (a dry run) first and apply it
// only once confirmed.
func (h *Handler) routeAdminBundles(a fiber.Router) {
	a.Get("/bundles", h.adminBundles)
	a.Get("/bundles/:name/:op", h.adminBundlePlan)
	a.Post("/bundles/:name/:op", h.adminBundleApply)
}

func init() {
	addMessages(map[string][2]string{
		"admin.bnd.none":       {"No bundles in the catalog.", "目录中没有应用包。"},
		"admin.bnd.version":    {"Version", "版本"},
		"admin.bnd.installed":  {"Installed", "已安装"},
		"admin.bnd.origin":     {"Origin", "来源"},
		"admin.bnd.install":    {"Install %s", "安装 %s"},
		"admin.bnd.upgrade":    {"Upgrade %s", "升级 %s"},
		"admin.bnd.uninstall":  {"Uninstall %s", "卸载 %s"},
		"admin.bnd.plan":       {"Plan", "计划"},
		"admin.bnd.plan_help":  {"Nothing has changed yet. Review the plan, then confirm.", "尚未做任何更改。请检查计划后确认。"},
		"admin.bnd.bundles":    {"Bundles", "应用包"},
		"admin.bnd.components": {"Components", "组件"},
		"admin.bnd.changes":    {"Database changes", "数据库更改"},
		"admin.bnd.confirm":    {"Confirm: %s", "确认：%s"},
		"admin.bnd.loss":       {"Data would be lost:", "将丢失数据："},
		"admin.bnd.done":       {"Done: %s (revision %d).", "已完成：%s（修订 %d）。"},
		"admin.bnd.nothing":    {"Nothing.", "无。"},
	})
}

// bundleOps are the operations of the bundle pages.
var bundleOps = map[string]string{"install": "admin.bnd.install", "upgrade": "admin.bnd.upgrade", "uninstall": "admin.bnd.uninstall"}

func (h *Handler) adminBundles(c *fiber.Ctx) error {
	entries, err := h.srv.Bundles().Catalog(c.UserContext(), identity(c).Tenant)
	if err != nil {
		return err
	}
	done := ""
	if key := bundleOps[c.Query("done")]; key != "" {
		done = T(lang(c), "admin.bnd.done", T(lang(c), key, c.Query("bundle")), c.QueryInt("revision"))
	}
	type row struct {
		bundles.Entry
		Title, Desc string
	}
	rows := make([]row, len(entries))
	for i, e := range entries {
		rows[i] = row{Entry: e, Title: e.Label.In(languages(c)), Desc: e.Description.In(languages(c))}
		if rows[i].Title == "" {
			rows[i].Title = e.Name
		}
	}
	return h.render(c, fiber.StatusOK, "admin_bundles", T(lang(c), "admin.bundles"), map[string]any{"Bundles": rows, "Done": done})
}

// bundlePlan is the plan page of an operation.
type bundlePlan struct {
	Name, Op, Title string
	Plan            *bundles.Result
	// Loss are the problems of data that would be lost (the operation
	// then needs the confirmation box); Problems refuse it outright.
	Loss, Problems metadata.Problems
}

// runBundle runs op on the bundle :name.
func (h *Handler) runBundle(c *fiber.Ctx, op string, opt bundles.Options) (*bundles.Result, bundles.Source, error) {
	t := identity(c).Tenant
	svc := h.srv.Bundles()
	opt.Actor = identity(c).User.ID
	if op == "uninstall" {
		res, err := svc.Uninstall(c.UserContext(), t, c.Params("name"), opt)
		return res, bundles.Source{}, err
	}
	src, err := svc.Find(c.UserContext(), t, c.Params("name"), "", false)
	if err != nil {
		return nil, src, err
	}
	if op == "upgrade" {
		res, err := svc.Upgrade(c.UserContext(), t, src, svc.Resolver(t, false), opt)
		return res, src, err
	}
	res, err := svc.Install(c.UserContext(), t, src, svc.Resolver(t, false), opt)
	return res, src, err
}

func (h *Handler) adminBundlePlan(c *fiber.Ctx) error {
	op := c.Params("op")
	if bundleOps[op] == "" {
		return notFound(c)
	}
	d := bundlePlan{Name: c.Params("name"), Op: op, Title: T(lang(c), bundleOps[op], c.Params("name"))}
	res, _, err := h.runBundle(c, op, bundles.Options{DryRun: true})
	if ps, ok := problemsOf(err); ok && hasCode(ps, metadata.ProblemDataLoss) {
		d.Loss = ps
		res, _, err = h.runBundle(c, op, bundles.Options{DryRun: true, ConfirmDataLoss: true})
	}
	status := fiber.StatusOK
	if err != nil {
		ps, ok := problemsOf(err)
		if !ok {
			return err
		}
		d.Problems, status = ps, fiber.StatusUnprocessableEntity
	}
	d.Plan = res
	return h.render(c, status, "admin_bundle", d.Title, d)
}

func (h *Handler) adminBundleApply(c *fiber.Ctx) error {
	op := c.Params("op")
	if bundleOps[op] == "" {
		return notFound(c)
	}
	res, src, err := h.runBundle(c, op, bundles.Options{ConfirmDataLoss: c.FormValue("confirm") != ""})
	if err != nil {
		ps, ok := problemsOf(err)
		if !ok {
			return err
		}
		d := bundlePlan{Name: c.Params("name"), Op: op, Title: T(lang(c), bundleOps[op], c.Params("name"))}
		if hasCode(ps, metadata.ProblemDataLoss) {
			d.Loss = ps
			d.Plan, _, _ = h.runBundle(c, op, bundles.Options{DryRun: true, ConfirmDataLoss: true})
		} else {
			d.Problems = ps
		}
		return h.render(c, fiber.StatusUnprocessableEntity, "admin_bundle", d.Title, d)
	}
	event := map[string]string{"install": auth.EventBundleInstalled, "upgrade": auth.EventBundleUpgraded, "uninstall": auth.EventBundleUninstalled}[op]
	detail := map[string]any{"name": c.Params("name"), "bundles": res.Bundles, "revision": res.Revision, "components": res.Components, "changes": res.Changes}
	if src.Bundle != nil {
		detail["version"], detail["signature"] = src.Bundle.Manifest.Version, src.Signature
	}
	h.audit(c, event, "", detail)
	return c.Redirect(fmt.Sprintf("/admin/bundles?done=%s&bundle=%s&revision=%d", op, url.QueryEscape(c.Params("name")), res.Revision), fiber.StatusSeeOther)
}
