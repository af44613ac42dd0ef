package metadata

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// DefaultLanguage is the language a Text falls back to when the caller's
// languages have no translation.
const DefaultLanguage = "en"

// Text is a translatable string: language tag → text. In documents it is
// written either as a plain string (the default language) or as a map such as
// {"en": "Invoice", "zh-CN": "发票"}.
type Text map[string]string

// T makes a Text in the default language.
func T(s string) Text {
	if s == "" {
		return nil
	}
	return Text{DefaultLanguage: s}
}

// UnmarshalJSON accepts a plain string or a language map.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = T(s)
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = m
	return nil
}

// Default returns the text in the default language, or any translation when
// that is missing.
func (t Text) Default() string {
	if s, ok := t[DefaultLanguage]; ok {
		return s
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return t[keys[0]]
	}
	return ""
}

// In returns the text for the first of langs that has a translation: an exact
// tag match first, then a match of the base language ("zh" for "zh-CN"),
// falling back to the default language.
//
// The answer is deterministic: for each wanted language, an exact match
// (ignoring case), then the bare base key ("zh"), then the first key in
// sorted order with the same base ("zh-CN" before "zh-TW").
func (t Text) In(langs []string) string {
	if len(t) == 0 {
		return ""
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, l := range langs {
		if s, ok := t[l]; ok {
			return s
		}
		for _, k := range keys {
			if strings.EqualFold(k, l) {
				return t[k]
			}
		}
		base := baseLanguage(l)
		for _, k := range keys {
			if strings.ToLower(k) == base {
				return t[k]
			}
		}
		for _, k := range keys {
			if baseLanguage(k) == base {
				return t[k]
			}
		}
	}
	return t.Default()
}

func baseLanguage(tag string) string {
	tag = strings.ToLower(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		return tag[:i]
	}
	return tag
}

// ParseAcceptLanguage turns an Accept-Language header into language tags,
// most preferred first. Malformed parts are skipped.
func ParseAcceptLanguage(header string) []string {
	type tagQ struct {
		tag string
		q   float64
	}
	var tags []tagQ
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tag, q := part, 1.0
		if semi := strings.IndexByte(part, ';'); semi >= 0 {
			tag = strings.TrimSpace(part[:semi])
			params := strings.TrimSpace(part[semi+1:])
			if v, ok := strings.CutPrefix(params, "q="); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f > 1 {
					continue // malformed: skip the part
				}
				q = f
			}
		}
		if tag == "" || tag == "*" || q <= 0 {
			continue
		}
		tags = append(tags, tagQ{tag, q})
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].q > tags[j].q })
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.tag
	}
	return out
}
