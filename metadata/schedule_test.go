package metadata_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// scheduleModel is a support case with a schedule that escalates breached
// cases.
func scheduleModel() *metadata.Model {
	return &metadata.Model{Objects: []*metadata.Object{
		{ID: "o1", Name: "support_case", Fields: []*metadata.Field{
			{ID: "f1", Name: "subject", Type: "text"},
			{ID: "f2", Name: "status", Type: "text"},
			{ID: "f3", Name: "breached", Type: "boolean"},
			{ID: "f4", Name: "resolution_due", Type: "datetime"},
			{ID: "f5", Name: "escalated_at", Type: "datetime"},
			{ID: "f6", Name: "number", Type: "auto_number", Settings: metadata.Settings{Format: "C-{0000}"}},
			{ID: "f7", Name: "age", Type: "formula", Settings: metadata.Settings{Expression: "1", ResultType: "number"}},
		}, Schedules: []*metadata.Schedule{{
			Name:    "escalate_breached",
			Label:   metadata.Text{"en": "Escalate breached cases", "zh-CN": "升级超时工单"},
			Every:   "5m",
			Filter:  `status != "Closed" && breached != true && resolution_due < $now`,
			Updates: map[string]string{"breached": "true", "status": `"Escalated"`, "escalated_at": "$now"},
			Limit:   500,
		}}},
	}}
}

func TestValidateSchedules(t *testing.T) {
	check := expression.Checker{}
	require.Empty(t, metadata.Validate(scheduleModel(), check))

	const at = "objects.support_case.schedules.escalate_breached"
	sched := func(m *metadata.Model) *metadata.Schedule { return m.Object("support_case").Schedules[0] }
	tests := []struct {
		name   string
		change func(m *metadata.Model)
		path   string
		code   string
	}{
		{"bad name", func(m *metadata.Model) { sched(m).Name = "Escalate" }, "objects.support_case.schedules.Escalate.name", metadata.ProblemInvalidName},
		{"no name", func(m *metadata.Model) { sched(m).Name = "" }, "objects.support_case.schedules..name", metadata.ProblemInvalidName},
		{"reserved name", func(m *metadata.Model) { sched(m).Name = "select" }, "objects.support_case.schedules.select.name", metadata.ProblemReservedName},
		{"duplicate", func(m *metadata.Model) {
			o := m.Object("support_case")
			o.Schedules = append(o.Schedules, o.Schedules[0].Clone())
		}, at + ".name", metadata.ProblemDuplicate},
		{"too many", func(m *metadata.Model) {
			o := m.Object("support_case")
			for i := range metadata.MaxSchedules {
				s := o.Schedules[0].Clone()
				s.Name = fmt.Sprintf("extra_%d", i)
				o.Schedules = append(o.Schedules, s)
			}
		}, "objects.support_case.schedules", metadata.ProblemInvalidSetting},
		{"no every", func(m *metadata.Model) { sched(m).Every = "" }, at + ".every", metadata.ProblemInvalidSetting},
		{"every not a duration", func(m *metadata.Model) { sched(m).Every = "5 minutes" }, at + ".every", metadata.ProblemInvalidSetting},
		{"every too short", func(m *metadata.Model) { sched(m).Every = "30s" }, at + ".every", metadata.ProblemInvalidSetting},
		{"every too long", func(m *metadata.Model) { sched(m).Every = "31d" }, at + ".every", metadata.ProblemInvalidSetting},
		{"every negative days", func(m *metadata.Model) { sched(m).Every = "-1d" }, at + ".every", metadata.ProblemInvalidSetting},
		{"limit too high", func(m *metadata.Model) { sched(m).Limit = metadata.MaxScheduleLimit + 1 }, at + ".limit", metadata.ProblemInvalidSetting},
		{"limit negative", func(m *metadata.Model) { sched(m).Limit = -1 }, at + ".limit", metadata.ProblemInvalidSetting},
		{"no filter", func(m *metadata.Model) { sched(m).Filter = " " }, at + ".filter", metadata.ProblemInvalidSetting},
		{"no updates", func(m *metadata.Model) { sched(m).Updates = nil }, at + ".updates", metadata.ProblemInvalidSetting},
		{"update of unknown field", func(m *metadata.Model) { sched(m).Updates["stage"] = `"x"` }, at + ".updates.stage", metadata.ProblemUnknownField},
		{"update of auto-number", func(m *metadata.Model) { sched(m).Updates["number"] = `"x"` }, at + ".updates.number", metadata.ProblemInvalidSetting},
		{"update of formula", func(m *metadata.Model) { sched(m).Updates["age"] = "2" }, at + ".updates.age", metadata.ProblemInvalidSetting},
		{"update of the wrong kind", func(m *metadata.Model) { sched(m).Updates["breached"] = "subject" }, at + ".updates.breached", metadata.ProblemInvalidExpr},
		{"update does not compile", func(m *metadata.Model) { sched(m).Updates["status"] = "nope +" }, at + ".updates.status", metadata.ProblemInvalidExpr},
		{"update reads unknown field", func(m *metadata.Model) { sched(m).Updates["status"] = "stage" }, at + ".updates.status", metadata.ProblemInvalidExpr},
		{"empty update", func(m *metadata.Model) { sched(m).Updates["status"] = "" }, at + ".updates.status", metadata.ProblemInvalidExpr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := scheduleModel()
			tt.change(m)
			ps := metadata.Validate(m, check)
			got := map[string]string{}
			for _, p := range ps {
				got[p.Path] = p.Code
			}
			assert.Equal(t, tt.code, got[tt.path], "problems: %v", ps)
		})
	}
}

func TestParseEvery(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"5m", 5 * time.Minute, ""},
		{"1m", time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"2d", 48 * time.Hour, ""},
		{"30d", 30 * 24 * time.Hour, ""},
		{"720h", 30 * 24 * time.Hour, ""},
		{"59s", 0, `every "59s" must be between 1m and 30d`},
		{"31d", 0, `every "31d" must be between 1m and 30d`},
		{"0d", 0, `every "0d" must be between 1m and 30d`},
		{"02d", 0, `every "02d" is not a duration such as "5m", "1h" or "2d"`},
		{"d", 0, `every "d" is not a duration such as "5m", "1h" or "2d"`},
		{"5", 0, `every "5" is not a duration such as "5m", "1h" or "2d"`},
		{"weekly", 0, `every "weekly" is not a duration such as "5m", "1h" or "2d"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := metadata.ParseEvery(tt.in)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestScheduleDefaults(t *testing.T) {
	s := &metadata.Schedule{Every: "1h"}
	assert.True(t, s.IsActive())
	assert.Equal(t, metadata.DefaultScheduleLimit, s.EffectiveLimit())
	assert.Equal(t, time.Hour, s.Interval())
	off := false
	s.Active, s.Limit, s.Every = &off, 20, "bad"
	assert.False(t, s.IsActive())
	assert.Equal(t, 20, s.EffectiveLimit())
	assert.Zero(t, s.Interval())
}

// TestScheduleClone checks that Object.Clone copies schedules deeply.
func TestScheduleClone(t *testing.T) {
	o := scheduleModel().Object("support_case")
	on := true
	o.Schedules[0].Active = &on
	c := o.Clone()
	cs := c.Schedules[0]
	cs.Updates["status"] = "x"
	cs.Label["en"] = "x"
	*cs.Active = false
	s := o.Schedules[0]
	assert.Equal(t, `"Escalated"`, s.Updates["status"])
	assert.Equal(t, "Escalate breached cases", s.Label["en"])
	assert.True(t, s.IsActive())
	assert.Same(t, s, o.Schedule("escalate_breached"))
	assert.Nil(t, o.Schedule("other"))
}

// TestDecodeSchedules reads a schedule from an object document in YAML,
// which the object schema accepts, and refuses unknown properties.
func TestDecodeSchedules(t *testing.T) {
	o, err := metadata.DecodeObject([]byte(`
name: support_case
fields:
  - {name: status, type: text}
  - {name: breached, type: boolean}
  - {name: resolution_due, type: datetime}
  - {name: escalated_at, type: datetime}
schedules:
  - name: escalate_breached
    label: {en: Escalate breached cases, zh-CN: 升级超时工单}
    every: 5m
    filter: 'status != "Closed" && breached != true && resolution_due < $now'
    updates:
      breached: "true"
      status: '"Escalated"'
      escalated_at: $now
    limit: 500
    active: true
`))
	require.NoError(t, err)
	require.Len(t, o.Schedules, 1)
	s := o.Schedules[0]
	assert.Equal(t, "5m", s.Every)
	assert.Equal(t, "$now", s.Updates["escalated_at"])
	assert.Equal(t, 500, s.Limit)
	assert.True(t, s.IsActive())
	assert.Equal(t, "升级超时工单", s.Label["zh-CN"])
	assert.Empty(t, metadata.Validate(&metadata.Model{Objects: []*metadata.Object{o}}, expression.Checker{}))

	for _, doc := range []string{
		`{name: c, fields: [{name: status, type: text}], schedules: [{name: s, every: 5m, filter: 'status == "x"', updates: {status: '"y"'}, bogus: 1}]}`,
		`{name: c, fields: [{name: status, type: text}], schedules: [{name: s, every: 5m, filter: 'status == "x"', updates: {status: '"y"'}, limit: 5001}]}`,
		`{name: c, fields: [{name: status, type: text}], schedules: [{name: s, every: 5m, updates: {status: '"y"'}}]}`,
	} {
		_, err = metadata.DecodeObject([]byte(doc))
		assert.Error(t, err, doc)
	}
}
