package metadata

// RecordAction is a named operation on one record of an object, declared in
// the object's metadata and run in one transaction: it creates records of
// other objects from declared field mappings and updates the source
// record. Lead conversion is the motivating case (a lead becomes an
// account, a contact and an opportunity); closing a case or cloning a quote
// are others.
type RecordAction struct {
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Criteria is a condition over the record; when it is false the action
	// is refused. Empty means every record.
	Criteria string `json:"criteria,omitempty"`
	// Parameters are the typed input the caller gives.
	Parameters []*ActionParameter `json:"parameters,omitempty"`
	// Creates are the records the action creates, in order; a later one may
	// refer to an earlier one as $created.<as>.
	Creates []*ActionCreate `json:"creates,omitempty"`
	// Updates maps fields of the source record to expressions: the changes
	// made to it after the creates.
	Updates map[string]string `json:"updates,omitempty"`
}

// ActionParameter is one input of a record action, read in its expressions
// as $params.<name>.
type ActionParameter struct {
	Name  string `json:"name"`
	Label Text   `json:"label,omitempty"`
	// Type is one of ActionParameterTypes.
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
	// Default is the value of a parameter the caller leaves out, written
	// as the caller would send it ("true", "12.5", "2026-01-31", "text").
	Default string `json:"default,omitempty"`
}

// ActionParameterTypes are the types a record action's parameter may have:
// a subset of the field types, with their canonical values.
var ActionParameterTypes = []string{"text", "number", "boolean", "date"}

// ActionCreate is one record a record action creates.
type ActionCreate struct {
	// As names the created record within the action: $created.<as> is its
	// id in later expressions, and the result of the action lists it under
	// this name.
	As string `json:"as"`
	// Object is the API name of the object the record is created in.
	Object string `json:"object"`
	// When is a condition; when false the record is not created and
	// $created.<as> is nil. Empty means always.
	When string `json:"when,omitempty"`
	// Values maps fields of the new record to expressions over the source
	// record, $params and $created.
	Values map[string]string `json:"values"`
}

// MaxActionCreates bounds the records one record action creates.
const MaxActionCreates = 10

// Action returns the object's record action called name, or nil.
func (o *Object) Action(name string) *RecordAction {
	for _, a := range o.Actions {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Parameter returns the action's parameter called name, or nil.
func (a *RecordAction) Parameter(name string) *ActionParameter {
	for _, p := range a.Parameters {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// MappedFields lists the fields the create sets, sorted, so that mappings
// are evaluated and reported the same way every time.
func (c *ActionCreate) MappedFields() []string { return sortedKeys(c.Values) }

// UpdatedFields lists the fields of the source record the action updates,
// sorted.
func (a *RecordAction) UpdatedFields() []string { return sortedKeys(a.Updates) }

// Clone returns a deep copy of the record action.
func (a *RecordAction) Clone() *RecordAction {
	c := *a
	c.Label, c.Description = a.Label.clone(), a.Description.clone()
	c.Parameters = nil
	for _, p := range a.Parameters {
		pc := *p
		pc.Label = p.Label.clone()
		c.Parameters = append(c.Parameters, &pc)
	}
	c.Creates = nil
	for _, cr := range a.Creates {
		cc := *cr
		cc.Values = cloneMapping(cr.Values)
		c.Creates = append(c.Creates, &cc)
	}
	c.Updates = cloneMapping(a.Updates)
	return &c
}

func cloneMapping(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// FollowActionReferences brings the record actions of m, the next
// revision, in step with objects and fields renamed since prev (matched by
// stable id): the objects records are created in, and the fields of their
// mappings and of the updates. Expressions are not rewritten; compiling
// them reports a name that is gone.
func (m *Model) FollowActionReferences(prev *Model) {
	if prev == nil {
		return
	}
	// renamed returns the name that the field called name of the object
	// that was was has in now.
	renamed := func(was, now *Object, name string) string {
		if f := was.Field(name); f != nil && f.ID != "" {
			if nf := now.FieldByID(f.ID); nf != nil {
				return nf.Name
			}
		}
		return name
	}
	follow := func(was, now *Object, mapping map[string]string) {
		out := make(map[string]string, len(mapping))
		for name, src := range mapping {
			out[renamed(was, now, name)] = src
		}
		if len(out) != len(mapping) {
			return // two fields became one: leave it to validation
		}
		clear(mapping)
		for name, src := range out {
			mapping[name] = src
		}
	}
	for _, o := range m.Objects {
		if len(o.Actions) == 0 || o.ID == "" {
			continue
		}
		wasSource := prev.ObjectByID(o.ID)
		for _, a := range o.Actions {
			for _, c := range a.Creates {
				was := prev.Object(c.Object)
				if was == nil || was.ID == "" {
					continue
				}
				now := m.ObjectByID(was.ID)
				if now == nil {
					continue
				}
				c.Object = now.Name
				follow(was, now, c.Values)
			}
			if wasSource != nil {
				follow(wasSource, o, a.Updates)
			}
		}
	}
}
