package store

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by the store. Check them with errors.Is; the store wraps
// them with the context of the failed call.
var (
	// ErrNotFound means that no row matched: QueryRow found none, or the
	// system row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means that a concurrent transaction won: a serialization
	// failure or deadlock, or a system row with the same key was written
	// first (a metadata revision number). Retrying from fresh state may
	// succeed.
	ErrConflict = errors.New("store: conflict")
	// ErrInvalidName means that a tenant name does not match
	// TenantNamePattern.
	ErrInvalidName = errors.New("store: invalid name")
	// ErrTenantExists means that a tenant with that name (or its schema)
	// already exists.
	ErrTenantExists = errors.New("store: tenant exists")
	// ErrUnauthorized means that an API token or session is unknown,
	// revoked, ended or malformed, or its user is deactivated. These are
	// deliberately not told apart.
	ErrUnauthorized = errors.New("store: unauthorized")
)

// Constraint kinds of a ConstraintError.
const (
	ConstraintUnique     = "unique"
	ConstraintForeignKey = "foreign_key"
	ConstraintNotNull    = "not_null"
	ConstraintCheck      = "check"
)

// ConstraintError is a write refused by a database constraint, mapped from
// the driver's error so that callers (the record API) can answer with a
// field error instead of a server error. Find it with errors.As.
type ConstraintError struct {
	// Kind is ConstraintUnique, ConstraintForeignKey, ConstraintNotNull or
	// ConstraintCheck.
	Kind string
	// Constraint is the constraint or index name, when the driver says
	// (PostgreSQL always does; SQLite only for named CHECK constraints).
	Constraint string
	// Table and Column are the table and column, when the driver says.
	// SQLite names them for unique and not-null violations ("UNIQUE
	// constraint failed: tbl.col"); PostgreSQL names the table, the column of
	// a not-null violation, and the column of a single-column unique or
	// foreign key violation (taken from its detail message). For a
	// multi-column unique constraint Column is the columns joined by ", ".
	Table, Column string
	// Err is the driver's error.
	Err error
}

// Error implements error.
func (e *ConstraintError) Error() string {
	var b strings.Builder
	b.WriteString("store: ")
	b.WriteString(strings.ReplaceAll(e.Kind, "_", " "))
	b.WriteString(" constraint violated")
	if e.Constraint != "" {
		fmt.Fprintf(&b, " (%s)", e.Constraint)
	}
	switch {
	case e.Table != "" && e.Column != "":
		fmt.Fprintf(&b, " on %s.%s", e.Table, e.Column)
	case e.Table != "":
		fmt.Fprintf(&b, " on %s", e.Table)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the driver's error.
func (e *ConstraintError) Unwrap() error { return e.Err }

// isUnique reports whether err is a unique constraint violation.
func isUnique(err error) bool {
	var ce *ConstraintError
	return errors.As(err, &ce) && ce.Kind == ConstraintUnique
}
