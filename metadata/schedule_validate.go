package metadata

import (
	"fmt"
	"strings"
)

// validateSchedules checks the schedules of o: names, intervals, limits,
// that a filter is given, and that the updates name fields a schedule may
// set; with an ApprovalChecker (which compiles field updates over a
// record) it compiles every update too. Filters are translated to SQL when
// the revision is compiled (engine/compiled), which reports those that do
// not translate.
func validateSchedules(m *Model, o *Object, opath string, check ExpressionChecker) []Problem {
	var ps []Problem
	if len(o.Schedules) > MaxSchedules {
		ps = append(ps, problemf(opath+".schedules", ProblemInvalidSetting, "object %q has %d schedules; at most %d are allowed", o.Name, len(o.Schedules), MaxSchedules))
	}
	ac, _ := check.(ApprovalChecker)
	seen := map[string]bool{}
	for _, s := range o.Schedules {
		spath := opath + ".schedules." + s.Name
		ps = append(ps, checkName(spath+".name", "schedule", s.Name, MaxFieldNameLength)...)
		if seen[s.Name] {
			ps = append(ps, problemf(spath+".name", ProblemDuplicate, "schedule %q is defined twice on object %q", s.Name, o.Name))
		}
		seen[s.Name] = true
		if s.Every == "" {
			ps = append(ps, problemf(spath+".every", ProblemInvalidSetting, "schedule %q needs every: how often it runs, such as \"5m\" or \"1d\"", s.Name))
		} else if _, err := ParseEvery(s.Every); err != nil {
			ps = append(ps, problemf(spath+".every", ProblemInvalidSetting, "%s", err.Error()))
		}
		if s.Limit < 0 || s.Limit > MaxScheduleLimit {
			ps = append(ps, problemf(spath+".limit", ProblemInvalidSetting, "limit is the most records one run updates: 1 to %d (default %d)", MaxScheduleLimit, DefaultScheduleLimit))
		}
		if strings.TrimSpace(s.Filter) == "" {
			ps = append(ps, problemf(spath+".filter", ProblemInvalidSetting, "schedule %q needs a filter: the records it updates, such as status != \"Closed\" && due < $now", s.Name))
		}
		if len(s.Updates) == 0 {
			ps = append(ps, problemf(spath+".updates", ProblemInvalidSetting, "schedule %q updates nothing: give it updates, field: expression", s.Name))
		}
		for _, name := range s.UpdatedFields() {
			src := s.Updates[name]
			at := spath + ".updates." + name
			f := o.Field(name)
			switch {
			case f == nil:
				ps = append(ps, problemf(at, ProblemUnknownField, "%q is not a field of object %q", truncateForMessage(name), o.Name))
			case !writableByAction(f):
				ps = append(ps, problemf(at, ProblemInvalidSetting, "%q is a %s field, which is computed and cannot be updated", name, f.Type))
			case strings.TrimSpace(src) == "":
				ps = append(ps, problemf(at, ProblemInvalidExpr, "the value of %q needs an expression", name))
			case ac != nil:
				if err := ac.CheckAssignment(m, o, f, src); err != nil {
					ps = append(ps, problemf(at, ProblemInvalidExpr, "%s", err.Error()))
				}
			}
		}
	}
	return ps
}

// SchedulePath is the path of a part of schedule s of object o ("filter",
// "updates.status") in metadata.Problems, for checks made outside this
// package, such as the translation of the filter to SQL.
func SchedulePath(o *Object, s *Schedule, part string) string {
	return fmt.Sprintf("objects.%s.schedules.%s.%s", o.Name, s.Name, part)
}
