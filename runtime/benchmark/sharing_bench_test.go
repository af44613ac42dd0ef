package benchmark_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/expression"
	"github.com/mosaic-paas/mosaic/metadata"
	"github.com/mosaic-paas/mosaic/runtime/benchmark"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// BenchmarkSharing measures the list benchmark's page of 50 (a random
// account's open opportunities by amount descending, from 100,000) with
// the opportunity private, for an admin, who bypasses record-level access,
// and for a manager whose role has three roles below it: the record
// predicate is owner_id = the manager OR owner_id IN (the users of those
// three roles). The rows are owned in four equal parts by the manager, a
// user of two of the roles below, and a user of a role outside the
// hierarchy, so the manager sees three quarters of them. A third caller,
// that user outside, is under three sharing rules of its role
// (probability >= 50, quantity > 400, won): its predicate is its ownership
// ORed with the three criteria. It reports each one's µs per list, run in
// turn within each iteration, and their ratios to the admin's.
func BenchmarkSharing(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			f := newSharingFixture(b, kind, benchRows, benchAccounts)
			paired(b, []string{"admin", "manager", "rules"}, f.list)
		})
	}
}

// sharingFixture is the list fixture with a private opportunity, roles and
// owners spread over them.
type sharingFixture struct {
	*fixture
	manager, admin, rules records.ListQuery
}

func newSharingFixture(tb testing.TB, kind string, rows, accounts int) *sharingFixture {
	tb.Helper()
	doc := strings.Replace(benchmark.OpportunityDoc, `"name": "opportunity",`, `"name": "opportunity", "sharing": "private",`, 1)
	f := newFixtureOf(tb, kind, rows, accounts, doc)
	fields := map[string]metadata.FieldPermissions{}
	for _, fl := range f.obj.Meta.Fields {
		fields[fl.Name] = metadata.FieldPermissions{Read: true}
	}
	set, err := json.Marshal(map[string]any{"permission_sets": []any{map[string]any{
		"name":    "read_opportunities",
		"objects": map[string]any{benchmark.OpportunityObject: map[string]bool{"read": true}},
		"fields":  map[string]any{benchmark.OpportunityObject: fields},
	}}})
	require.NoError(tb, err)
	f.env.MustDo(200, "PUT", "/api/v1/permission-sets", string(set))
	f.env.MustDo(200, "PUT", "/api/v1/roles", `{"roles": [
  {"name": "manager", "permission_sets": ["read_opportunities"]},
  {"name": "east", "parent": "manager", "permission_sets": ["read_opportunities"]},
  {"name": "west", "parent": "manager", "permission_sets": ["read_opportunities"]},
  {"name": "north", "parent": "manager", "permission_sets": ["read_opportunities"]},
  {"name": "outside", "permission_sets": ["read_opportunities"]}
]}`)
	f.env.MustDo(200, "PATCH", "/api/v1/objects/"+benchmark.OpportunityObject, `{"sharing_rules": [
  {"name": "likely", "criteria": "probability >= 50", "access": "read", "roles": ["outside"]},
  {"name": "large", "criteria": "quantity > 400", "access": "read", "roles": ["outside"]},
  {"name": "won", "criteria": "won", "access": "edit", "roles": ["outside"]}
]}`)
	manager, _ := f.env.AddUser("manager@example.com", "manager", "")
	east, _ := f.env.AddUser("east@example.com", "east", "")
	west, _ := f.env.AddUser("west@example.com", "west", "")
	outside, _ := f.env.AddUser("outside@example.com", "outside", "")
	rev, err := f.env.Catalog.Current(f.ctx, f.env.Tenant)
	require.NoError(tb, err)
	obj, ok := rev.Object(benchmark.OpportunityObject)
	require.True(tb, ok)
	f.rev, f.obj = rev, obj
	require.Len(tb, rev.RolesBelow("manager"), 3)

	// Four equal parts of the rows, in id order (which spreads them over
	// every account), each to one owner.
	d := rev.Dialect
	part := rows / 4
	for i, owner := range []string{manager.ID, east.ID, west.ID, outside.ID} {
		q := fmt.Sprintf(`UPDATE %s SET "owner_id" = %s WHERE "id" IN (SELECT "id" FROM %s ORDER BY "id" LIMIT %d OFFSET %d)`,
			obj.Table, d.Placeholder(1), obj.Table, part, i*part)
		_, err := f.env.DB.Exec(f.ctx, q, owner)
		require.NoError(tb, err)
	}
	require.NoError(tb, f.direct.Analyze(f.ctx))

	sf := &sharingFixture{fixture: f}
	sf.admin = records.ListQuery{Sort: "-amount", Limit: benchmark.ListLimit,
		User: expression.User{ID: f.actor.ID, Role: metadata.RoleAdmin}, Access: rev.Access(metadata.RoleAdmin, obj.Meta.Name)}
	sf.manager = records.ListQuery{Sort: "-amount", Limit: benchmark.ListLimit,
		User: expression.User{ID: manager.ID, Role: "manager"}, Access: rev.Access("manager", obj.Meta.Name)}
	sf.rules = records.ListQuery{Sort: "-amount", Limit: benchmark.ListLimit,
		User: expression.User{ID: outside.ID, Role: "outside"}, Access: rev.Access("outside", obj.Meta.Name)}
	return sf
}

// list reads a page of 50 of a random account's open opportunities as the
// admin, the manager or the user under sharing rules.
func (f *sharingFixture) list(way string) func() error {
	r := rng(way)
	q := f.admin
	switch way {
	case "manager":
		q = f.manager
	case "rules":
		q = f.rules
	}
	return func() error {
		q.Filter = listFilter(f.gen.Accounts[r.IntN(len(f.gen.Accounts))].ID)
		res, err := f.svc.List(f.ctx, f.rev, f.obj, q)
		if err == nil && (len(res.Records) != benchmark.ListLimit || res.NextCursor == "") {
			err = fmt.Errorf("%s: list returned %d records", way, len(res.Records))
		}
		return err
	}
}

// TestSharingFixture checks the benchmark's premise on a small table: the
// manager sees three quarters of the rows, the admin all of them, and the
// user under sharing rules its quarter and the rows the rules match.
func TestSharingFixture(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			f := newSharingFixture(t, kind, 400, 2)
			count := func(q records.ListQuery) int64 {
				q.Count, q.Limit = true, 1
				res, err := f.svc.List(f.ctx, f.rev, f.obj, q)
				require.NoError(t, err)
				return *res.Total
			}
			require.Equal(t, int64(400), count(f.admin))
			require.Equal(t, int64(300), count(f.manager))
			// Its quarter plus, of the other three, those a rule matches.
			others := f.admin
			others.Filter = `owner_id != "` + f.rules.User.ID + `" && (probability >= 50 || quantity > 400 || won)`
			shared := count(others)
			require.Greater(t, shared, int64(0))
			require.Equal(t, 100+shared, count(f.rules))
		})
	}
}
