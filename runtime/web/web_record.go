package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/actions"
	"github.com/mosaic-paas/mosaic/runtime/approvals"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// The record page (GET /o/:object/:id): the fields by the object's layout,
// related lists, field history, record actions and the approval panel, with
// the posts its buttons send. Forms are in web_form.go, the lookup search in
// web_lookup.go. Every route of a record lives here, so that "new" and
// "lookup" are matched before a record id.
func init() {
	register(func(h *Handler, r fiber.Router) {
		r.Get("/o/:object/new", h.newForm)
		r.Post("/o/:object/new", h.createRecord)
		r.Get("/o/:object/lookup", h.recLookup)
		r.Get("/o/:object/:id", h.recordPage)
		r.Get("/o/:object/:id/edit", h.editForm)
		r.Post("/o/:object/:id/edit", h.updateRecord)
		r.Post("/o/:object/:id/delete", h.recDelete)
		r.Post("/o/:object/:id/actions/:action", h.recRunAction)
		r.Post("/o/:object/:id/approval/submit", h.recSubmitApproval)
		r.Post("/o/:object/:id/approval/recall", h.recRecallApproval)
		r.Post("/o/:object/:id/approval/tasks/:task/:decision", h.recDecideTask)
	})
	addMessages(map[string][2]string{
		"rec.related":               {"Related", "相关"},
		"rec.new_child":             {"New %s", "新建%s"},
		"rec.no_children":           {"None yet.", "暂无。"},
		"rec.history":               {"Field history", "字段历史"},
		"rec.history.field":         {"Field", "字段"},
		"rec.history.old":           {"Old value", "原值"},
		"rec.history.new":           {"New value", "新值"},
		"rec.history.by":            {"Changed by", "修改人"},
		"rec.history.at":            {"Date", "时间"},
		"rec.history.none":          {"No changes recorded yet.", "尚无修改记录。"},
		"rec.actions":               {"Actions", "操作"},
		"rec.run":                   {"Run", "执行"},
		"rec.details":               {"Details", "详细信息"},
		"rec.system":                {"System information", "系统信息"},
		"rec.delete.confirm":        {"Delete this record? This cannot be undone.", "删除此记录？此操作无法撤销。"},
		"rec.delete.title":          {"Delete %s", "删除 %s"},
		"rec.referenced":            {"This record cannot be deleted while other records point at it.", "有其他记录引用此记录，无法删除。"},
		"rec.forbidden":             {"You may see this record but not change it.", "您可以查看此记录，但无权修改。"},
		"rec.flash.saved":           {"Saved.", "已保存。"},
		"rec.flash.created":         {"Created.", "已创建。"},
		"rec.flash.deleted":         {"Deleted.", "已删除。"},
		"rec.flash.action":          {"Done.", "已完成。"},
		"rec.flash.submitted":       {"Submitted for approval.", "已提交审批。"},
		"rec.flash.recalled":        {"Approval recalled.", "已撤回审批。"},
		"rec.flash.approved":        {"Approved.", "已批准。"},
		"rec.flash.rejected":        {"Rejected.", "已拒绝。"},
		"rec.warnings":              {"Saved with warnings:", "已保存，但有警告："},
		"rec.appr.title":            {"Approval", "审批"},
		"rec.appr.none":             {"This record has not been submitted for approval.", "此记录尚未提交审批。"},
		"rec.appr.no_process":       {"No approval process applies to this record.", "没有适用于此记录的审批流程。"},
		"rec.appr.status":           {"Status", "状态"},
		"rec.appr.step":             {"Current step", "当前步骤"},
		"rec.appr.assignees":        {"Waiting for", "等待审批人"},
		"rec.appr.queue":            {"Queue %s", "队列 %s"},
		"rec.appr.history":          {"Approval history", "审批历史"},
		"rec.appr.actor":            {"Who", "操作人"},
		"rec.appr.action":           {"Action", "动作"},
		"rec.appr.when":             {"When", "时间"},
		"rec.appr.system":           {"(the process)", "（流程）"},
		"rec.appr.submit":           {"Submit for approval", "提交审批"},
		"rec.appr.recall":           {"Recall", "撤回"},
		"rec.appr.approve":          {"Approve", "批准"},
		"rec.appr.reject":           {"Reject", "拒绝"},
		"rec.appr.process":          {"Process: %s", "流程：%s"},
		"rec.appr.s.pending":        {"Pending", "审批中"},
		"rec.appr.s.approved":       {"Approved", "已批准"},
		"rec.appr.s.rejected":       {"Rejected", "已拒绝"},
		"rec.appr.s.recalled":       {"Recalled", "已撤回"},
		"rec.appr.h.submitted":      {"Submitted", "已提交"},
		"rec.appr.h.step_started":   {"Step started", "步骤开始"},
		"rec.appr.h.step_skipped":   {"Step skipped", "步骤跳过"},
		"rec.appr.h.approved":       {"Approved", "批准"},
		"rec.appr.h.rejected":       {"Rejected", "拒绝"},
		"rec.appr.h.step_approved":  {"Step approved", "步骤通过"},
		"rec.appr.h.step_rejected":  {"Step rejected", "步骤被拒"},
		"rec.appr.h.sent_back":      {"Sent back", "退回"},
		"rec.appr.h.reassigned":     {"Reassigned", "转派"},
		"rec.appr.h.approver_added": {"Approver added", "添加审批人"},
		"rec.appr.h.escalated":      {"Escalated", "升级"},
		"rec.appr.h.recalled":       {"Recalled", "撤回"},
		"rec.appr.h.final_approved": {"Finally approved", "最终批准"},
		"rec.appr.h.final_rejected": {"Finally rejected", "最终拒绝"},
	})
}

// recFlashes are the keys of the messages a redirect may ask the record page
// to show (?m=), so that no text comes from the URL.
var recFlashes = map[string]bool{"saved": true, "created": true, "deleted": true, "action": true,
	"submitted": true, "recalled": true, "approved": true, "rejected": true}

// recordOf reads the :id record of the :object object for the user; a
// record it may not see does not exist.
func (h *Handler) recordOf(c *fiber.Ctx) (*compiled.Revision, *compiled.Object, records.Record, error) {
	rev, obj, err := h.object(c)
	if err != nil {
		return nil, nil, nil, err
	}
	rec, err := h.srv.Records().Get(c.UserContext(), rev, obj, actor(c, rev, obj), strings.ToLower(c.Params("id")))
	if err != nil {
		return nil, nil, nil, err
	}
	return rev, obj, rec, nil
}

// recIsID reports whether s can be a record id, so that other paths
// under /o/:object/ fall through to the routes that own them.
func recIsID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}

// RecValue is a value as the record page shows it: text, and a link for a
// lookup the user may follow.
type RecValue struct {
	Text  string
	Href  string
	Empty bool
}

// DisplayField is one field of a section of the record page.
type DisplayField struct {
	Name  string
	Label string
	Help  string
	Value RecValue
}

// DisplaySection is a section of the record page.
type DisplaySection struct {
	Label  string
	Wide   bool
	Fields []DisplayField
}

// RelatedList is the child records of one lookup to the record.
type RelatedList struct {
	Label   string
	Object  string
	Columns []string
	Rows    []RelatedRow
	NewHref string
	NewText string
}

// RelatedRow is one child record.
type RelatedRow struct {
	Href  string
	Name  string
	Cells []RecValue
}

// HistoryRow is one change of a tracked field.
type HistoryRow struct {
	Field, Old, New, By, At string
}

// ActionView is a record action with the form of its parameters.
type ActionView struct {
	Name        string
	Label       string
	Description string
	Params      []FieldView
	Error       string
	Errors      []string
}

// ApprovalView is the approval panel.
type ApprovalView struct {
	Status    string
	StatusKey string
	Process   string
	Step      string
	Assignees []string
	History   []ApprovalEvent
	MaySubmit bool
	Reason    string
	MayRecall bool
	// Tasks are the user's own pending tasks of the record.
	Tasks []string
	Error string
}

// ApprovalEvent is one entry of an approval's history.
type ApprovalEvent struct {
	Actor, Action, Comment, At, Step string
}

// RecordView is the record page's data.
type RecordView struct {
	Object     string
	ObjectName string
	ID         string
	Name       string
	Version    int64
	Sections   []DisplaySection
	System     []DisplayField
	Related    []RelatedList
	Tracked    bool
	History    []HistoryRow
	Actions    []ActionView
	Approval   *ApprovalView
	MayEdit    bool
	MayDelete  bool
	Flash      string
	Warnings   []string
	Error      string
}

// recNotice is what a post that failed tells the record page it re-renders.
type recNotice struct {
	status   int
	err      string
	action   string
	actErrs  []string
	approval string
}

func (h *Handler) recordPage(c *fiber.Ctx) error {
	if !recIsID(c.Params("id")) {
		return c.Next()
	}
	return h.showRecord(c, recNotice{status: fiber.StatusOK})
}

// showRecord renders the record page, with what a failed post says.
func (h *Handler) showRecord(c *fiber.Ctx, n recNotice) error {
	rev, obj, rec, err := h.recordOf(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	l, langs := lang(c), languages(c)
	acc := access(c, rev, obj)
	act := actor(c, rev, obj)
	users := h.recUsers(c)
	v := &RecordView{Object: obj.Meta.Name, ObjectName: Label(obj.Meta, langs), ID: rec.ID(), Version: rec.Version(),
		Name: recName(obj, rec), MayEdit: acc.Edit, MayDelete: acc.Delete, Error: n.err}
	if m := c.Query("m"); recFlashes[m] {
		v.Flash = T(l, "rec.flash."+m)
	}
	for _, w := range c.Request().URI().QueryArgs().PeekMulti("w") {
		for _, r := range obj.Meta.Rules {
			if r.Name == string(w) {
				v.Warnings = append(v.Warnings, r.Message.In(langs))
			}
		}
	}
	exp, err := h.recExpand(c, rev, obj, act, []records.Record{rec})
	if err != nil {
		return err
	}
	for _, s := range obj.Meta.EffectiveLayout().Sections {
		ds := DisplaySection{Label: s.Label.In(langs), Wide: s.EffectiveColumns() == 2}
		for _, name := range s.Fields {
			f := obj.Meta.Field(name)
			if f == nil || f.Retired || !acc.CanRead(name) {
				continue
			}
			ds.Fields = append(ds.Fields, DisplayField{Name: name, Label: FieldLabel(f, langs), Help: f.HelpText.In(langs),
				Value: recFormat(l, langs, f, rec[name], exp)})
		}
		if len(ds.Fields) > 0 {
			v.Sections = append(v.Sections, ds)
		}
	}
	v.System = []DisplayField{
		{Label: T(l, "common.owner"), Value: users(rec[compiled.ColOwnerID])},
		{Label: T(l, "common.created_at"), Value: recTime(rec[compiled.ColCreatedAt])},
		{Label: T(l, "common.updated_at"), Value: recTime(rec[compiled.ColUpdatedAt])},
	}
	if rt, _ := rec[compiled.ColRecordType].(string); rt != "" {
		label := rt
		if t := obj.Meta.RecordType(rt); t != nil && t.Label.In(langs) != "" {
			label = t.Label.In(langs)
		}
		v.System = append(v.System, DisplayField{Label: T(l, "form.record_type"), Value: RecValue{Text: label}})
	}
	if v.Related, err = h.recRelated(c, rev, obj, rec); err != nil {
		return err
	}
	if len(obj.Meta.TrackHistory) > 0 {
		v.Tracked = true
		hist, err := h.srv.Records().History(ctx, rev, obj, act, rec.ID(), records.HistoryQuery{Limit: 20})
		if err != nil {
			return err
		}
		for _, e := range hist.Entries {
			f := obj.Meta.Field(e.Field)
			if f == nil || !acc.CanRead(e.Field) {
				continue
			}
			v.History = append(v.History, HistoryRow{Field: FieldLabel(f, langs), Old: recHistoryText(l, langs, f, e.OldValue),
				New: recHistoryText(l, langs, f, e.NewValue), By: users(e.ChangedBy).Text, At: recFormatTime(e.ChangedAt)})
		}
	}
	if acc.Edit {
		for _, a := range rev.Actions(obj.Meta.Name) {
			av := ActionView{Name: a.Meta.Name, Label: a.Meta.Label.In(langs), Description: a.Meta.Description.In(langs)}
			if av.Label == "" {
				av.Label = a.Meta.Name
			}
			for _, p := range a.Meta.Parameters {
				av.Params = append(av.Params, actionParamView(a.Meta.Name, p, c.FormValue(p.Name), n.action == a.Meta.Name))
			}
			if n.action == a.Meta.Name {
				av.Error, av.Errors = n.err, n.actErrs
				v.Error = ""
			}
			v.Actions = append(v.Actions, av)
		}
	}
	if v.Approval, err = h.recApprovalPanel(c, rev, obj, rec, users); err != nil {
		return err
	}
	if n.approval != "" {
		v.Approval.Error, v.Error = n.approval, ""
	}
	return h.render(c, n.status, "record", v.Name+" · "+v.ObjectName, v)
}

// recName is the record's name: its name field, else its id.
func recName(obj *compiled.Object, rec records.Record) string {
	if nf := obj.Meta.NameField; nf != "" {
		if s := recNameText(rec[nf]); s != "" {
			return s
		}
	}
	return rec.ID()
}

func recNameText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	default:
		return fmt.Sprint(x)
	}
}

// expand names the records the readable lookups of recs point at.
func (h *Handler) recExpand(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, act records.Actor, recs []records.Record) (records.Expansion, error) {
	var fields []string
	for _, col := range obj.FieldColumns() {
		if col.Field.Type == "lookup" && act.Access.CanRead(col.Name) {
			fields = append(fields, col.Name)
		}
	}
	if len(fields) == 0 {
		return records.Expansion{}, nil
	}
	return h.srv.Records().Expand(c.UserContext(), rev, obj, act, fields, recs, nil)
}

// related lists, for every lookup of an object the user may read that
// points at obj, up to ten of the record's children.
func (h *Handler) recRelated(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, rec records.Record) ([]RelatedList, error) {
	l, langs := lang(c), languages(c)
	var out []RelatedList
	for _, ref := range rev.Referrers(obj.Meta.Name) {
		child := ref.Object
		cacc := access(c, rev, child)
		if !cacc.Read || !cacc.CanRead(ref.Column.Name) {
			continue
		}
		cols := []string{}
		if nf := child.Meta.NameField; nf != "" && cacc.CanRead(nf) {
			cols = append(cols, nf)
		}
		var shown []*metadata.Field
		for _, f := range child.Meta.Fields {
			if len(shown) == 3 {
				break
			}
			if f.Retired || f.Name == child.Meta.NameField || f.Name == ref.Column.Name || !cacc.CanRead(f.Name) {
				continue
			}
			shown = append(shown, f)
			cols = append(cols, f.Name)
		}
		res, err := h.srv.Records().List(c.UserContext(), rev, child, records.ListQuery{
			Filter: ref.Column.Name + " == " + strconv.Quote(rec.ID()), Fields: cols, Limit: 10,
			User: actor(c, rev, child).User(), Access: cacc, Sort: "-created_at",
		})
		if err != nil {
			return nil, err
		}
		cact := actor(c, rev, child)
		exp, err := h.recExpand(c, rev, child, cact, res.Records)
		if err != nil {
			return nil, err
		}
		rl := RelatedList{Label: PluralLabel(child.Meta, langs), Object: child.Meta.Name}
		if len(rev.Referrers(obj.Meta.Name)) > 1 {
			rl.Label += " (" + FieldLabel(ref.Column.Field, langs) + ")"
		}
		for _, f := range shown {
			rl.Columns = append(rl.Columns, FieldLabel(f, langs))
		}
		for _, r := range res.Records {
			row := RelatedRow{Href: "/o/" + child.Meta.Name + "/" + r.ID(), Name: recName(child, r)}
			for _, f := range shown {
				row.Cells = append(row.Cells, recFormat(l, langs, f, r[f.Name], exp))
			}
			rl.Rows = append(rl.Rows, row)
		}
		if cacc.Create && cacc.CanEdit(ref.Column.Name) {
			rl.NewHref = "/o/" + child.Meta.Name + "/new?" + url.Values{ref.Column.Name: {rec.ID()}}.Encode()
			rl.NewText = T(l, "rec.new_child", Label(child.Meta, langs))
		}
		out = append(out, rl)
	}
	return out, nil
}

// recUsers returns a function naming users by id, reading each once.
func (h *Handler) recUsers(c *fiber.Ctx) func(id any) RecValue {
	cache := map[string]RecValue{}
	return func(v any) RecValue {
		id, _ := v.(string)
		if id == "" {
			return RecValue{Text: "—", Empty: true}
		}
		if d, ok := cache[id]; ok {
			return d
		}
		d := RecValue{Text: id}
		if u, err := store.UserByID(c.UserContext(), h.srv.DB(), identity(c).Tenant.ID, id); err == nil {
			d.Text = u.Name
			if d.Text == "" {
				d.Text = u.Email
			}
		}
		cache[id] = d
		return d
	}
}

func recTime(v any) RecValue {
	t, ok := v.(time.Time)
	if !ok {
		return RecValue{Text: "—", Empty: true}
	}
	return RecValue{Text: recFormatTime(t)}
}

func recFormatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// recFormat is a field's value as users read it: numbers at their
// scale, percent with %, dates, datetimes in UTC, Yes/No, picklist labels
// in the user's language, lookups as the target's name with a link.
func recFormat(l string, langs []string, f *metadata.Field, v any, exp records.Expansion) RecValue {
	if v == nil {
		return RecValue{Text: "—", Empty: true}
	}
	if f.Type == "lookup" {
		id, _ := v.(string)
		d := RecValue{Text: id, Href: "/o/" + f.Settings.Target + "/" + id}
		if name, ok := exp.Name(f.Name, id); ok && name != "" {
			d.Text = name
		}
		return d
	}
	vf := f.ValueField()
	switch x := v.(type) {
	case bool:
		if x {
			return RecValue{Text: T(l, "common.yes")}
		}
		return RecValue{Text: T(l, "common.no")}
	case decimal.Decimal:
		s := x.String()
		if dt, ok := vf.TypeOf().(metadata.DecimalType); ok {
			_, scale := dt.PrecisionScale(vf)
			s = x.StringFixed(int32(scale))
		}
		if vf.Type == "percent" {
			s += " %"
		}
		return RecValue{Text: s}
	case time.Time:
		if vf.Kind() == metadata.KindDate {
			return RecValue{Text: x.Format("2006-01-02")}
		}
		return RecValue{Text: recFormatTime(x)}
	case []string:
		labels := make([]string, len(x))
		for i, s := range x {
			labels[i] = choiceLabel(vf, s, langs)
		}
		if len(labels) == 0 {
			return RecValue{Text: "—", Empty: true}
		}
		return RecValue{Text: strings.Join(labels, ", ")}
	case string:
		if vf.Type == "picklist" {
			return RecValue{Text: choiceLabel(vf, x, langs)}
		}
		if x == "" {
			return RecValue{Text: "—", Empty: true}
		}
		return RecValue{Text: x}
	}
	return RecValue{Text: fmt.Sprint(v)}
}

// choiceLabel is a picklist value's label in langs, else the value.
func choiceLabel(f *metadata.Field, value string, langs []string) string {
	for _, pv := range f.Settings.Values {
		if pv.Value == value {
			if s := pv.Label.In(langs); s != "" {
				return s
			}
			break
		}
	}
	return value
}

// recHistoryText shows a history value (JSON as the API writes it).
func recHistoryText(l string, langs []string, f *metadata.Field, raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "—"
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case bool:
		return recFormat(l, langs, f, x, nil).Text
	case json.Number:
		if d, err := decimal.NewFromString(string(x)); err == nil {
			return recFormat(l, langs, f, d, nil).Text
		}
		return string(x)
	case string:
		if f.Type == "picklist" {
			return choiceLabel(f, x, langs)
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = choiceLabel(f, fmt.Sprint(e), langs)
		}
		return strings.Join(parts, ", ")
	}
	return string(raw)
}

// recApprovalPanel gathers the record's approval status, history and what
// the user may do.
func (h *Handler) recApprovalPanel(c *fiber.Ctx, rev *compiled.Revision, obj *compiled.Object, rec records.Record, users func(any) RecValue) (*ApprovalView, error) {
	ctx := c.UserContext()
	l := lang(c)
	act := actor(c, rev, obj)
	av := &ApprovalView{}
	st, err := h.srv.Approvals().State(ctx, rev, obj, act, rec.ID())
	if err != nil {
		return nil, err
	}
	me := identity(c).User.ID
	if len(st.Instances) > 0 {
		in := st.Instances[0]
		av.StatusKey = in.Status
		av.Status = T(l, "rec.appr.s."+in.Status)
		av.Process = in.Process
		if p, ok := rev.ApprovalProcess(in.Process); ok && p.Meta.Label.In(languages(c)) != "" {
			av.Process = p.Meta.Label.In(languages(c))
		}
		if in.Status == "pending" {
			av.Step = in.StepName
			for _, tk := range in.Tasks {
				if tk.Status != "pending" {
					continue
				}
				if tk.Queue != "" {
					av.Assignees = append(av.Assignees, T(l, "rec.appr.queue", tk.Queue))
				} else {
					av.Assignees = append(av.Assignees, users(tk.AssigneeID).Text)
				}
			}
			av.MayRecall = in.SubmittedBy == me || identity(c).IsAdmin()
		}
		for i := len(st.Instances) - 1; i >= 0; i-- {
			for _, e := range st.Instances[i].History {
				who := T(l, "rec.appr.system")
				if e.ActorID != "" {
					who = users(e.ActorID).Text
				}
				av.History = append(av.History, ApprovalEvent{Actor: who, Action: T(l, "rec.appr.h."+e.Action), Comment: e.Comment,
					At: recFormatTime(e.CreatedAt), Step: e.StepName})
			}
		}
	}
	if st.Pending != "" {
		tasks, err := h.srv.Approvals().Inbox(ctx, rev, act, func(o *compiled.Object) *compiled.Access { return access(c, rev, o) })
		if err != nil {
			return nil, err
		}
		for _, tk := range tasks {
			if tk.RecordID == rec.ID() {
				av.Tasks = append(av.Tasks, tk.ID)
			}
		}
		return av, nil
	}
	p, err := h.srv.Approvals().Preview(ctx, rev, obj, act, rec.ID())
	if err != nil {
		return nil, err
	}
	av.MaySubmit = p.MaySubmit && p.Process != ""
	if p.Process == "" && len(st.Instances) == 0 {
		av.Reason = T(l, "rec.appr.no_process")
	}
	return av, nil
}

// recApprovalMessage is the message of a refused approval (or record) error
// and the status to answer it with; ok is false for other errors.
func recApprovalMessage(err error) (int, string, bool) {
	var ae *approvals.Error
	if !errors.As(err, &ae) {
		return 0, "", false
	}
	switch ae.Kind {
	case approvals.NotFound:
		return fiber.StatusNotFound, ae.Message, true
	case approvals.Forbidden:
		return fiber.StatusForbidden, ae.Message, true
	case approvals.Conflict:
		return fiber.StatusConflict, ae.Message, true
	}
	return fiber.StatusUnprocessableEntity, ae.Message, true
}

func (h *Handler) toRecord(c *fiber.Ctx, obj, id, flash string) error {
	return c.Redirect("/o/"+obj+"/"+id+"?m="+flash, fiber.StatusSeeOther)
}

func (h *Handler) recSubmitApproval(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	id := strings.ToLower(c.Params("id"))
	_, err = h.srv.Approvals().Submit(c.UserContext(), rev, obj, actor(c, rev, obj), id, approvals.SubmitInput{Comment: c.FormValue("comment")})
	if status, msg, ok := recApprovalMessage(err); ok {
		return h.showRecord(c, recNotice{status: status, approval: msg})
	}
	if err != nil {
		return err
	}
	return h.toRecord(c, obj.Meta.Name, id, "submitted")
}

func (h *Handler) recRecallApproval(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	id := strings.ToLower(c.Params("id"))
	_, err = h.srv.Approvals().Recall(c.UserContext(), rev, obj, actor(c, rev, obj), id, approvals.RecallInput{Comment: c.FormValue("comment")})
	if status, msg, ok := recApprovalMessage(err); ok {
		return h.showRecord(c, recNotice{status: status, approval: msg})
	}
	if err != nil {
		return err
	}
	return h.toRecord(c, obj.Meta.Name, id, "recalled")
}

func (h *Handler) recDecideTask(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	decision := c.Params("decision")
	if decision != approvals.Approve && decision != approvals.Reject {
		return fiber.NewError(fiber.StatusNotFound, T(lang(c), "err.not_found"))
	}
	id := strings.ToLower(c.Params("id"))
	_, err = h.srv.Approvals().Decide(c.UserContext(), rev, actor(c, rev, obj), strings.ToLower(c.Params("task")), decision, approvals.DecideInput{Comment: c.FormValue("comment")})
	if status, msg, ok := recApprovalMessage(err); ok {
		return h.showRecord(c, recNotice{status: status, approval: msg})
	}
	if err != nil {
		return err
	}
	return h.toRecord(c, obj.Meta.Name, id, decision+"d")
}

func (h *Handler) recRunAction(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	id, name := strings.ToLower(c.Params("id")), c.Params("action")
	ca, ok := rev.Action(obj.Meta.Name, name)
	if !ok {
		return fiber.NewError(fiber.StatusNotFound, T(lang(c), "err.not_found"))
	}
	params := map[string]any{}
	for _, p := range ca.Meta.Parameters {
		raw := strings.TrimSpace(c.FormValue(p.Name))
		if p.Type == "boolean" {
			params[p.Name] = recLastValue(c, p.Name) == "true"
			continue
		}
		if raw == "" {
			continue
		}
		if p.Type == "number" {
			params[p.Name] = json.Number(raw)
		} else {
			params[p.Name] = raw
		}
	}
	_, err = h.srv.Actions().Run(c.UserContext(), rev, obj, actor(c, rev, obj), id, name, params)
	var ae *actions.Error
	if errors.As(err, &ae) {
		status := fiber.StatusUnprocessableEntity
		if ae.Kind == actions.Forbidden {
			status = fiber.StatusForbidden
		}
		var errs []string
		for _, fe := range ae.Errors {
			errs = append(errs, fe.Field+": "+fe.Message)
		}
		return h.showRecord(c, recNotice{status: status, action: name, err: ae.Message, actErrs: errs})
	}
	var ve *records.ValidationError
	if errors.As(err, &ve) {
		var errs []string
		for _, fe := range ve.Errors {
			errs = append(errs, strings.TrimPrefix(fe.Field+": ", ": ")+fe.Message)
		}
		return h.showRecord(c, recNotice{status: fiber.StatusUnprocessableEntity, action: name, err: T(lang(c), "form.invalid"), actErrs: errs})
	}
	if status, msg, ok := recApprovalMessage(err); ok {
		return h.showRecord(c, recNotice{status: status, action: name, err: msg})
	}
	if errors.Is(err, records.ErrForbidden) {
		return h.showRecord(c, recNotice{status: fiber.StatusForbidden, action: name, err: T(lang(c), "rec.forbidden")})
	}
	if err != nil {
		return err
	}
	return h.toRecord(c, obj.Meta.Name, id, "action")
}

func (h *Handler) recDelete(c *fiber.Ctx) error {
	rev, obj, err := h.object(c)
	if err != nil {
		return err
	}
	id := strings.ToLower(c.Params("id"))
	err = h.srv.Records().Delete(c.UserContext(), rev, obj, actor(c, rev, obj), id, nil)
	if status, msg, ok := recApprovalMessage(err); ok {
		return h.showRecord(c, recNotice{status: status, err: msg})
	}
	switch {
	case errors.Is(err, records.ErrReferenced):
		return h.showRecord(c, recNotice{status: fiber.StatusConflict, err: T(lang(c), "rec.referenced")})
	case errors.Is(err, records.ErrForbidden):
		return h.showRecord(c, recNotice{status: fiber.StatusForbidden, err: T(lang(c), "rec.forbidden")})
	case err != nil:
		return err
	}
	return c.Redirect("/o/"+obj.Meta.Name+"?m=deleted", fiber.StatusSeeOther)
}

// recLastValue is the last value posted for name (a checkbox after its
// hidden "false").
func recLastValue(c *fiber.Ctx, name string) string {
	vs := c.Request().PostArgs().PeekMulti(name)
	if len(vs) == 0 {
		if mf, err := c.MultipartForm(); err == nil && len(mf.Value[name]) > 0 {
			return mf.Value[name][len(mf.Value[name])-1]
		}
		return ""
	}
	return string(vs[len(vs)-1])
}
