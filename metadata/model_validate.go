package metadata

import (
	"fmt"
	"regexp"
)

// namePattern is the shape of every API name: lower snake case starting with
// a letter. Names become SQL identifiers and expression identifiers, so the
// pattern is strict on purpose.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Length limits of API names. PostgreSQL truncates identifiers at 63 bytes;
// object names leave room for index names built from them.
const (
	MaxObjectNameLength = 40
	MaxFieldNameLength  = 50
)

// SystemColumns are the columns every record table has. Fields may not use
// these names.
var SystemColumns = []string{"id", "created_at", "created_by", "updated_at", "updated_by", "owner_id", "version", "record_type"}

// reservedNames are words a field or object may not be called: system
// columns, words of the expression language, and SQL words that would make
// generated SQL and filters confusing to read.
var reservedNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range SystemColumns {
		m[w] = true
	}
	for _, w := range []string{
		// expression language
		"true", "false", "nil", "null", "and", "or", "not", "in", "matches", "contains",
		"startswith", "endswith", "let", "if", "else", "then", "case", "when", "env",
		// SQL
		"select", "from", "where", "table", "order", "group", "by", "having", "limit",
		"offset", "insert", "update", "delete", "drop", "create", "alter", "index",
		"primary", "foreign", "key", "references", "constraint", "default", "user",
		"all", "any", "as", "asc", "desc", "distinct", "join", "union", "column",
		"check", "unique", "is", "like", "between", "exists", "grant", "revoke",
		"rowid", "oid", "ctid", "xmin", "xmax", "tableoid", "cmin", "cmax",
		// API
		"records", "fields", "objects", "batch", "by", "tenant", "tenants",
	} {
		m[w] = true
	}
	return m
}()

// IsReservedName reports whether name may not be used for an object or field.
func IsReservedName(name string) bool { return reservedNames[name] }

// checkName returns the problems with an API name, or nil.
func checkName(path, kind, name string, max int) []Problem {
	switch {
	case name == "":
		return []Problem{problemf(path, ProblemInvalidName, "%s name is required", kind)}
	case len(name) > max:
		return []Problem{problemf(path, ProblemInvalidName, "%s name %q is longer than %d characters", kind, name, max)}
	case !namePattern.MatchString(name):
		return []Problem{problemf(path, ProblemInvalidName, "%s name %q must start with a lower-case letter and contain only a-z, 0-9 and _", kind, name)}
	case reservedNames[name]:
		return []Problem{problemf(path, ProblemReservedName, "%s name %q is reserved", kind, name)}
	}
	return nil
}

// ExpressionChecker compiles an expression of a field (its default value) in
// the context of the model, returning a located error message when it does not
// compile. The engine provides it; metadata knows no expression language.
type ExpressionChecker interface {
	CheckDefault(m *Model, o *Object, f *Field) error
	// CheckRule compiles a validation rule's condition over the object's
	// record; it must be a boolean.
	CheckRule(m *Model, o *Object, r *Rule) error
}

// Validate runs every semantic check on the model and returns all problems
// found: names, duplicates, field types and their settings, lookup targets,
// the name field, picklist controllers and record types, and (when check
// is not nil) every expression, formulas included when check is a
// FormulaChecker (cycles of formulas are refused then). It resolves the
// model's roll-ups first (ResolveRollups), so that their kinds are known to
// every check.
func Validate(m *Model, check ExpressionChecker) Problems {
	m.ResolveRollups()
	var ps Problems
	seenObj := map[string]bool{}
	seenObjID := map[string]bool{}
	for _, o := range m.Objects {
		opath := "objects." + o.Name
		ps = append(ps, checkName(opath+".name", "object", o.Name, MaxObjectNameLength)...)
		if seenObj[o.Name] {
			ps = append(ps, problemf(opath+".name", ProblemDuplicate, "object %q is defined twice", o.Name))
		}
		seenObj[o.Name] = true
		if o.ID != "" {
			if seenObjID[o.ID] {
				ps = append(ps, problemf(opath+".id", ProblemDuplicate, "object id %q is used twice", o.ID))
			}
			seenObjID[o.ID] = true
		}
		ps = append(ps, validateObject(m, o, opath, check)...)
	}
	ps = append(ps, validateRoles(m)...)
	ps = append(ps, validateApprovals(m, check)...)
	if check != nil {
		ps = append(ps, validateFormulas(m, check)...)
	}
	return ps
}

func validateObject(m *Model, o *Object, opath string, check ExpressionChecker) []Problem {
	var ps []Problem
	switch o.Sharing {
	case "", SharingPrivate, SharingPublicRead, SharingPublicReadWrite:
	default:
		ps = append(ps, problemf(opath+".sharing", ProblemInvalidSetting, "sharing must be %q, %q or %q, not %q",
			SharingPrivate, SharingPublicRead, SharingPublicReadWrite, truncateForMessage(o.Sharing)))
	}
	ps = append(ps, validateSharingRules(m, o, opath)...)
	seen := map[string]bool{}
	seenID := map[string]bool{}
	for _, f := range o.Fields {
		fpath := opath + ".fields." + f.Name
		ps = append(ps, checkName(fpath+".name", "field", f.Name, MaxFieldNameLength)...)
		if seen[f.Name] {
			ps = append(ps, problemf(fpath+".name", ProblemDuplicate, "field %q is defined twice on object %q", f.Name, o.Name))
		}
		seen[f.Name] = true
		if f.ID != "" {
			if seenID[f.ID] {
				ps = append(ps, problemf(fpath+".id", ProblemDuplicate, "field id %q is used twice on object %q", f.ID, o.Name))
			}
			seenID[f.ID] = true
		}
		t, ok := LookupFieldType(f.Type)
		if !ok {
			ps = append(ps, problemf(fpath+".type", ProblemUnknownType, "unknown field type %q (known: %v)", f.Type, FieldTypeNames()))
			continue
		}
		ps = append(ps, Problems(t.ValidateSettings(f, m)).At(fpath)...)
		if f.Default != "" && check != nil {
			if err := check.CheckDefault(m, o, f); err != nil {
				ps = append(ps, problemf(fpath+".default", ProblemInvalidExpr, "%s", err.Error()))
			}
		}
	}
	ps = append(ps, validateRules(m, o, opath, check)...)
	ps = append(ps, validateDependencies(o, opath)...)
	ps = append(ps, validateRecordTypes(o, opath)...)
	ps = append(ps, validateRecordActions(m, o, opath, check)...)
	ps = append(ps, validateSchedules(m, o, opath, check)...)
	ps = append(ps, validateLayout(o, opath)...)
	ps = append(ps, validateListViews(o, opath)...)
	for i, name := range o.TrackHistory {
		if o.Field(name) == nil {
			ps = append(ps, problemf(fmt.Sprintf("%s.track_history.%d", opath, i), ProblemUnknownField, "track_history names %q, which is not a field of object %q", name, o.Name))
		}
	}
	if o.NameField != "" {
		nf := o.Field(o.NameField)
		if nf == nil {
			ps = append(ps, problemf(opath+".name_field", ProblemUnknownField, "name field %q is not a field of object %q", o.NameField, o.Name))
		}
	}
	return ps
}

// validateRules checks each rule's name, field and severity, and compiles its
// condition.
func validateRules(m *Model, o *Object, opath string, check ExpressionChecker) []Problem {
	var ps []Problem
	seen := map[string]bool{}
	for _, r := range o.Rules {
		rpath := opath + ".rules." + r.Name
		ps = append(ps, checkName(rpath+".name", "rule", r.Name, MaxFieldNameLength)...)
		if seen[r.Name] {
			ps = append(ps, problemf(rpath+".name", ProblemDuplicate, "rule %q is defined twice on object %q", r.Name, o.Name))
		}
		seen[r.Name] = true
		if r.Field != "" && o.Field(r.Field) == nil {
			ps = append(ps, problemf(rpath+".field", ProblemUnknownField, "rule %q attaches to %q, which is not a field of object %q", r.Name, r.Field, o.Name))
		}
		if r.Severity != "" && r.Severity != SeverityError && r.Severity != SeverityWarning {
			ps = append(ps, problemf(rpath+".severity", ProblemInvalidSetting, "severity must be %q or %q, not %q", SeverityError, SeverityWarning, r.Severity))
		}
		if r.Message.Default() == "" {
			ps = append(ps, problemf(rpath+".message", ProblemInvalidSetting, "rule %q needs a message telling the user what to fix", r.Name))
		}
		if check != nil {
			if err := check.CheckRule(m, o, r); err != nil {
				ps = append(ps, problemf(rpath+".condition", ProblemInvalidExpr, "%s", err.Error()))
			}
		}
	}
	return ps
}
