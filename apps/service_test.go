package apps_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/schedules"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestServiceCaseSLAAndRefund walks the service app, installed with the
// CRM it depends on: a case gets its SLA due times from its policy; when
// the resolution target passes, the escalation schedule marks it breached
// and escalated; a goodwill refund above 5,000 goes through the support
// manager and the finance desk.
func TestServiceCaseSLAAndRefund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := installApps(t, db, "service")
		c := &crm{Env: e, t: t}
		users := map[string]store.User{}
		add := func(name, role string) string {
			u, tok := e.AddUser(name+"@example.com", role, "")
			users[name] = u
			return tok
		}
		mgr := add("mgr", "svc__support_manager")
		agent := add("agent", "svc__agent")
		fin := add("fin", "crm__finance")
		e.MustDo(http.StatusOK, "PATCH", "/api/v1/users/"+users["agent"].ID, map[string]any{"manager_id": users["mgr"].ID})

		// The tenant gives the CRM's finance role the service app's refund
		// permission set (a bundle's role may include more sets).
		roles := e.MustDo(http.StatusOK, "GET", "/api/v1/roles", nil)["roles"].([]any)
		for _, r := range roles {
			rm := r.(map[string]any)
			if rm["name"] == "crm__finance" {
				rm["permission_sets"] = append(rm["permission_sets"].([]any), "svc__refund_finance")
			}
		}
		e.MustDo(http.StatusOK, "PUT", "/api/v1/roles", map[string]any{"roles": roles})

		account := e.MustDo(http.StatusCreated, "POST", "/api/v1/objects/crm__account/records", map[string]any{"name": "Analytical Engines"})["id"].(string)
		policies := c.do(agent, http.StatusOK, "GET", "/objects/svc__sla_policy/records?filter="+urlEscape(`priority == "Urgent"`), nil)["records"].([]any)
		require.Len(t, policies, 1, "the seeded Urgent policy")
		policy := policies[0].(map[string]any)["id"].(string)

		kase := c.do(agent, http.StatusCreated, "POST", "/objects/svc__case/records", map[string]any{
			"subject": "Production down", "priority": "Urgent", "origin": "Phone", "account": account, "sla_policy": policy})
		created, err := time.Parse(time.RFC3339Nano, kase["created_at"].(string))
		require.NoError(t, err)
		due, err := time.Parse(time.RFC3339Nano, kase["resolution_due"].(string))
		require.NoError(t, err)
		assert.Equal(t, 240*time.Minute, due.Sub(created), "the Urgent policy's resolution target")
		assert.Equal(t, "New", kase["status"])

		// Five hours later the escalation schedule runs.
		later := func() time.Time { return time.Now().Add(5 * time.Hour) }
		recs := records.New(db)
		recs.SetClock(later)
		sched := schedules.New(db, recs, schedules.Config{Now: later})
		rev, err := e.Catalog.Current(context.Background(), e.Tenant)
		require.NoError(t, err)
		cs, ok := rev.Schedule("svc__case", "escalate_breached")
		require.True(t, ok)
		res, err := sched.Run(context.Background(), rev, cs)
		require.NoError(t, err)
		assert.Equal(t, 1, res.Updated, "%+v", res)
		kase = c.do(agent, http.StatusOK, "GET", "/objects/svc__case/records/"+kase["id"].(string), nil)
		assert.Equal(t, "Escalated", kase["status"])
		assert.Equal(t, true, kase["breached"])
		assert.Equal(t, true, kase["escalated"])

		// A goodwill refund of 8,000: the support manager, then finance.
		refund := c.do(agent, http.StatusCreated, "POST", "/objects/svc__refund/records", map[string]any{
			"support_case": kase["id"], "amount": 8000, "reason": "Service Outage"})
		r := refund["id"].(string)
		c.do(agent, http.StatusCreated, "POST", "/objects/svc__refund/records/"+r+"/approval/submit", map[string]any{"comment": "four hours down"})
		for _, approver := range []string{mgr, fin} {
			tasks := c.inbox(approver)
			require.Len(t, tasks, 1)
			c.do(approver, http.StatusOK, "POST", "/approvals/tasks/"+tasks[0]+"/approve", nil)
		}
		refund = c.do(agent, http.StatusOK, "GET", "/objects/svc__refund/records/"+r, nil)
		assert.Equal(t, "Approved", refund["status"])
		assert.NotNil(t, refund["approved_at"])

		// Knowledge: only drafts are edited; a published article is archived.
		art := c.do(mgr, http.StatusCreated, "POST", "/objects/svc__article/records", map[string]any{"title": "Restarting the engine", "body": "Turn it off and on."})
		a := art["id"].(string)
		c.do(mgr, http.StatusOK, "PATCH", "/objects/svc__article/records/"+a, map[string]any{"status": "Published", "published_at": time.Now().UTC().Format(time.RFC3339)})
		rr := c.DoAs(mgr, "PATCH", "/api/v1/objects/svc__article/records/"+a, map[string]any{"title": "Changed"})
		assert.Equal(t, http.StatusUnprocessableEntity, rr.Status, rr.String())
		c.do(mgr, http.StatusOK, "PATCH", "/objects/svc__article/records/"+a, map[string]any{"status": "Archived"})
	})
}
