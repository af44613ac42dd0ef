package expression

import (
	"reflect"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Names of the variables of record actions (metadata.RecordAction).
const (
	// VarParams prefixes the parameters of a record action: $params.name
	// is the caller's value of parameter name, typed by its declaration.
	VarParams = "$params"
	// VarCreated prefixes the records a record action created:
	// $created.alias is the id of the record created as alias, nil when
	// its when was false.
	VarCreated = "$created"
)

// NewActionEnv returns the environment of the expressions of record action
// a of object o: NewModelEnv(m, o) (the record's fields and lookup paths,
// $user, $now, $today), plus $params.<name> for each parameter of a, typed
// by the parameter's type, and $created.<alias> (a string, the record's
// id) for each alias of created: the records created before the
// expression runs.
func NewActionEnv(m *metadata.Model, o *metadata.Object, a *metadata.RecordAction, created []string) *Env {
	base := NewModelEnv(m, o)
	members := map[string]reflect.Type{}
	if a != nil {
		for _, p := range a.Parameters {
			t, ok := metadata.LookupFieldType(p.Type)
			if !ok {
				continue
			}
			if et := t.ExprType(p.ParameterField()); et != nil {
				members[VarParams+"."+p.Name] = et
			}
		}
	}
	for _, alias := range created {
		members[VarCreated+"."+alias] = reflect.TypeFor[string]()
	}
	vars := make(map[string]reflect.Type, len(base.vars)+len(members))
	for name, t := range base.vars {
		vars[name] = t
	}
	for name, t := range members {
		vars[name] = t
	}
	env := newEnv(vars)
	env.record, env.model, env.object, env.members = true, m, o, members
	return env
}

// WithParams sets $params.<name> to each value of params, which must be
// canonical (see metadata.ActionParameter.Normalize). It returns v,
// changed.
func (v Vars) WithParams(params map[string]any) Vars {
	for name, value := range params {
		v[VarParams+"."+name] = value
	}
	return v
}

// WithCreated sets $created.<alias> to id, or to nil when id is empty. It
// returns v, changed.
func (v Vars) WithCreated(alias, id string) Vars {
	if id == "" {
		v[VarCreated+"."+alias] = nil
	} else {
		v[VarCreated+"."+alias] = id
	}
	return v
}
