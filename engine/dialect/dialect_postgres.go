package dialect

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Postgres is the dialect of the production store. Each tenant has its own
// schema; columns use PostgreSQL's native types (numeric, date, timestamptz,
// text[], uuid).
type Postgres struct{}

var _ Dialect = Postgres{}

// Name implements Dialect.
func (Postgres) Name() string { return "postgres" }

// Table implements Dialect.
func (Postgres) Table(schema, table string) string { return Quote(schema) + "." + Quote(table) }

// Placeholder implements Dialect.
func (Postgres) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// ColumnType implements Dialect.
func (Postgres) ColumnType(c Column) string {
	switch c.Kind {
	case metadata.KindText:
		return "text"
	case metadata.KindDecimal:
		return fmt.Sprintf("numeric(%d,%d)", c.Precision, c.Scale)
	case metadata.KindInteger:
		return "bigint"
	case metadata.KindBool:
		return "boolean"
	case metadata.KindDate:
		return "date"
	case metadata.KindDateTime:
		return "timestamptz"
	case metadata.KindStrings:
		return "text[]"
	case metadata.KindID:
		return "uuid"
	}
	return "text"
}

// Arg implements Dialect.
func (Postgres) Arg(c Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Kind {
	case metadata.KindText, metadata.KindID:
		return asString(v)
	case metadata.KindDecimal:
		d, err := asDecimal(v)
		if err != nil {
			return nil, err
		}
		return d.String(), nil
	case metadata.KindInteger:
		return asInt64(v)
	case metadata.KindBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("dialect: want bool, got %T", v)
		}
		return b, nil
	case metadata.KindDate:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("dialect: want time.Time, got %T", v)
		}
		return t.Format(DateLayout), nil
	case metadata.KindDateTime:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("dialect: want time.Time, got %T", v)
		}
		return t.UTC(), nil
	case metadata.KindStrings:
		ss, ok := v.([]string)
		if !ok {
			return nil, fmt.Errorf("dialect: want []string, got %T", v)
		}
		if ss == nil {
			ss = []string{}
		}
		return ss, nil
	}
	return nil, fmt.Errorf("dialect: unknown kind %s", c.Kind)
}

// Value implements Dialect.
func (Postgres) Value(c Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Kind {
	case metadata.KindText:
		return asString(v)
	case metadata.KindID:
		switch id := v.(type) {
		case [16]byte:
			return uuid.UUID(id).String(), nil
		case uuid.UUID:
			return id.String(), nil
		}
		return asString(v)
	case metadata.KindDecimal:
		if dv, ok := v.(driver.Valuer); ok {
			raw, err := dv.Value()
			if err != nil {
				return nil, fmt.Errorf("dialect: numeric: %w", err)
			}
			if raw == nil {
				return nil, nil // a Valuer's NULL, e.g. pgtype.Numeric{Valid: false}
			}
			v = raw
		}
		return asDecimal(v)
	case metadata.KindInteger:
		return asInt64(v)
	case metadata.KindBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("dialect: want bool, got %T", v)
		}
		return b, nil
	case metadata.KindDate:
		switch t := v.(type) {
		case time.Time:
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		case string:
			return time.Parse(DateLayout, t)
		}
		return nil, fmt.Errorf("dialect: want a date, got %T", v)
	case metadata.KindDateTime:
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("dialect: want time.Time, got %T", v)
		}
		return t.UTC(), nil
	case metadata.KindStrings:
		switch l := v.(type) {
		case []string:
			return l, nil
		case []any:
			out := make([]string, len(l))
			for i, e := range l {
				s, err := asString(e)
				if err != nil {
					return nil, err
				}
				out[i] = s
			}
			return out, nil
		}
		return nil, fmt.Errorf("dialect: want a text array, got %T", v)
	}
	return nil, fmt.Errorf("dialect: unknown kind %s", c.Kind)
}

// StartsWith implements Dialect.
func (Postgres) StartsWith(col, ph string) string { return fmt.Sprintf("starts_with(%s, %s)", col, ph) }

// EndsWith implements Dialect.
func (Postgres) EndsWith(col, ph string) string {
	return fmt.Sprintf("right(%s, length(%s)) = %s", col, ph, ph)
}

// Contains implements Dialect.
func (Postgres) Contains(col, ph string) string { return fmt.Sprintf("strpos(%s, %s) > 0", col, ph) }

// Includes implements Dialect.
func (Postgres) Includes(col, ph string) string { return fmt.Sprintf("%s = ANY(%s)", ph, col) }

// NullsOrder implements Dialect.
func (Postgres) NullsOrder(desc bool) string { return nullsOrder(desc) }
