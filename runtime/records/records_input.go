package records

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// normalize turns decoded JSON input into canonical field values, collecting
// every field error. System and generated columns may not be written, but
// for record_type: a name (or null) that the create path checks and the
// update path refuses unless it is the stored type (see checkPicklists).
//
// With acc, a field the role may not read is refused exactly as a field
// the object does not have, and one it may not edit as read-only.
func normalize(obj *compiled.Object, acc *compiled.Access, input map[string]any, index int) (map[string]any, []FieldError) {
	values := make(map[string]any, len(input))
	var errs []FieldError
	keys := make([]string, 0, len(input))
	for k := range input {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := input[k]
		col, ok := obj.Column(k)
		switch {
		case !ok || (acc != nil && !col.System && !acc.CanRead(k)):
			errs = append(errs, FieldError{Index: index, Field: k, Code: metadata.CodeUnknownField,
				Message: fmt.Sprintf("object %q has no field %q", obj.Meta.Name, k)})
			continue
		case k == compiled.ColRecordType:
			if _, isString := v.(string); v != nil && !isString {
				errs = append(errs, FieldError{Index: index, Field: k, Code: metadata.CodeInvalidType,
					Message: "expected the name of a record type as a string"})
				continue
			}
			values[k] = v
			continue
		case col.System || col.Field.IsGenerated():
			errs = append(errs, FieldError{Index: index, Field: k, Code: metadata.CodeReadOnly,
				Message: fmt.Sprintf("field %q is set by the platform and cannot be written", k)})
			continue
		case acc != nil && !acc.CanEdit(k):
			errs = append(errs, FieldError{Index: index, Field: k, Code: metadata.CodeReadOnly,
				Message: fmt.Sprintf("your role may read field %q but not edit it", k)})
			continue
		}
		if v == nil || isBlankString(v, col) {
			values[k] = nil
			continue
		}
		cv, verr := col.Field.TypeOf().Normalize(col.Field, v)
		if verr != nil {
			errs = append(errs, FieldError{Index: index, Field: k, Code: verr.Code, Message: verr.Message})
			continue
		}
		values[k] = cv
	}
	return values, errs
}

// isBlankString treats "" as no value for fields that are not plain text, so
// that an empty form input clears a date or a number.
func isBlankString(v any, col *compiled.Column) bool {
	s, ok := v.(string)
	if !ok || s != "" {
		return false
	}
	return col.Type.Kind != metadata.KindText
}

// applyDefaults settles a new record's type (the one given, else the
// object's default type) and fills the fields it was given no value for: the
// record type's default for a picklist it narrows, else the field's default
// expression, else a picklist's default value. Picklist defaults that the
// record type or a controlling value does not allow are left out.
func applyDefaults(obj *compiled.Object, values map[string]any, now time.Time, actor Actor, index int) []FieldError {
	errs := resolveRecordType(obj, values, index)
	rt := recordTypeOf(obj, values)
	filled := map[string]bool{}
	for _, col := range obj.FieldColumns() {
		if _, given := values[col.Name]; given {
			continue
		}
		f := col.Field
		if def, ok := typeDefault(rt, f); ok {
			values[col.Name] = def
			filled[col.Name] = true
			continue
		}
		if prog := obj.Defaults[col.Name]; prog != nil {
			v, err := prog.Run(expression.NewVars(now, actor.User()))
			if err != nil {
				errs = append(errs, FieldError{Index: index, Field: col.Name, Code: metadata.CodeInvalidFormat,
					Message: fmt.Sprintf("the default value could not be computed: %v", err)})
				continue
			}
			if v == nil {
				continue
			}
			cv, verr := f.TypeOf().Normalize(f, v)
			if verr != nil {
				errs = append(errs, FieldError{Index: index, Field: col.Name, Code: verr.Code,
					Message: "the default value does not fit: " + verr.Message})
				continue
			}
			values[col.Name] = cv
			filled[col.Name] = true
			continue
		}
		if f.Type == "picklist" {
			if def, ok := f.DefaultPicklistValue(); ok {
				values[col.Name] = def
				filled[col.Name] = true
			}
		}
	}
	fitDefaults(obj, rt, values, filled)
	return errs
}

// checkRequired reports required fields without a value.
func checkRequired(obj *compiled.Object, rec map[string]any, index int) []FieldError {
	var errs []FieldError
	for _, col := range obj.FieldColumns() {
		if !col.Field.Required || col.Field.IsGenerated() {
			continue
		}
		if v := rec[col.Name]; v == nil || isEmptyList(v) {
			errs = append(errs, FieldError{Index: index, Field: col.Name, Code: metadata.CodeRequired,
				Message: fmt.Sprintf("%s is required", labelOf(col.Field))})
		}
	}
	return errs
}

func isEmptyList(v any) bool {
	l, ok := v.([]string)
	return ok && len(l) == 0
}

func labelOf(f *metadata.Field) string {
	if l := f.Label.Default(); l != "" {
		return l
	}
	return f.Name
}

// MessageHiddenRequired is the message of a required-field error about a
// field the caller may not read: it does not name the field.
const MessageHiddenRequired = "a required value is missing that you may not set; ask an administrator"

// HideUnreadable rewrites the field errors of a *ValidationError (other
// errors pass through) so that none names a field acc may not read: such
// an error is attached to the record (field "") instead, a missing
// required value says MessageHiddenRequired, and a uniqueness conflict
// does not say which field. An unknown_field error is left as it is: it
// names a field the caller sent itself, refused as if the object had no
// such field. acc nil (system work) sees every field.
func HideUnreadable(obj *compiled.Object, acc *compiled.Access, err error) error {
	var ve *ValidationError
	if acc == nil || !errors.As(err, &ve) {
		return err
	}
	for i := range ve.Errors {
		fe := &ve.Errors[i]
		if fe.Field == "" || fe.Code == metadata.CodeUnknownField || acc.CanRead(fe.Field) {
			continue
		}
		if _, ok := obj.Column(fe.Field); !ok {
			continue // not a field: a batch or query member
		}
		switch fe.Code {
		case metadata.CodeRequired:
			fe.Message = MessageHiddenRequired
		case metadata.CodeUnique:
			fe.Message = fmt.Sprintf("another %s record already has a value that must be unique", obj.Meta.Name)
		}
		fe.Field = ""
	}
	return err
}
