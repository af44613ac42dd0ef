package records

import (
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
)

// Warning is a broken warning-severity validation rule: the record was
// saved, and the user is told.
type Warning struct {
	Index   int    `json:"index,omitempty"`
	Rule    string `json:"rule"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// warningsKey holds a written record's warnings inside the Record; no field
// can have this name (API names start with a letter).
const warningsKey = "_warnings"

// Warnings returns the warnings raised when the record was written.
func (r Record) Warnings() []Warning {
	w, _ := r[warningsKey].([]Warning)
	return w
}

// checkRecord runs the checks that need the whole record after defaults and
// merging: picklist dependencies and record types, then validation rules.
// prior is the stored record on update and nil on create. Errors come back
// as a *ValidationError; warnings are attached to rec.
func checkRecord(rev *compiled.Revision, obj *compiled.Object, rec, prior Record, now time.Time, actor Actor, index int) error {
	errs := checkPicklists(obj, rec, prior, index)
	ruleErrs, warnings := evaluateRules(obj, rec, prior, now, actor, index)
	errs = append(errs, ruleErrs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	if len(warnings) > 0 {
		rec[warningsKey] = warnings
	}
	return nil
}
