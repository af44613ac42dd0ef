package metadata

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDateNormalize(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	runNormCases(t, &Field{Type: "date"}, []normCase{
		{"leap day", "2024-02-29", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), ""},
		{"not a leap year", "2023-02-29", nil, CodeInvalidFormat},
		{"month 13", "2024-13-01", nil, CodeInvalidFormat},
		{"day 32", "2024-01-32", nil, CodeInvalidFormat},
		{"year 0", "0000-01-01", nil, CodeOutOfRange},
		{"with time", "2024-02-29T10:00:00Z", nil, CodeInvalidFormat},
		{"slashes", "2024/02/29", nil, CodeInvalidFormat},
		{"short", "2024-2-9", nil, CodeInvalidFormat},
		{"empty", "", nil, CodeInvalidFormat},
		{"time keeps its day", time.Date(2024, 3, 1, 23, 30, 0, 0, shanghai), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), ""},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), nil, CodeOutOfRange},
		{"number", json.Number("20240229"), nil, CodeInvalidType},
	})
}

func TestDateMessages(t *testing.T) {
	f := &Field{Type: "date"}
	_, verr := f.TypeOf().Normalize(f, "2023-02-29")
	require.NotNil(t, verr)
	assert.Equal(t, `"2023-02-29" is not a day of the calendar`, verr.Message)
	_, verr = f.TypeOf().Normalize(f, "29.02.2024")
	require.NotNil(t, verr)
	assert.Equal(t, `"29.02.2024" is not a date in the form YYYY-MM-DD`, verr.Message)
}

func TestDateEncodeJSON(t *testing.T) {
	f := &Field{Type: "date"}
	assert.Equal(t, "2024-02-29", f.TypeOf().(Encoder).EncodeJSON(f, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)))
}

func TestDateTimeNormalize(t *testing.T) {
	runNormCases(t, &Field{Type: "datetime"}, []normCase{
		{"utc", "2024-03-01T08:30:00Z", mustTime(t, "2024-03-01T08:30:00Z"), ""},
		{"offset to utc", "2024-03-01T08:30:00+08:00", mustTime(t, "2024-03-01T00:30:00Z"), ""},
		{"negative offset crosses the day", "2024-03-01T20:00:00-05:00", mustTime(t, "2024-03-02T01:00:00Z"), ""},
		{"truncated to microseconds", "2024-03-01T08:30:00.123456789Z", mustTime(t, "2024-03-01T08:30:00.123456Z"), ""},
		{"no zone", "2024-03-01T08:30:00", nil, CodeInvalidFormat},
		{"no zone with fraction", "2024-03-01T08:30:00.5", nil, CodeInvalidFormat},
		{"date only", "2024-03-01", nil, CodeInvalidFormat},
		{"space separator", "2024-03-01 08:30:00Z", nil, CodeInvalidFormat},
		{"bad hour", "2024-03-01T25:00:00Z", nil, CodeInvalidFormat},
		{"time.Time", time.Date(2024, 3, 1, 8, 30, 0, 999, time.FixedZone("X", 3600)), mustTime(t, "2024-03-01T07:30:00Z"), ""},
		{"unix seconds", json.Number("1709281800"), nil, CodeInvalidType},
	})
	f := &Field{Type: "datetime"}
	_, verr := f.TypeOf().Normalize(f, "2024-03-01T08:30:00")
	require.NotNil(t, verr)
	assert.Contains(t, verr.Message, "has no time zone")
}

func TestDateTimeCanonicalIsUTC(t *testing.T) {
	f := &Field{Type: "datetime"}
	v, verr := f.TypeOf().Normalize(f, "2024-03-01T08:30:00+08:00")
	require.Nil(t, verr)
	assert.Equal(t, time.UTC, v.(time.Time).Location())
	v2, verr := f.TypeOf().Normalize(f, time.Now())
	require.Nil(t, verr)
	assert.Equal(t, time.UTC, v2.(time.Time).Location())
	assert.Zero(t, v2.(time.Time).Nanosecond()%1000)
}

func TestDateTimeEncodeJSON(t *testing.T) {
	f := &Field{Type: "datetime"}
	enc := f.TypeOf().(Encoder)
	assert.Equal(t, "2024-03-01T00:30:00.000000Z", enc.EncodeJSON(f, mustTime(t, "2024-03-01T08:30:00+08:00")))
	assert.Equal(t, "2024-03-01T08:30:00.123456Z", enc.EncodeJSON(f, mustTime(t, "2024-03-01T08:30:00.123456Z")))
	// The written form reads back to the same instant.
	v, verr := f.TypeOf().Normalize(f, "2024-03-01T00:30:00.000000Z")
	require.Nil(t, verr)
	assert.Equal(t, mustTime(t, "2024-03-01T00:30:00Z"), v)
}
