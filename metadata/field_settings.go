package metadata

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// settingNames are the JSON names of the Settings members, in order.
var settingNames = []string{"max_length", "precision", "scale", "values", "target", "on_delete", "format", "start", "dependencies",
	"expression", "result_type", "child", "lookup", "function", "field", "filter"}

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
	if s.Dependencies != nil {
		out = append(out, "dependencies")
	}
	for _, named := range []struct {
		name, value string
	}{{"expression", s.Expression}, {"result_type", s.ResultType}, {"child", s.Child}, {"lookup", s.Lookup},
		{"function", s.Function}, {"field", s.Field}, {"filter", s.Filter}} {
		if named.value != "" {
			out = append(out, named.name)
		}
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
			ps = append(ps, problemf("settings."+name, ProblemInvalidSetting, "setting %q does not apply to %s %s field", name, article(f.Type), f.Type))
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

// refuseAttrs refuses the field attributes named in attrs ("required",
// "unique", "default") when they are set on f: the type decides them itself.
func refuseAttrs(f *Field, why string, attrs ...string) []Problem {
	var ps []Problem
	for _, a := range attrs {
		set := false
		switch a {
		case "required":
			set = f.Required
		case "unique":
			set = f.Unique
		case "default":
			set = f.Default != ""
		}
		if set {
			ps = append(ps, problemf(a, ProblemInvalidSetting, "%q does not apply to %s fields: %s", a, f.Type, why))
		}
	}
	return ps
}

// maxMessageValue is how much of a value an error message quotes.
const maxMessageValue = 60

// truncateForMessage shortens s for quoting in an error message.
func truncateForMessage(s string) string {
	if utf8.RuneCountInString(s) <= maxMessageValue {
		return s
	}
	r := []rune(s)
	return string(r[:maxMessageValue]) + "…"
}

// article is "an" before a vowel sound and "a" otherwise, for messages that
// name a field type ("an email field", "a text field", "a url field": the u
// of url sounds like "you").
func article(word string) string {
	if word != "" && strings.ContainsRune("aeio", rune(word[0])) {
		return "an"
	}
	return "a"
}
