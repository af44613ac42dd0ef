package metadata

import "fmt"

// RenameFieldReferences makes the object's references to the field called
// old name it by its new name: the name field, dependent picklists'
// controller, record types' picklists, tracked history, the fields
// validation rules attach to, the layout and the columns and sort of list
// views. Expressions (a list view's filter among them) are not rewritten.
func (o *Object) RenameFieldReferences(old, new string) {
	if old == new {
		return
	}
	if o.NameField == old {
		o.NameField = new
	}
	for _, f := range o.Fields {
		if f.Controller == old {
			f.Controller = new
		}
	}
	for _, rt := range o.RecordTypes {
		if p, ok := rt.Picklists[old]; ok {
			delete(rt.Picklists, old)
			rt.Picklists[new] = p
		}
	}
	for i, name := range o.TrackHistory {
		if name == old {
			o.TrackHistory[i] = new
		}
	}
	for _, r := range o.Rules {
		if r.Field == old {
			r.Field = new
		}
	}
	if o.Layout != nil {
		for _, sec := range o.Layout.Sections {
			for i, name := range sec.Fields {
				if name == old {
					sec.Fields[i] = new
				}
			}
		}
	}
	o.renameListViewColumn(old, new)
}

// DropFieldReferences removes the references to a deleted field that mean
// nothing without it: the name field, record types' narrowing of it, its
// tracked history, its place in the layout and in list views' columns, and
// a list view's sort by it. References that change behaviour (a
// controller, a rule's field, expressions such as a list view's filter) are
// left for validation to report.
func (o *Object) DropFieldReferences(name string) {
	if o.NameField == name {
		o.NameField = ""
	}
	for _, rt := range o.RecordTypes {
		delete(rt.Picklists, name)
	}
	if o.Layout != nil {
		for _, sec := range o.Layout.Sections {
			kept := sec.Fields[:0]
			for _, n := range sec.Fields {
				if n != name {
					kept = append(kept, n)
				}
			}
			sec.Fields = kept
		}
	}
	o.dropListViewColumn(name)
	if o.TrackHistory != nil {
		kept := o.TrackHistory[:0]
		for _, n := range o.TrackHistory {
			if n != name {
				kept = append(kept, n)
			}
		}
		o.TrackHistory = kept
	}
}

// FollowRollupReferences brings the roll-ups of m, the next revision of a
// model, in step with changes made since prev, matching objects and fields
// by stable id: a child object or a child field (its lookup or summarized
// field) that was renamed is named by its new name, and one that was deleted
// is refused with a problem naming the roll-up that uses it. Names that
// still resolve in m are left alone. The filter is an expression and is not
// rewritten: compiling it reports a field it reads that is gone.
func (m *Model) FollowRollupReferences(prev *Model) Problems {
	if prev == nil {
		return nil
	}
	var ps Problems
	for _, o := range m.Objects {
		for _, f := range o.Fields {
			if f.Type != "rollup" || f.Settings.Child == "" {
				continue
			}
			path := "objects." + o.Name + ".fields." + f.Name + ".settings."
			use := fmt.Sprintf("rollup %s.%s", o.Name, f.Name)
			child := m.Object(f.Settings.Child)
			if child == nil {
				was := prev.Object(f.Settings.Child)
				if was == nil {
					continue // never existed: Validate reports it
				}
				child = m.ObjectByID(was.ID)
				if child == nil {
					ps = append(ps, problemf(path+"child", ProblemReferenced,
						"object %q is summarized by %s; delete or change that rollup first", was.Name, use))
					continue
				}
				f.Settings.Child = child.Name
			}
			before := prev.ObjectByID(child.ID)
			if before == nil {
				continue
			}
			for _, ref := range []struct {
				setting string
				name    *string
			}{{"lookup", &f.Settings.Lookup}, {"field", &f.Settings.Field}} {
				if *ref.name == "" || child.Field(*ref.name) != nil {
					continue
				}
				was := before.Field(*ref.name)
				if was == nil {
					continue
				}
				if now := child.FieldByID(was.ID); now != nil {
					*ref.name = now.Name
					continue
				}
				ps = append(ps, problemf(path+ref.setting, ProblemReferenced,
					"field %s.%s is the %s of %s; delete or change that rollup first", child.Name, was.Name, ref.setting, use))
			}
		}
	}
	return ps
}
