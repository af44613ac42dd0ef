package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"sigs.k8s.io/yaml"

	"github.com/mosaic-paas/mosaic/metadata"
)

// Approval processes: the list with their activation, each as a diagram of
// its steps beside its document, edited as YAML and checked against the
// schema and the model.
func (h *Handler) routeAdminApprovals(a fiber.Router) {
	a.Get("/approvals", h.adminApprovals)
	a.Post("/approvals", h.adminSaveApproval)
	a.Get("/approvals/new", h.adminNewApproval)
	a.Get("/approvals/:name", h.adminApproval)
	a.Post("/approvals/:name", h.adminSaveApproval)
	a.Post("/approvals/:name/active", h.adminToggleApproval)
}

func init() {
	addMessages(map[string][2]string{
		"admin.ap.none":         {"No approval processes yet.", "还没有审批流程。"},
		"admin.ap.new":          {"New approval process", "新建审批流程"},
		"admin.ap.object":       {"Object", "对象"},
		"admin.ap.active":       {"Active", "启用"},
		"admin.ap.inactive":     {"Inactive", "停用"},
		"admin.ap.steps":        {"Steps", "步骤"},
		"admin.ap.activate":     {"Activate %s", "启用 %s"},
		"admin.ap.deactivate":   {"Deactivate %s", "停用 %s"},
		"admin.ap.diagram":      {"Steps of the process", "流程步骤"},
		"admin.ap.submit":       {"Submitted", "提交"},
		"admin.ap.entry":        {"Entry criteria", "进入条件"},
		"admin.ap.criteria":     {"Criteria", "条件"},
		"admin.ap.when_false":   {"When false", "条件不满足时"},
		"admin.ap.approvers":    {"Approvers", "审批人"},
		"admin.ap.mode":         {"Decided by", "决定方式"},
		"admin.ap.on_reject":    {"On rejection", "拒绝时"},
		"admin.ap.timeout":      {"Timeout", "超时"},
		"admin.ap.approved":     {"Approved", "已批准"},
		"admin.ap.rejected":     {"Rejected", "已拒绝"},
		"admin.ap.every":        {"every record", "所有记录"},
		"admin.ap.always":       {"always", "总是"},
		"admin.ap.document":     {"Document", "文档"},
		"admin.ap.manager":      {"manager, %d level(s) up", "上 %d 级经理"},
		"admin.ap.ratio":        {"%d approvals", "%d 个批准"},
		"admin.ap.actions":      {"Actions", "动作"},
		"admin.ap.name_differs": {"the process's name must stay %s; create a new process for another name", "流程名称必须保持为 %s；其他名称请新建流程"},
	})
}

// processRow is a process of the list.
type processRow struct {
	Name, Label, Object string
	Active              bool
	Steps               int
}

func (h *Handler) adminApprovals(c *fiber.Ctx) error {
	rev, err := h.revision(c)
	if err != nil {
		return err
	}
	var rows []processRow
	for _, p := range rev.Model.ApprovalProcesses {
		rows = append(rows, processRow{Name: p.Name, Label: p.Label.In(languages(c)), Object: p.Object, Active: p.IsActive(), Steps: len(p.Steps)})
	}
	return h.render(c, fiber.StatusOK, "admin_approvals", T(lang(c), "admin.approvals"), map[string]any{"Processes": rows, "Saved": c.Query("saved") != ""})
}

// stepBox is a step of the diagram.
type stepBox struct {
	Name, Label, Criteria, WhenFalse, Mode, OnReject, Timeout string
	Approvers, Actions                                        []string
}

// processPage is the page of one process (or of a new one: Name "").
type processPage struct {
	Name, Label, Object, EntryCriteria string
	Active                             bool
	Steps                              []stepBox
	OnApprove, OnReject                []string
	Document                           string
	Problems                           metadata.Problems
	Saved                              bool
}

func (h *Handler) adminNewApproval(c *fiber.Ctx) error {
	return h.render(c, fiber.StatusOK, "admin_approval", T(lang(c), "admin.ap.new"), processPage{Document: newProcessDocument})
}

// newProcessDocument is the skeleton a new process starts from.
const newProcessDocument = `name: my_process
object: my_object
entry_criteria: ""
steps:
  - name: manager
    approvers:
      - manager: 1
on_approve:
  - update: status := "Approved"
on_reject:
  - update: status := "Rejected"
`

func (h *Handler) adminApproval(c *fiber.Ctx) error {
	rev, err := h.revision(c)
	if err != nil {
		return err
	}
	p := rev.Model.ApprovalProcess(c.Params("name"))
	if p == nil {
		return notFound(c)
	}
	doc, err := yaml.Marshal(p)
	if err != nil {
		return err
	}
	d := processPageOf(c, p)
	d.Document, d.Saved = string(doc), c.Query("saved") != ""
	return h.render(c, fiber.StatusOK, "admin_approval", d.Label, d)
}

// processPageOf lays a process out as a diagram.
func processPageOf(c *fiber.Ctx, p *metadata.ApprovalProcess) processPage {
	l := lang(c)
	d := processPage{Name: p.Name, Label: p.Label.In(languages(c)), Object: p.Object, EntryCriteria: p.EntryCriteria, Active: p.IsActive()}
	if d.Label == "" {
		d.Label = p.Name
	}
	actions := func(as []*metadata.ApprovalAction) []string {
		var out []string
		for _, a := range as {
			if a.Update != "" {
				out = append(out, a.Update)
			} else if a.Event != "" {
				out = append(out, "event "+a.Event)
			}
		}
		return out
	}
	d.OnApprove, d.OnReject = actions(p.OnApprove), actions(p.OnReject)
	for _, s := range p.Steps {
		b := stepBox{Name: s.Name, Label: s.Label.In(languages(c)), Criteria: s.Criteria, WhenFalse: s.EffectiveWhenFalse(),
			Mode: s.EffectiveMode(), OnReject: s.EffectiveOnReject(), Timeout: s.Timeout, Actions: actions(s.OnApprove)}
		if s.EffectiveMode() == metadata.ModeRatio {
			b.Mode += " (" + T(l, "admin.ap.ratio", s.Required) + ")"
		}
		for _, a := range s.Approvers {
			switch a.Kind() {
			case "user":
				b.Approvers = append(b.Approvers, a.User)
			case "role":
				b.Approvers = append(b.Approvers, "role "+a.Role)
			case "manager":
				b.Approvers = append(b.Approvers, T(l, "admin.ap.manager", a.Manager))
			case "field":
				b.Approvers = append(b.Approvers, "field "+a.Field)
			case "queue":
				b.Approvers = append(b.Approvers, "queue "+a.Queue)
			}
		}
		d.Steps = append(d.Steps, b)
	}
	return d
}

// adminSaveApproval creates (POST /admin/approvals) or replaces (POST
// /admin/approvals/:name) a process from its YAML or JSON document.
func (h *Handler) adminSaveApproval(c *fiber.Ctx) error {
	name := c.Params("name")
	src := c.FormValue("document")
	show := func(ps metadata.Problems) error {
		d := processPage{Name: name, Label: name, Document: src, Problems: ps}
		if rev, err := h.revision(c); err == nil && name != "" {
			if p := rev.Model.ApprovalProcess(name); p != nil {
				d = processPageOf(c, p)
				d.Document, d.Problems = src, ps
			}
		}
		if name == "" {
			d.Label = T(lang(c), "admin.ap.new")
		}
		return h.render(c, fiber.StatusUnprocessableEntity, "admin_approval", d.Label, d)
	}
	p, err := metadata.DecodeApprovalProcess([]byte(src))
	if err != nil {
		return refused(err, show)
	}
	if name != "" && p.Name != name {
		return show(metadata.Problems{{Path: "name", Code: metadata.ProblemInvalidSetting, Message: T(lang(c), "admin.ap.name_differs", name)}})
	}
	created := name == ""
	_, err = h.change(c, metaChange{Summary: "change approval process " + p.Name}, func(m *metadata.Model) error {
		for i, old := range m.ApprovalProcesses {
			if old.Name == p.Name {
				if created {
					return metadata.Problems{{Path: "name", Code: metadata.ProblemDuplicate, Message: fmt.Sprintf("approval process %q already exists", p.Name)}}
				}
				m.ApprovalProcesses[i] = p
				return nil
			}
		}
		m.ApprovalProcesses = append(m.ApprovalProcesses, p)
		return nil
	})
	if err != nil {
		return refused(err, show)
	}
	return c.Redirect("/admin/approvals/"+p.Name+"?saved=1", fiber.StatusSeeOther)
}

// adminToggleApproval activates (active=1) or deactivates a process.
func (h *Handler) adminToggleApproval(c *fiber.Ctx) error {
	name := c.Params("name")
	active := c.FormValue("active") == "1"
	verb := "deactivate"
	if active {
		verb = "activate"
	}
	_, err := h.change(c, metaChange{Summary: verb + " approval process " + name}, func(m *metadata.Model) error {
		for _, p := range m.ApprovalProcesses {
			if p.Name == name {
				p.Active = &active
				return nil
			}
		}
		return notFound(c)
	})
	if err != nil {
		ps, ok := problemsOf(err)
		if !ok {
			return err
		}
		parts := make([]string, len(ps))
		for i, p := range ps {
			parts[i] = strings.TrimPrefix(p.Path+": ", ": ") + p.Message
		}
		return fiber.NewError(fiber.StatusUnprocessableEntity, strings.Join(parts, "; "))
	}
	back := "/admin/approvals?saved=1"
	if c.FormValue("back") == "process" {
		back = "/admin/approvals/" + name + "?saved=1"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
