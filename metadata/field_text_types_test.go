package metadata

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLongTextNormalize(t *testing.T) {
	runNormCases(t, &Field{Type: "long_text"}, []normCase{
		{"multi-line", "a\nb", "a\nb", ""},
		{"default limit", strings.Repeat("x", DefaultLongTextMaxLength), strings.Repeat("x", DefaultLongTextMaxLength), ""},
		{"over default limit", strings.Repeat("x", DefaultLongTextMaxLength+1), nil, CodeTooLong},
		{"invalid utf-8", "\xff", nil, CodeInvalidFormat},
		{"number", json.Number("1"), nil, CodeInvalidType},
	})
	runNormCases(t, &Field{Type: "long_text", Settings: Settings{MaxLength: 3}}, []normCase{
		{"runes not bytes", "发票书", "发票书", ""},
		{"over setting", "abcd", nil, CodeTooLong},
	})
}

func TestLongTextSettings(t *testing.T) {
	for _, c := range []struct {
		max  int
		want []string
	}{
		{0, nil}, {1, nil}, {MaxLongTextMaxLength, nil},
		{MaxLongTextMaxLength + 1, []string{"settings.max_length"}},
		{-1, []string{"settings.max_length"}},
	} {
		f := &Field{Type: "long_text", Settings: Settings{MaxLength: c.max}}
		assert.Equal(t, c.want, problemPaths(f.TypeOf().ValidateSettings(f, nil)), c.max)
	}
}

func TestEmailNormalize(t *testing.T) {
	runNormCases(t, &Field{Type: "email"}, []normCase{
		{"plain", "ana@example.com", "ana@example.com", ""},
		{"trimmed", "  ana@example.com\n", "ana@example.com", ""},
		{"plus and dots", "ana.b+crm@mail.example.co.uk", "ana.b+crm@mail.example.co.uk", ""},
		{"display name", "Ana <ana@example.com>", nil, CodeInvalidFormat},
		{"angle brackets", "<ana@example.com>", nil, CodeInvalidFormat},
		{"comment", "ana@example.com (Ana)", nil, CodeInvalidFormat},
		{"two addresses", "a@example.com, b@example.com", nil, CodeInvalidFormat},
		{"no at", "ana.example.com", nil, CodeInvalidFormat},
		{"no domain dot", "ana@localhost", nil, CodeInvalidFormat},
		{"trailing dot", "ana@example.", nil, CodeInvalidFormat},
		{"empty", "", nil, CodeInvalidFormat},
		{"too long", strings.Repeat("a", 250) + "@example.com", nil, CodeTooLong},
		{"not a string", json.Number("1"), nil, CodeInvalidType},
	})
}

func TestPhoneNormalize(t *testing.T) {
	runNormCases(t, &Field{Type: "phone"}, []normCase{
		{"international", "+86 (10) 1234-5678", "+86 (10) 1234-5678", ""},
		{"dots", "030.1234.5678", "030.1234.5678", ""},
		{"trimmed", " 110 ", "110", ""},
		{"three digits", "112", "112", ""},
		{"two digits", "12", nil, CodeInvalidFormat},
		{"punctuation only", "+-()", nil, CodeInvalidFormat},
		{"letters", "0800-FLOWERS", nil, CodeInvalidFormat},
		{"extension", "123 ext 4", nil, CodeInvalidFormat},
		{"forty", strings.Repeat("1", 40), strings.Repeat("1", 40), ""},
		{"too long", strings.Repeat("1", 41), nil, CodeTooLong},
		{"number", json.Number("5551234"), nil, CodeInvalidType},
	})
}

func TestURLNormalize(t *testing.T) {
	runNormCases(t, &Field{Type: "url"}, []normCase{
		{"https", "https://example.com", "https://example.com", ""},
		{"http with path", "http://example.com/a/b?c=d#e", "http://example.com/a/b?c=d#e", ""},
		{"upper-case scheme", "HTTPS://example.com", "HTTPS://example.com", ""},
		{"port", "http://localhost:8080/x", "http://localhost:8080/x", ""},
		{"trimmed", " https://example.com/ ", "https://example.com/", ""},
		{"no scheme", "example.com", nil, CodeInvalidFormat},
		{"scheme-relative", "//example.com/a", nil, CodeInvalidFormat},
		{"ftp", "ftp://example.com", nil, CodeInvalidFormat},
		{"javascript", "javascript:alert(1)", nil, CodeInvalidFormat},
		{"no host", "https://", nil, CodeInvalidFormat},
		{"port only", "https://:80", nil, CodeInvalidFormat},
		{"space inside", "https://example.com/a b", nil, CodeInvalidFormat},
		{"too long", "https://example.com/" + strings.Repeat("a", MaxURLLength), nil, CodeTooLong},
		{"boolean", true, nil, CodeInvalidType},
	})
}

func TestExternalIDNormalize(t *testing.T) {
	runNormCases(t, &Field{Type: "external_id"}, []normCase{
		{"plain", "ACC-0001", "ACC-0001", ""},
		{"all punctuation", "sap:4711/a_b.c-d", "sap:4711/a_b.c-d", ""},
		{"space", "ACC 1", nil, CodeInvalidFormat},
		{"empty", "", nil, CodeInvalidFormat},
		{"non-ascii", "发票", nil, CodeInvalidFormat},
		{"too long", strings.Repeat("a", 256), nil, CodeTooLong},
		{"number", json.Number("12"), nil, CodeInvalidType},
	})
	f := &Field{Type: "external_id"}
	assert.True(t, f.IsUnique(), "external ids are always unique")
	g := &Field{Type: "external_id", Settings: Settings{MaxLength: 256}}
	assert.Equal(t, []string{"settings.max_length"}, problemPaths(g.TypeOf().ValidateSettings(g, nil)))
}

func TestBooleanNormalize(t *testing.T) {
	runNormCases(t, &Field{Type: "boolean"}, []normCase{
		{"true", true, true, ""},
		{"false", false, false, ""},
		{"string true", "true", nil, CodeInvalidType},
		{"one", json.Number("1"), nil, CodeInvalidType},
	})
	f := &Field{Type: "boolean", Unique: true}
	assert.Equal(t, []string{"unique"}, problemPaths(f.TypeOf().ValidateSettings(f, nil)))
}
