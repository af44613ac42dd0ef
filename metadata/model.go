// Package metadata holds Mosaic's model of a tenant's customization: objects,
// fields and their types, decoded from JSON or YAML documents, validated
// against the JSON Schemas in schemas/ and by semantic checks, and compared
// revision to revision. It imports no database and no HTTP code.
package metadata

import (
	"time"
)

// Model is the whole metadata of one tenant at one revision.
type Model struct {
	Objects []*Object `json:"objects"`
	// Roles are the custom roles users may hold (see role.go; admin and
	// standard are built in).
	Roles []*Role `json:"roles,omitempty"`
	// PermissionSets grant object permissions and field-level access to the
	// roles that include them.
	PermissionSets []*PermissionSet `json:"permission_sets,omitempty"`
	// ApprovalProcesses are the multi-step approvals of records
	// (approval.go).
	ApprovalProcesses []*ApprovalProcess `json:"approval_processes,omitempty"`
	// Queues are groups of users that share approval tasks.
	Queues []*Queue `json:"queues,omitempty"`
}

// Object is a business object: one table, one REST resource.
type Object struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	PluralLabel Text   `json:"plural_label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// NameField is the API name of the field that names a record (shown in
	// lookups and titles). Empty means the record id is its name.
	NameField string   `json:"name_field,omitempty"`
	Fields    []*Field `json:"fields,omitempty"`
	// Rules are the object's validation rules.
	Rules []*Rule `json:"rules,omitempty"`
	// RecordTypes narrow picklist values per kind of record.
	RecordTypes []*RecordType `json:"record_types,omitempty"`
	// TrackHistory names the fields whose changes are kept in field history.
	TrackHistory []string `json:"track_history,omitempty"`
	// Sharing is the organization-wide default of record-level access:
	// SharingPrivate, SharingPublicRead or SharingPublicReadWrite. Empty
	// means SharingPublicReadWrite, so objects defined before record-level
	// access keep working as they did.
	Sharing string `json:"sharing,omitempty"`
	// SharingRules open matching records to roles beyond what Sharing and
	// the role hierarchy give (sharing_rule.go).
	SharingRules []*SharingRule `json:"sharing_rules,omitempty"`
	// Actions are the object's record actions (record_action.go).
	Actions []*RecordAction `json:"actions,omitempty"`
	// Schedules are the object's scheduled record updates (schedule.go).
	Schedules []*Schedule `json:"schedules,omitempty"`
	// Bundle is the namespace of the app bundle that installed the object,
	// empty for the tenant's own (bundle.go).
	Bundle string `json:"bundle,omitempty"`
	// Customizable lists what a tenant may change of a bundle's object
	// (Customize* constants); empty means CustomizeDefault.
	Customizable []string `json:"customizable,omitempty"`
	// Layout arranges the fields on the record page and forms (layout.go);
	// nil means DefaultLayout.
	Layout *Layout `json:"layout,omitempty"`
	// ListViews are the object's shared list views, offered to every user
	// on its record list (list_view.go).
	ListViews []*ListView `json:"list_views,omitempty"`
}

// Organization-wide defaults of an object's record-level access.
const (
	// SharingPrivate: a user sees the records they own and those owned by
	// users whose roles are below theirs in the role hierarchy.
	SharingPrivate = "private"
	// SharingPublicRead: every user with read permission sees every record;
	// editing and deleting still follow SharingPrivate.
	SharingPublicRead = "public_read"
	// SharingPublicReadWrite: record-level access restricts nothing.
	SharingPublicReadWrite = "public_read_write"
)

// EffectiveSharing returns the object's organization-wide default, with
// the empty value read as SharingPublicReadWrite.
func (o *Object) EffectiveSharing() string {
	if o.Sharing == "" {
		return SharingPublicReadWrite
	}
	return o.Sharing
}

// Rule is a validation rule: when Condition is true the record breaks it.
type Rule struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Description Text   `json:"description,omitempty"`
	// Condition is an expression over the record; true means invalid.
	Condition string `json:"condition"`
	// Message tells the user what to fix.
	Message Text `json:"message"`
	// Field is the field the error attaches to; empty for the record.
	Field string `json:"field,omitempty"`
	// Severity is SeverityError (the save is refused, the default) or
	// SeverityWarning (the record is saved and the warning returned).
	Severity string `json:"severity,omitempty"`
	Active   *bool  `json:"active,omitempty"`
}

// Rule severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// IsActive reports whether the rule is enforced.
func (r *Rule) IsActive() bool { return r.Active == nil || *r.Active }

// IsWarning reports whether breaking the rule only warns.
func (r *Rule) IsWarning() bool { return r.Severity == SeverityWarning }

// RecordType is a kind of record of an object with its own subset of
// picklist values and their defaults. A record's type is set at create.
type RecordType struct {
	Name        string `json:"name"`
	Label       Text   `json:"label,omitempty"`
	Description Text   `json:"description,omitempty"`
	// Default marks the type of records created without one.
	Default bool  `json:"default,omitempty"`
	Active  *bool `json:"active,omitempty"`
	// Picklists maps a picklist field's API name to the values this type
	// allows and its default.
	Picklists map[string]RecordTypePicklist `json:"picklists,omitempty"`
}

// RecordTypePicklist is a record type's subset of one picklist's values.
type RecordTypePicklist struct {
	Values  []string `json:"values"`
	Default string   `json:"default,omitempty"`
}

// IsActive reports whether new records may use the type.
func (rt *RecordType) IsActive() bool { return rt.Active == nil || *rt.Active }

// Field is one typed attribute of an object: one column.
type Field struct {
	ID       string `json:"id,omitempty"`
	Name     string `json:"name"`
	Label    Text   `json:"label,omitempty"`
	HelpText Text   `json:"help_text,omitempty"`
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
	Unique   bool   `json:"unique,omitempty"`
	// Default is an expression evaluated when a record is created without a
	// value for the field.
	Default string `json:"default,omitempty"`
	// Controller is the API name of the picklist or boolean field whose value
	// decides which values of this (multi-)picklist are allowed; the allowed
	// values per controlling value are Settings.Dependencies.
	Controller string   `json:"controller,omitempty"`
	Settings   Settings `json:"settings,omitzero"`
	// Bundle is the namespace of the app bundle that installed the field,
	// empty for the tenant's own.
	Bundle string `json:"bundle,omitempty"`
	// Retired marks a bundle's field that a newer version of the bundle
	// dropped: its column and data are kept, but it is hidden from every
	// role until an administrator deletes it.
	Retired bool `json:"retired,omitempty"`
	// rollup is a roll-up's kind and scale, worked out from its child field
	// by Model.ResolveRollups; never part of a document.
	rollup rollupShape
}

// Settings are the type-specific settings of a field. Each field type reads
// the ones that concern it and refuses the others.
type Settings struct {
	// MaxLength bounds text-like fields, in characters.
	MaxLength int `json:"max_length,omitempty"`
	// Precision is the total number of digits of number, currency and percent
	// fields; Scale the digits after the decimal point.
	Precision int  `json:"precision,omitempty"`
	Scale     *int `json:"scale,omitempty"`
	// Values are the choices of picklist and multi-picklist fields.
	Values []PicklistValue `json:"values,omitempty"`
	// Target is the API name of the object a lookup points at; OnDelete says
	// what happens to this record when the target is deleted.
	Target   string `json:"target,omitempty"`
	OnDelete string `json:"on_delete,omitempty"`
	// Format is the display format of an auto-number, e.g. "INV-{0000}";
	// Start is its first number.
	Format string `json:"format,omitempty"`
	Start  int64  `json:"start,omitempty"`
	// Dependencies maps each value of the controlling field ("true" and
	// "false" for a boolean) to the values of a dependent picklist allowed
	// with it.
	Dependencies map[string][]string `json:"dependencies,omitempty"`
	// Expression is a formula field's expression over the record and the
	// records it looks up (account.industry); ResultType is the type of its
	// value: text, number, currency, percent, date, datetime or boolean.
	Expression string `json:"expression,omitempty"`
	ResultType string `json:"result_type,omitempty"`
	// Child, Lookup, Function, Field and Filter define a roll-up summary:
	// Function (count, sum, min, max) of Field over the records of object
	// Child whose lookup field Lookup points at this record, counting only
	// those for which the expression Filter is true.
	Child    string `json:"child,omitempty"`
	Lookup   string `json:"lookup,omitempty"`
	Function string `json:"function,omitempty"`
	Field    string `json:"field,omitempty"`
	Filter   string `json:"filter,omitempty"`
}

// PicklistValue is one choice of a picklist.
type PicklistValue struct {
	Value   string `json:"value"`
	Label   Text   `json:"label,omitempty"`
	Active  *bool  `json:"active,omitempty"`
	Default bool   `json:"default,omitempty"`
}

// IsActive reports whether the value may be chosen on new writes.
func (v PicklistValue) IsActive() bool { return v.Active == nil || *v.Active }

// On-delete behaviours of lookup fields.
const (
	OnDeleteRestrict = "restrict"
	OnDeleteSetNull  = "set_null"
	OnDeleteCascade  = "cascade"
)

// Revision is one saved state of a tenant's metadata.
type Revision struct {
	Number    int       `json:"revision"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	Summary   string    `json:"summary"`
	Model     *Model    `json:"-"`
}

// Object returns the object with the given API name, or nil.
func (m *Model) Object(name string) *Object {
	for _, o := range m.Objects {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// ObjectByID returns the object with the given stable id, or nil.
func (m *Model) ObjectByID(id string) *Object {
	for _, o := range m.Objects {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// Field returns the field with the given API name, or nil.
func (o *Object) Field(name string) *Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// FieldByID returns the field with the given stable id, or nil.
func (o *Object) FieldByID(id string) *Field {
	for _, f := range o.Fields {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Clone returns a deep copy of the model, so a change can be prepared without
// touching the revision that requests are using.
func (m *Model) Clone() *Model {
	out := &Model{Objects: make([]*Object, len(m.Objects))}
	for i, o := range m.Objects {
		out.Objects[i] = o.Clone()
	}
	for _, r := range m.Roles {
		out.Roles = append(out.Roles, r.clone())
	}
	for _, p := range m.PermissionSets {
		out.PermissionSets = append(out.PermissionSets, p.clone())
	}
	for _, p := range m.ApprovalProcesses {
		out.ApprovalProcesses = append(out.ApprovalProcesses, p.Clone())
	}
	for _, q := range m.Queues {
		out.Queues = append(out.Queues, q.clone())
	}
	return out
}

// Clone returns a deep copy of the object.
func (o *Object) Clone() *Object {
	c := *o
	c.Label = o.Label.clone()
	c.PluralLabel = o.PluralLabel.clone()
	c.Description = o.Description.clone()
	c.Customizable = append([]string(nil), o.Customizable...)
	c.Fields = make([]*Field, len(o.Fields))
	for i, f := range o.Fields {
		c.Fields[i] = f.Clone()
	}
	if o.Rules != nil {
		c.Rules = make([]*Rule, len(o.Rules))
		for i, r := range o.Rules {
			rc := *r
			rc.Description, rc.Message = r.Description.clone(), r.Message.clone()
			if r.Active != nil {
				a := *r.Active
				rc.Active = &a
			}
			c.Rules[i] = &rc
		}
	}
	if o.RecordTypes != nil {
		c.RecordTypes = make([]*RecordType, len(o.RecordTypes))
		for i, rt := range o.RecordTypes {
			rc := *rt
			rc.Label, rc.Description = rt.Label.clone(), rt.Description.clone()
			if rt.Active != nil {
				a := *rt.Active
				rc.Active = &a
			}
			if rt.Picklists != nil {
				rc.Picklists = make(map[string]RecordTypePicklist, len(rt.Picklists))
				for k, v := range rt.Picklists {
					rc.Picklists[k] = RecordTypePicklist{Values: append([]string(nil), v.Values...), Default: v.Default}
				}
			}
			c.RecordTypes[i] = &rc
		}
	}
	if o.SharingRules != nil {
		c.SharingRules = make([]*SharingRule, len(o.SharingRules))
		for i, r := range o.SharingRules {
			c.SharingRules[i] = r.clone()
		}
	}
	if o.Actions != nil {
		c.Actions = make([]*RecordAction, len(o.Actions))
		for i, a := range o.Actions {
			c.Actions[i] = a.Clone()
		}
	}
	if o.Schedules != nil {
		c.Schedules = make([]*Schedule, len(o.Schedules))
		for i, s := range o.Schedules {
			c.Schedules[i] = s.Clone()
		}
	}
	c.Layout = o.Layout.Clone()
	if o.ListViews != nil {
		c.ListViews = make([]*ListView, len(o.ListViews))
		for i, v := range o.ListViews {
			if v != nil {
				c.ListViews[i] = v.Clone()
			}
		}
	}
	c.TrackHistory = append([]string(nil), o.TrackHistory...)
	if o.TrackHistory == nil {
		c.TrackHistory = nil
	}
	return &c
}

// Clone returns a deep copy of the field.
func (f *Field) Clone() *Field {
	c := *f
	c.Label = f.Label.clone()
	c.HelpText = f.HelpText.clone()
	if f.Settings.Scale != nil {
		s := *f.Settings.Scale
		c.Settings.Scale = &s
	}
	if f.Settings.Dependencies != nil {
		c.Settings.Dependencies = make(map[string][]string, len(f.Settings.Dependencies))
		for k, v := range f.Settings.Dependencies {
			c.Settings.Dependencies[k] = append([]string(nil), v...)
		}
	}
	if f.Settings.Values != nil {
		c.Settings.Values = make([]PicklistValue, len(f.Settings.Values))
		for i, v := range f.Settings.Values {
			v.Label = v.Label.clone()
			if v.Active != nil {
				a := *v.Active
				v.Active = &a
			}
			c.Settings.Values[i] = v
		}
	}
	return &c
}

func (t Text) clone() Text {
	if t == nil {
		return nil
	}
	c := make(Text, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}
