package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestMain drops the PostgreSQL template database when the tests end.
func TestMain(m *testing.M) { storetest.Main(m) }

// scenario is one request to the API and what its answer must be, in the
// manner of PocketBase's ApiScenario: a status, the problem code and the
// fields its errors name, fragments the body must (not) hold, and any
// further check.
type scenario struct {
	name    string
	method  string
	path    string
	body    any
	headers []string
	// token replaces the tenant's token when set ("-" sends none).
	token string

	status int
	// code is the problem's code; when set the answer must be
	// application/problem+json.
	code string
	// fields are the fields the problem's errors must name (every one of
	// them, in any order; other errors may be present unless onlyFields).
	fields     []string
	onlyFields bool
	// contains and absent are fragments the body must and must not hold.
	contains []string
	absent   []string
	// check runs further assertions on the answer.
	check func(t *testing.T, r *apitest.Response)
}

// run sends the scenario's request with e and checks the answer.
func (s scenario) run(t *testing.T, e *apitest.Env) *apitest.Response {
	t.Helper()
	e = at(t, e)
	var r *apitest.Response
	switch s.token {
	case "":
		r = e.Do(s.method, s.path, s.body, s.headers...)
	case "-":
		r = e.DoAs("", s.method, s.path, s.body, s.headers...)
	default:
		r = e.DoAs(s.token, s.method, s.path, s.body, s.headers...)
	}
	require.Equal(t, s.status, r.Status, "%s %s answered %s", s.method, s.path, r.String())
	if s.code != "" {
		p := problemOf(t, r)
		assert.Equal(t, s.code, p.Code, r.String())
		assert.Equal(t, s.status, p.Status, r.String())
		got := p.fields()
		for _, f := range s.fields {
			assert.Contains(t, got, f, "errors of %s", r.String())
		}
		if s.onlyFields {
			assert.ElementsMatch(t, s.fields, got, "errors of %s", r.String())
		}
	}
	for _, c := range s.contains {
		assert.Contains(t, r.String(), c)
	}
	for _, c := range s.absent {
		assert.NotContains(t, r.String(), c)
	}
	if s.check != nil {
		s.check(t, r)
	}
	return r
}

// runAll runs each scenario as a subtest.
func runAll(t *testing.T, e *apitest.Env, scenarios []scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) { s.run(t, at(t, e)) })
	}
}

// problemDoc is a problem answer as a client reads it.
type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Index   *int   `json:"index"`
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p problemDoc) fields() []string {
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Field
	}
	return out
}

// errorOf returns the error naming field, failing the test when there is
// none.
func (p problemDoc) errorOf(t *testing.T, field string) (code, message string) {
	t.Helper()
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Code, e.Message
		}
	}
	t.Fatalf("no error names %q in %+v", field, p.Errors)
	return "", ""
}

// problemOf decodes a problem answer, requiring its media type.
func problemOf(t *testing.T, r *apitest.Response) problemDoc {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), r.String())
	var p problemDoc
	require.NoError(t, json.Unmarshal(r.Body, &p), r.String())
	assert.NotEmpty(t, p.Title)
	assert.True(t, strings.HasPrefix(p.Type, "https://mosaic.dev/problems/"), p.Type)
	return p
}

// wantProblem requires an answer to be a problem with a status and code.
func wantProblem(t *testing.T, r *apitest.Response, status int, code string) problemDoc {
	t.Helper()
	require.Equal(t, status, r.Status, r.String())
	p := problemOf(t, r)
	require.Equal(t, code, p.Code, r.String())
	return p
}

// num returns a JSON number of a decoded answer as text.
func num(t *testing.T, v any) string {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "%v (%T) is not a JSON number", v, v)
	return n.String()
}

// count returns the number of records of an object, read through the API.
func count(t *testing.T, e *apitest.Env, object string) int {
	t.Helper()
	list := at(t, e).MustDo(http.StatusOK, "GET", "/api/v1/objects/"+object+"/records?count=true&limit=1", nil)
	n, err := list["total"].(json.Number).Int64()
	require.NoError(t, err)
	return int(n)
}

// revision returns the tenant's current metadata revision number.
func revision(t *testing.T, e *apitest.Env) int {
	t.Helper()
	m := at(t, e).MustDo(http.StatusOK, "GET", "/api/v1/metadata", nil)
	n, err := m["revision"].(json.Number).Int64()
	require.NoError(t, err)
	return int(n)
}

// create creates a record and returns it.
func create(t *testing.T, e *apitest.Env, object string, body any) map[string]any {
	t.Helper()
	return at(t, e).MustDo(http.StatusCreated, "POST", "/api/v1/objects/"+object+"/records", body)
}

// get reads a record, requiring it to exist.
func get(t *testing.T, e *apitest.Env, object, id string) map[string]any {
	t.Helper()
	return at(t, e).MustDo(http.StatusOK, "GET", "/api/v1/objects/"+object+"/records/"+id, nil)
}

// listAll reads every record of a list query, page by page.
func listAll(t *testing.T, e *apitest.Env, object, query string) []map[string]any {
	t.Helper()
	var out []map[string]any
	cursor := ""
	for page := 0; ; page++ {
		require.Less(t, page, 1000, "too many pages")
		path := "/api/v1/objects/" + object + "/records?" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		res := at(t, e).MustDo(http.StatusOK, "GET", path, nil)
		for _, r := range res["records"].([]any) {
			out = append(out, r.(map[string]any))
		}
		next, _ := res["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}

// field returns the field of a describe answer with the given name.
func field(t *testing.T, desc map[string]any, name string) map[string]any {
	t.Helper()
	fields, _ := desc["fields"].([]any)
	for _, f := range fields {
		m := f.(map[string]any)
		if m["name"] == name {
			return m
		}
	}
	t.Fatalf("no field %q in %v", name, desc)
	return nil
}

// mustDefine creates objects from JSON documents.
func mustDefine(t *testing.T, e *apitest.Env, docs ...string) {
	t.Helper()
	for _, d := range docs {
		at(t, e).MustDo(http.StatusCreated, "POST", "/api/v1/objects", d)
	}
}

// at returns e reporting to t, so that helpers and subtests fail the test
// they run in.
func at(t *testing.T, e *apitest.Env) *apitest.Env {
	c := *e
	c.T = t
	return &c
}

func ids(records []map[string]any) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = fmt.Sprint(r["id"])
	}
	return out
}
