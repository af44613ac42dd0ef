package catalog

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/mosaic-paas/mosaic/metadata"
)

// describeChanges adds to the plan's DDL changes the metadata changes that
// need no DDL (labels, rules, record types, tracked fields, sharing,
// picklist values, help text), so every revision says what it changed.
func describeChanges(ddl []string, old, next *metadata.Model) []string {
	out := append([]string{}, ddl...)
	for _, o := range next.Objects {
		prev := old.ObjectByID(o.ID)
		if prev == nil {
			continue
		}
		out = append(out, describeRules(o, prev)...)
		if !slices.Equal(prev.TrackHistory, o.TrackHistory) {
			out = append(out, fmt.Sprintf("track history of %s: %v", o.Name, o.TrackHistory))
		}
		if prev.EffectiveSharing() != o.EffectiveSharing() {
			out = append(out, fmt.Sprintf("sharing of %s: %s", o.Name, o.EffectiveSharing()))
		}
		if !sameJSON(prev.SharingRules, o.SharingRules) {
			out = append(out, "change sharing rules of "+o.Name)
		}
		if !sameJSON(prev.RecordTypes, o.RecordTypes) {
			out = append(out, "change record types of "+o.Name)
		}
		if !sameJSON(prev.Label, o.Label) || !sameJSON(prev.PluralLabel, o.PluralLabel) || !sameJSON(prev.Description, o.Description) ||
			fieldID(prev, prev.NameField) != fieldID(o, o.NameField) {
			out = append(out, "change properties of object "+o.Name)
		}
		for _, f := range o.Fields {
			pf := prev.FieldByID(f.ID)
			if pf == nil || sameJSON(pf, f) || mentions(out, o.Name+"."+pf.Name) || mentions(out, o.Name+"."+f.Name) {
				continue // new (described by the plan), unchanged, or already described
			}
			out = append(out, fmt.Sprintf("change field %s.%s", o.Name, f.Name))
		}
	}
	return out
}

func describeRules(o, prev *metadata.Object) []string {
	var out []string
	before := map[string]*metadata.Rule{}
	for _, r := range prev.Rules {
		before[r.Name] = r
	}
	for _, r := range o.Rules {
		p, ok := before[r.Name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("add rule %s.%s", o.Name, r.Name))
		case !sameJSON(p, r):
			out = append(out, fmt.Sprintf("change rule %s.%s", o.Name, r.Name))
		}
		delete(before, r.Name)
	}
	for _, r := range prev.Rules {
		if _, gone := before[r.Name]; gone {
			out = append(out, fmt.Sprintf("delete rule %s.%s", o.Name, r.Name))
		}
	}
	return out
}

// mentions reports whether a change line already names "object.field".
func mentions(lines []string, name string) bool {
	for _, l := range lines {
		if containsWord(l, name) {
			return true
		}
	}
	return false
}

func containsWord(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if s[i:i+len(word)] != word {
			continue
		}
		end := i + len(word)
		if (i == 0 || s[i-1] == ' ') && (end == len(s) || s[end] == ' ' || s[end] == ',' || s[end] == ')') {
			return true
		}
	}
	return false
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// fieldID is the stable id of the object's field called name ("" for none).
func fieldID(o *metadata.Object, name string) string {
	if f := o.Field(name); f != nil {
		return f.ID
	}
	return ""
}
