package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

const inboxProcess = `
name: discount
object: quote
label: {en: Discount approval}
steps:
  - name: boss
    label: {en: Boss decides}
    approvers: [{user: boss@example.com}]
`

// inboxEnv is a tenant with quotes that boss approves, and a signed-in
// browser of boss.
func inboxEnv(t *testing.T, db store.DB) (*apitest.Env, *browser) {
	e, app := newUI(t, db)
	e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", `{"name": "quote", "name_field": "title", "label": {"en": "Quote"}, "fields": [{"name": "title", "type": "text"}]}`)
	e.MustDo(http.StatusCreated, "PUT", "/api/v1/approval-processes/discount", inboxProcess, "Content-Type", "application/yaml")
	e.AddUser("boss@example.com", "standard", password)
	b := newBrowser(t, app)
	b.signIn("acme", "boss@example.com", password)
	return e, b
}

// submitQuote creates a quote as the administrator and submits it.
func submitQuote(t *testing.T, e *apitest.Env, title string) string {
	id := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/quote/records", map[string]any{"title": title})["id"].(string)
	e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/quote/records/"+id+"/approval/submit", nil)
	return id
}

func approvalStatus(t *testing.T, e *apitest.Env, id string) string {
	st := e.MustDo(http.StatusOK, "GET", "/api/v1/objects/quote/records/"+id+"/approval", nil)
	instances := st["instances"].([]any)
	require.NotEmpty(t, instances)
	return instances[0].(map[string]any)["status"].(string)
}

var taskBox = regexp.MustCompile(`name="task" value="([^"]+)"`)

// TestInboxApproveOne: the inbox lists the pending task with its record,
// object, process, step and submitter; approving it from its row decides
// it, and the inbox is empty then.
func TestInboxApproveOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := inboxEnv(t, db)
		empty := b.get("/inbox")
		require.Equal(t, http.StatusOK, empty.Status, empty.Body)
		assert.Contains(t, empty.Body, "Nothing waits for your decision.")

		id := submitQuote(t, e, "Big deal")
		page := b.get("/inbox")
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		assert.Contains(t, page.Body, `href="/o/quote/`+id+`">Big deal</a>`)
		assert.Contains(t, page.Body, "Discount approval")
		assert.Contains(t, page.Body, "Boss decides")
		assert.Contains(t, page.Body, e.Admin.Email, "the submitter")
		assert.Contains(t, page.Body, `class="cards inbox"`, "a table that becomes cards on phones")
		tasks := taskBox.FindAllStringSubmatch(page.Body, -1)
		require.Len(t, tasks, 1)

		r := b.post("/inbox/decide?decision=approve", url.Values{"one": {tasks[0][1]}, "comment": {"fine"}})
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Contains(t, r.Body, "Big deal: approved")
		assert.Equal(t, "approved", approvalStatus(t, e, id))
		assert.Contains(t, r.Body, "Nothing waits for your decision.")

		r = b.post("/inbox/decide?decision=approve", url.Values{"one": {tasks[0][1]}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "a task decided already is refused")
		assert.Contains(t, r.Body, "refused")
	})
}

// TestInboxBatch: two tasks checked and approved with one comment are both
// decided; a batch without tasks is refused with a message; rejecting
// works the same way.
func TestInboxBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, b := inboxEnv(t, db)
		one, two, three := submitQuote(t, e, "One"), submitQuote(t, e, "Two"), submitQuote(t, e, "Three")
		page := b.get("/inbox")
		tasks := taskBox.FindAllStringSubmatch(page.Body, -1)
		require.Len(t, tasks, 3)

		r := b.post("/inbox/decide", url.Values{"decision": {"approve"}, "comment": {"ok"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, "Choose at least one task.")

		r = b.post("/inbox/decide", url.Values{"decision": {"approve"}, "task": {tasks[0][1], tasks[1][1]}, "comment": {"both fine"}})
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Contains(t, r.Body, "One: approved")
		assert.Contains(t, r.Body, "Two: approved")
		assert.Equal(t, "approved", approvalStatus(t, e, one))
		assert.Equal(t, "approved", approvalStatus(t, e, two))
		assert.Equal(t, "pending", approvalStatus(t, e, three))
		assert.Len(t, taskBox.FindAllStringSubmatch(r.Body, -1), 1, "the inbox keeps the task left")

		r = b.post("/inbox/decide", url.Values{"decision": {"reject"}, "task": {tasks[2][1]}, "comment": {"no"}})
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		assert.Equal(t, "rejected", approvalStatus(t, e, three))

		b.lang = "zh-CN"
		assert.Contains(t, b.get("/inbox").Body, "没有等待您审批的事项。")
	})
}
