package metadata

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a scheduled record update declared on an object: every Every,
// a background job selects up to Limit records matching Filter and sets
// their fields from Updates, one transaction per record, as the system. A
// support app escalates breached cases with one; reminders and expiries are
// others.
type Schedule struct {
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Every is how often the schedule runs: a Go duration ("5m", "1h30m")
	// or a number of days ("2d"), between MinScheduleEvery and
	// MaxScheduleEvery.
	Every string `json:"every"`
	// Filter selects the records to update, in the language of list
	// filters (translated to SQL); it may use $now and $today.
	Filter string `json:"filter"`
	// Updates maps fields of the record to expressions over it ($now and
	// $today available, $user the system).
	Updates map[string]string `json:"updates"`
	// Limit is the most records one run updates (DefaultScheduleLimit when
	// 0, at most MaxScheduleLimit); the rest wait for the next run.
	Limit int `json:"limit,omitempty"`
	// Active is false for a schedule that does not run; nil means active.
	Active *bool `json:"active,omitempty"`
}

// Bounds of schedules.
const (
	// MaxSchedules bounds the schedules of one object.
	MaxSchedules = 20
	// MinScheduleEvery and MaxScheduleEvery bound a schedule's interval.
	MinScheduleEvery = time.Minute
	MaxScheduleEvery = 30 * 24 * time.Hour
	// DefaultScheduleLimit is the records one run updates when the
	// schedule gives no limit; MaxScheduleLimit bounds the limit.
	DefaultScheduleLimit = 500
	MaxScheduleLimit     = 5000
)

// IsActive reports whether the schedule runs.
func (s *Schedule) IsActive() bool { return s.Active == nil || *s.Active }

// Interval returns how often the schedule runs; the zero duration when
// Every is not valid (Validate refuses such a schedule).
func (s *Schedule) Interval() time.Duration {
	d, err := ParseEvery(s.Every)
	if err != nil {
		return 0
	}
	return d
}

// EffectiveLimit returns the most records one run updates.
func (s *Schedule) EffectiveLimit() int {
	if s.Limit <= 0 {
		return DefaultScheduleLimit
	}
	return min(s.Limit, MaxScheduleLimit)
}

// UpdatedFields lists the fields the schedule sets, sorted.
func (s *Schedule) UpdatedFields() []string { return sortedKeys(s.Updates) }

// Clone returns a deep copy of the schedule.
func (s *Schedule) Clone() *Schedule {
	c := *s
	c.Label, c.Description = s.Label.clone(), s.Description.clone()
	c.Updates = cloneMapping(s.Updates)
	if s.Active != nil {
		a := *s.Active
		c.Active = &a
	}
	return &c
}

// Schedule returns the object's schedule called name, or nil.
func (o *Object) Schedule(name string) *Schedule {
	for _, s := range o.Schedules {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ParseEvery parses a schedule's interval: a Go duration ("90m") or a
// whole number of days ("2d"), between MinScheduleEvery and
// MaxScheduleEvery.
func ParseEvery(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || strconv.Itoa(n) != days {
			return 0, fmt.Errorf("every %q is not a duration such as \"5m\", \"1h\" or \"2d\"", truncateForMessage(s))
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("every %q is not a duration such as \"5m\", \"1h\" or \"2d\"", truncateForMessage(s))
		}
	}
	if d < MinScheduleEvery || d > MaxScheduleEvery {
		return 0, fmt.Errorf("every %q must be between 1m and 30d", truncateForMessage(s))
	}
	return d, nil
}
