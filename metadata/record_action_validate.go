package metadata

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ActionChecker compiles the expressions of record actions when the
// metadata is saved. The engine's expression.Checker implements it;
// Validate uses it when the ExpressionChecker it is given does. created
// are the aliases of the records created before the expression runs: the
// only ones $created may name.
type ActionChecker interface {
	// CheckActionCondition compiles a condition of action a of object o
	// (its criteria, or the when of a create) over the record, $params
	// and $created; it must be a boolean.
	CheckActionCondition(m *Model, o *Object, a *RecordAction, created []string, src string) error
	// CheckActionAssignment compiles the expression that sets field f (of
	// a created record or of the source record) over the record, $params
	// and $created; its value must fit f.
	CheckActionAssignment(m *Model, o *Object, a *RecordAction, created []string, f *Field, src string) error
}

// createdRef finds the aliases an expression reads as $created.<alias>.
var createdRef = regexp.MustCompile(`\$created\.([A-Za-z_][A-Za-z0-9_]*)`)

// validateRecordActions checks the record actions of o: names, parameters,
// creates (targets, mapped fields, order of $created references) and
// updates, and (with an ActionChecker) compiles every expression.
func validateRecordActions(m *Model, o *Object, opath string, check ExpressionChecker) []Problem {
	var ps []Problem
	ac, _ := check.(ActionChecker)
	seen := map[string]bool{}
	for _, a := range o.Actions {
		apath := opath + ".actions." + a.Name
		ps = append(ps, checkName(apath+".name", "action", a.Name, MaxFieldNameLength)...)
		if seen[a.Name] {
			ps = append(ps, problemf(apath+".name", ProblemDuplicate, "action %q is defined twice on object %q", a.Name, o.Name))
		}
		seen[a.Name] = true
		ps = append(ps, validateRecordAction(m, o, a, apath, ac)...)
	}
	return ps
}

func validateRecordAction(m *Model, o *Object, a *RecordAction, apath string, ac ActionChecker) []Problem {
	var ps []Problem
	seenParam := map[string]bool{}
	for _, p := range a.Parameters {
		ppath := apath + ".parameters." + p.Name
		ps = append(ps, checkName(ppath+".name", "parameter", p.Name, MaxFieldNameLength)...)
		if seenParam[p.Name] {
			ps = append(ps, problemf(ppath+".name", ProblemDuplicate, "parameter %q is defined twice in action %q", p.Name, a.Name))
		}
		seenParam[p.Name] = true
		if !slices.Contains(ActionParameterTypes, p.Type) {
			ps = append(ps, problemf(ppath+".type", ProblemUnknownType, "parameter type must be one of %s, not %q", strings.Join(ActionParameterTypes, ", "), truncateForMessage(p.Type)))
			continue
		}
		if p.Default != "" {
			if _, ve := p.DefaultValue(); ve != nil {
				ps = append(ps, problemf(ppath+".default", ProblemInvalidSetting, "default of parameter %q: %s", p.Name, ve.Message))
			}
		}
	}
	if len(a.Creates) == 0 && len(a.Updates) == 0 {
		ps = append(ps, problemf(apath, ProblemInvalidSetting, "action %q neither creates nor updates anything", a.Name))
	}
	if len(a.Creates) > MaxActionCreates {
		ps = append(ps, problemf(apath+".creates", ProblemInvalidSetting, "action %q creates %d records; at most %d are allowed", a.Name, len(a.Creates), MaxActionCreates))
	}
	aliases := make([]string, 0, len(a.Creates))
	for _, c := range a.Creates {
		aliases = append(aliases, c.As)
	}
	// refs checks that src names only created records before index upTo.
	refs := func(at, src string, upTo int) bool {
		ok := true
		for _, m := range createdRef.FindAllStringSubmatch(src, -1) {
			i := slices.Index(aliases, m[1])
			switch {
			case i < 0:
				ps = append(ps, problemf(at, ProblemInvalidExpr, "$created.%s: action %q creates no record called %q", m[1], a.Name, m[1]))
				ok = false
			case i >= upTo:
				ps = append(ps, problemf(at, ProblemInvalidExpr, "$created.%s is not created yet here: a create may refer only to the records created before it", m[1]))
				ok = false
			}
		}
		return ok
	}
	condition := func(at, src string, created []string) {
		if src == "" || !refs(at, src, len(created)) || ac == nil {
			return
		}
		if err := ac.CheckActionCondition(m, o, a, created, src); err != nil {
			ps = append(ps, problemf(at, ProblemInvalidExpr, "%s", err.Error()))
		}
	}
	assign := func(at string, target *Object, field, src string, created []string) {
		f := target.Field(field)
		switch {
		case f == nil:
			ps = append(ps, problemf(at, ProblemUnknownField, "%q is not a field of object %q", truncateForMessage(field), target.Name))
		case !writableByAction(f):
			ps = append(ps, problemf(at, ProblemInvalidSetting, "%q is a %s field, which is computed and cannot be set", field, f.Type))
		case strings.TrimSpace(src) == "":
			ps = append(ps, problemf(at, ProblemInvalidExpr, "the value of %q needs an expression", field))
		case !refs(at, src, len(created)):
		case ac != nil:
			if err := ac.CheckActionAssignment(m, o, a, created, f, src); err != nil {
				ps = append(ps, problemf(at, ProblemInvalidExpr, "%s", err.Error()))
			}
		}
	}
	condition(apath+".criteria", a.Criteria, nil)
	seenAs := map[string]bool{}
	for i, c := range a.Creates {
		cpath := fmt.Sprintf("%s.creates.%d", apath, i)
		ps = append(ps, checkName(cpath+".as", "created record", c.As, MaxFieldNameLength)...)
		if seenAs[c.As] {
			ps = append(ps, problemf(cpath+".as", ProblemDuplicate, "action %q names two created records %q", a.Name, c.As))
		}
		seenAs[c.As] = true
		target := m.Object(c.Object)
		if target == nil {
			ps = append(ps, problemf(cpath+".object", ProblemUnknownTarget, "action %q creates a record of %q, which is not an object", a.Name, truncateForMessage(c.Object)))
			continue
		}
		created := aliases[:i]
		condition(cpath+".when", c.When, created)
		if len(c.Values) == 0 {
			ps = append(ps, problemf(cpath+".values", ProblemInvalidSetting, "a created record needs values: the fields it sets from the record"))
		}
		for _, field := range c.MappedFields() {
			assign(cpath+".values."+field, target, field, c.Values[field], created)
		}
	}
	for _, field := range a.UpdatedFields() {
		assign(apath+".updates."+field, o, field, a.Updates[field], aliases)
	}
	return ps
}

// ParameterField is the field whose type and settings check the
// parameter's values: text up to 10000 characters, numbers with up to 18
// digits of which 8 after the point, booleans and dates.
func (p *ActionParameter) ParameterField() *Field {
	f := &Field{Name: p.Name, Type: p.Type, Label: p.Label}
	switch p.Type {
	case "text":
		f.Settings.MaxLength = 10000
	case "number":
		scale := 8
		f.Settings.Precision, f.Settings.Scale = 18, &scale
	}
	return f
}

// Normalize checks a value of the parameter given by a caller (as decoded
// from JSON) and returns its canonical value; nil stays nil.
func (p *ActionParameter) Normalize(v any) (any, *ValueError) {
	if v == nil {
		return nil, nil
	}
	t, ok := LookupFieldType(p.Type)
	if !ok {
		return nil, Invalid(CodeInvalidType, "parameter type %q is unknown", p.Type)
	}
	return t.Normalize(p.ParameterField(), v)
}

// DefaultValue returns the canonical value of the parameter's default, nil
// when it has none.
func (p *ActionParameter) DefaultValue() (any, *ValueError) {
	if p.Default == "" {
		return nil, nil
	}
	var v any = p.Default
	switch p.Type {
	case "boolean":
		switch p.Default {
		case "true":
			v = true
		case "false":
			v = false
		default:
			return nil, Invalid(CodeInvalidType, "a boolean default is \"true\" or \"false\", not %q", truncateForMessage(p.Default))
		}
	case "number":
		v = json.Number(p.Default)
	}
	return p.Normalize(v)
}
