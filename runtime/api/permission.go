package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
)

// accessLocal holds the caller's access to the request's object, set by
// objectNamed.
const accessLocal = "mosaic.access"

// Actions on records that object permissions govern.
const (
	actionCreate = "create"
	actionEdit   = "edit"
	actionDelete = "delete"
)

// accessTo returns what the caller's role may do with obj, as the compiled
// revision says: the one place permission decisions come from.
func accessTo(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object) *compiled.Access {
	return rev.Access(identityOf(c).User.Role, obj.Meta.Name)
}

// accessOf returns the caller's access to the object objectNamed resolved.
func accessOf(c *fiber.Ctx) *compiled.Access {
	a, _ := c.Locals(accessLocal).(*compiled.Access)
	if a == nil {
		panic("api: accessOf before objectNamed")
	}
	return a
}

// permit refuses, with 403 forbidden, an action the caller's role may not
// take on the request's object. Handlers call it before looking a record
// up, so the answer is the same whether or not the record exists.
func permit(c *fiber.Ctx, obj *compiled.Object, actions ...string) error {
	a := accessOf(c)
	for _, action := range actions {
		ok := false
		switch action {
		case actionCreate:
			ok = a.Create
		case actionEdit:
			ok = a.Edit
		case actionDelete:
			ok = a.Delete
		}
		if !ok {
			return problem(fiber.StatusForbidden, CodeForbidden, "your role may not %s records of object %q", action, obj.Meta.Name)
		}
	}
	return nil
}

// seesEverything reports whether the caller's role reads every object and
// field, so that whole-model answers (GET /metadata, rule checks) hide
// nothing from it: the built-in admin and standard roles.
func seesEverything(c *fiber.Ctx) bool {
	r := identityOf(c).User.Role
	return r == metadata.RoleAdmin || r == metadata.RoleStandard
}

// requireSeesEverything refuses a caller whose role does not see every
// object and field.
func requireSeesEverything(c *fiber.Ctx) error {
	if !seesEverything(c) {
		return problem(fiber.StatusForbidden, CodeForbidden, "only the admin and standard roles, which see every object and field, may do this")
	}
	return nil
}
