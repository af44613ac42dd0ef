// Package migrations holds the SQL of Mosaic's system tables (tenants,
// users, tokens, sessions, the audit log, metadata revisions, counters,
// field history, record shares, background jobs, approval instances, step
// runs, tasks and history, the outbox, sign-in failures, bundles, saved
// list views), one folder per
// dialect, applied in order by runtime/store with goose.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
