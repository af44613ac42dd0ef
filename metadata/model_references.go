package metadata

// RenameFieldReferences makes the object's references to the field called
// old name it by its new name: the name field, dependent picklists'
// controller, record types' picklists, tracked history and the fields
// validation rules attach to. Expressions are not rewritten.
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
}

// DropFieldReferences removes the references to a deleted field that mean
// nothing without it: the name field, record types' narrowing of it and its
// tracked history. References that change behaviour (a controller, a rule's
// field, expressions) are left for validation to report.
func (o *Object) DropFieldReferences(name string) {
	if o.NameField == name {
		o.NameField = ""
	}
	for _, rt := range o.RecordTypes {
		delete(rt.Picklists, name)
	}
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
