package metadata

import (
	"encoding/json"
	"fmt"
)

// settingNames are the JSON names of the Settings members, in order.
var settingNames = []string{"max_length", "precision", "scale", "values", "target", "on_delete", "format", "start"}

// setSettings lists the settings that are set on a field.
func setSettings(s Settings) []string {
	var out []string
	if s.MaxLength != 0 {
		out = append(out, "max_length")
	}
	if s.Precision != 0 {
		out = append(out, "precision")
	}
	if s.Scale != nil {
		out = append(out, "scale")
	}
	if s.Values != nil {
		out = append(out, "values")
	}
	if s.Target != "" {
		out = append(out, "target")
	}
	if s.OnDelete != "" {
		out = append(out, "on_delete")
	}
	if s.Format != "" {
		out = append(out, "format")
	}
	if s.Start != 0 {
		out = append(out, "start")
	}
	return out
}

// onlySettings refuses every setting of f not in allowed.
func onlySettings(f *Field, allowed ...string) []Problem {
	var ps []Problem
	for _, name := range setSettings(f.Settings) {
		ok := false
		for _, a := range allowed {
			if a == name {
				ok = true
			}
		}
		if !ok {
			ps = append(ps, problemf("settings."+name, ProblemInvalidSetting, "setting %q does not apply to a %s field", name, f.Type))
		}
	}
	return ps
}

// jsonTypeName names the JSON type of a decoded value, for error messages.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, float32, int, int64, int32:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
