package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// SQLite extended result codes mapped by mapSQLiteErr.
const (
	sqliteBusySnapshot         = 517
	sqliteConstraintCheck      = 275
	sqliteConstraintForeignKey = 787
	sqliteConstraintNotNull    = 1299
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintTrigger    = 1811
	sqliteConstraintUnique     = 2067
)

// mapSQLiteErr turns the driver's constraint errors into *ConstraintError
// and write conflicts into ErrConflict; other errors pass through.
func mapSQLiteErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	msg := se.Error()
	switch se.Code() {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		table, column := sqliteTableColumn(msg, "UNIQUE constraint failed: ")
		return &ConstraintError{Kind: ConstraintUnique, Table: table, Column: column, Err: err}
	case sqliteConstraintNotNull:
		table, column := sqliteTableColumn(msg, "NOT NULL constraint failed: ")
		return &ConstraintError{Kind: ConstraintNotNull, Table: table, Column: column, Err: err}
	case sqliteConstraintForeignKey:
		return &ConstraintError{Kind: ConstraintForeignKey, Err: err}
	case sqliteConstraintTrigger:
		// SQLite enforces ON DELETE RESTRICT with a built-in trigger, so
		// that violation comes with the trigger code.
		if strings.Contains(msg, "FOREIGN KEY constraint failed") {
			return &ConstraintError{Kind: ConstraintForeignKey, Err: err}
		}
	case sqliteConstraintCheck:
		return &ConstraintError{Kind: ConstraintCheck, Constraint: sqliteDetail(msg, "CHECK constraint failed: "), Err: err}
	case sqliteBusySnapshot:
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

// sqliteDetail returns what follows marker in a driver message, without
// the trailing " (code)".
func sqliteDetail(msg, marker string) string {
	i := strings.Index(msg, marker)
	if i < 0 {
		return ""
	}
	s := msg[i+len(marker):]
	if j := strings.LastIndex(s, " ("); j >= 0 {
		s = s[:j]
	}
	return s
}

// sqliteTableColumn parses "tbl.col" or "tbl.a, tbl.b" after marker into
// the table and the column(s).
func sqliteTableColumn(msg, marker string) (table, column string) {
	detail := sqliteDetail(msg, marker)
	if detail == "" {
		return "", ""
	}
	var cols []string
	for _, part := range strings.Split(detail, ", ") {
		t, c, ok := strings.Cut(part, ".")
		if !ok {
			return "", ""
		}
		table = t
		cols = append(cols, c)
	}
	return table, strings.Join(cols, ", ")
}
