package metadata

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

func init() { RegisterFieldType(PicklistType{}) }

// Limits of picklist values.
const (
	MaxPicklistValues      = 1000
	MaxPicklistValueLength = 255
)

// PicklistType is one choice from a fixed list of values (settings.values).
// Inactive values stay valid in stored records but cannot be chosen anew.
type PicklistType struct{}

var _ FieldType = PicklistType{}

// Name implements FieldType.
func (PicklistType) Name() string { return "picklist" }

// Kind implements FieldType.
func (PicklistType) Kind(*Field) Kind { return KindText }

// ValidateSettings implements FieldType.
func (PicklistType) ValidateSettings(f *Field, _ *Model) []Problem {
	return append(onlySettings(f, "values", "dependencies"), validatePicklistValues(f)...)
}

// Normalize implements FieldType.
func (PicklistType) Normalize(f *Field, v any) (any, *ValueError) {
	s, ok := v.(string)
	if !ok {
		return nil, Invalid(CodeInvalidType, "expected one of the allowed values as a string, got %s", jsonTypeName(v))
	}
	if err := checkChoice(f, s); err != nil {
		return nil, err
	}
	return s, nil
}

// ExprType implements FieldType.
func (PicklistType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (PicklistType) JSONSchema(f *Field) map[string]any { return choiceSchema(f) }

// DefaultPicklistValue returns the value marked default:true of a picklist or
// multi-picklist field, if there is one and it is active.
func (f *Field) DefaultPicklistValue() (string, bool) {
	for _, v := range f.Settings.Values {
		if v.Default && v.IsActive() {
			return v.Value, true
		}
	}
	return "", false
}

// validatePicklistValues checks settings.values of picklist and
// multi-picklist fields: present, at most MaxPicklistValues, each non-empty,
// short and unique, and at most one active default.
func validatePicklistValues(f *Field) []Problem {
	vals := f.Settings.Values
	if len(vals) == 0 {
		return []Problem{problemf("settings.values", ProblemInvalidSetting, "a %s field needs at least one value in settings.values", f.Type)}
	}
	var ps []Problem
	if len(vals) > MaxPicklistValues {
		ps = append(ps, problemf("settings.values", ProblemInvalidSetting, "a %s field has at most %d values, not %d", f.Type, MaxPicklistValues, len(vals)))
	}
	seen := make(map[string]bool, len(vals))
	defaults := 0
	for i, v := range vals {
		path := fmt.Sprintf("settings.values.%d", i)
		switch n := utf8.RuneCountInString(v.Value); {
		case strings.TrimSpace(v.Value) == "":
			ps = append(ps, problemf(path+".value", ProblemInvalidSetting, "value %d is empty", i+1))
		case n > MaxPicklistValueLength:
			ps = append(ps, problemf(path+".value", ProblemInvalidSetting, "value %q is %d characters long; the limit is %d", truncateForMessage(v.Value), n, MaxPicklistValueLength))
		case seen[v.Value]:
			ps = append(ps, problemf(path+".value", ProblemDuplicate, "value %q is listed twice", v.Value))
		}
		seen[v.Value] = true
		if v.Default {
			defaults++
			switch {
			case defaults > 1:
				ps = append(ps, problemf(path+".default", ProblemInvalidSetting, "only one value can be the default; %q is the second", v.Value))
			case !v.IsActive():
				ps = append(ps, problemf(path+".default", ProblemInvalidSetting, "value %q is inactive and cannot be the default", v.Value))
			}
		}
	}
	return ps
}

// checkChoice refuses s unless it is an active value of the field.
func checkChoice(f *Field, s string) *ValueError {
	for _, v := range f.Settings.Values {
		if v.Value != s {
			continue
		}
		if v.IsActive() {
			return nil
		}
		return Invalid(CodeInvalidChoice, "%q can no longer be chosen; allowed values are: %s", truncateForMessage(s), allowedValuesText(f))
	}
	return Invalid(CodeInvalidChoice, "%q is not one of the allowed values: %s", truncateForMessage(s), allowedValuesText(f))
}

// maxListedValues is how many allowed values an error message lists.
const maxListedValues = 10

// allowedValuesText lists the active values of a field for a message,
// shortened when there are many.
func allowedValuesText(f *Field) string {
	active := activeValues(f)
	if len(active) == 0 {
		return "(none: every value is inactive)"
	}
	quoted := make([]string, 0, maxListedValues)
	for i, v := range active {
		if i == maxListedValues {
			break
		}
		quoted = append(quoted, fmt.Sprintf("%q", truncateForMessage(v)))
	}
	text := strings.Join(quoted, ", ")
	if n := len(active); n > maxListedValues {
		text += fmt.Sprintf(" … and %d more", n-maxListedValues)
	}
	return text
}

// activeValues lists the values that may be chosen, in definition order.
func activeValues(f *Field) []string {
	out := make([]string, 0, len(f.Settings.Values))
	for _, v := range f.Settings.Values {
		if v.IsActive() {
			out = append(out, v.Value)
		}
	}
	return out
}

// choiceSchema is a string that is one of the active values.
func choiceSchema(f *Field) map[string]any {
	active := activeValues(f)
	if len(active) == 0 {
		return map[string]any{"type": "string", "not": map[string]any{}}
	}
	enum := make([]any, len(active))
	for i, v := range active {
		enum[i] = v
	}
	return map[string]any{"type": "string", "enum": enum}
}
