package benchmark_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/benchmark"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// fixture is a fresh store of one kind with the benchmark's objects, rows
// seeded by the direct path, and the three ways to reach them: the HTTP
// handler, the record service, and the hand-written driver code.
type fixture struct {
	kind    string
	env     *apitest.Env
	http    *caller
	direct  benchmark.Direct
	gen     *benchmark.Gen
	rows    int
	next    int // index of the next record to create
	svc     *records.Service
	rev     *compiled.Revision
	obj     *compiled.Object
	actor   records.Actor
	ctx     context.Context
	baseURL string
}

// newFixture builds a fixture with rows opportunities spread over accounts
// accounts. It skips when the kind of store is not available.
func newFixture(tb testing.TB, kind string, rows, accounts int) *fixture {
	return newFixtureOf(tb, kind, rows, accounts, benchmark.OpportunityDoc)
}

// newFixtureOf is newFixture with the opportunity defined by oppDoc.
func newFixtureOf(tb testing.TB, kind string, rows, accounts int, oppDoc string) *fixture {
	tb.Helper()
	ctx := context.Background()
	db := storetest.Open(tb, kind)
	env := apitest.New(tb, db, "bench")
	env.MustDo(201, "POST", "/api/v1/objects", benchmark.AccountDoc)
	env.MustDo(201, "POST", "/api/v1/objects", oppDoc)
	_, tok, err := store.AuthenticateToken(ctx, db, env.Token)
	require.NoError(tb, err)

	direct := openDirect(tb, db, env.Tenant.Schema)
	tb.Cleanup(direct.Close)
	gen := benchmark.NewGen(accounts, tok.UserID)
	require.NoError(tb, direct.SeedAccounts(ctx, gen))
	require.NoError(tb, direct.Seed(ctx, gen, 0, rows))
	require.NoError(tb, direct.Analyze(ctx))

	rev, err := env.Catalog.Current(ctx, env.Tenant)
	require.NoError(tb, err)
	obj, ok := rev.Object(benchmark.OpportunityObject)
	require.True(tb, ok)
	return &fixture{
		kind: kind, env: env, http: newCaller(env.App.Handler(), env.Token), direct: direct, gen: gen,
		rows: rows, next: rows, svc: records.New(db), rev: rev, obj: obj, actor: records.Actor{ID: tok.UserID}, ctx: ctx,
		baseURL: "/api/v1/objects/" + benchmark.OpportunityObject + "/records",
	}
}

// openDirect opens the hand-written baseline on the same database as db.
func openDirect(tb testing.TB, db store.DB, schema string) benchmark.Direct {
	tb.Helper()
	ctx := context.Background()
	switch db.Dialect().Name() {
	case storetest.SQLite:
		var seq int
		var name, file string
		require.NoError(tb, db.QueryRow(ctx, "PRAGMA database_list").Scan(&seq, &name, &file))
		d, err := benchmark.OpenSQLiteDirect(ctx, file, schema)
		require.NoError(tb, err)
		return d
	default:
		var name string
		require.NoError(tb, db.QueryRow(ctx, "SELECT current_database()").Scan(&name))
		d, err := benchmark.OpenPostgresDirect(ctx, databaseURL(tb, os.Getenv(storetest.EnvDatabaseURL), name), schema)
		require.NoError(tb, err)
		return d
	}
}

// databaseURL is the server's connection string with its database replaced.
func databaseURL(tb testing.TB, server, name string) string {
	if !strings.HasPrefix(server, "postgres://") && !strings.HasPrefix(server, "postgresql://") {
		return server + " dbname=" + name
	}
	u, err := url.Parse(server)
	require.NoError(tb, err)
	u.Path = "/" + name
	return u.String()
}

// nextFields fills o with the fields of the next record to create (a new
// ref); the system columns are left alone.
func (f *fixture) nextFields(o *benchmark.Opportunity) {
	f.gen.Fields(f.next, o)
	f.next++
}

// listFilter is the list benchmark's filter for an account.
func listFilter(account string) string {
	return `account == "` + account + `" && stage in ["` + strings.Join(benchmark.OpenStages, `", "`) + `"]`
}

// listURL is the list benchmark's request for a page of an account.
func (f *fixture) listURL(account string, limit int) string {
	q := url.Values{}
	q.Set("filter", listFilter(account))
	q.Set("sort", "-amount")
	q.Set("limit", strconv.Itoa(limit))
	return f.baseURL + "?" + q.Encode()
}

// caller sends requests straight to the fiber app's fasthttp handler,
// reusing one request and one context, without fiber's app.Test pipe.
type caller struct {
	handler fasthttp.RequestHandler
	req     fasthttp.Request
	ctx     fasthttp.RequestCtx
}

func newCaller(h fasthttp.RequestHandler, token string) *caller {
	c := &caller{handler: h}
	c.req.Header.Set("Authorization", "Bearer "+token)
	c.req.Header.SetContentType("application/json")
	return c
}

// do sends a request and returns the status and the body, which is valid
// until the next call.
func (c *caller) do(method, uri string, body []byte) (int, []byte) {
	c.req.Header.SetMethod(method)
	c.req.SetRequestURI(uri)
	c.req.SetBody(body)
	c.ctx.Response.Reset()
	c.ctx.Init(&c.req, nil, nil)
	c.handler(&c.ctx)
	return c.ctx.Response.StatusCode(), c.ctx.Response.Body()
}

// expect sends a request and returns an error unless it answered status.
func (c *caller) expect(status int, method, uri string, body []byte) error {
	if got, resp := c.do(method, uri, body); got != status {
		return fmt.Errorf("%s %s answered %d, not %d: %.300s", method, uri, got, status, resp)
	}
	return nil
}
