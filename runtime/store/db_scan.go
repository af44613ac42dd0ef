package store

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

// Both stores return times in UTC from Scan, whatever the driver gives:
// pgx returns timestamptz in the local zone, and SQLite stores instants as
// text that the driver parses only for columns declared DATE, DATETIME or
// TIMESTAMP. scanTimes bridges both.

// timeLayouts are the text forms of times accepted from SQLite, most likely
// first: ours (dialect.DateTimeLayout is RFC 3339), dates, and SQLite's own
// CURRENT_TIMESTAMP and datetime() forms.
var timeLayouts = []string{
	time.RFC3339Nano,
	dialect.DateLayout,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// isTimeDest reports whether d is a destination scanTimes takes care of.
func isTimeDest(d any) bool {
	switch d.(type) {
	case *time.Time, **time.Time, *sql.NullTime:
		return true
	}
	return false
}

// scanTimes calls scan with dest, but with every time destination (*time.Time,
// **time.Time, *sql.NullTime) replaced by an *any that is then converted with
// toTime, so that text and local times arrive as UTC time.Time.
func scanTimes(scan func(dest ...any) error, dest []any) error {
	var sub []any
	for i, d := range dest {
		if !isTimeDest(d) {
			continue
		}
		if sub == nil {
			sub = make([]any, len(dest))
			copy(sub, dest)
		}
		sub[i] = new(any)
	}
	if sub == nil {
		return scan(dest...)
	}
	if err := scan(sub...); err != nil {
		return err
	}
	for i, d := range dest {
		if !isTimeDest(d) {
			continue
		}
		t, ok, err := toTime(*sub[i].(*any))
		if err != nil {
			return fmt.Errorf("store: scan column %d: %w", i, err)
		}
		switch d := d.(type) {
		case *time.Time:
			if !ok {
				return fmt.Errorf("store: scan column %d: NULL into *time.Time", i)
			}
			*d = t
		case **time.Time:
			if !ok {
				*d = nil
			} else {
				*d = &t
			}
		case *sql.NullTime:
			*d = sql.NullTime{Time: t, Valid: ok}
		}
	}
	return nil
}

// toTime converts a driver value to a UTC time; ok is false for NULL.
func toTime(v any) (t time.Time, ok bool, err error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v.UTC(), true, nil
	case []byte:
		return parseTime(string(v))
	case string:
		return parseTime(v)
	}
	return time.Time{}, false, fmt.Errorf("cannot convert %T to time.Time", v)
}

func parseTime(s string) (time.Time, bool, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("cannot parse %q as a time", s)
}

// utcNow is the current time as the stores keep it: UTC, microseconds.
func utcNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
