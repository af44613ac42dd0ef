package dialect

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/metadata"
)

// SQLite is the dialect of the embedded store. A tenant's tables live in the
// one database file, named "<schema>__<table>". Decimals are stored as
// integers scaled by 10^scale so money is exact and sorts numerically; dates
// and instants as fixed-width ISO text, which sorts chronologically.
type SQLite struct{}

var _ Dialect = SQLite{}

// DateTimeLayout is the text form of instants in SQLite: UTC, microseconds,
// fixed width so that text order is time order.
const DateTimeLayout = "2006-01-02T15:04:05.000000Z"

// DateLayout is the text form of dates.
const DateLayout = "2006-01-02"

// Name implements Dialect.
func (SQLite) Name() string { return "sqlite" }

// Table implements Dialect.
func (SQLite) Table(schema, table string) string { return Quote(schema + "__" + table) }

// Placeholder implements Dialect.
func (SQLite) Placeholder(n int) string { return "?" + strconv.Itoa(n) }

// ColumnType implements Dialect.
func (SQLite) ColumnType(c Column) string {
	switch c.Kind {
	case metadata.KindDecimal, metadata.KindInteger, metadata.KindBool:
		return "INTEGER"
	}
	return "TEXT"
}

// Arg implements Dialect.
func (SQLite) Arg(c Column, v any) (any, error) {
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
		scaled := d.Shift(int32(c.Scale))
		if !scaled.Equal(scaled.Truncate(0)) {
			return nil, fmt.Errorf("dialect: %s has more than %d decimal places", d, c.Scale)
		}
		if !scaled.BigInt().IsInt64() {
			return nil, fmt.Errorf("dialect: %s is out of range", d)
		}
		return scaled.IntPart(), nil
	case metadata.KindInteger:
		return asInt64(v)
	case metadata.KindBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("dialect: want bool, got %T", v)
		}
		if b {
			return int64(1), nil
		}
		return int64(0), nil
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
		return t.UTC().Format(DateTimeLayout), nil
	case metadata.KindStrings:
		ss, ok := v.([]string)
		if !ok {
			return nil, fmt.Errorf("dialect: want []string, got %T", v)
		}
		if ss == nil {
			ss = []string{}
		}
		b, err := json.Marshal(ss)
		return string(b), err
	}
	return nil, fmt.Errorf("dialect: unknown kind %s", c.Kind)
}

// Value implements Dialect.
func (SQLite) Value(c Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Kind {
	case metadata.KindText, metadata.KindID:
		return asString(v)
	case metadata.KindDecimal:
		n, err := asInt64(v)
		if err != nil {
			return nil, err
		}
		return decimal.New(n, -int32(c.Scale)), nil
	case metadata.KindInteger:
		return asInt64(v)
	case metadata.KindBool:
		n, err := asInt64(v)
		return n != 0, err
	case metadata.KindDate:
		s, err := asString(v)
		if err != nil {
			return nil, err
		}
		return time.Parse(DateLayout, s)
	case metadata.KindDateTime:
		s, err := asString(v)
		if err != nil {
			return nil, err
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		return t.UTC(), err
	case metadata.KindStrings:
		s, err := asString(v)
		if err != nil {
			return nil, err
		}
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("dialect: list column: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("dialect: unknown kind %s", c.Kind)
}

// StartsWith implements Dialect.
func (SQLite) StartsWith(col, ph string) string {
	return fmt.Sprintf("substr(%s, 1, length(%s)) = %s", col, ph, ph)
}

// EndsWith implements Dialect.
func (SQLite) EndsWith(col, ph string) string {
	return fmt.Sprintf("(length(%[2]s) = 0 OR substr(%[1]s, -length(%[2]s)) = %[2]s)", col, ph)
}

// Contains implements Dialect.
func (SQLite) Contains(col, ph string) string { return fmt.Sprintf("instr(%s, %s) > 0", col, ph) }

// Includes implements Dialect.
func (SQLite) Includes(col, ph string) string {
	return fmt.Sprintf("EXISTS (SELECT 1 FROM json_each(%s) WHERE value = %s)", col, ph)
}

// NullsOrder implements Dialect.
func (SQLite) NullsOrder(desc bool) string { return nullsOrder(desc) }

func nullsOrder(desc bool) string {
	if desc {
		return " DESC NULLS FIRST"
	}
	return " ASC NULLS LAST"
}
