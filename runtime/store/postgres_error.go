package store

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL error codes mapped by mapPgErr.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgNotNullViolation     = "23502"
	pgCheckViolation       = "23514"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgDuplicateSchema      = "42P06"
)

// isPgCode reports whether err is a PostgreSQL error with that code.
func isPgCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// pgKeyDetail matches the detail of a unique or foreign key violation:
// `Key (col)=(value) already exists.` or `Key (a, b)=(…) is not present in
// table "t".`
var pgKeyDetail = regexp.MustCompile(`^Key \(([^()]+)\)=`)

// mapPgErr turns pgx's no-rows error into ErrNotFound, constraint
// violations into *ConstraintError and serialization failures and
// deadlocks into ErrConflict; other errors pass through.
func mapPgErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	ce := &ConstraintError{Constraint: pe.ConstraintName, Table: pe.TableName, Column: pe.ColumnName, Err: err}
	switch pe.Code {
	case pgUniqueViolation:
		ce.Kind = ConstraintUnique
		if m := pgKeyDetail.FindStringSubmatch(pe.Detail); m != nil && ce.Column == "" {
			ce.Column = m[1]
		}
	case pgForeignKeyViolation:
		ce.Kind = ConstraintForeignKey
		// Only an insert or update of the referencing row names the
		// referencing column; a delete of the referenced row names the
		// referenced one ("is still referenced from table").
		if m := pgKeyDetail.FindStringSubmatch(pe.Detail); m != nil && ce.Column == "" && !strings.Contains(pe.Detail, "is still referenced from table") {
			ce.Column = m[1]
		}
	case pgNotNullViolation:
		ce.Kind = ConstraintNotNull
	case pgCheckViolation:
		ce.Kind = ConstraintCheck
	case pgSerializationFailure, pgDeadlockDetected:
		return fmt.Errorf("%w: %w", ErrConflict, err)
	default:
		return err
	}
	return ce
}
