package metadata

import (
	"reflect"
)

func init() { RegisterFieldType(MultiPicklistType{}) }

// MultiPicklistType is any number of choices from a fixed list of values
// (settings.values). Its canonical value lists the chosen values in the
// order they are defined, each once.
type MultiPicklistType struct{}

var _ FieldType = MultiPicklistType{}

// Name implements FieldType.
func (MultiPicklistType) Name() string { return "multi_picklist" }

// Kind implements FieldType.
func (MultiPicklistType) Kind(*Field) Kind { return KindStrings }

// ValidateSettings implements FieldType. Unique is refused: a list of
// choices is not an identifier.
func (MultiPicklistType) ValidateSettings(f *Field, _ *Model) []Problem {
	ps := append(onlySettings(f, "values", "dependencies"), validatePicklistValues(f)...)
	return append(ps, refuseAttrs(f, "a list of choices cannot be unique", "unique")...)
}

// Normalize implements FieldType. It accepts a JSON array of strings or a
// []string.
func (MultiPicklistType) Normalize(f *Field, v any) (any, *ValueError) {
	var items []string
	switch l := v.(type) {
	case []string:
		items = l
	case []any:
		items = make([]string, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, Invalid(CodeInvalidType, "item %d is %s; expected one of the allowed values as a string", i+1, jsonTypeName(e))
			}
			items[i] = s
		}
	default:
		return nil, Invalid(CodeInvalidType, "expected a list of allowed values, got %s", jsonTypeName(v))
	}
	chosen := make(map[string]bool, len(items))
	for _, s := range items {
		if chosen[s] {
			return nil, Invalid(CodeInvalidChoice, "%q is chosen twice", truncateForMessage(s))
		}
		if err := checkChoice(f, s); err != nil {
			return nil, err
		}
		chosen[s] = true
	}
	out := make([]string, 0, len(items))
	for _, pv := range f.Settings.Values {
		if chosen[pv.Value] {
			out = append(out, pv.Value)
		}
	}
	return out, nil
}

// ExprType implements FieldType.
func (MultiPicklistType) ExprType(*Field) reflect.Type { return reflect.TypeFor[[]string]() }

// JSONSchema implements FieldType.
func (MultiPicklistType) JSONSchema(f *Field) map[string]any {
	return map[string]any{"type": "array", "items": choiceSchema(f), "uniqueItems": true}
}
