package expression

import (
	"reflect"
	"sort"
	"time"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Names of the special variables every expression may use.
const (
	// VarUser is the user the expression runs for (a User).
	VarUser = "$user"
	// VarNow is the instant of the request (a time.Time in UTC).
	VarNow = "$now"
	// VarToday is the date of the request: $now at midnight UTC.
	VarToday = "$today"
)

// meterKey is the hidden variable that carries a run's string budget to the
// functions that build strings. It cannot be written in an expression: '#'
// does not start an identifier.
const meterKey = "#meter"

// User is the value of $user: who an expression runs for. Expressions read
// its members as $user.id, $user.role and $user.manager.
type User struct {
	// ID is the user's id.
	ID string `expr:"id"`
	// Role is the API name of the user's role.
	Role string `expr:"role"`
	// Manager is the id of the user's manager, empty when there is none.
	Manager string `expr:"manager"`
}

var (
	userType = reflect.TypeFor[User]()
	timeType = reflect.TypeFor[time.Time]()
)

// Env describes the typed variables an expression may use: the fields of a
// record by API name and the special variables $user, $now and $today. An
// Env is read-only once built and may be shared.
type Env struct {
	vars map[string]reflect.Type
	// record is set for expressions on records, which may use ISNEW,
	// ISCHANGED and PRIORVALUE.
	record bool
	// zero holds a zero value of each variable's type: expr-lang reads the
	// types of a map environment from its values.
	zero map[string]any
	// model and object resolve lookup paths (paths.go); formula refuses
	// what formulas may not use; paths are the path variables of one
	// compilation, by name.
	model   *metadata.Model
	object  *metadata.Object
	formula bool
	paths   map[string]reflect.Type
	// members are dotted variables of the environment ($params.x,
	// $created.y; env_action.go), which the path patcher rewrites into
	// one identifier like a lookup path.
	members map[string]reflect.Type
}

// NewEnv returns the environment of expressions on records of o (validation
// rules, formulas, approval criteria): every field of o with the Go type of
// its canonical value, plus the special variables. Fields of a type that is
// not registered are left out.
func NewEnv(o *metadata.Object) *Env {
	vars := specials()
	for name, t := range systemVars {
		vars[name] = t
	}
	if o != nil {
		for _, f := range o.Fields {
			t, ok := metadata.LookupFieldType(f.Type)
			if !ok {
				continue
			}
			if et := t.ExprType(f); et != nil {
				vars[f.Name] = et
			}
		}
	}
	env := newEnv(vars)
	env.record = true
	return env
}

// systemVars are the system columns every record has, readable by record
// expressions like fields (record_type == "enterprise", owner_id == $user.id).
var systemVars = map[string]reflect.Type{
	"id":          reflect.TypeFor[string](),
	"created_at":  timeType,
	"created_by":  reflect.TypeFor[string](),
	"updated_at":  timeType,
	"updated_by":  reflect.TypeFor[string](),
	"owner_id":    reflect.TypeFor[string](),
	"version":     reflect.TypeFor[int64](),
	"record_type": reflect.TypeFor[string](),
}

// DefaultsEnv returns the environment of default values: the special
// variables only, since a default may not read the record it fills. Nor may
// it use ISNEW, ISCHANGED or PRIORVALUE: a default is computed for a record
// that does not exist yet.
func DefaultsEnv() *Env { return newEnv(specials()) }

func specials() map[string]reflect.Type {
	return map[string]reflect.Type{
		VarUser:  userType,
		VarNow:   timeType,
		VarToday: timeType,
	}
}

func newEnv(vars map[string]reflect.Type) *Env {
	zero := make(map[string]any, len(vars)+1)
	for name, t := range vars {
		zero[name] = reflect.Zero(t).Interface()
	}
	zero[meterKey] = (*meter)(nil)
	zero[recordKey] = (*recordState)(nil)
	return &Env{vars: vars, zero: zero}
}

// Lookup returns the Go type of the variable called name.
func (e *Env) Lookup(name string) (reflect.Type, bool) {
	t, ok := e.vars[name]
	return t, ok
}

// Names lists the variables of the environment, sorted.
func (e *Env) Names() []string {
	names := make([]string, 0, len(e.vars))
	for n := range e.vars {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Vars are the values of an expression's variables for one run, keyed like
// the Env it was compiled in: field API names and $user, $now, $today. Field
// values are canonical (see metadata.Kind); a missing key reads as nil.
type Vars map[string]any

// NewVars returns variables holding the special values for a run at now for
// user; the caller adds the record's fields. $now is now in UTC and $today
// its date at midnight UTC.
func NewVars(now time.Time, user User) Vars {
	now = now.UTC()
	return Vars{
		VarUser:  user,
		VarNow:   now,
		VarToday: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
	}
}
