package metadata

import "fmt"

// Layout arranges an object's fields on its record page and forms: an
// ordered list of sections, each with a label, one or two columns and the
// fields it shows, in order. Fields no section names are not shown by the
// generated UI. An object without a layout shows every field
// (DefaultLayout).
type Layout struct {
	Sections []*LayoutSection `json:"sections"`
}

// LayoutSection is one titled group of fields of a layout.
type LayoutSection struct {
	Label Text `json:"label,omitempty"`
	// Columns is 1 or 2; 0 reads as 2 (EffectiveColumns).
	Columns int `json:"columns,omitempty"`
	// Fields are the API names of the section's fields, in display order.
	Fields []string `json:"fields"`
}

// MaxLayoutColumns is the most columns a layout section may have.
const MaxLayoutColumns = 2

// EffectiveColumns returns the section's columns, 2 when unset.
func (s *LayoutSection) EffectiveColumns() int {
	if s.Columns <= 0 {
		return MaxLayoutColumns
	}
	return s.Columns
}

// EffectiveLayout returns the object's layout, or DefaultLayout when it
// has none.
func (o *Object) EffectiveLayout() *Layout {
	if o.Layout != nil && len(o.Layout.Sections) > 0 {
		return o.Layout
	}
	return o.DefaultLayout()
}

// DefaultLayout is the layout of an object that declares none: one
// section of two columns with every field (but retired ones) in the
// object's order.
func (o *Object) DefaultLayout() *Layout {
	s := &LayoutSection{Columns: MaxLayoutColumns, Fields: []string{}}
	for _, f := range o.Fields {
		if !f.Retired {
			s.Fields = append(s.Fields, f.Name)
		}
	}
	return &Layout{Sections: []*LayoutSection{s}}
}

// Clone returns a deep copy of the layout (nil for nil).
func (l *Layout) Clone() *Layout {
	if l == nil {
		return nil
	}
	c := &Layout{Sections: make([]*LayoutSection, len(l.Sections))}
	for i, s := range l.Sections {
		sc := *s
		sc.Label = s.Label.clone()
		sc.Fields = append([]string(nil), s.Fields...)
		c.Sections[i] = &sc
	}
	return c
}

// validateLayout checks an object's layout: each section has one or two
// columns, and names fields of the object, each at most once in the whole
// layout.
func validateLayout(o *Object, opath string) []Problem {
	if o.Layout == nil {
		return nil
	}
	var ps []Problem
	seen := map[string]string{}
	for i, s := range o.Layout.Sections {
		spath := fmt.Sprintf("%s.layout.sections.%d", opath, i)
		if s == nil {
			ps = append(ps, problemf(spath, ProblemInvalidSetting, "a layout section may not be empty"))
			continue
		}
		if s.Columns < 0 || s.Columns > MaxLayoutColumns {
			ps = append(ps, problemf(spath+".columns", ProblemInvalidSetting, "a layout section has 1 or %d columns, not %d", MaxLayoutColumns, s.Columns))
		}
		for j, name := range s.Fields {
			fpath := fmt.Sprintf("%s.fields.%d", spath, j)
			if o.Field(name) == nil {
				ps = append(ps, problemf(fpath, ProblemUnknownField, "the layout names %q, which is not a field of object %q", truncateForMessage(name), o.Name))
				continue
			}
			if at, dup := seen[name]; dup {
				ps = append(ps, problemf(fpath, ProblemDuplicate, "field %q is in the layout twice (also at %s)", name, at))
				continue
			}
			seen[name] = fpath
		}
	}
	return ps
}
