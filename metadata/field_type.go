package metadata

import (
	"fmt"
	"reflect"
	"sort"
)

// Kind is how a field's value is stored: the storage class a dialect maps to
// a column type. Field types choose a kind; they never name SQL types.
type Kind int

// The storage kinds.
const (
	// KindText is a string.
	KindText Kind = iota + 1
	// KindDecimal is an exact decimal with the field's precision and scale;
	// its value is a decimal.Decimal.
	KindDecimal
	// KindInteger is an int64.
	KindInteger
	// KindBool is a bool.
	KindBool
	// KindDate is a calendar date; its value is a time.Time at midnight UTC.
	KindDate
	// KindDateTime is an instant; its value is a time.Time in UTC, truncated
	// to microseconds.
	KindDateTime
	// KindStrings is a list of strings ([]string).
	KindStrings
	// KindID is a record id (a UUID in its text form).
	KindID
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindText:
		return "text"
	case KindDecimal:
		return "decimal"
	case KindInteger:
		return "integer"
	case KindBool:
		return "bool"
	case KindDate:
		return "date"
	case KindDateTime:
		return "datetime"
	case KindStrings:
		return "strings"
	case KindID:
		return "id"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// FieldType is the behaviour of one field type ("text", "currency", …). Each
// type lives in its own file field_<type>.go and registers itself in init().
type FieldType interface {
	// Name is the type's name as written in documents.
	Name() string
	// Kind is the storage kind of a field of this type.
	Kind(f *Field) Kind
	// ValidateSettings checks the field's settings (and required, unique and
	// default where the type restricts them) and returns every problem found,
	// with paths relative to the field (e.g. "settings.scale").
	ValidateSettings(f *Field, m *Model) []Problem
	// Normalize turns a value decoded from JSON (nil, string, bool,
	// json.Number, []any, map[string]any) or already canonical into the
	// field's canonical Go value (see Kind). It never sees nil: blank values
	// are handled by the caller.
	Normalize(f *Field, v any) (any, *ValueError)
	// ExprType is the Go type of the canonical value, used to type-check
	// expressions.
	ExprType(f *Field) reflect.Type
	// JSONSchema describes a value of the field in JSON Schema (draft-07).
	JSONSchema(f *Field) map[string]any
}

// Generated is implemented by field types whose value the platform computes
// (auto-number); writing such a field is refused.
type Generated interface {
	Generated() bool
}

// Encoder is implemented by field types whose canonical value needs shaping
// before it is written as JSON (decimals with their scale, dates as
// YYYY-MM-DD).
type Encoder interface {
	EncodeJSON(f *Field, v any) any
}

// ValueError is why a value does not fit a field.
type ValueError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *ValueError) Error() string { return e.Code + ": " + e.Message }

// Value error codes.
const (
	CodeRequired      = "required"
	CodeInvalidType   = "invalid_type"
	CodeTooLong       = "too_long"
	CodeInvalidFormat = "invalid_format"
	CodeInvalidChoice = "invalid_choice"
	CodeOutOfRange    = "out_of_range"
	CodeUnknownField  = "unknown_field"
	CodeReadOnly      = "read_only"
	CodeNotFound      = "not_found"
	CodeUnique        = "unique"
)

// Invalid builds a ValueError.
func Invalid(code, format string, args ...any) *ValueError {
	return &ValueError{Code: code, Message: fmt.Sprintf(format, args...)}
}

var fieldTypes = map[string]FieldType{}

// RegisterFieldType adds a field type to the registry. It panics on a
// duplicate name: registration happens in init() and a clash is a bug.
func RegisterFieldType(t FieldType) {
	if _, dup := fieldTypes[t.Name()]; dup {
		panic("metadata: field type registered twice: " + t.Name())
	}
	fieldTypes[t.Name()] = t
}

// LookupFieldType returns the registered field type with the given name.
func LookupFieldType(name string) (FieldType, bool) {
	t, ok := fieldTypes[name]
	return t, ok
}

// FieldTypeNames lists the registered field types, sorted.
func FieldTypeNames() []string {
	names := make([]string, 0, len(fieldTypes))
	for n := range fieldTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TypeOf returns the field's registered type. It panics for an unknown type:
// only validated metadata reaches code that calls it.
func (f *Field) TypeOf() FieldType {
	t, ok := fieldTypes[f.Type]
	if !ok {
		panic("metadata: unknown field type " + f.Type)
	}
	return t
}

// Kind returns the storage kind of the field.
func (f *Field) Kind() Kind { return f.TypeOf().Kind(f) }

// ScaleOr returns the field's scale, or def when it is not set.
func (f *Field) ScaleOr(def int) int {
	if f.Settings.Scale == nil {
		return def
	}
	return *f.Settings.Scale
}

// DecimalType is implemented by field types of KindDecimal: the precision
// (total digits) and scale (digits after the point) of a field, with the
// type's defaults applied.
type DecimalType interface {
	PrecisionScale(f *Field) (precision, scale int)
}

// AlwaysUnique is implemented by field types whose fields are unique whether
// or not the field says so (external ids).
type AlwaysUnique interface {
	AlwaysUnique() bool
}

// IsUnique reports whether the field's values must be unique.
func (f *Field) IsUnique() bool {
	if f.Unique {
		return true
	}
	u, ok := f.TypeOf().(AlwaysUnique)
	return ok && u.AlwaysUnique()
}

// IsGenerated reports whether the platform computes the field's value.
func (f *Field) IsGenerated() bool {
	g, ok := f.TypeOf().(Generated)
	return ok && g.Generated()
}

// Computed is implemented by generated field types whose values are those
// of another field type (a formula holds values of its result type): the
// field that describes them.
type Computed interface {
	ResultField(f *Field) *Field
}

// ValueField returns the field that describes f's stored values: for a
// computed field a field of its result type, else f itself. Code that
// compares values with a field (filters, cursors) normalizes them through
// it, since a generated field's own type refuses every value.
func (f *Field) ValueField() *Field {
	if c, ok := f.TypeOf().(Computed); ok {
		return c.ResultField(f)
	}
	return f
}
