package metadata

import (
	"reflect"
	"time"
)

func init() { RegisterFieldType(DateTimeType{}) }

// DateTimeLayout is the one form in which instants are written to JSON: RFC
// 3339 in UTC with exactly six fractional digits and a "Z", e.g.
// "2024-03-01T08:30:00.000000Z". It is fixed-width, so text order is time
// order.
const DateTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// DateTimeType is an instant. Its canonical value is a time.Time in UTC,
// truncated to microseconds (what both databases store).
type DateTimeType struct{}

var (
	_ FieldType = DateTimeType{}
	_ Encoder   = DateTimeType{}
)

// Name implements FieldType.
func (DateTimeType) Name() string { return "datetime" }

// Kind implements FieldType.
func (DateTimeType) Kind(*Field) Kind { return KindDateTime }

// ValidateSettings implements FieldType.
func (DateTimeType) ValidateSettings(f *Field, _ *Model) []Problem { return onlySettings(f) }

// Normalize implements FieldType. It accepts an RFC 3339 string with a zone
// ("Z" or an offset such as "+08:00") and a time.Time.
func (DateTimeType) Normalize(_ *Field, v any) (any, *ValueError) {
	switch d := v.(type) {
	case time.Time:
		return checkYear(d.UTC().Truncate(time.Microsecond))
	case string:
		t, err := time.Parse(time.RFC3339Nano, d)
		if err != nil {
			if _, err2 := time.Parse("2006-01-02T15:04:05.999999999", d); err2 == nil {
				return nil, Invalid(CodeInvalidFormat, "%q has no time zone: add Z for UTC or an offset such as +08:00", d)
			}
			return nil, Invalid(CodeInvalidFormat, "%q is not a date and time like 2024-03-01T08:30:00Z", truncateForMessage(d))
		}
		return checkYear(t.UTC().Truncate(time.Microsecond))
	}
	return nil, Invalid(CodeInvalidType, "expected a date and time as a string, got %s", jsonTypeName(v))
}

// ExprType implements FieldType.
func (DateTimeType) ExprType(*Field) reflect.Type { return reflect.TypeFor[time.Time]() }

// JSONSchema implements FieldType.
func (DateTimeType) JSONSchema(*Field) map[string]any {
	return map[string]any{"type": "string", "format": "date-time"}
}

// EncodeJSON implements Encoder: an instant is written in DateTimeLayout.
func (DateTimeType) EncodeJSON(_ *Field, v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(DateTimeLayout)
	}
	return v
}
