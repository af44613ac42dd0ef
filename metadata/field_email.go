package metadata

import (
	"net/mail"
	"reflect"
	"strings"
	"unicode/utf8"
)

func init() { RegisterFieldType(EmailType{}) }

// MaxEmailLength is the longest e-mail address accepted, in characters
// (the limit of RFC 5321 for a forward path).
const MaxEmailLength = 254

// EmailType is one plain e-mail address ("ana@example.com"), without a
// display name or angle brackets. Surrounding spaces are trimmed.
type EmailType struct{}

var _ FieldType = EmailType{}

// Name implements FieldType.
func (EmailType) Name() string { return "email" }

// Kind implements FieldType.
func (EmailType) Kind(*Field) Kind { return KindText }

// ValidateSettings implements FieldType.
func (EmailType) ValidateSettings(f *Field, _ *Model) []Problem { return onlySettings(f) }

// Normalize implements FieldType.
func (EmailType) Normalize(_ *Field, v any) (any, *ValueError) {
	s, ok := v.(string)
	if !ok {
		return nil, Invalid(CodeInvalidType, "expected an e-mail address as a string, got %s", jsonTypeName(v))
	}
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > MaxEmailLength {
		return nil, Invalid(CodeTooLong, "is %d characters long; an e-mail address has at most %d", n, MaxEmailLength)
	}
	if !isPlainEmail(s) {
		return nil, Invalid(CodeInvalidFormat, "%q is not an e-mail address like name@example.com", s)
	}
	return s, nil
}

// isPlainEmail reports whether s is exactly one address, local@domain, with a
// dot in the domain, and nothing around it.
func isPlainEmail(s string) bool {
	if !utf8.ValidString(s) || strings.ContainsAny(s, "<>\"() \t\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// ExprType implements FieldType.
func (EmailType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (EmailType) JSONSchema(*Field) map[string]any {
	return map[string]any{"type": "string", "format": "email", "maxLength": MaxEmailLength}
}
