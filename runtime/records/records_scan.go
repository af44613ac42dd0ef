package records

import (
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/engine/dialect"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// A rowScanner reads rows of a query's columns into Records through one
// holder per column, chosen once per query by the column's kind for the
// dialect and reused for every row. Each driver hands a holder its value in
// the driver's own form, and the holder makes the canonical value of it
// once: on PostgreSQL pgx decodes straight into pgtype values (no
// rows.Values() with its boxed values and the numeric → string → decimal
// detour); on SQLite database/sql passes the driver value to the holder's
// Scan, which converts it with the dialect.
type rowScanner struct {
	cols    []*compiled.Column
	holders []holder
	dest    []any
}

// holder receives one column's value of the current row.
type holder interface {
	// value returns the canonical value of the last row scanned (nil for
	// NULL). A value is never shared with another row's.
	value() (any, error)
}

// newRowScanner prepares the scanning of cols with the dialect d. The
// holders of one kind are allocated together.
func newRowScanner(d dialect.Dialect, cols []*compiled.Column) *rowScanner {
	s := &rowScanner{cols: cols, dest: make([]any, len(cols))}
	if d.Name() == "postgres" {
		s.holders = pgHolders(cols)
	} else {
		hs := make([]convertHolder, len(cols))
		s.holders = make([]holder, len(cols))
		for i, c := range cols {
			hs[i] = convertHolder{d: d, col: c.Type}
			s.holders[i] = &hs[i]
		}
	}
	for i, h := range s.holders {
		s.dest[i] = h
	}
	return s
}

// scan reads the current row.
func (s *rowScanner) scan(rows store.Rows) (Record, error) {
	if err := rows.Scan(s.dest...); err != nil {
		return nil, fmt.Errorf("records: scan: %w", err)
	}
	rec := make(Record, len(s.cols))
	for i, h := range s.holders {
		v, err := h.value()
		if err != nil {
			return nil, fmt.Errorf("records: column %s: %w", s.cols[i].Name, err)
		}
		rec[s.cols[i].Name] = v
	}
	return rec, nil
}

// convertHolder takes the driver's value through database/sql's Scanner
// and converts it with the dialect (SQLite, and any other database/sql
// store).
type convertHolder struct {
	d   dialect.Dialect
	col dialect.Column
	v   any
}

// Scan implements sql.Scanner.
func (h *convertHolder) Scan(src any) error {
	v, err := h.d.Value(h.col, src)
	if err != nil {
		return err
	}
	h.v = v
	return nil
}

func (h *convertHolder) value() (any, error) { return h.v, nil }

// pgHolders returns the holders of columns of the PostgreSQL dialect's
// types (see dialect.Postgres.ColumnType), into which pgx scans with the
// binary codec of each column's type.
func pgHolders(cols []*compiled.Column) []holder {
	counts := map[metadata.Kind]int{}
	for _, c := range cols {
		counts[c.Type.Kind]++
	}
	var (
		texts   = make([]pgText, counts[metadata.KindText])
		ids     = make([]pgUUID, counts[metadata.KindID])
		numbers = make([]pgNumeric, counts[metadata.KindDecimal])
		ints    = make([]pgInt8, counts[metadata.KindInteger])
		bools   = make([]pgBool, counts[metadata.KindBool])
		dates   = make([]pgDate, counts[metadata.KindDate])
		times   = make([]pgTimestamptz, counts[metadata.KindDateTime])
		lists   = make([]pgStrings, counts[metadata.KindStrings])
	)
	next := func(n *int) int { i := *n; *n = i + 1; return i }
	var it, iid, inum, iint, ibool, idate, itime, ilist int
	out := make([]holder, len(cols))
	for i, c := range cols {
		switch c.Type.Kind {
		case metadata.KindText:
			out[i] = &texts[next(&it)]
		case metadata.KindID:
			out[i] = &ids[next(&iid)]
		case metadata.KindDecimal:
			out[i] = &numbers[next(&inum)]
		case metadata.KindInteger:
			out[i] = &ints[next(&iint)]
		case metadata.KindBool:
			out[i] = &bools[next(&ibool)]
		case metadata.KindDate:
			out[i] = &dates[next(&idate)]
		case metadata.KindDateTime:
			out[i] = &times[next(&itime)]
		case metadata.KindStrings:
			out[i] = &lists[next(&ilist)]
		default:
			out[i] = &convertHolder{d: dialect.Postgres{}, col: c.Type}
		}
	}
	return out
}

type pgText struct{ pgtype.Text }

func (h *pgText) value() (any, error) {
	if !h.Valid {
		return nil, nil
	}
	return h.String, nil
}

type pgUUID struct{ pgtype.UUID }

func (h *pgUUID) value() (any, error) {
	if !h.Valid {
		return nil, nil
	}
	return uuid.UUID(h.Bytes).String(), nil
}

type pgInt8 struct{ pgtype.Int8 }

func (h *pgInt8) value() (any, error) {
	if !h.Valid {
		return nil, nil
	}
	return h.Int64, nil
}

type pgBool struct{ pgtype.Bool }

func (h *pgBool) value() (any, error) {
	if !h.Valid {
		return nil, nil
	}
	return h.Bool.Bool, nil
}

type pgDate struct{ pgtype.Date }

func (h *pgDate) value() (any, error) {
	if !h.Valid {
		return nil, nil
	}
	if h.InfinityModifier != pgtype.Finite {
		return nil, fmt.Errorf("records: an infinite date has no canonical value")
	}
	t := h.Time
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

type pgTimestamptz struct{ pgtype.Timestamptz }

func (h *pgTimestamptz) value() (any, error) {
	if !h.Valid {
		return nil, nil
	}
	if h.InfinityModifier != pgtype.Finite {
		return nil, fmt.Errorf("records: an infinite instant has no canonical value")
	}
	return h.Time.UTC(), nil
}

// pgStrings is a text[]: pgx makes a new slice for every row ([]string{}
// for an empty array, nil for NULL).
type pgStrings struct{ v []string }

func (h *pgStrings) value() (any, error) {
	if h.v == nil {
		return nil, nil
	}
	v := h.v
	h.v = nil
	return v, nil
}

// ScanIndex, SetDimensions and ScanIndexType make pgStrings a
// pgtype.ArraySetter, so that pgx scans the array into it directly.
func (h *pgStrings) SetDimensions(dims []pgtype.ArrayDimension) error {
	if dims == nil {
		h.v = nil
		return nil
	}
	n := 0
	if len(dims) > 0 {
		n = 1
		for _, d := range dims {
			n *= int(d.Length)
		}
	}
	h.v = make([]string, n)
	return nil
}

// ScanIndex implements pgtype.ArraySetter.
func (h *pgStrings) ScanIndex(i int) any { return &h.v[i] }

// ScanIndexType implements pgtype.ArraySetter.
func (h *pgStrings) ScanIndexType() any { return new(string) }

var _ pgtype.ArraySetter = (*pgStrings)(nil)

type pgNumeric struct{ pgtype.Numeric }

var big10 = big.NewInt(10)

// value makes the decimal that the numeric's text would parse to, so that
// values read are the same decimals as ever: pgx trims the trailing zeros
// of whole numbers (1000 is 1e3), the text form writes them out.
func (h *pgNumeric) value() (any, error) {
	n := h.Numeric
	if !n.Valid {
		return nil, nil
	}
	if n.NaN || n.InfinityModifier != pgtype.Finite || n.Int == nil {
		return nil, fmt.Errorf("records: numeric value is not a finite number")
	}
	if n.Exp > 0 {
		scale := new(big.Int).Exp(big10, big.NewInt(int64(n.Exp)), nil)
		return decimal.NewFromBigInt(scale.Mul(scale, n.Int), 0), nil
	}
	return decimal.NewFromBigInt(n.Int, n.Exp), nil
}
