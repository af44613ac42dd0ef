package web

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"sigs.k8s.io/yaml"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
)

// The object manager: objects, their fields with the settings of each
// type, validation rules with an expression box checked as it is typed,
// record types, and field-level security. Every change goes through the
// catalog as the API's metadata routes do.
func (h *Handler) routeAdminObjects(a fiber.Router) {
	a.Get("/objects", h.adminObjects)
	a.Post("/objects", h.adminCreateObject)
	a.Get("/objects/:object", h.adminObject)
	a.Post("/objects/:object", h.adminPatchObject)
	a.Post("/objects/:object/check", h.adminCheckExpression)
	a.Post("/objects/:object/fields", h.adminAddField)
	a.Get("/objects/:object/fields/:field", h.adminField)
	a.Post("/objects/:object/fields/:field", h.adminSaveField)
	a.Post("/objects/:object/fields/:field/move", h.adminMoveField)
	a.Post("/objects/:object/fields/:field/delete", h.adminDeleteField)
	a.Post("/objects/:object/rules", h.adminAddRule)
	a.Get("/objects/:object/rules/:rule", h.adminRule)
	a.Post("/objects/:object/rules/:rule", h.adminSaveRule)
	a.Post("/objects/:object/rules/:rule/delete", h.adminDeleteRule)
	a.Post("/objects/:object/record-types", h.adminSaveRecordTypes)
	a.Get("/objects/:object/security", h.adminSecurity)
	a.Post("/objects/:object/security", h.adminSaveSecurity)
	a.Get("/objects/:object/layout", h.adminLayout)
	a.Post("/objects/:object/layout", h.adminSaveLayout)
}

func init() {
	addMessages(map[string][2]string{
		"admin.obj.new":            {"New object", "新建对象"},
		"admin.obj.none":           {"No objects yet.", "还没有对象。"},
		"admin.obj.name":           {"API name", "API 名称"},
		"admin.obj.name_help":      {"Lowercase letters, digits and underscores; it cannot be changed here later.", "小写字母、数字和下划线。"},
		"admin.obj.label_en":       {"Label (English)", "标签（英文）"},
		"admin.obj.label_zh":       {"Label (Chinese)", "标签（中文）"},
		"admin.obj.plural_en":      {"Plural label (English)", "复数标签（英文）"},
		"admin.obj.plural_zh":      {"Plural label (Chinese)", "复数标签（中文）"},
		"admin.obj.sharing":        {"Sharing (organization-wide default)", "共享（组织范围默认）"},
		"admin.obj.name_field":     {"Name field", "名称字段"},
		"admin.obj.fields":         {"Fields", "字段"},
		"admin.obj.field_count":    {"Fields", "字段数"},
		"admin.obj.bundle":         {"App", "应用"},
		"admin.obj.properties":     {"Properties", "属性"},
		"admin.obj.create":         {"Create object", "创建对象"},
		"admin.fld.add":            {"Add a field", "添加字段"},
		"admin.fld.edit":           {"Edit field %s", "编辑字段 %s"},
		"admin.fld.type":           {"Type", "类型"},
		"admin.fld.required":       {"Required", "必填"},
		"admin.fld.unique":         {"Unique", "唯一"},
		"admin.fld.help_en":        {"Help text (English)", "帮助文本（英文）"},
		"admin.fld.help_zh":        {"Help text (Chinese)", "帮助文本（中文）"},
		"admin.fld.default":        {"Default (expression)", "默认值（表达式）"},
		"admin.fld.settings":       {"Settings of the type", "类型设置"},
		"admin.fld.for_types":      {"For: %s", "适用于：%s"},
		"admin.fld.max_length":     {"Maximum length", "最大长度"},
		"admin.fld.precision":      {"Precision (total digits)", "精度（总位数）"},
		"admin.fld.scale":          {"Scale (decimal places)", "小数位数"},
		"admin.fld.values":         {"Values, one per line: value|English label|中文标签", "选项，每行一个：值|English label|中文标签"},
		"admin.fld.target":         {"Looks up", "查找对象"},
		"admin.fld.on_delete":      {"When the looked-up record is deleted", "被查找的记录删除时"},
		"admin.fld.expression":     {"Formula expression", "公式表达式"},
		"admin.fld.result_type":    {"Result type", "结果类型"},
		"admin.fld.child":          {"Child object", "子对象"},
		"admin.fld.lookup":         {"Lookup field of the child", "子对象的查找字段"},
		"admin.fld.function":       {"Function", "函数"},
		"admin.fld.rfield":         {"Field summarized", "汇总字段"},
		"admin.fld.filter":         {"Filter (expression)", "筛选（表达式）"},
		"admin.fld.format":         {"Auto-number format, e.g. INV-{0000}", "自动编号格式，例如 INV-{0000}"},
		"admin.fld.start":          {"First number", "起始编号"},
		"admin.fld.up":             {"Move %s up", "上移 %s"},
		"admin.fld.down":           {"Move %s down", "下移 %s"},
		"admin.fld.delete":         {"Delete field %s", "删除字段 %s"},
		"admin.fld.delete_confirm": {"Delete field %s? Its data is lost.", "删除字段 %s？其数据将丢失。"},
		"admin.fld.save":           {"Save field", "保存字段"},
		"admin.fld.order":          {"Order", "顺序"},
		"admin.rule.title":         {"Validation rules", "校验规则"},
		"admin.rule.none":          {"No validation rules.", "没有校验规则。"},
		"admin.rule.add":           {"Add a rule", "添加规则"},
		"admin.rule.edit":          {"Edit rule %s", "编辑规则 %s"},
		"admin.rule.condition":     {"Condition: the record is invalid when it is true", "条件：为真时记录无效"},
		"admin.rule.message_en":    {"Message (English)", "提示（英文）"},
		"admin.rule.message_zh":    {"Message (Chinese)", "提示（中文）"},
		"admin.rule.severity":      {"Severity", "严重程度"},
		"admin.rule.error":         {"Error: the save is refused", "错误：拒绝保存"},
		"admin.rule.warning":       {"Warning: saved with a warning", "警告：保存并提示"},
		"admin.rule.field":         {"Shown at field", "显示在字段"},
		"admin.rule.record":        {"(the record)", "（整条记录）"},
		"admin.rule.active":        {"Active", "启用"},
		"admin.rule.delete":        {"Delete rule %s", "删除规则 %s"},
		"admin.rule.expr_ok":       {"The expression is valid.", "表达式有效。"},
		"admin.rt.title":           {"Record types", "记录类型"},
		"admin.rt.help":            {"The record types as a YAML list: name, label, default, active, picklists: {field: {values: [...], default: ...}}.", "以 YAML 列表书写的记录类型：name、label、default、active、picklists: {字段: {values: [...], default: ...}}。"},
		"admin.lay.title":          {"Layout", "布局"},
		"admin.lay.help":           {"The sections of the record page and forms, in order. A section without fields is removed; fields no section names are not shown.", "记录页面和表单的分区（按顺序）。没有字段的分区将被删除；未列出的字段不显示。"},
		"admin.lay.section":        {"Section %d", "分区 %d"},
		"admin.lay.new_section":    {"New section", "新分区"},
		"admin.lay.columns":        {"Columns", "列数"},
		"admin.lay.fields":         {"Fields, one API name per line", "字段，每行一个 API 名称"},
		"admin.lay.unplaced":       {"Not shown: %s", "未显示：%s"},
		"admin.obj.records":        {"Records", "记录"},
		"admin.sec.title":          {"Field-level security", "字段级安全"},
		"admin.sec.help":           {"Which fields each permission set lets its roles read and edit.", "每个权限集允许其角色读取和编辑哪些字段。"},
		"admin.sec.read":           {"Read", "读取"},
		"admin.sec.edit":           {"Edit", "编辑"},
		"admin.sec.none":           {"No permission sets yet: custom roles get access through permission sets (Users and roles).", "还没有权限集：自定义角色通过权限集获得访问权限（用户和角色）。"},
		"admin.sec.roles":          {"Roles: %s", "角色：%s"},
		"admin.sec.field_of":       {"%s of %s", "%s 的 %s"},
	})
}

// settingGroups are the groups of type settings and the field types that
// use each, in the order the form shows them.
var settingGroups = []struct {
	Name  string
	Keys  []string
	Types []string
}{
	{"length", []string{"max_length"}, []string{"text", "long_text", "external_id"}},
	{"decimal", []string{"precision", "scale"}, []string{"number", "currency", "percent", "formula"}},
	{"values", []string{"values"}, []string{"picklist", "multi_picklist"}},
	{"lookup", []string{"target", "on_delete"}, []string{"lookup"}},
	{"formula", []string{"expression", "result_type"}, []string{"formula"}},
	{"rollup", []string{"child", "lookup", "function", "field", "filter"}, []string{"rollup"}},
	{"auto", []string{"format", "start"}, []string{"auto_number"}},
}

// settingKeys returns the settings a field type takes.
func settingKeys(typ string) []string {
	var out []string
	for _, g := range settingGroups {
		for _, t := range g.Types {
			if t == typ {
				out = append(out, g.Keys...)
			}
		}
	}
	return out
}

// fieldForm is the field form's values: as posted, or of a field.
type fieldForm struct {
	Name, Type, LabelEn, LabelZh, HelpEn, HelpZh, Default string
	Required, Unique                                      bool
	// Settings are the type settings by key, as text; Values is the
	// picklist's lines.
	Settings map[string]string
	// Edit marks the form of an existing field: its name and type stay.
	Edit bool
}

// Shows reports whether the form shows the group of settings: every group
// for a new field (a script hides those of other types), the type's own
// for an existing one.
func (f fieldForm) Shows(group string) bool {
	if !f.Edit {
		return true
	}
	for _, g := range settingGroups {
		if g.Name == group {
			for _, t := range g.Types {
				if t == f.Type {
					return true
				}
			}
		}
	}
	return false
}

// TypesOf lists the field types of a group of settings.
func (f fieldForm) TypesOf(group string) string {
	for _, g := range settingGroups {
		if g.Name == group {
			return strings.Join(g.Types, " ")
		}
	}
	return ""
}

// OnDeletes, ResultTypes and Functions are the choices of their settings.
func (fieldForm) OnDeletes() []string {
	return []string{metadata.OnDeleteRestrict, metadata.OnDeleteSetNull, metadata.OnDeleteCascade}
}

// ResultTypes are the result types of a formula.
func (fieldForm) ResultTypes() []string {
	return []string{"text", "number", "currency", "percent", "date", "datetime", "boolean"}
}

// Functions are the functions of a roll-up.
func (fieldForm) Functions() []string { return []string{"count", "sum", "min", "max"} }

// S is the text of a setting.
func (f fieldForm) S(key string) string { return f.Settings[key] }

var formSettingKeys = []string{"max_length", "precision", "scale", "values", "target", "on_delete", "expression", "result_type",
	"child", "lookup", "function", "field", "filter", "format", "start"}

func fieldFormOf(f *metadata.Field) fieldForm {
	ff := fieldForm{Name: f.Name, Type: f.Type, LabelEn: f.Label["en"], LabelZh: f.Label["zh-CN"], HelpEn: f.HelpText["en"],
		HelpZh: f.HelpText["zh-CN"], Default: f.Default, Required: f.Required, Unique: f.Unique, Edit: true, Settings: map[string]string{}}
	s := f.Settings
	num := func(k string, n int64) {
		if n != 0 {
			ff.Settings[k] = strconv.FormatInt(n, 10)
		}
	}
	num("max_length", int64(s.MaxLength))
	num("precision", int64(s.Precision))
	if s.Scale != nil {
		ff.Settings["scale"] = strconv.Itoa(*s.Scale)
	}
	num("start", s.Start)
	var lines []string
	for _, v := range s.Values {
		lines = append(lines, strings.TrimRight(v.Value+"|"+v.Label["en"]+"|"+v.Label["zh-CN"], "|"))
	}
	ff.Settings["values"] = strings.Join(lines, "\n")
	for k, v := range map[string]string{"target": s.Target, "on_delete": s.OnDelete, "expression": s.Expression, "result_type": s.ResultType,
		"child": s.Child, "lookup": s.Lookup, "function": s.Function, "field": s.Field, "filter": s.Filter, "format": s.Format} {
		ff.Settings[k] = v
	}
	return ff
}

func fieldFormPosted(c *fiber.Ctx) fieldForm {
	ff := fieldForm{Name: strings.TrimSpace(c.FormValue("name")), Type: c.FormValue("type"), LabelEn: c.FormValue("label_en"),
		LabelZh: c.FormValue("label_zh"), HelpEn: c.FormValue("help_en"), HelpZh: c.FormValue("help_zh"),
		Default: c.FormValue("default"), Required: c.FormValue("required") != "", Unique: c.FormValue("unique") != "",
		Settings: map[string]string{}}
	for _, k := range formSettingKeys {
		ff.Settings[k] = strings.TrimSpace(c.FormValue("s_" + k))
	}
	return ff
}

// text is a translatable text of the form's English and Chinese inputs
// (nil when both are empty).
func text(en, zh string) map[string]string {
	t := map[string]string{}
	if s := strings.TrimSpace(en); s != "" {
		t["en"] = s
	}
	if s := strings.TrimSpace(zh); s != "" {
		t["zh-CN"] = s
	}
	if len(t) == 0 {
		return nil
	}
	return t
}

// document merges the form into base (a field's JSON document, empty for
// a new field): the members the form edits, and the settings of the
// field's type. Numbers that do not parse are left as text, for the
// schema to refuse with their path. Picklist values keep their flags.
func (f fieldForm) document(base map[string]any, old *metadata.Field) ([]byte, error) {
	if base == nil {
		base = map[string]any{}
	}
	if !f.Edit {
		base["name"], base["type"] = f.Name, f.Type
	}
	set := func(k string, v any, keep bool) {
		if keep {
			base[k] = v
		} else {
			delete(base, k)
		}
	}
	label, help := text(f.LabelEn, f.LabelZh), text(f.HelpEn, f.HelpZh)
	set("label", label, label != nil)
	set("help_text", help, help != nil)
	set("default", f.Default, f.Default != "")
	set("required", f.Required, f.Required)
	set("unique", f.Unique, f.Unique)
	settings, _ := base["settings"].(map[string]any)
	if settings == nil {
		settings = map[string]any{}
	}
	typ, _ := base["type"].(string)
	for _, k := range settingKeys(typ) {
		delete(settings, k)
		v := f.Settings[k]
		if v == "" {
			continue
		}
		switch k {
		case "max_length", "precision", "scale", "start":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				settings[k] = n
			} else {
				settings[k] = v
			}
		case "values":
			settings[k] = picklistValues(v, old)
		default:
			settings[k] = v
		}
	}
	set("settings", settings, len(settings) > 0)
	return json.Marshal(base)
}

// picklistValues reads lines "value|English label|中文标签"; values that
// were there keep their active and default flags.
func picklistValues(lines string, old *metadata.Field) []any {
	var out []any
	for _, line := range strings.Split(lines, "\n") {
		parts := strings.Split(strings.TrimSpace(line), "|")
		if parts[0] == "" {
			continue
		}
		v := map[string]any{"value": strings.TrimSpace(parts[0])}
		en, zh := "", ""
		if len(parts) > 1 {
			en = parts[1]
		}
		if len(parts) > 2 {
			zh = parts[2]
		}
		if t := text(en, zh); t != nil {
			v["label"] = t
		}
		if old != nil {
			for _, ov := range old.Settings.Values {
				if ov.Value == v["value"] {
					if ov.Active != nil {
						v["active"] = *ov.Active
					}
					if ov.Default {
						v["default"] = true
					}
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// objectRow is an object in the object list.
type objectRow struct {
	Name, Label, Sharing, Bundle string
	Fields                       int
}

type objectsPage struct {
	Objects  []objectRow
	Form     map[string]string
	Problems metadata.Problems
	Sharings []string
}

var sharings = []string{metadata.SharingPublicReadWrite, metadata.SharingPublicRead, metadata.SharingPrivate}

func (h *Handler) adminObjects(c *fiber.Ctx) error {
	return h.showObjects(c, fiber.StatusOK, objectsPage{})
}

func (h *Handler) showObjects(c *fiber.Ctx, status int, d objectsPage) error {
	rev, err := h.revision(c)
	if err != nil {
		return err
	}
	for _, o := range rev.Model.Objects {
		d.Objects = append(d.Objects, objectRow{Name: o.Name, Label: Label(o, languages(c)), Sharing: o.EffectiveSharing(), Bundle: o.Bundle, Fields: len(o.Fields)})
	}
	sort.Slice(d.Objects, func(i, j int) bool { return d.Objects[i].Name < d.Objects[j].Name })
	d.Sharings = sharings
	return h.render(c, status, "admin_objects", T(lang(c), "admin.objects"), d)
}

// formValues are the posted values of the named inputs.
func formValues(c *fiber.Ctx, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = c.FormValue(n)
	}
	return out
}

// refused re-renders a form with the problems of err, or returns err when
// it is not a refusal.
func refused(err error, show func(ps metadata.Problems) error) error {
	ps, ok := problemsOf(err)
	if !ok {
		return err
	}
	return show(ps)
}

func (h *Handler) adminCreateObject(c *fiber.Ctx) error {
	form := formValues(c, "name", "label_en", "label_zh", "plural_en", "plural_zh", "sharing")
	doc := map[string]any{"name": strings.TrimSpace(form["name"])}
	if t := text(form["label_en"], form["label_zh"]); t != nil {
		doc["label"] = t
	}
	if t := text(form["plural_en"], form["plural_zh"]); t != nil {
		doc["plural_label"] = t
	}
	if form["sharing"] != "" {
		doc["sharing"] = form["sharing"]
	}
	body, _ := json.Marshal(doc)
	show := func(ps metadata.Problems) error {
		return h.showObjects(c, fiber.StatusUnprocessableEntity, objectsPage{Form: form, Problems: ps})
	}
	obj, err := metadata.DecodeObject(body)
	if err != nil {
		return refused(err, show)
	}
	_, err = h.change(c, metaChange{Summary: "create object " + obj.Name, Object: obj.Name}, func(m *metadata.Model) error {
		if m.Object(obj.Name) != nil {
			return metadata.Problems{{Path: "objects." + obj.Name + ".name", Code: metadata.ProblemDuplicate, Message: fmt.Sprintf("object %q already exists", obj.Name)}}
		}
		m.Objects = append(m.Objects, obj)
		return nil
	})
	if err != nil {
		return refused(err, show)
	}
	return c.Redirect("/admin/objects/"+obj.Name+"?saved=1", fiber.StatusSeeOther)
}

// objectPage is the page of one object.
type objectPage struct {
	Object *metadata.Object
	Label  string
	// Types are the field types; Objects the objects lookups may target.
	Types, Objects, Sharings []string
	NewField                 fieldForm
	Rule                     ruleForm
	RecordTypes              string
	// Section is the form the Problems belong to: "props", "field",
	// "rule", "record_types" or "delete".
	Section  string
	Problems metadata.Problems
	// Confirm is the field whose deletion loses data and waits for a
	// confirmation.
	Confirm string
	Saved   bool
}

func (h *Handler) adminObject(c *fiber.Ctx) error {
	return h.showObject(c, fiber.StatusOK, objectPage{Saved: c.Query("saved") != ""})
}

// metaObject is the :object of the current revision.
func (h *Handler) metaObject(c *fiber.Ctx) (*metadata.Model, *metadata.Object, error) {
	rev, err := h.revision(c)
	if err != nil {
		return nil, nil, err
	}
	o := rev.Model.Object(c.Params("object"))
	if o == nil {
		return nil, nil, fiber.NewError(fiber.StatusNotFound, T(lang(c), "err.no_object"))
	}
	return rev.Model, o, nil
}

func (h *Handler) showObject(c *fiber.Ctx, status int, d objectPage) error {
	m, o, err := h.metaObject(c)
	if err != nil {
		return err
	}
	d.Object, d.Label = o, Label(o, languages(c))
	d.Types = metadata.FieldTypeNames()
	for _, other := range m.Objects {
		d.Objects = append(d.Objects, other.Name)
	}
	sort.Strings(d.Objects)
	d.Sharings = sharings
	if d.NewField.Settings == nil {
		d.NewField = fieldForm{Type: "text", Settings: map[string]string{}}
	}
	if d.Rule.Severity == "" {
		d.Rule = ruleForm{Severity: metadata.SeverityError, Active: true}
	}
	if d.Section != "record_types" {
		d.RecordTypes = ""
		if len(o.RecordTypes) > 0 {
			b, err := yaml.Marshal(o.RecordTypes)
			if err != nil {
				return err
			}
			d.RecordTypes = string(b)
		}
	}
	return h.render(c, status, "admin_object", d.Label, d)
}

func (h *Handler) adminPatchObject(c *fiber.Ctx) error {
	name := c.Params("object")
	form := formValues(c, "label_en", "label_zh", "plural_en", "plural_zh", "sharing", "name_field")
	_, err := h.change(c, metaChange{Summary: "change object " + name, Object: name}, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return notFound(c)
		}
		o.Label, o.PluralLabel = text(form["label_en"], form["label_zh"]), text(form["plural_en"], form["plural_zh"])
		o.Sharing, o.NameField = form["sharing"], form["name_field"]
		return nil
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			return h.showObject(c, fiber.StatusUnprocessableEntity, objectPage{Section: "props", Problems: ps})
		})
	}
	return c.Redirect("/admin/objects/"+name+"?saved=1", fiber.StatusSeeOther)
}

func (h *Handler) adminAddField(c *fiber.Ctx) error {
	name := c.Params("object")
	ff := fieldFormPosted(c)
	show := func(ps metadata.Problems) error {
		return h.showObject(c, fiber.StatusUnprocessableEntity, objectPage{Section: "field", NewField: ff, Problems: ps})
	}
	body, err := ff.document(nil, nil)
	if err != nil {
		return err
	}
	f, err := metadata.DecodeField(body)
	if err != nil {
		return refused(err, show)
	}
	_, err = h.change(c, metaChange{Summary: fmt.Sprintf("add field %s.%s", name, f.Name), Object: name}, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return notFound(c)
		}
		o.Fields = append(o.Fields, f)
		// A declared layout shows the new field at its end.
		if o.Layout != nil && len(o.Layout.Sections) > 0 {
			last := o.Layout.Sections[len(o.Layout.Sections)-1]
			last.Fields = append(last.Fields, f.Name)
		}
		return nil
	})
	if err != nil {
		return refused(err, show)
	}
	return c.Redirect("/admin/objects/"+name+"?saved=1#fields", fiber.StatusSeeOther)
}

// fieldPage is the edit page of one field.
type fieldPage struct {
	Object   *metadata.Object
	Field    fieldForm
	Objects  []string
	Problems metadata.Problems
}

func (h *Handler) adminField(c *fiber.Ctx) error {
	_, o, err := h.metaObject(c)
	if err != nil {
		return err
	}
	f := o.Field(c.Params("field"))
	if f == nil {
		return notFound(c)
	}
	return h.showField(c, fiber.StatusOK, fieldPage{Field: fieldFormOf(f)})
}

func (h *Handler) showField(c *fiber.Ctx, status int, d fieldPage) error {
	m, o, err := h.metaObject(c)
	if err != nil {
		return err
	}
	d.Object = o
	for _, other := range m.Objects {
		d.Objects = append(d.Objects, other.Name)
	}
	sort.Strings(d.Objects)
	return h.render(c, status, "admin_field", T(lang(c), "admin.fld.edit", d.Field.Name), d)
}

func (h *Handler) adminSaveField(c *fiber.Ctx) error {
	objName, fieldName := c.Params("object"), c.Params("field")
	ff := fieldFormPosted(c)
	ff.Edit, ff.Name = true, fieldName
	_, err := h.change(c, metaChange{Summary: fmt.Sprintf("change field %s.%s", objName, fieldName), Object: objName}, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return notFound(c)
		}
		for i, f := range o.Fields {
			if f.Name != fieldName {
				continue
			}
			ff.Type = f.Type
			raw, err := json.Marshal(f)
			if err != nil {
				return err
			}
			var base map[string]any
			if err := json.Unmarshal(raw, &base); err != nil {
				return err
			}
			delete(base, "id")
			body, err := ff.document(base, f)
			if err != nil {
				return err
			}
			nf, err := metadata.DecodeField(body)
			if err != nil {
				return err
			}
			nf.ID = f.ID
			o.Fields[i] = nf
			return nil
		}
		return notFound(c)
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			return h.showField(c, fiber.StatusUnprocessableEntity, fieldPage{Field: ff, Problems: ps})
		})
	}
	return c.Redirect("/admin/objects/"+objName+"?saved=1#fields", fiber.StatusSeeOther)
}

func (h *Handler) adminMoveField(c *fiber.Ctx) error {
	objName, fieldName := c.Params("object"), c.Params("field")
	delta := 1
	if c.FormValue("dir") == "up" {
		delta = -1
	}
	_, err := h.change(c, metaChange{Summary: fmt.Sprintf("move field %s.%s", objName, fieldName), Object: objName}, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return notFound(c)
		}
		for i, f := range o.Fields {
			if f.Name == fieldName {
				j := i + delta
				if j >= 0 && j < len(o.Fields) {
					o.Fields[i], o.Fields[j] = o.Fields[j], o.Fields[i]
				}
				return nil
			}
		}
		return notFound(c)
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			return h.showObject(c, fiber.StatusUnprocessableEntity, objectPage{Section: "field", Problems: ps})
		})
	}
	return c.Redirect("/admin/objects/"+objName+"#fields", fiber.StatusSeeOther)
}

func (h *Handler) adminDeleteField(c *fiber.Ctx) error {
	objName, fieldName := c.Params("object"), c.Params("field")
	mc := metaChange{Summary: fmt.Sprintf("delete field %s.%s", objName, fieldName), Object: objName, Confirm: c.FormValue("confirm") != ""}
	_, err := h.change(c, mc, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return notFound(c)
		}
		for i, f := range o.Fields {
			if f.Name != fieldName {
				continue
			}
			if deps := o.Dependents(fieldName); len(deps) > 0 {
				var ps metadata.Problems
				for _, d := range deps {
					ps = append(ps, metadata.Problem{Path: "objects." + objName + ".fields." + d.Name + ".controller", Code: metadata.ProblemReferenced,
						Message: fmt.Sprintf("field %q controls %q; remove that field's controller and dependencies, or delete it, first", fieldName, d.Name)})
				}
				return ps
			}
			o.Fields = append(o.Fields[:i], o.Fields[i+1:]...)
			o.DropFieldReferences(fieldName)
			return nil
		}
		return notFound(c)
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			d := objectPage{Section: "delete", Problems: ps}
			if hasCode(ps, metadata.ProblemDataLoss) {
				d.Confirm = fieldName
			}
			return h.showObject(c, fiber.StatusConflict, d)
		})
	}
	return c.Redirect("/admin/objects/"+objName+"?saved=1#fields", fiber.StatusSeeOther)
}

// ruleForm is the rule form's values.
type ruleForm struct {
	Name, Condition, MessageEn, MessageZh, Severity, Field string
	Active, Edit                                           bool
}

func ruleFormPosted(c *fiber.Ctx) ruleForm {
	return ruleForm{Name: strings.TrimSpace(c.FormValue("name")), Condition: c.FormValue("condition"), MessageEn: c.FormValue("message_en"),
		MessageZh: c.FormValue("message_zh"), Severity: c.FormValue("severity"), Field: c.FormValue("field"), Active: c.FormValue("active") != ""}
}

func (r ruleForm) rule() *metadata.Rule {
	out := &metadata.Rule{Name: r.Name, Condition: r.Condition, Message: text(r.MessageEn, r.MessageZh), Field: r.Field, Severity: r.Severity}
	if !r.Active {
		out.Active = new(false)
	}
	return out
}

func (h *Handler) adminAddRule(c *fiber.Ctx) error {
	name := c.Params("object")
	rf := ruleFormPosted(c)
	r := rf.rule()
	_, err := h.change(c, metaChange{Summary: fmt.Sprintf("add rule %s.%s", name, r.Name), Object: name}, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return notFound(c)
		}
		o.Rules = append(o.Rules, r)
		return nil
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			return h.showObject(c, fiber.StatusUnprocessableEntity, objectPage{Section: "rule", Rule: rf, Problems: ps})
		})
	}
	return c.Redirect("/admin/objects/"+name+"?saved=1#rules", fiber.StatusSeeOther)
}

// rulePage is the edit page of one rule.
type rulePage struct {
	Object   *metadata.Object
	Rule     ruleForm
	Problems metadata.Problems
}

func (h *Handler) adminRule(c *fiber.Ctx) error {
	_, o, err := h.metaObject(c)
	if err != nil {
		return err
	}
	for _, r := range o.Rules {
		if r.Name == c.Params("rule") {
			rf := ruleForm{Name: r.Name, Condition: r.Condition, MessageEn: r.Message["en"], MessageZh: r.Message["zh-CN"],
				Severity: r.Severity, Field: r.Field, Active: r.IsActive(), Edit: true}
			return h.render(c, fiber.StatusOK, "admin_rule", T(lang(c), "admin.rule.edit", r.Name), rulePage{Object: o, Rule: rf})
		}
	}
	return notFound(c)
}

func (h *Handler) adminSaveRule(c *fiber.Ctx) error {
	objName, ruleName := c.Params("object"), c.Params("rule")
	rf := ruleFormPosted(c)
	rf.Name, rf.Edit = ruleName, true
	nr := rf.rule()
	_, err := h.change(c, metaChange{Summary: fmt.Sprintf("change rule %s.%s", objName, ruleName), Object: objName}, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return notFound(c)
		}
		for i, r := range o.Rules {
			if r.Name == ruleName {
				nr.ID, nr.Description = r.ID, r.Description
				o.Rules[i] = nr
				return nil
			}
		}
		return notFound(c)
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			_, o, err := h.metaObject(c)
			if err != nil {
				return err
			}
			return h.render(c, fiber.StatusUnprocessableEntity, "admin_rule", T(lang(c), "admin.rule.edit", ruleName), rulePage{Object: o, Rule: rf, Problems: ps})
		})
	}
	return c.Redirect("/admin/objects/"+objName+"?saved=1#rules", fiber.StatusSeeOther)
}

func (h *Handler) adminDeleteRule(c *fiber.Ctx) error {
	objName, ruleName := c.Params("object"), c.Params("rule")
	_, err := h.change(c, metaChange{Summary: fmt.Sprintf("delete rule %s.%s", objName, ruleName), Object: objName}, func(m *metadata.Model) error {
		o := m.Object(objName)
		if o == nil {
			return notFound(c)
		}
		for i, r := range o.Rules {
			if r.Name == ruleName {
				o.Rules = append(o.Rules[:i], o.Rules[i+1:]...)
				return nil
			}
		}
		return notFound(c)
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			return h.showObject(c, fiber.StatusUnprocessableEntity, objectPage{Section: "rule", Problems: ps})
		})
	}
	return c.Redirect("/admin/objects/"+objName+"?saved=1#rules", fiber.StatusSeeOther)
}

// adminCheckExpression answers the expression box as it is typed (htmx):
// the located, caret-pointed error of the condition (or, with
// kind=formula, of the formula expression and its result type), checked
// as the metadata and POST /api/v1/expressions/check check it; nothing
// when it is valid.
func (h *Handler) adminCheckExpression(c *fiber.Ctx) error {
	m, o, err := h.metaObject(c)
	if err != nil {
		return err
	}
	var cerr error
	src := c.FormValue("condition")
	if c.FormValue("kind") == "formula" {
		src = c.FormValue("s_expression")
		f := &metadata.Field{Name: "check", Type: "formula", Settings: metadata.Settings{Expression: src, ResultType: c.FormValue("s_result_type")}}
		_, cerr = (expression.Checker{}).CheckFormula(m, o, f)
	} else {
		cerr = (expression.Checker{}).CheckRule(m, o, &metadata.Rule{Name: "check", Condition: src})
	}
	d := map[string]any{"Error": ""}
	if strings.TrimSpace(src) != "" && cerr != nil {
		d["Error"] = cerr.Error()
	}
	return h.renderFragment(c, "admin_object", "admin_check", d)
}

func (h *Handler) adminSaveRecordTypes(c *fiber.Ctx) error {
	name := c.Params("object")
	src := c.FormValue("record_types")
	show := func(ps metadata.Problems) error {
		return h.showObject(c, fiber.StatusUnprocessableEntity, objectPage{Section: "record_types", RecordTypes: src, Problems: ps})
	}
	list, err := yaml.YAMLToJSON([]byte(src))
	if err != nil {
		return show(metadata.Problems{{Path: "record_types", Code: metadata.ProblemSchema, Message: err.Error()}})
	}
	if strings.TrimSpace(string(list)) == "null" {
		list = []byte("[]")
	}
	doc, _ := json.Marshal(map[string]any{"name": name, "record_types": json.RawMessage(list)})
	decoded, err := metadata.DecodeObject(doc)
	if err != nil {
		return refused(err, show)
	}
	_, err = h.change(c, metaChange{Summary: "change record types of " + name, Object: name}, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return notFound(c)
		}
		o.RecordTypes = decoded.RecordTypes
		return nil
	})
	if err != nil {
		return refused(err, show)
	}
	return c.Redirect("/admin/objects/"+name+"?saved=1#record-types", fiber.StatusSeeOther)
}

// securityPage is the grid of an object's fields × permission sets.
type securityPage struct {
	Object   *metadata.Object
	Sets     []securitySet
	Rows     []securityRow
	Problems metadata.Problems
	Saved    bool
}

type securitySet struct {
	Name  string
	Roles string
}

type securityRow struct {
	Field, Label string
	Cells        []securityCell
}

type securityCell struct {
	Set, Field string
	Read, Edit bool
}

func (h *Handler) adminSecurity(c *fiber.Ctx) error {
	return h.showSecurity(c, fiber.StatusOK, nil, c.Query("saved") != "")
}

func (h *Handler) showSecurity(c *fiber.Ctx, status int, ps metadata.Problems, saved bool) error {
	m, o, err := h.metaObject(c)
	if err != nil {
		return err
	}
	d := securityPage{Object: o, Problems: ps, Saved: saved}
	for _, s := range m.PermissionSets {
		var roles []string
		for _, r := range m.Roles {
			for _, n := range r.PermissionSets {
				if n == s.Name {
					roles = append(roles, r.Name)
				}
			}
		}
		d.Sets = append(d.Sets, securitySet{Name: s.Name, Roles: strings.Join(roles, ", ")})
	}
	for _, f := range o.Fields {
		row := securityRow{Field: f.Name, Label: FieldLabel(f, languages(c))}
		for _, s := range m.PermissionSets {
			fp := s.Fields[o.Name][f.Name]
			row.Cells = append(row.Cells, securityCell{Set: s.Name, Field: f.Name, Read: fp.Read, Edit: fp.Edit})
		}
		d.Rows = append(d.Rows, row)
	}
	return h.render(c, status, "admin_security", T(lang(c), "admin.sec.title"), d)
}

// adminSaveSecurity replaces the field access of every permission set on
// the object with the grid's checkboxes (edit implies read).
func (h *Handler) adminSaveSecurity(c *fiber.Ctx) error {
	name := c.Params("object")
	checked := func(k string) bool { return c.FormValue(k) != "" }
	_, err := h.change(c, metaChange{Summary: "replace permission sets (field access of " + name + ")", Object: name}, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return notFound(c)
		}
		for _, s := range m.PermissionSets {
			fields := map[string]metadata.FieldPermissions{}
			for _, f := range o.Fields {
				edit := checked("e." + s.Name + "." + f.Name)
				read := edit || checked("r."+s.Name+"."+f.Name)
				if read {
					fields[f.Name] = metadata.FieldPermissions{Read: read, Edit: edit}
				}
			}
			if len(fields) == 0 {
				delete(s.Fields, name)
				continue
			}
			if s.Fields == nil {
				s.Fields = map[string]map[string]metadata.FieldPermissions{}
			}
			s.Fields[name] = fields
		}
		return nil
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			return h.showSecurity(c, fiber.StatusUnprocessableEntity, ps, false)
		})
	}
	return c.Redirect("/admin/objects/"+name+"/security?saved=1", fiber.StatusSeeOther)
}

// layoutSection is a section of the layout form.
type layoutSection struct {
	Index                     int
	LabelEn, LabelZh, Columns string
	Fields                    string
}

// layoutPage is the layout form: each section's label, columns and fields
// (one per line), with an empty section to add one.
type layoutPage struct {
	Object   *metadata.Object
	Sections []layoutSection
	// Unplaced are the fields no section shows.
	Unplaced []string
	Problems metadata.Problems
	Saved    bool
}

func (h *Handler) adminLayout(c *fiber.Ctx) error {
	_, o, err := h.metaObject(c)
	if err != nil {
		return err
	}
	d := layoutPage{Object: o, Saved: c.Query("saved") != ""}
	for i, s := range o.EffectiveLayout().Sections {
		d.Sections = append(d.Sections, layoutSection{Index: i, LabelEn: s.Label["en"], LabelZh: s.Label["zh-CN"],
			Columns: strconv.Itoa(s.EffectiveColumns()), Fields: strings.Join(s.Fields, "\n")})
	}
	return h.showLayout(c, fiber.StatusOK, d)
}

func (h *Handler) showLayout(c *fiber.Ctx, status int, d layoutPage) error {
	_, o, err := h.metaObject(c)
	if err != nil {
		return err
	}
	d.Object = o
	placed := map[string]bool{}
	for _, s := range d.Sections {
		for _, f := range strings.Fields(s.Fields) {
			placed[f] = true
		}
	}
	for _, f := range o.Fields {
		if !placed[f.Name] && !f.Retired {
			d.Unplaced = append(d.Unplaced, f.Name)
		}
	}
	d.Sections = append(d.Sections, layoutSection{Index: len(d.Sections), Columns: "2"})
	return h.render(c, status, "admin_layout", T(lang(c), "admin.lay.title"), d)
}

// adminSaveLayout replaces the object's layout with the form's sections;
// sections without fields are dropped.
func (h *Handler) adminSaveLayout(c *fiber.Ctx) error {
	name := c.Params("object")
	n, _ := strconv.Atoi(c.FormValue("sections"))
	var posted []layoutSection
	layout := &metadata.Layout{Sections: []*metadata.LayoutSection{}}
	for i := 0; i < n && i < 100; i++ {
		k := strconv.Itoa(i)
		s := layoutSection{Index: len(posted), LabelEn: c.FormValue("label_en_" + k), LabelZh: c.FormValue("label_zh_" + k),
			Columns: c.FormValue("columns_" + k), Fields: c.FormValue("fields_" + k)}
		fields := strings.Fields(s.Fields)
		if len(fields) == 0 {
			continue
		}
		posted = append(posted, s)
		cols, err := strconv.Atoi(s.Columns)
		if err != nil {
			cols = metadata.MaxLayoutColumns
		}
		layout.Sections = append(layout.Sections, &metadata.LayoutSection{Label: text(s.LabelEn, s.LabelZh), Columns: cols, Fields: fields})
	}
	_, err := h.change(c, metaChange{Summary: "change layout of " + name, Object: name}, func(m *metadata.Model) error {
		o := m.Object(name)
		if o == nil {
			return notFound(c)
		}
		if len(layout.Sections) == 0 {
			o.Layout = nil
		} else {
			o.Layout = layout
		}
		return nil
	})
	if err != nil {
		return refused(err, func(ps metadata.Problems) error {
			return h.showLayout(c, fiber.StatusUnprocessableEntity, layoutPage{Sections: posted, Problems: ps})
		})
	}
	return c.Redirect("/admin/objects/"+name+"/layout?saved=1", fiber.StatusSeeOther)
}
