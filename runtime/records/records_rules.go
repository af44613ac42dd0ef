package records

import (
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
)

// CodeValidationRule is the code of a field error raised by a broken
// validation rule (the rule's name is in FieldError.Rule).
const CodeValidationRule = "validation_rule"

// evaluateRules runs the object's active validation rules on the record
// (prior is the stored record on update, nil on create). A rule whose
// condition is true is broken: an error for error-severity rules, a
// warning otherwise. A rule that fails to evaluate blocks the save, naming
// the rule, rather than letting a record through unchecked.
func evaluateRules(obj *compiled.Object, rec, prior Record, now time.Time, actor Actor, index int) ([]FieldError, []Warning) {
	if len(obj.Rules) == 0 {
		return nil, nil
	}
	vars := ruleVars(obj, rec, prior, now, actor)
	var errs []FieldError
	var warnings []Warning
	for _, r := range obj.Rules {
		field := readableField(actor.Access, r.Meta.Field)
		broken, err := r.Condition.RunCondition(vars)
		if err != nil {
			errs = append(errs, FieldError{Index: index, Field: field, Rule: r.Meta.Name, Code: CodeValidationRule,
				Message: fmt.Sprintf("validation rule %q could not be evaluated: %v", r.Meta.Name, err)})
			continue
		}
		if !broken {
			continue
		}
		msg := r.Meta.Message.In(actor.Languages)
		if r.Meta.IsWarning() {
			warnings = append(warnings, Warning{Index: index, Rule: r.Meta.Name, Field: field, Message: msg})
			continue
		}
		errs = append(errs, FieldError{Index: index, Field: field, Rule: r.Meta.Name, Code: CodeValidationRule, Message: msg})
	}
	return errs, warnings
}

// readableField returns field when acc may read it (or acc is nil: system
// work), else "": an error or warning about a field the actor may not see
// is attached to the record, so that its name is not told.
func readableField(acc *compiled.Access, field string) string {
	if field == "" || acc == nil || acc.CanRead(field) {
		return field
	}
	return ""
}

// ruleVars are the expression variables of a rule run: the record's fields,
// the lookup paths it reads (loaded by computeFormulas), $user, $now,
// $today, and the prior record for ISCHANGED and PRIORVALUE.
func ruleVars(obj *compiled.Object, rec, prior Record, now time.Time, actor Actor) expression.Vars {
	vars := expression.NewVars(now, actor.User())
	for _, c := range obj.Columns {
		vars[c.Name] = rec[c.Name]
	}
	for name, v := range pathValues(rec) {
		vars[name] = v
	}
	if prior == nil {
		return vars.ForCreate()
	}
	return vars.ForUpdate(prior)
}
