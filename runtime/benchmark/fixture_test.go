package benchmark_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/runtime/benchmark"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// TestDirectMatchesPlatform checks that the hand-written baseline reads and
// writes the platform's tables exactly as the platform does, so that the
// benchmarks compare the same operation: rows written by one side read back
// equal through the other, and both list the same page.
func TestDirectMatchesPlatform(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			f := newFixture(t, kind, 60, 2)

			// Seeded by the direct path, read by both.
			var want, got benchmark.Opportunity
			f.gen.Opportunity(7, &want)
			require.NoError(t, f.direct.Get(f.ctx, want.ID, &got))
			assertSame(t, &want, &got)
			status, body := f.http.do("GET", f.baseURL+"/"+want.ID, nil)
			require.Equal(t, http.StatusOK, status, string(body))
			assertJSON(t, &want, body)

			// Created by the direct path, read through the API.
			f.nextFields(&want)
			benchmark.NewRecord(&want, f.actor.ID, time.Now())
			require.NoError(t, f.direct.Create(f.ctx, &want))
			status, body = f.http.do("GET", f.baseURL+"/"+want.ID, nil)
			require.Equal(t, http.StatusOK, status, string(body))
			assertJSON(t, &want, body)

			// Created through the API, read by the direct path.
			f.nextFields(&want)
			status, body = f.http.do("POST", f.baseURL, want.AppendJSON(nil))
			require.Equal(t, http.StatusCreated, status, string(body))
			var created map[string]any
			require.NoError(t, json.Unmarshal(body, &created))
			want.ID = created["id"].(string)
			require.NoError(t, f.direct.Get(f.ctx, want.ID, &got))
			assertSame(t, &want, &got)
			assert.Equal(t, f.actor.ID, got.CreatedBy)
			assert.Equal(t, int64(1), got.Version)

			// Through the record service.
			f.nextFields(&want)
			rec, err := f.svc.Create(f.ctx, f.rev, f.obj, f.actor, want.Input())
			require.NoError(t, err)
			require.NoError(t, f.direct.Get(f.ctx, rec.ID(), &got))
			want.ID = rec.ID()
			assertSame(t, &want, &got)

			// Batches on both sides.
			batch := make([]benchmark.Opportunity, 3)
			for i := range batch {
				f.nextFields(&batch[i])
				benchmark.NewRecord(&batch[i], f.actor.ID, time.Now())
			}
			require.NoError(t, f.direct.CreateBatch(f.ctx, batch))
			for i := range batch {
				require.NoError(t, f.direct.Get(f.ctx, batch[i].ID, &got))
				assertSame(t, &batch[i], &got)
			}
			for i := range batch {
				f.nextFields(&batch[i])
				benchmark.NewRecord(&batch[i], f.actor.ID, time.Now())
			}
			require.NoError(t, f.direct.CreateBatchChecked(f.ctx, batch))
			require.NoError(t, f.direct.Get(f.ctx, batch[2].ID, &got))
			assertSame(t, &batch[2], &got)
			f.nextFields(&want)
			benchmark.NewRecord(&want, f.actor.ID, time.Now())
			require.NoError(t, f.direct.CreateChecked(f.ctx, &want))
			require.NoError(t, f.direct.Get(f.ctx, want.ID, &got))
			assertSame(t, &want, &got)
			f.nextFields(&want)
			benchmark.NewRecord(&want, f.actor.ID, time.Now())
			want.Account = f.gen.ID(0) // not an account
			assert.ErrorIs(t, f.direct.CreateChecked(f.ctx, &want), benchmark.ErrNoAccount)
			status, body = f.http.do("POST", f.baseURL+"/batch", batchBody(f, 3))
			require.Equal(t, http.StatusOK, status, string(body))

			// The same page both ways. 60 seeded rows on 2 accounts is 30
			// each, 18 in an open stage; limit 10 to have a next page.
			account := f.gen.Accounts[1].ID
			page, err := f.direct.List(f.ctx, account, benchmark.OpenStages, 10, nil)
			require.NoError(t, err)
			require.Len(t, page, 11)
			status, body = f.http.do("GET", f.listURL(account, 10), nil)
			require.Equal(t, http.StatusOK, status, string(body))
			var list struct {
				Records []map[string]any `json:"records"`
				Next    *string          `json:"next_cursor"`
			}
			require.NoError(t, json.Unmarshal(body, &list))
			require.Len(t, list.Records, 10)
			assert.NotNil(t, list.Next)
			for i, r := range list.Records {
				assert.Equal(t, page[i].ID, r["id"], "row %d", i)
			}
		})
	}
}

// assertSame compares the fields and the id of two opportunities.
func assertSame(t *testing.T, want, got *benchmark.Opportunity) {
	t.Helper()
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.Name, got.Name)
	assert.Equal(t, want.Description, got.Description)
	assert.True(t, want.Amount.Equal(got.Amount), "amount %s != %s", want.Amount, got.Amount)
	assert.True(t, want.Quantity.Equal(got.Quantity), "quantity %s != %s", want.Quantity, got.Quantity)
	assert.True(t, want.Probability.Equal(got.Probability), "probability %s != %s", want.Probability, got.Probability)
	assert.True(t, want.CloseDate.Equal(got.CloseDate), "close_date %s != %s", want.CloseDate, got.CloseDate)
	assert.True(t, want.LastActivity.Equal(got.LastActivity), "last_activity %s != %s", want.LastActivity, got.LastActivity)
	assert.Equal(t, want.Won, got.Won)
	assert.Equal(t, want.Stage, got.Stage)
	assert.Equal(t, want.Tags, got.Tags)
	assert.Equal(t, want.ContactEmail, got.ContactEmail)
	assert.Equal(t, want.ContactPhone, got.ContactPhone)
	assert.Equal(t, want.Website, got.Website)
	assert.Equal(t, want.Ref, got.Ref)
	assert.Equal(t, want.Account, got.Account)
}

// assertJSON compares an opportunity with the API's JSON of it.
func assertJSON(t *testing.T, want *benchmark.Opportunity, body []byte) {
	t.Helper()
	var got map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&got))
	assert.Equal(t, want.ID, got["id"])
	assert.Equal(t, want.Name, got["name"])
	assert.Equal(t, want.Amount.StringFixed(2), jsonNumber(got["amount"]))
	assert.Equal(t, want.Quantity.String(), jsonNumber(got["quantity"]))
	assert.Equal(t, want.Probability.StringFixed(2), jsonNumber(got["probability"]))
	assert.Equal(t, want.CloseDate.Format("2006-01-02"), got["close_date"])
	at, err := time.Parse(time.RFC3339Nano, got["last_activity"].(string))
	require.NoError(t, err)
	assert.True(t, want.LastActivity.Equal(at))
	assert.Equal(t, want.Won, got["won"])
	assert.Equal(t, want.Stage, got["stage"])
	tags := make([]any, len(want.Tags))
	for i, s := range want.Tags {
		tags[i] = s
	}
	assert.Equal(t, tags, got["tags"])
	assert.Equal(t, want.Ref, got["ref"])
	assert.Equal(t, want.Account, got["account"])
}

// jsonNumber returns a number decoded with UseNumber as the API wrote it.
func jsonNumber(v any) string {
	n, _ := v.(json.Number)
	return n.String()
}
