package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/apitest"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// FuzzCreateRecord posts arbitrary bodies to an object with a field of
// every type. The answer is always 201, 400, 413 or 422 with a problem
// document (never a 500, never a panic), and a created record reads back
// as it was answered, with the text it was given. It runs on SQLite, and
// on PostgreSQL too when MOSAIC_TEST_DATABASE_URL is set.
func FuzzCreateRecord(f *testing.F) {
	full, err := json.Marshal(fullDeal("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))
	require.NoError(f, err)
	for _, seed := range []string{
		string(full),
		`{"title": "x"}`,
		`{"title": "x", "amount": 1234.5, "qty": 1e2, "rate": -0.01, "won": false, "close": "2024-02-29", "remind": "2024-03-01T08:30:00.1234567Z"}`,
		`{"title": "x", "amount": "-0.00", "qty": "0", "rate": 0.1e-1}`,
		`{"title": "x", "tags": [], "stage": "open", "notes": ""}`,
		`{"title": "x", "tags": ["hot", null], "account": "00000000-0000-0000-0000-000000000000"}`,
		`{"title": "a\u0000b"}`,
		`{"title": "x", "notes": "\ud800 \u2028 ` + "\t" + `"}`,
		`{"title": "x", "amount": 1e999999999, "qty": -1e-999999999}`,
		`{"title": "x", "close": "0000-01-01", "remind": "9999-12-31T23:59:59.999999999Z"}`,
		`{"title": "x", "close": "", "remind": "", "won": null, "tags": ""}`,
		`{"title": "x", "email": "a@b.c", "phone": "+1 (555) 010-0000", "site": "http://x", "ref": "a.b:c/d-e_f", "code": "k"}`,
		`{"title": "a", "title": "b"}`,
		`{"title": "x", "id": "x", "version": 2, "number": "D-1"}`,
		`{"title": {"en": "x"}, "amount": [1], "won": 1, "tags": {"hot": true}}`,
		`{"title": "x"} trailing`,
		`[]`, `null`, `""`, `0`, `{`, ``, `{"":""}`, `{"title": "x", "nope": null}`,
	} {
		f.Add([]byte(seed))
	}

	var envs []*apitest.Env
	for _, kind := range storetest.Kinds {
		if kind == storetest.Postgres && os.Getenv(storetest.EnvDatabaseURL) == "" {
			continue
		}
		e := apitest.New(f, storetest.Open(f, kind), "fuzz")
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", accountDoc)
		e.MustDo(http.StatusCreated, "POST", "/api/v1/objects", dealDoc)
		envs = append(envs, e)
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		for _, e := range envs {
			e := at(t, e)
			r := e.Do("POST", "/api/v1/objects/deal/records", body)
			switch r.Status {
			case http.StatusCreated:
				rec := r.JSON()
				require.NotNil(t, rec, r.String())
				got := get(t, e, "deal", rec["id"].(string))
				require.Equal(t, rec, got, "the record reads back as it was answered")
				var in map[string]any
				require.NoError(t, json.Unmarshal(body, &in))
				for _, name := range []string{"title", "notes", "email", "phone", "site", "ref", "code", "stage"} {
					if s, ok := in[name].(string); ok && s != "" {
						if name == "email" || name == "phone" || name == "site" {
							s = strings.TrimSpace(s) // addresses and numbers are trimmed
						}
						assert.Equal(t, s, got[name], "%s reads back as written", name)
					}
				}
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusConflict:
				p := problemOf(t, r)
				require.Equal(t, r.Status, p.Status)
				require.NotEmpty(t, p.Code)
				if r.Status == http.StatusConflict {
					// Only a value another record already has.
					for _, e := range p.Errors {
						require.Equal(t, "unique", e.Code, r.String())
					}
				}
			default:
				t.Fatalf("POST %q answered %d: %s", bytes.TrimSpace(body), r.Status, r.String())
			}
		}
	})
}
