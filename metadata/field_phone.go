package metadata

import (
	"reflect"
	"strings"
)

func init() { RegisterFieldType(PhoneType{}) }

// Length limits of a phone number, in characters after trimming.
const (
	MinPhoneLength = 3
	MaxPhoneLength = 40
)

// PhoneType is a telephone number as people write it: digits, spaces and
// + - ( ) . with at least three digits, e.g. "+86 (10) 1234-5678".
// Surrounding spaces are trimmed; nothing else is rewritten.
type PhoneType struct{}

var _ FieldType = PhoneType{}

// Name implements FieldType.
func (PhoneType) Name() string { return "phone" }

// Kind implements FieldType.
func (PhoneType) Kind(*Field) Kind { return KindText }

// ValidateSettings implements FieldType.
func (PhoneType) ValidateSettings(f *Field, _ *Model) []Problem { return onlySettings(f) }

// Normalize implements FieldType.
func (PhoneType) Normalize(_ *Field, v any) (any, *ValueError) {
	s, ok := v.(string)
	if !ok {
		return nil, Invalid(CodeInvalidType, "expected a phone number as a string, got %s", jsonTypeName(v))
	}
	s = strings.TrimSpace(s)
	if len(s) > MaxPhoneLength {
		return nil, Invalid(CodeTooLong, "is %d characters long; a phone number has at most %d", len(s), MaxPhoneLength)
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-().", r):
		default:
			return nil, Invalid(CodeInvalidFormat, "%q is not a phone number: use only digits, spaces and + - ( ) .", s)
		}
	}
	if len(s) < MinPhoneLength || digits < 3 {
		return nil, Invalid(CodeInvalidFormat, "%q is not a phone number: it needs at least 3 digits", s)
	}
	return s, nil
}

// ExprType implements FieldType.
func (PhoneType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (PhoneType) JSONSchema(*Field) map[string]any {
	return map[string]any{"type": "string", "pattern": `^[0-9 +\-().]{3,40}$`}
}
