package metadata

import (
	"reflect"
	"strings"
	"unicode/utf8"
)

func init() { RegisterFieldType(TextType{}) }

// DefaultTextMaxLength is the max length of a text field without settings.
const DefaultTextMaxLength = 255

// TextType is a single line of text with a maximum length.
type TextType struct{}

var _ FieldType = TextType{}

// Name implements FieldType.
func (TextType) Name() string { return "text" }

// Kind implements FieldType.
func (TextType) Kind(*Field) Kind { return KindText }

// ValidateSettings implements FieldType.
func (TextType) ValidateSettings(f *Field, _ *Model) []Problem {
	return validateTextSettings(f, 1, 10000)
}

// Normalize implements FieldType.
func (TextType) Normalize(f *Field, v any) (any, *ValueError) {
	return normalizeText(f, v, DefaultTextMaxLength)
}

// ExprType implements FieldType.
func (TextType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (TextType) JSONSchema(f *Field) map[string]any {
	return map[string]any{"type": "string", "maxLength": maxLength(f, DefaultTextMaxLength)}
}

// validateTextSettings allows only max_length, within [lo, hi].
func validateTextSettings(f *Field, lo, hi int) []Problem {
	ps := onlySettings(f, "max_length")
	if n := f.Settings.MaxLength; n != 0 && (n < lo || n > hi) {
		ps = append(ps, problemf("settings.max_length", ProblemInvalidSetting, "max_length must be between %d and %d, not %d", lo, hi, n))
	}
	return ps
}

func maxLength(f *Field, def int) int {
	if f.Settings.MaxLength > 0 {
		return f.Settings.MaxLength
	}
	return def
}

// normalizeText accepts a string no longer than the field's max length.
func normalizeText(f *Field, v any, def int) (string, *ValueError) {
	s, ok := v.(string)
	if !ok {
		return "", Invalid(CodeInvalidType, "expected a string, got %s", jsonTypeName(v))
	}
	if !utf8.ValidString(s) {
		return "", Invalid(CodeInvalidFormat, "text is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		// PostgreSQL text cannot hold it; refused on every store alike.
		return "", Invalid(CodeInvalidFormat, `text cannot contain the NUL character (\u0000)`)
	}
	if n, limit := utf8.RuneCountInString(s), maxLength(f, def); n > limit {
		return "", Invalid(CodeTooLong, "is %d characters long; the limit is %d", n, limit)
	}
	return s, nil
}
