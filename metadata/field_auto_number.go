package metadata

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

func init() { RegisterFieldType(AutoNumberType{}) }

// Limits of an auto-number format.
const (
	MaxAutoNumberFormatLength = 100
	MaxAutoNumberWidth        = 12
)

// AutoNumberType is a number the platform gives each new record, shown
// through a format such as "INV-{YYYY}-{00000}". It cannot be written.
//
// The format holds exactly one number token, one to twelve zeros in braces
// giving the zero-padded width, and may hold the date tokens {YYYY}, {MM} and
// {DD}. settings.start is the first number (1 when unset).
type AutoNumberType struct{}

var (
	_ FieldType = AutoNumberType{}
	_ Generated = AutoNumberType{}
)

// Name implements FieldType.
func (AutoNumberType) Name() string { return "auto_number" }

// Kind implements FieldType.
func (AutoNumberType) Kind(*Field) Kind { return KindText }

// Generated implements Generated: the platform fills the field.
func (AutoNumberType) Generated() bool { return true }

// AlwaysUnique implements AlwaysUnique: numbers never repeat, so the column
// gets a unique index (and can be looked up by it).
func (AutoNumberType) AlwaysUnique() bool { return true }

// ValidateSettings implements FieldType. required, unique and default are
// refused: the platform fills the field, with numbers that never repeat.
func (AutoNumberType) ValidateSettings(f *Field, _ *Model) []Problem {
	ps := onlySettings(f, "format", "start")
	ps = append(ps, refuseAttrs(f, "the platform fills it", "required", "unique", "default")...)
	if err := checkAutoNumberFormat(f.Settings.Format); err != "" {
		ps = append(ps, problemf("settings.format", ProblemInvalidSetting, "%s", err))
	}
	if f.Settings.Start < 0 {
		ps = append(ps, problemf("settings.start", ProblemInvalidSetting, "start cannot be negative (%d)", f.Settings.Start))
	}
	return ps
}

// Normalize implements FieldType: an auto-number is never written.
func (AutoNumberType) Normalize(*Field, any) (any, *ValueError) {
	return nil, Invalid(CodeReadOnly, "is numbered automatically and cannot be set")
}

// ExprType implements FieldType.
func (AutoNumberType) ExprType(*Field) reflect.Type { return reflect.TypeFor[string]() }

// JSONSchema implements FieldType.
func (AutoNumberType) JSONSchema(*Field) map[string]any {
	return map[string]any{"type": "string", "readOnly": true}
}

// StartOrDefault returns the first number of an auto-number field:
// settings.start, or 1 when it is not set.
func (f *Field) StartOrDefault() int64 {
	if f.Settings.Start <= 0 {
		return 1
	}
	return f.Settings.Start
}

// autoNumberToken reads the token starting at format[i] == '{'. It returns the
// token's text without braces and its end, or ok false when it is not closed.
func autoNumberToken(format string, i int) (tok string, end int, ok bool) {
	j := strings.IndexByte(format[i:], '}')
	if j < 0 {
		return "", 0, false
	}
	return format[i+1 : i+j], i + j + 1, true
}

// isNumberToken reports whether tok is one or more zeros.
func isNumberToken(tok string) bool {
	return tok != "" && strings.Trim(tok, "0") == ""
}

// checkAutoNumberFormat returns what is wrong with an auto-number format,
// or "".
func checkAutoNumberFormat(format string) string {
	if format == "" {
		return `an auto_number field needs settings.format, e.g. "INV-{0000}"`
	}
	if n := utf8.RuneCountInString(format); n > MaxAutoNumberFormatLength {
		return fmt.Sprintf("format is %d characters long; the limit is %d", n, MaxAutoNumberFormatLength)
	}
	numbers := 0
	for i := 0; i < len(format); {
		switch format[i] {
		case '}':
			return fmt.Sprintf("format %q has a } without a matching {", format)
		case '{':
			tok, end, ok := autoNumberToken(format, i)
			if !ok {
				return fmt.Sprintf("format %q has a { without a matching }", format)
			}
			switch {
			case isNumberToken(tok):
				numbers++
				if len(tok) > MaxAutoNumberWidth {
					return fmt.Sprintf("the number in format %q has %d digits; at most %d are allowed", format, len(tok), MaxAutoNumberWidth)
				}
			case tok == "YYYY" || tok == "MM" || tok == "DD":
			default:
				return fmt.Sprintf("format %q has an unknown part {%s}; use {0000} for the number and {YYYY}, {MM}, {DD} for the date", format, tok)
			}
			i = end
		default:
			i++
		}
	}
	if numbers != 1 {
		return fmt.Sprintf("format %q must hold exactly one number such as {0000}, not %d", format, numbers)
	}
	return ""
}

// FormatAutoNumber renders the n-th number in format: the number token
// {0…0} becomes n zero-padded to the token's width (a number wider than the
// token is printed whole), and {YYYY}, {MM}, {DD} become the date of now as
// it reads in now's location. Anything else is copied as it is.
func FormatAutoNumber(format string, n int64, now time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); {
		if format[i] != '{' {
			b.WriteByte(format[i])
			i++
			continue
		}
		tok, end, ok := autoNumberToken(format, i)
		if !ok {
			b.WriteString(format[i:])
			break
		}
		switch {
		case isNumberToken(tok):
			digits := strconv.FormatInt(n, 10)
			if pad := len(tok) - len(digits); pad > 0 && n >= 0 {
				b.WriteString(strings.Repeat("0", pad))
			}
			b.WriteString(digits)
		case tok == "YYYY":
			fmt.Fprintf(&b, "%04d", now.Year())
		case tok == "MM":
			fmt.Fprintf(&b, "%02d", int(now.Month()))
		case tok == "DD":
			fmt.Fprintf(&b, "%02d", now.Day())
		default:
			b.WriteString(format[i:end])
		}
		i = end
	}
	return b.String()
}
