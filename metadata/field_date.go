package metadata

import (
	"reflect"
	"time"
)

func init() { RegisterFieldType(DateType{}) }

// DateLayout is the form of a date in documents and the API: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// DateType is a calendar date without a time of day. Its canonical value is a
// time.Time at 00:00 UTC of that date.
type DateType struct{}

var (
	_ FieldType = DateType{}
	_ Encoder   = DateType{}
)

// Name implements FieldType.
func (DateType) Name() string { return "date" }

// Kind implements FieldType.
func (DateType) Kind(*Field) Kind { return KindDate }

// ValidateSettings implements FieldType.
func (DateType) ValidateSettings(f *Field, _ *Model) []Problem { return onlySettings(f) }

// Normalize implements FieldType. It accepts "YYYY-MM-DD" and a time.Time,
// whose year, month and day are kept as they read in its own location.
func (DateType) Normalize(_ *Field, v any) (any, *ValueError) {
	switch d := v.(type) {
	case time.Time:
		return checkYear(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC))
	case string:
		t, err := time.Parse(DateLayout, d)
		if err != nil {
			if len(d) == len(DateLayout) && isDateShape(d) {
				return nil, Invalid(CodeInvalidFormat, "%q is not a day of the calendar", d)
			}
			return nil, Invalid(CodeInvalidFormat, "%q is not a date in the form YYYY-MM-DD", truncateForMessage(d))
		}
		return checkYear(t)
	}
	return nil, Invalid(CodeInvalidType, "expected a date as a string YYYY-MM-DD, got %s", jsonTypeName(v))
}

// checkYear refuses dates outside the years 1 to 9999, which both databases
// and the four-digit text forms can hold.
func checkYear(t time.Time) (any, *ValueError) {
	if y := t.Year(); y < 1 || y > 9999 {
		return nil, Invalid(CodeOutOfRange, "year %d is out of range; years 1 to 9999 are allowed", y)
	}
	return t, nil
}

// isDateShape reports whether s looks like NNNN-NN-NN.
func isDateShape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ExprType implements FieldType.
func (DateType) ExprType(*Field) reflect.Type { return reflect.TypeFor[time.Time]() }

// JSONSchema implements FieldType.
func (DateType) JSONSchema(*Field) map[string]any {
	return map[string]any{"type": "string", "format": "date"}
}

// EncodeJSON implements Encoder: a date is written as "YYYY-MM-DD".
func (DateType) EncodeJSON(_ *Field, v any) any {
	if t, ok := v.(time.Time); ok {
		return t.Format(DateLayout)
	}
	return v
}
