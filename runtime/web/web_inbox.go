package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/approvals"
	"github.com/mosaic-paas/mosaic/runtime/store"
)

// The approval inbox: the signed-in user's pending tasks (its own and its
// queues'), decided one at a time or many at once with one comment.
func init() {
	register(func(h *Handler, r fiber.Router) {
		r.Get("/inbox", h.inbox)
		r.Post("/inbox/decide", h.inboxDecide)
	})
	addMessages(map[string][2]string{
		"inbox.title":        {"Approvals", "审批"},
		"inbox.empty":        {"Nothing waits for your decision.", "没有等待您审批的事项。"},
		"inbox.record":       {"Record", "记录"},
		"inbox.object":       {"Object", "对象"},
		"inbox.process":      {"Process", "流程"},
		"inbox.step":         {"Step", "步骤"},
		"inbox.submitted_by": {"Submitted by", "提交人"},
		"inbox.since":        {"Waiting since", "等待自"},
		"inbox.select":       {"Select %s", "选择 %s"},
		"inbox.select_all":   {"Select all", "全选"},
		"inbox.approve":      {"Approve", "批准"},
		"inbox.reject":       {"Reject", "拒绝"},
		"inbox.approve_one":  {"Approve %s", "批准 %s"},
		"inbox.reject_one":   {"Reject %s", "拒绝 %s"},
		"inbox.selected":     {"Decide the selected tasks", "审批所选事项"},
		"inbox.none_chosen":  {"Choose at least one task.", "请至少选择一项。"},
		"inbox.results":      {"Results", "结果"},
		"inbox.decided":      {"%s: %s", "%s：%s"},
		"inbox.refused":      {"%s: refused — %s", "%s：被拒绝 — %s"},
		"inbox.queue":        {"queue %s", "队列 %s"},
		"status.approved":    {"approved", "已批准"},
		"status.rejected":    {"rejected", "已拒绝"},
		"status.pending":     {"pending", "待审批"},
	})
}

// inboxTask is a task as the inbox lists it.
type inboxTask struct {
	ID, Object, ObjectLabel, RecordID, RecordName, Process, Step, SubmittedBy, Queue string
	Since                                                                            time.Time
}

// inboxResult is the outcome of one task of a decision.
type inboxResult struct {
	Task, Status, Error string
}

type inboxPage struct {
	Tasks   []inboxTask
	Results []inboxResult
	Comment string
	Error   string
}

func (h *Handler) inbox(c *fiber.Ctx) error {
	return h.showInbox(c, fiber.StatusOK, inboxPage{})
}

func (h *Handler) showInbox(c *fiber.Ctx, status int, d inboxPage) error {
	rev, err := h.revision(c)
	if err != nil {
		return err
	}
	tasks, err := h.srv.Approvals().Inbox(c.UserContext(), rev, actor(c, rev, nil), h.inboxAccess(c, rev))
	if err != nil {
		return err
	}
	users, err := h.userNames(c)
	if err != nil {
		return err
	}
	for _, tk := range tasks {
		t := inboxTask{ID: tk.ID, Object: tk.Object, ObjectLabel: tk.Object, RecordID: tk.RecordID, RecordName: tk.RecordName,
			Process: tk.Process, Step: tk.StepName, SubmittedBy: users[tk.SubmittedBy], Queue: tk.Queue, Since: tk.CreatedAt}
		if obj, ok := rev.Object(tk.Object); ok {
			t.ObjectLabel = Label(obj.Meta, languages(c))
			if p := rev.Model.ApprovalProcess(tk.Process); p != nil {
				if l := p.Label.In(languages(c)); l != "" {
					t.Process = l
				}
				for _, s := range p.Steps {
					if s.Name == tk.StepName {
						if l := s.Label.In(languages(c)); l != "" {
							t.Step = l
						}
					}
				}
			}
		}
		if t.RecordName == "" {
			t.RecordName = tk.RecordID
		}
		if t.SubmittedBy == "" {
			t.SubmittedBy = tk.SubmittedBy
		}
		d.Tasks = append(d.Tasks, t)
	}
	return h.render(c, status, "inbox", T(lang(c), "inbox.title"), d)
}

// inboxAccess is the user's access to each object, as the API's inbox
// gives it.
func (h *Handler) inboxAccess(c *fiber.Ctx, rev *compiled.Revision) approvals.AccessFunc {
	role := identity(c).User.Role
	return func(obj *compiled.Object) *compiled.Access { return rev.Access(role, obj.Meta.Name) }
}

// userNames maps the tenant's users' ids to their names (their emails when
// they have none).
func (h *Handler) userNames(c *fiber.Ctx) (map[string]string, error) {
	users, err := store.ListUsers(c.UserContext(), h.srv.DB(), identity(c).Tenant.ID, store.UserFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(users))
	for _, u := range users {
		out[u.ID] = u.Name
		if u.Name == "" {
			out[u.ID] = u.Email
		} else if u.Email != "" {
			out[u.ID] = u.Name + " <" + u.Email + ">"
		}
	}
	return out, nil
}

// inboxDecide approves or rejects the chosen tasks with one comment: the
// checked "task" boxes, or the one task of a row's own buttons ("one").
// Each task is decided on its own; the page shows what became of each.
func (h *Handler) inboxDecide(c *fiber.Ctx) error {
	decision := c.FormValue("decision")
	comment := c.FormValue("comment")
	var ids []string
	if one := c.FormValue("one"); one != "" {
		ids = []string{one}
	} else {
		for _, v := range c.Request().PostArgs().PeekMulti("task") {
			ids = append(ids, string(v))
		}
	}
	d := inboxPage{Comment: comment}
	if len(ids) == 0 {
		d.Error = T(lang(c), "inbox.none_chosen")
		return h.showInbox(c, fiber.StatusUnprocessableEntity, d)
	}
	rev, err := h.revision(c)
	if err != nil {
		return err
	}
	names := map[string]string{}
	if tasks, err := h.srv.Approvals().Inbox(c.UserContext(), rev, actor(c, rev, nil), h.inboxAccess(c, rev)); err == nil {
		for _, tk := range tasks {
			names[tk.ID] = tk.RecordName
		}
	}
	results, err := h.srv.Approvals().Batch(c.UserContext(), rev, actor(c, rev, nil), approvals.BatchInput{Decision: decision, TaskIDs: ids, Comment: comment})
	if err != nil {
		ps, ok := problemsOf(err)
		if !ok {
			return err
		}
		d.Error = ps[0].Message
		return h.showInbox(c, fiber.StatusUnprocessableEntity, d)
	}
	status := fiber.StatusOK
	for _, r := range results {
		name := names[r.TaskID]
		if name == "" {
			name = r.TaskID
		}
		res := inboxResult{Task: name}
		if r.Error != nil {
			res.Error = r.Error.Message
			status = fiber.StatusUnprocessableEntity
		} else {
			res.Status = T(lang(c), "status."+r.Status)
		}
		d.Results = append(d.Results, res)
	}
	if status == fiber.StatusOK {
		d.Comment = ""
	}
	return h.showInbox(c, status, d)
}
