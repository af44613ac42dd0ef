package metadata

import (
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"
)

func init() { RegisterFieldType(URLType{}) }

// MaxURLLength is the longest web address accepted, in characters.
const MaxURLLength = 2048

// URLType is an absolute http or https web address with a host, e.g.
// "https://example.com/path". Surrounding spaces are trimmed; the address is
// otherwise kept as written.
type URLType struct{}

var _ FieldType = URLType{}

// Name implements FieldType.
func (URLType) Name() string { return "url" }

// Kind implements FieldType.
func (URLType) Kind(*Field) Kind { return KindText }

// ValidateSettings implements FieldType.
func (URLType) ValidateSettings(f *Field, _ *Model) []Problem { return onlySettings(f) }

// Normalize implements FieldType.
func (URLType) Normalize(_ *Field, v any) (any, *ValueError) {
	s, ok := v.(string)
	if !ok {
		return nil, Invalid(CodeInvalidType, "expected a web address as a string, got %s", jsonTypeName(v))
	}
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > MaxURLLength {
		return nil, Invalid(CodeTooLong, "is %d characters long; a web address has at most %d", n, MaxURLLength)
	}
	if !utf8.ValidString(s) || strings.ContainsAny(s, " \t\r\n") {
		return nil, Invalid(CodeInvalidFormat, "%q is not a web address: it contains spaces", s)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, Invalid(CodeInvalidFormat, "%q is not a web address starting with http:// or https://", s)
	}
	return s, nil
}

// ExprType implements FieldType.
func (URLType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (URLType) JSONSchema(*Field) map[string]any {
	return map[string]any{"type": "string", "format": "uri", "pattern": "^[hH][tT][tT][pP][sS]?://[^\\s]+$", "maxLength": MaxURLLength}
}
