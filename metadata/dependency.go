package metadata

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A dependent picklist is a picklist or multi-picklist field whose
// Controller names another field of the same object — a picklist or a
// boolean — and whose Settings.Dependencies list, per controlling value, the
// values it allows. A controlling value that is not listed allows no value;
// an empty controlling value allows none either.

// IsPicklist reports whether the field is a picklist or a multi-picklist.
func (f *Field) IsPicklist() bool { return f.Type == "picklist" || f.Type == "multi_picklist" }

// canControl reports whether a field of this type may control a dependent
// picklist.
func canControl(f *Field) bool { return f.Type == "picklist" || f.Type == "boolean" }

// ControllingKey is the key of Settings.Dependencies that a value of the
// controlling field selects: the value itself for a picklist, "true" or
// "false" for a boolean (an empty boolean counts as false, as an unticked
// box does). ok is false when the controlling field is empty.
func ControllingKey(controller *Field, v any) (key string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case nil:
		if controller != nil && controller.Type == "boolean" {
			return "false", true
		}
	}
	return "", false
}

// AllowedWith returns the values of a dependent picklist allowed when its
// controlling field's key is key, in the field's definition order.
func (f *Field) AllowedWith(key string) []string {
	listed := f.Settings.Dependencies[key]
	out := make([]string, 0, len(listed))
	for _, v := range f.Settings.Values {
		if slices.Contains(listed, v.Value) {
			out = append(out, v.Value)
		}
	}
	return out
}

// Dependents returns the fields of the object whose controller is name.
func (o *Object) Dependents(name string) []*Field {
	var out []*Field
	for _, f := range o.Fields {
		if f.Controller == name {
			out = append(out, f)
		}
	}
	return out
}

// validateDependencies checks the controllers and dependencies of the
// object's fields: a controller is another picklist or boolean field of the
// object, controllers form no cycle, dependencies and a controller come
// together, every key is a value of the controller and every listed value a
// value of the field.
func validateDependencies(o *Object, opath string) []Problem {
	var ps []Problem
	for _, f := range o.Fields {
		fpath := opath + ".fields." + f.Name
		if f.Controller == "" {
			if f.Settings.Dependencies != nil {
				ps = append(ps, problemf(fpath+".settings.dependencies", ProblemInvalidSetting,
					"dependencies need a controller: set %q to the picklist or boolean field they depend on", "controller"))
			}
			continue
		}
		cpath := fpath + ".controller"
		if !f.IsPicklist() {
			ps = append(ps, problemf(cpath, ProblemInvalidSetting, "only picklist and multi_picklist fields can have a controller, not %s %s field", article(f.Type), f.Type))
			continue
		}
		c := o.Field(f.Controller)
		switch {
		case f.Controller == f.Name:
			ps = append(ps, problemf(cpath, ProblemInvalidSetting, "field %q cannot control itself", f.Name))
			continue
		case c == nil:
			ps = append(ps, problemf(cpath, ProblemUnknownField, "controller %q is not a field of object %q", f.Controller, o.Name))
			continue
		case !canControl(c):
			ps = append(ps, problemf(cpath, ProblemInvalidSetting, "controller %q is %s %s field; only a picklist or a boolean field can control a picklist", c.Name, article(c.Type), c.Type))
			continue
		}
		if cycle := controllerCycle(o, f); cycle != nil {
			ps = append(ps, problemf(cpath, ProblemInvalidSetting, "controllers form a cycle: %s", strings.Join(cycle, " → ")))
			continue
		}
		if len(f.Settings.Dependencies) == 0 {
			ps = append(ps, problemf(fpath+".settings.dependencies", ProblemInvalidSetting,
				"a field with a controller needs settings.dependencies: the values allowed for each value of %q", c.Name))
			continue
		}
		ps = append(ps, checkDependencyMap(f, c, fpath+".settings.dependencies")...)
	}
	return ps
}

// controllerCycle returns the names along the controller chain from f back
// to f when the chain is a cycle, else nil. A chain that reaches a cycle
// not through f is reported at the fields of that cycle.
func controllerCycle(o *Object, f *Field) []string {
	chain := []string{f.Name}
	seen := map[string]bool{f.Name: true}
	for cur := o.Field(f.Controller); cur != nil; cur = o.Field(cur.Controller) {
		chain = append(chain, cur.Name)
		if cur.Name == f.Name {
			return chain
		}
		if seen[cur.Name] || cur.Controller == "" {
			return nil
		}
		seen[cur.Name] = true
	}
	return nil
}

// checkDependencyMap checks that every key of f's dependencies is a value of
// the controller c and every listed value a value of f.
func checkDependencyMap(f, c *Field, path string) []Problem {
	var ps []Problem
	keys := make([]string, 0, len(f.Settings.Dependencies))
	for k := range f.Settings.Dependencies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	own := valueSet(f)
	for _, k := range keys {
		kpath := path + "." + k
		switch {
		case c.Type == "boolean" && k != "true" && k != "false":
			ps = append(ps, problemf(kpath, ProblemInvalidSetting, "controller %q is a boolean field: the keys of dependencies are \"true\" and \"false\", not %q", c.Name, truncateForMessage(k)))
			continue
		case c.Type == "picklist" && !valueSet(c)[k]:
			ps = append(ps, problemf(kpath, ProblemInvalidSetting, "%q is not a value of controller %q", truncateForMessage(k), c.Name))
			continue
		}
		seen := map[string]bool{}
		for i, v := range f.Settings.Dependencies[k] {
			vpath := fmt.Sprintf("%s.%d", kpath, i)
			switch {
			case !own[v]:
				ps = append(ps, problemf(vpath, ProblemInvalidSetting, "%q is not a value of field %q", truncateForMessage(v), f.Name))
			case seen[v]:
				ps = append(ps, problemf(vpath, ProblemDuplicate, "%q is listed twice for %q", truncateForMessage(v), truncateForMessage(k)))
			}
			seen[v] = true
		}
	}
	return ps
}

// valueSet is the set of a picklist field's values, active or not.
func valueSet(f *Field) map[string]bool {
	m := make(map[string]bool, len(f.Settings.Values))
	for _, v := range f.Settings.Values {
		m[v.Value] = true
	}
	return m
}
