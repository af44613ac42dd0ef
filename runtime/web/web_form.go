package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mosaic-paas/mosaic/engine/expression"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/approvals"
	"github.com/mosaic-paas/mosaic/runtime/records"
)

// Create and edit forms (GET/POST /o/:object/new and /o/:object/:id/edit),
// generated from the object's metadata and layout. Inputs are kept as the
// strings the browser sent, so that a refused save shows them exactly;
// formToInput turns them into the JSON shapes the record paths accept.

func init() {
	addMessages(map[string][2]string{
		"form.new":           {"New %s", "新建%s"},
		"form.edit":          {"Edit %s", "编辑 %s"},
		"form.invalid":       {"The record was not saved. Fix the fields marked below.", "记录未保存。请修正下方标出的字段。"},
		"form.stale":         {"Someone else changed this record since you opened it. Your input is kept below; reload the record to see their change, then apply yours again.", "在您打开此记录后，其他人修改了它。您的输入保留在下方；请重新加载记录查看对方的修改，然后再次应用您的修改。"},
		"form.reload":        {"Reload the record", "重新加载记录"},
		"form.locked":        {"The record is locked while it waits for approval: %s", "记录在审批期间被锁定：%s"},
		"form.forbidden":     {"You may see this record but not change it.", "您可以查看此记录，但无权修改。"},
		"form.record_type":   {"Record type", "记录类型"},
		"form.readonly":      {"Computed by the system", "由系统计算"},
		"form.auto":          {"Assigned when saved", "保存时分配"},
		"form.default":       {"default: %s", "默认值：%s"},
		"form.lookup_search": {"Search %s", "搜索%s"},
		"form.lookup_id":     {"Record id", "记录 ID"},
		"form.unit.percent":  {"%", "%"},
		"form.hint.datetime": {"UTC", "UTC"},
		"form.field_error":   {"%s: %s", "%s：%s"},
	})
}

// FormOption is one choice of a select.
type FormOption struct {
	Value    string
	Label    string
	Selected bool
}

// FieldView is one input of a form, with what the user typed (or the
// record holds) and its error.
type FieldView struct {
	Name     string
	ID       string
	Label    string
	Help     string
	Widget   string
	Required bool
	Value    string
	Checked  bool
	Options  []FormOption
	Error    string
	// Input attributes.
	InputType string
	Step      string
	MaxLength int
	Unit      string
	Hint      string
	// Dependent picklists: the controlling field and, as JSON, the allowed
	// values per controlling value and every option (record.js).
	Controller string
	DepsJSON   string
	AllJSON    string
	// Lookups: the target object and the search URL.
	Target    string
	SearchURL string
	Search    string
	RecValue  string
}

// FormSection is one fieldset of a form.
type FormSection struct {
	Label  string
	Wide   bool
	Fields []FieldView
}

// FormView is a form's data.
type FormView struct {
	Object     string
	ObjectName string
	ID         string
	Action     string
	Cancel     string
	Version    string
	New        bool
	RecordType *FieldView
	Sections   []FormSection
	Errors     []string
	Stale      bool
	Reload     string
}

// recInput are the strings of a form by field name (several for a
// multi-picklist).
type recInput map[string][]string

func (v recInput) get(name string) string {
	if l := v[name]; len(l) > 0 {
		return l[len(l)-1]
	}
	return ""
}

func (h *Handler) newForm(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	if !access(c, rev, obj).Create {
		return fiber.NewError(fiber.StatusForbidden, T(lang(c), "err.forbidden"))
	}
	vals := recInput{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { vals[string(k)] = append(vals[string(k)], string(v)) })
	formDefaults(c, rev, obj, vals)
	return h.showForm(c, rev, obj, nil, vals, nil, fiber.StatusOK)
}

// formDefaults fills a new record's form with the values of the fields'
// default expressions (for $today, $user…), where the user may edit the
// field and nothing was given: the user sees what will be saved and may
// change it. A default that does not evaluate is left to the save.
func formDefaults(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, vals recInput) {
	acc := access(c, rev, obj)
	u := identity(c).User
	vars := expression.NewVars(time.Now(), expression.User{ID: u.ID, Role: u.Role, Manager: u.ManagerID})
	for _, f := range obj.Meta.Fields {
		p := obj.Defaults[f.Name]
		if p == nil || !acc.CanEdit(f.Name) || len(vals[f.Name]) > 0 {
			continue
		}
		v, err := p.Run(vars)
		if err != nil || v == nil {
			continue
		}
		t, ok := metadata.LookupFieldType(f.Type)
		if !ok {
			continue
		}
		nv, verr := t.Normalize(f, v)
		if verr != nil {
			continue
		}
		vals[f.Name] = formStrings(f, nv)
	}
}

func (h *Handler) editForm(c *fiber.Ctx) error {
	rev, obj, rec, err := h.recordOf(c)
	if err != nil {
		return err
	}
	if !access(c, rev, obj).Edit {
		return fiber.NewError(fiber.StatusForbidden, T(lang(c), "err.forbidden"))
	}
	vals := recInput{"_version": {strconv.FormatInt(rec.Version(), 10)}}
	for _, f := range obj.Meta.Fields {
		vals[f.Name] = formStrings(f, rec[f.Name])
	}
	vals[compiled.ColRecordType] = formStrings(nil, rec[compiled.ColRecordType])
	return h.showForm(c, rev, obj, rec, vals, nil, fiber.StatusOK)
}

// formStrings is a stored value as form strings.
func formStrings(f *metadata.Field, v any) []string {
	switch x := v.(type) {
	case nil:
		return []string{""}
	case string:
		return []string{x}
	case []string:
		return append([]string(nil), x...)
	case bool:
		return []string{strconv.FormatBool(x)}
	case decimal.Decimal:
		if f != nil {
			vf := f.ValueField()
			if dt, ok := vf.TypeOf().(metadata.DecimalType); ok {
				_, scale := dt.PrecisionScale(vf)
				return []string{x.StringFixed(int32(scale))}
			}
		}
		return []string{x.String()}
	case time.Time:
		if f != nil && f.ValueField().Kind() == metadata.KindDate {
			return []string{x.Format("2006-01-02")}
		}
		return []string{x.UTC().Format("2006-01-02T15:04")}
	}
	return []string{fmt.Sprint(v)}
}

// formPosted reads the posted form.
func formPosted(c *fiber.Ctx) recInput {
	vals := recInput{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { vals[string(k)] = append(vals[string(k)], string(v)) })
	if mf, err := c.MultipartForm(); err == nil {
		for k, vs := range mf.Value {
			vals[k] = append(vals[k], vs...)
		}
	}
	return vals
}

// editable reports whether the form offers field f for writing.
func formEditable(acc *compiled.Access, f *metadata.Field) bool {
	return !f.Retired && !f.IsGenerated() && acc.CanEdit(f.Name)
}

// formToInput converts the posted strings of the form's fields into the
// values records.Create and Update accept: numbers as json.Number,
// booleans, lists for multi-picklists, datetimes in UTC. On create an
// empty input is left out, so that the field's default applies; on edit it
// is null.
func formToInput(obj *compiled.Object, acc *compiled.Access, vals recInput, creating bool) map[string]any {
	in := map[string]any{}
	for _, s := range obj.Meta.EffectiveLayout().Sections {
		for _, name := range s.Fields {
			f := obj.Meta.Field(name)
			if f == nil || !formEditable(acc, f) {
				continue
			}
			if _, posted := vals[name]; !posted && f.Type != "boolean" {
				continue
			}
			raw := strings.TrimSpace(vals.get(name))
			switch f.Type {
			case "boolean":
				in[name] = raw == "true"
				continue
			case "multi_picklist":
				items := []any{}
				for _, s := range vals[name] {
					if s != "" {
						items = append(items, s)
					}
				}
				if len(items) == 0 {
					if !creating {
						in[name] = nil
					}
					continue
				}
				in[name] = items
				continue
			}
			if raw == "" {
				if !creating {
					in[name] = nil
				}
				continue
			}
			switch f.Type {
			case "number", "currency", "percent":
				in[name] = json.Number(raw)
			case "datetime":
				switch len(raw) {
				case len("2006-01-02T15:04"):
					raw += ":00Z"
				case len("2006-01-02T15:04:05"):
					raw += "Z"
				}
				in[name] = raw
			case "text", "long_text":
				in[name] = vals.get(name)
			default:
				in[name] = raw
			}
		}
	}
	if creating && len(obj.Meta.RecordTypes) > 0 {
		if rt := vals.get(compiled.ColRecordType); rt != "" {
			in[compiled.ColRecordType] = rt
		}
	}
	return in
}

func (h *Handler) createRecord(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	acc := access(c, rev, obj)
	if !acc.Create {
		return fiber.NewError(fiber.StatusForbidden, T(lang(c), "err.forbidden"))
	}
	vals := formPosted(c)
	rec, err := h.srv.Records().Create(c.UserContext(), rev, obj, actor(c, rev, obj), formToInput(obj, acc, vals, true))
	if err != nil {
		return h.formError(c, rev, obj, nil, vals, err)
	}
	return h.recSaved(c, obj, rec, "created")
}

func (h *Handler) updateRecord(c *fiber.Ctx) error {
	rev, obj, rec, err := h.recordOf(c)
	if err != nil {
		return err
	}
	acc := access(c, rev, obj)
	if !acc.Edit {
		return fiber.NewError(fiber.StatusForbidden, T(lang(c), "err.forbidden"))
	}
	vals := formPosted(c)
	var expected *int64
	if n, err := strconv.ParseInt(vals.get("_version"), 10, 64); err == nil {
		expected = &n
	}
	saved, err := h.srv.Records().Update(c.UserContext(), rev, obj, actor(c, rev, obj), rec.ID(), formToInput(obj, acc, vals, false), expected)
	if err != nil {
		return h.formError(c, rev, obj, rec, vals, err)
	}
	return h.recSaved(c, obj, saved, "saved")
}

// saved sends the browser to the record, with the warnings of the save.
func (h *Handler) recSaved(c *fiber.Ctx, obj *compiled.Object, rec records.Record, flash string) error {
	to := "/o/" + obj.Meta.Name + "/" + rec.ID() + "?m=" + flash
	seen := map[string]bool{}
	for _, w := range rec.Warnings() {
		if w.Rule != "" && !seen[w.Rule] {
			seen[w.Rule] = true
			to += "&w=" + w.Rule
		}
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// formError shows the form again with the user's input and what was
// wrong: every field error at its field, the others at the top; a stale
// version or an approval lock explained.
func (h *Handler) formError(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, rec records.Record, vals recInput, err error) error {
	l := lang(c)
	var ve *records.ValidationError
	var ae *approvals.Error
	switch {
	case errors.As(err, &ve):
		status := fiber.StatusUnprocessableEntity
		if ve.Conflict {
			status = fiber.StatusConflict
		}
		return h.showForm(c, rev, obj, rec, vals, ve.Errors, status)
	case errors.Is(err, records.ErrStale):
		return h.showForm(c, rev, obj, rec, vals, []records.FieldError{{Code: "stale", Message: T(l, "form.stale")}}, fiber.StatusConflict)
	case errors.As(err, &ae):
		status, msg, _ := recApprovalMessage(err)
		if ae.Code == approvals.CodeRecordLocked {
			msg = T(l, "form.locked", ae.Message)
		}
		return h.showForm(c, rev, obj, rec, vals, []records.FieldError{{Message: msg}}, status)
	case errors.Is(err, records.ErrForbidden):
		return h.showForm(c, rev, obj, rec, vals, []records.FieldError{{Message: T(l, "form.forbidden")}}, fiber.StatusForbidden)
	}
	return err
}

// showForm renders the form of obj (rec nil for a new record) with vals
// and errs.
func (h *Handler) showForm(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, rec records.Record, vals recInput, errs []records.FieldError, status int) error {
	l, langs := lang(c), languages(c)
	acc := access(c, rev, obj)
	v := &FormView{Object: obj.Meta.Name, ObjectName: Label(obj.Meta, langs), New: rec == nil, Version: vals.get("_version")}
	title := T(l, "form.new", v.ObjectName)
	if rec == nil {
		v.Action = "/o/" + obj.Meta.Name + "/new"
		v.Cancel = "/o/" + obj.Meta.Name
	} else {
		v.ID = rec.ID()
		v.Action = "/o/" + obj.Meta.Name + "/" + rec.ID() + "/edit"
		v.Cancel = "/o/" + obj.Meta.Name + "/" + rec.ID()
		v.Reload = v.Action
		title = T(l, "form.edit", recName(obj, rec))
	}
	byField := map[string][]string{}
	for _, fe := range errs {
		if fe.Code == "stale" {
			v.Stale = true
		}
		byField[fe.Field] = append(byField[fe.Field], fe.Message)
	}
	placed := map[string]bool{}
	// The record's type: chosen on a new record, shown on edit.
	rt := formRecordType(obj.Meta, vals.get(compiled.ColRecordType), rec == nil)
	if rec == nil && len(formActiveTypes(obj.Meta)) > 0 {
		fv := FieldView{Name: compiled.ColRecordType, ID: "f-" + compiled.ColRecordType, Label: T(l, "form.record_type"), Widget: "select", Required: true}
		for _, t := range formActiveTypes(obj.Meta) {
			label := t.Label.In(langs)
			if label == "" {
				label = t.Name
			}
			fv.Options = append(fv.Options, FormOption{Value: t.Name, Label: label, Selected: rt != nil && rt.Name == t.Name})
		}
		fv.Error = strings.Join(byField[compiled.ColRecordType], " ")
		placed[compiled.ColRecordType] = true
		v.RecordType = &fv
	}
	exp := h.lookupNames(c, rev, obj, vals)
	for _, s := range obj.Meta.EffectiveLayout().Sections {
		fs := FormSection{Label: s.Label.In(langs), Wide: s.EffectiveColumns() == 2}
		for _, name := range s.Fields {
			f := obj.Meta.Field(name)
			if f == nil || f.Retired || !acc.CanRead(name) {
				continue
			}
			if !f.IsGenerated() && !acc.CanEdit(name) {
				// Readable, not writable: shown as a value.
				fv := h.fieldView(c, rev, obj, f, vals, rt, exp)
				fv.Widget = "readonly"
				fs.Fields = append(fs.Fields, fv)
				continue
			}
			fv := h.fieldView(c, rev, obj, f, vals, rt, exp)
			fv.Error = strings.Join(byField[name], " ")
			placed[name] = true
			fs.Fields = append(fs.Fields, fv)
		}
		if len(fs.Fields) > 0 {
			v.Sections = append(v.Sections, fs)
		}
	}
	// Errors that belong to no input of the form go at the top.
	fields := make([]string, 0, len(byField))
	for k := range byField {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	if len(errs) > 0 && !v.Stale && len(byField[""]) == 0 && status == fiber.StatusUnprocessableEntity {
		v.Errors = append(v.Errors, T(l, "form.invalid"))
	}
	for _, k := range fields {
		if placed[k] {
			continue
		}
		for _, m := range byField[k] {
			if k == "" {
				v.Errors = append(v.Errors, m)
			} else if f := obj.Meta.Field(k); f != nil && acc.CanRead(k) {
				v.Errors = append(v.Errors, T(l, "form.field_error", FieldLabel(f, langs), m))
			} else {
				v.Errors = append(v.Errors, m)
			}
		}
	}
	return h.render(c, status, "form", title, v)
}

func formActiveTypes(o *metadata.Object) []*metadata.RecordType {
	var out []*metadata.RecordType
	for _, t := range o.RecordTypes {
		if t.IsActive() {
			out = append(out, t)
		}
	}
	return out
}

// formRecordType is the record type the form narrows picklists by: the one
// given, else (for a new record) the object's default.
func formRecordType(o *metadata.Object, name string, creating bool) *metadata.RecordType {
	if name != "" {
		return o.RecordType(name)
	}
	if creating {
		return o.DefaultRecordType()
	}
	return nil
}

// fieldView builds the input of field f.
func (h *Handler) fieldView(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, f *metadata.Field, vals recInput, rt *metadata.RecordType, exp records.Expansion) FieldView {
	l, langs := lang(c), languages(c)
	fv := FieldView{Name: f.Name, ID: "f-" + f.Name, Label: FieldLabel(f, langs), Help: f.HelpText.In(langs),
		Required: f.Required && !f.IsGenerated(), Value: vals.get(f.Name)}
	if f.IsGenerated() {
		fv.Widget = "readonly"
		if f.Type == "auto_number" && fv.Value == "" {
			fv.Hint = T(l, "form.auto")
		} else if fv.Value == "" {
			fv.Hint = T(l, "form.readonly")
		}
		fv.RecValue = formDisplay(l, langs, f, vals[f.Name], exp)
		return fv
	}
	switch f.Type {
	case "long_text":
		fv.Widget = "textarea"
		fv.MaxLength = f.Settings.MaxLength
	case "number", "currency", "percent":
		fv.Widget, fv.InputType = "input", "number"
		scale := 0
		if dt, ok := f.TypeOf().(metadata.DecimalType); ok {
			_, scale = dt.PrecisionScale(f)
		}
		fv.Step = "1"
		if scale > 0 {
			fv.Step = "0." + strings.Repeat("0", scale-1) + "1"
		}
		if f.Type == "percent" {
			fv.Unit = T(l, "form.unit.percent")
		}
	case "date":
		fv.Widget, fv.InputType = "input", "date"
	case "datetime":
		fv.Widget, fv.InputType, fv.Unit = "input", "datetime-local", T(l, "form.hint.datetime")
		if len(fv.Value) > 16 && strings.Contains(fv.Value, "T") {
			if t, err := time.Parse(time.RFC3339, fv.Value); err == nil {
				fv.Value = t.UTC().Format("2006-01-02T15:04")
			}
		}
	case "boolean":
		fv.Widget = "checkbox"
		fv.Checked = fv.Value == "true"
	case "picklist":
		fv.Widget = "select"
		fv.Options = formPicklistOptions(obj.Meta, f, rt, vals, langs, []string{fv.Value})
		if f.Controller != "" {
			fv.Controller = "f-" + f.Controller
			fv.DepsJSON, fv.AllJSON = formDependencyJSON(f, rt, langs)
		}
	case "multi_picklist":
		fv.Widget = "multiselect"
		fv.Options = formPicklistOptions(obj.Meta, f, rt, vals, langs, vals[f.Name])
		if f.Controller != "" {
			fv.Controller = "f-" + f.Controller
			fv.DepsJSON, fv.AllJSON = formDependencyJSON(f, rt, langs)
		}
	case "lookup":
		fv.Widget = "lookup"
		fv.Target = f.Settings.Target
		fv.SearchURL = "/o/" + f.Settings.Target + "/lookup"
		if target, ok := rev.Object(f.Settings.Target); ok {
			fv.Search = T(l, "form.lookup_search", Label(target.Meta, langs))
			fv.Options = h.lookupOptions(c, rev, target, fv.Value, exp.Name)
			if fv.Options == nil {
				fv.Widget = "lookup_id"
			}
		} else {
			fv.Widget = "lookup_id"
		}
	case "email":
		fv.Widget, fv.InputType = "input", "email"
	case "url":
		fv.Widget, fv.InputType = "input", "url"
	case "phone":
		fv.Widget, fv.InputType = "input", "tel"
	default:
		fv.Widget, fv.InputType = "input", "text"
		fv.MaxLength = f.Settings.MaxLength
		if fv.MaxLength == 0 && (f.Type == "text" || f.Type == "external_id") {
			fv.MaxLength = 255
		}
	}
	if _, isNew := vals["_version"]; !isNew && f.Default != "" && fv.Value == "" && f.Type != "boolean" {
		fv.Hint = T(l, "form.default", f.Default)
	}
	return fv
}

// formDisplay shows a read-only field of the form.
func formDisplay(l string, langs []string, f *metadata.Field, vs []string, exp records.Expansion) string {
	if len(vs) == 0 || (len(vs) == 1 && vs[0] == "") {
		return "—"
	}
	vf := f.ValueField()
	if f.Type == "lookup" {
		return recFormat(l, langs, f, vs[0], exp).Text
	}
	switch vf.Kind() {
	case metadata.KindBool:
		return recFormat(l, langs, f, vs[0] == "true", exp).Text
	case metadata.KindDecimal:
		if d, err := decimal.NewFromString(vs[0]); err == nil {
			return recFormat(l, langs, f, d, exp).Text
		}
	case metadata.KindStrings:
		return recFormat(l, langs, f, vs, exp).Text
	}
	if vf.Type == "picklist" {
		return choiceLabel(vf, vs[0], langs)
	}
	if vf.Kind() == metadata.KindDateTime {
		if t, err := time.Parse("2006-01-02T15:04", vs[0]); err == nil {
			return recFormatTime(t)
		}
	}
	return strings.Join(vs, ", ")
}

// formAllowedValues are the values of picklist f a form offers: active (or
// already chosen), within the record type's subset, and allowed by the
// controlling field's current value.
func formAllowedValues(o *metadata.Object, f *metadata.Field, rt *metadata.RecordType, vals recInput, chosen []string) []metadata.PicklistValue {
	var typed []string
	if rt != nil {
		if p, ok := rt.Picklists[f.Name]; ok {
			typed = p.Values
		}
	}
	var dep []string
	depOn := false
	if f.Controller != "" {
		depOn = true
		ctrl := o.Field(f.Controller)
		var cv any = vals.get(f.Controller)
		if ctrl != nil && ctrl.Type == "boolean" {
			cv = vals.get(f.Controller) == "true"
		}
		if key, ok := metadata.ControllingKey(ctrl, cv); ok {
			dep = f.AllowedWith(key)
		}
	}
	var out []metadata.PicklistValue
	for _, pv := range f.Settings.Values {
		isChosen := hasString(chosen, pv.Value)
		if !pv.IsActive() && !isChosen {
			continue
		}
		if typed != nil && !hasString(typed, pv.Value) && !isChosen {
			continue
		}
		if depOn && !hasString(dep, pv.Value) {
			continue
		}
		out = append(out, pv)
	}
	return out
}

func hasString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func formPicklistOptions(o *metadata.Object, f *metadata.Field, rt *metadata.RecordType, vals recInput, langs []string, chosen []string) []FormOption {
	var out []FormOption
	for _, pv := range formAllowedValues(o, f, rt, vals, chosen) {
		label := pv.Label.In(langs)
		if label == "" {
			label = pv.Value
		}
		out = append(out, FormOption{Value: pv.Value, Label: label, Selected: hasString(chosen, pv.Value)})
	}
	return out
}

// formDependencyJSON is the dependency map of a dependent picklist and every
// option the record type allows, for record.js to refilter the options
// when the controlling field changes.
func formDependencyJSON(f *metadata.Field, rt *metadata.RecordType, langs []string) (string, string) {
	deps, _ := json.Marshal(f.Settings.Dependencies)
	var typed []string
	if rt != nil {
		if p, ok := rt.Picklists[f.Name]; ok {
			typed = p.Values
		}
	}
	type opt struct {
		V string `json:"v"`
		L string `json:"l"`
	}
	all := []opt{}
	for _, pv := range f.Settings.Values {
		if !pv.IsActive() || typed != nil && !hasString(typed, pv.Value) {
			continue
		}
		label := pv.Label.In(langs)
		if label == "" {
			label = pv.Value
		}
		all = append(all, opt{pv.Value, label})
	}
	a, _ := json.Marshal(all)
	return string(deps), string(a)
}

// actionParamView is the input of a record action's parameter.
func actionParamView(action string, p *metadata.ActionParameter, posted string, usePosted bool) FieldView {
	fv := FieldView{Name: p.Name, ID: "a-" + action + "-" + p.Name, Label: p.Label.Default(), Required: p.Required}
	if fv.Label == "" {
		fv.Label = p.Name
	}
	fv.Value = p.Default
	if usePosted {
		fv.Value = posted
	}
	switch p.Type {
	case "boolean":
		fv.Widget, fv.Checked = "checkbox", fv.Value == "true"
	case "number":
		fv.Widget, fv.InputType, fv.Step = "input", "number", "any"
	case "date":
		fv.Widget, fv.InputType = "input", "date"
	default:
		fv.Widget, fv.InputType = "input", "text"
	}
	return fv
}
