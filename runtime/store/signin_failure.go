package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Failed sign-ins are counted in the store, so that every node on one
// database counts the same failures: per subject — an account, a client
// address — within a tenant name ("" for a subject of no tenant, such as an
// address), over a sliding window. Only failures within the window are
// kept: recording a failure deletes those that have left it.

// maxFailureSubject bounds the subject stored: longer ones (an email of
// megabytes) are cut, which at worst counts two such subjects together.
const maxFailureSubject = 512

// RecordSignInFailure records a failed sign-in of subject in tenant at the
// time at, and deletes every failure (of any subject) at or before
// at-window, which no count asks for any more.
func RecordSignInFailure(ctx context.Context, q Querier, tenant, subject string, at time.Time, window time.Duration) error {
	at = at.UTC().Truncate(time.Microsecond)
	if _, err := q.Exec(ctx, "DELETE FROM sign_in_failures WHERE failed_at <= $1", at.Add(-window)); err != nil {
		return fmt.Errorf("store: prune sign-in failures: %w", err)
	}
	if _, err := q.Exec(ctx, "INSERT INTO sign_in_failures (id, tenant, subject, failed_at) VALUES ($1, $2, $3, $4)",
		uuid.Must(uuid.NewV7()).String(), tenant, truncate(subject, maxFailureSubject), at); err != nil {
		return fmt.Errorf("store: record sign-in failure: %w", err)
	}
	return nil
}

// RecentSignInFailures returns the times of the latest failures of subject
// in tenant after since, newest first, at most limit of them.
func RecentSignInFailures(ctx context.Context, q Querier, tenant, subject string, since time.Time, limit int) ([]time.Time, error) {
	rows, err := q.Query(ctx, "SELECT failed_at FROM sign_in_failures WHERE tenant = $1 AND subject = $2 AND failed_at > $3 ORDER BY failed_at DESC LIMIT $4",
		tenant, truncate(subject, maxFailureSubject), since.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: count sign-in failures: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("store: count sign-in failures: %w", err)
		}
		out = append(out, at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count sign-in failures: %w", err)
	}
	return out, nil
}

// ClearSignInFailures forgets the failures of subject in tenant (a
// successful sign-in of the account).
func ClearSignInFailures(ctx context.Context, q Querier, tenant, subject string) error {
	if _, err := q.Exec(ctx, "DELETE FROM sign_in_failures WHERE tenant = $1 AND subject = $2",
		tenant, truncate(subject, maxFailureSubject)); err != nil {
		return fmt.Errorf("store: clear sign-in failures: %w", err)
	}
	return nil
}
