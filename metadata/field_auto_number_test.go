package metadata

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFormatAutoNumber(t *testing.T) {
	now := time.Date(2024, 3, 7, 23, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		format string
		n      int64
		want   string
	}{
		{"INV-{0000}", 7, "INV-0007"},
		{"INV-{0000}", 1234, "INV-1234"},
		{"INV-{0000}", 123456, "INV-123456"},
		{"{0}", 0, "0"},
		{"{0}", 42, "42"},
		{"{000000000000}", 1, "000000000001"},
		{"{YYYY}-{MM}-{DD}/{00000}", 12, "2024-03-07/00012"},
		{"CASE {MM}{DD}.{000}", 5, "CASE 0307.005"},
		{"no braces {0000} tail", 9, "no braces 0009 tail"},
		{"{unknown}-{00}", 3, "{unknown}-03"},
		{"open {00", 3, "open {00"},
		{"发票-{000}", 8, "发票-008"},
	} {
		t.Run(fmt.Sprintf("%s/%d", c.format, c.n), func(t *testing.T) {
			assert.Equal(t, c.want, FormatAutoNumber(c.format, c.n, now))
		})
	}
}

func TestFormatAutoNumberUsesNowsLocation(t *testing.T) {
	// 23:30 UTC on 31 Dec is already 1 Jan in Shanghai.
	now := time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC).In(time.FixedZone("CST", 8*3600))
	assert.Equal(t, "2025-01-01", FormatAutoNumber("{YYYY}-{MM}-{DD}{0}", 0, now)[:10])
}

func TestAutoNumberSettings(t *testing.T) {
	for _, c := range []struct {
		name  string
		f     Field
		paths []string
	}{
		{"ok", Field{Settings: Settings{Format: "INV-{0000}"}}, nil},
		{"ok with dates and start", Field{Settings: Settings{Format: "{YYYY}{MM}{DD}-{000000}", Start: 1000}}, nil},
		{"no format", Field{}, []string{"settings.format"}},
		{"no number", Field{Settings: Settings{Format: "INV-{YYYY}"}}, []string{"settings.format"}},
		{"two numbers", Field{Settings: Settings{Format: "{00}-{00}"}}, []string{"settings.format"}},
		{"unknown token", Field{Settings: Settings{Format: "{yyyy}-{00}"}}, []string{"settings.format"}},
		{"empty token", Field{Settings: Settings{Format: "{}-{00}"}}, []string{"settings.format"}},
		{"unclosed", Field{Settings: Settings{Format: "{00"}}, []string{"settings.format"}},
		{"stray close", Field{Settings: Settings{Format: "{00}}"}}, []string{"settings.format"}},
		{"too wide", Field{Settings: Settings{Format: "{0000000000000}"}}, []string{"settings.format"}},
		{"negative start", Field{Settings: Settings{Format: "{0}", Start: -1}}, []string{"settings.start"}},
		{"required", Field{Required: true, Settings: Settings{Format: "{0}"}}, []string{"required"}},
		{"unique and default", Field{Unique: true, Default: `"x"`, Settings: Settings{Format: "{0}"}}, []string{"unique", "default"}},
		{"text setting", Field{Settings: Settings{Format: "{0}", MaxLength: 3}}, []string{"settings.max_length"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			f.Name, f.Type = "number", "auto_number"
			assert.Equal(t, c.paths, problemPaths(f.TypeOf().ValidateSettings(&f, nil)))
		})
	}
}

func TestAutoNumberIsGenerated(t *testing.T) {
	f := &Field{Type: "auto_number", Settings: Settings{Format: "{0}"}}
	assert.True(t, f.IsGenerated())
	_, verr := f.TypeOf().Normalize(f, "INV-0001")
	if assert.NotNil(t, verr) {
		assert.Equal(t, CodeReadOnly, verr.Code)
	}
	assert.Equal(t, true, f.TypeOf().JSONSchema(f)["readOnly"])
	assert.Equal(t, int64(1), f.StartOrDefault())
	f.Settings.Start = 500
	assert.Equal(t, int64(500), f.StartOrDefault())
}

func ExampleFormatAutoNumber() {
	now := time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)
	fmt.Println(FormatAutoNumber("INV-{0000}", 7, now))
	fmt.Println(FormatAutoNumber("INV-{YYYY}{MM}-{000}", 12345, now))
	// Output:
	// INV-0007
	// INV-202403-12345
}
