package web

import (
	"errors"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
	"sigs.k8s.io/yaml"

	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/auth"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// Users and roles: the tenant's users (created, changed, deactivated
// through the identity service, audited as the API's), and the custom
// roles edited as one document.
func (h *Handler) routeAdminUsers(a fiber.Router) {
	a.Get("/users", h.adminUsers)
	a.Post("/users", h.adminCreateUser)
	a.Post("/users/roles", h.adminSaveRoles)
	a.Post("/users/:id", h.adminUpdateUser)
	a.Post("/users/:id/active", h.adminUserActive)
}

func init() {
	addMessages(map[string][2]string{
		"admin.usr.title":      {"Users", "用户"},
		"admin.usr.new":        {"New user", "新建用户"},
		"admin.usr.email":      {"Email", "电子邮件"},
		"admin.usr.name":       {"Name", "姓名"},
		"admin.usr.role":       {"Role", "角色"},
		"admin.usr.manager":    {"Manager", "经理"},
		"admin.usr.password":   {"Password (at least 12 characters; empty: cannot sign in yet)", "密码（至少 12 个字符；留空则暂不能登录）"},
		"admin.usr.active":     {"Active", "启用"},
		"admin.usr.inactive":   {"Deactivated", "已停用"},
		"admin.usr.deactivate": {"Deactivate %s", "停用 %s"},
		"admin.usr.reactivate": {"Reactivate %s", "重新启用 %s"},
		"admin.usr.change":     {"Change", "更改"},
		"admin.usr.create":     {"Create user", "创建用户"},
		"admin.usr.created":    {"User %s created.", "已创建用户 %s。"},
		"admin.usr.no_manager": {"(no manager)", "（无经理）"},
		"admin.usr.role_of":    {"Role of %s", "%s 的角色"},
		"admin.usr.manager_of": {"Manager of %s", "%s 的经理"},
		"admin.roles.title":    {"Roles", "角色"},
		"admin.roles.parent":   {"Reports to", "上级角色"},
		"admin.roles.sets":     {"Permission sets", "权限集"},
		"admin.roles.builtin":  {"admin and standard are built in.", "admin 和 standard 为内置角色。"},
		"admin.roles.doc":      {"Roles document (YAML): roles: [{name, parent, permission_sets}]", "角色文档（YAML）：roles: [{name, parent, permission_sets}]"},
	})
}

// userRow is a user of the list.
type userRow struct {
	ID, Email, Name, Role, ManagerID, Manager string
	Active                                    bool
}

type usersPage struct {
	Users    []userRow
	Roles    []string
	Custom   []*metadata.Role
	Form     map[string]string
	Problems metadata.Problems
	// Section is the form the problems belong to: "user", "roles", or a
	// user's id.
	Section  string
	RolesDoc string
	Flash    string
}

func (h *Handler) adminUsers(c *fiber.Ctx) error {
	d := usersPage{}
	if c.Query("saved") != "" {
		d.Flash = T(lang(c), "common.saved")
	}
	if e := c.Query("created"); e != "" {
		d.Flash = T(lang(c), "admin.usr.created", e)
	}
	return h.showUsers(c, fiber.StatusOK, d)
}

func (h *Handler) showUsers(c *fiber.Ctx, status int, d usersPage) error {
	rev, err := h.revision(c)
	if err != nil {
		return err
	}
	users, err := store.ListUsers(c.UserContext(), h.srv.DB(), identity(c).Tenant.ID, store.UserFilter{})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Email
	}
	for _, u := range users {
		d.Users = append(d.Users, userRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, ManagerID: u.ManagerID, Manager: names[u.ManagerID], Active: u.Active})
	}
	d.Roles = []string{metadata.RoleAdmin, metadata.RoleStandard}
	for _, r := range rev.Model.Roles {
		d.Roles = append(d.Roles, r.Name)
	}
	sort.Strings(d.Roles[2:])
	d.Custom = rev.Model.Roles
	if d.Section != "roles" {
		b, err := yaml.Marshal(map[string]any{"roles": nonNil(rev.Model.Roles)})
		if err != nil {
			return err
		}
		d.RolesDoc = string(b)
	}
	return h.render(c, status, "admin_users", T(lang(c), "admin.users"), d)
}

func nonNil(rs []*metadata.Role) []*metadata.Role {
	if rs == nil {
		return []*metadata.Role{}
	}
	return rs
}

// knownRole reports whether users may hold a role of the current metadata.
func (h *Handler) knownRole(c *fiber.Ctx) func(string) bool {
	return func(role string) bool {
		rev, err := h.revision(c)
		return err == nil && rev.Model.HasRole(role)
	}
}

func (h *Handler) by(c *fiber.Ctx) auth.Actor {
	return auth.Actor{UserID: identity(c).User.ID, Address: c.IP()}
}

func (h *Handler) adminCreateUser(c *fiber.Ctx) error {
	form := formValues(c, "email", "name", "role", "manager_id")
	u, err := h.srv.Auth().CreateUser(c.UserContext(), identity(c).Tenant.ID, auth.UserInput{
		Email: form["email"], Name: strings.TrimSpace(form["name"]), Role: form["role"], ManagerID: form["manager_id"],
		Password: c.FormValue("password"), KnownRole: h.knownRole(c),
	}, h.by(c))
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			return h.showUsers(c, fiber.StatusUnprocessableEntity, usersPage{Form: form, Problems: ps, Section: "user"})
		})
	}
	return c.Redirect("/admin/users?created="+u.Email, fiber.StatusSeeOther)
}

func (h *Handler) adminUpdateUser(c *fiber.Ctx) error {
	role, manager := c.FormValue("role"), c.FormValue("manager_id")
	_, err := h.srv.Auth().UpdateUser(c.UserContext(), identity(c).Tenant.ID, c.Params("id"), auth.UserChange{
		Role: &role, ManagerID: &manager, KnownRole: h.knownRole(c),
	}, h.by(c))
	return h.userChanged(c, err)
}

func (h *Handler) adminUserActive(c *fiber.Ctx) error {
	active := c.FormValue("active") == "1"
	_, err := h.srv.Auth().UpdateUser(c.UserContext(), identity(c).Tenant.ID, c.Params("id"), auth.UserChange{Active: &active}, h.by(c))
	return h.userChanged(c, err)
}

func (h *Handler) userChanged(c *fiber.Ctx, err error) error {
	if err == nil {
		return c.Redirect("/admin/users?saved=1", fiber.StatusSeeOther)
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound(c)
	}
	return refused(err, func(ps metadata.Problems) error {
		return h.showUsers(c, fiber.StatusUnprocessableEntity, usersPage{Problems: ps, Section: c.Params("id")})
	})
}

// adminSaveRoles replaces every custom role with the roles document, as
// PUT /api/v1/roles does.
func (h *Handler) adminSaveRoles(c *fiber.Ctx) error {
	src := c.FormValue("roles")
	show := func(ps metadata.Problems) error {
		return h.showUsers(c, fiber.StatusUnprocessableEntity, usersPage{Problems: ps, Section: "roles", RolesDoc: src})
	}
	m, err := metadata.DecodeModel([]byte(src))
	if err != nil {
		return refused(err, show)
	}
	if len(m.Objects) > 0 || m.PermissionSets != nil || m.ApprovalProcesses != nil || m.Queues != nil {
		return show(metadata.Problems{{Path: "roles", Code: metadata.ProblemSchema, Message: "the document must be {roles: [...]} and nothing else"}})
	}
	_, err = h.change(c, metaChange{Summary: "replace roles"}, func(next *metadata.Model) error {
		next.Roles = m.Roles
		return nil
	})
	if err != nil {
		return refused(err, show)
	}
	return c.Redirect("/admin/users?saved=1#roles", fiber.StatusSeeOther)
}
