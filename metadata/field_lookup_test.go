package metadata

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLookupNormalize(t *testing.T) {
	const id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	runNormCases(t, &Field{Type: "lookup", Settings: Settings{Target: "account"}}, []normCase{
		{"canonical", id, id, ""},
		{"upper case", "7C9E6679-7425-40DE-944B-E07FC1F90AE7", id, ""},
		{"braces", "{" + id + "}", id, ""},
		{"urn", "urn:uuid:" + id, id, ""},
		{"no hyphens", "7c9e6679742540de944be07fc1f90ae7", id, ""},
		{"short", "7c9e6679-7425", nil, CodeInvalidFormat},
		{"not hex", "zc9e6679-7425-40de-944b-e07fc1f90ae7", nil, CodeInvalidFormat},
		{"empty", "", nil, CodeInvalidFormat},
		{"number", json.Number("42"), nil, CodeInvalidType},
		{"object", map[string]any{"id": id}, nil, CodeInvalidType},
	})
}

func TestLookupSettings(t *testing.T) {
	m := &Model{Objects: []*Object{{Name: "account"}}}
	for _, c := range []struct {
		name  string
		f     Field
		model *Model
		want  []Problem
	}{
		{"ok", Field{Settings: Settings{Target: "account"}}, m, nil},
		{"cascade", Field{Settings: Settings{Target: "account", OnDelete: OnDeleteCascade}}, m, nil},
		{"set null optional", Field{Settings: Settings{Target: "account", OnDelete: OnDeleteSetNull}}, m, nil},
		{"no model checks presence only", Field{Settings: Settings{Target: "anything"}}, nil, nil},
		{"no target", Field{}, m, []Problem{{"settings.target", ProblemInvalidSetting, "a lookup field needs settings.target, the object it points at"}}},
		{"missing target", Field{Settings: Settings{Target: "acount"}}, m, []Problem{{"settings.target", ProblemUnknownTarget, `lookup target "acount" is not an object`}}},
		{"bad on_delete", Field{Settings: Settings{Target: "account", OnDelete: "nullify"}}, m,
			[]Problem{{"settings.on_delete", ProblemInvalidSetting, `on_delete must be "restrict", "set_null" or "cascade", not "nullify"`}}},
		{"set null required", Field{Required: true, Settings: Settings{Target: "account", OnDelete: OnDeleteSetNull}}, m,
			[]Problem{{"settings.on_delete", ProblemInvalidSetting, `on_delete "set_null" cannot be used on a required field: the field could not be emptied; use "restrict" or "cascade"`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			f.Name, f.Type = "account", "lookup"
			assert.Equal(t, c.want, f.TypeOf().ValidateSettings(&f, c.model))
		})
	}
}

func TestOnDeleteOrDefault(t *testing.T) {
	assert.Equal(t, OnDeleteRestrict, (&Field{Type: "lookup"}).OnDeleteOrDefault())
	assert.Equal(t, OnDeleteCascade, (&Field{Type: "lookup", Settings: Settings{OnDelete: OnDeleteCascade}}).OnDeleteOrDefault())
}
