package benchmark_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/mosaic-paas/mosaic/runtime/benchmark"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// Size of the benchmark's table: 100,000 opportunities on 500 accounts, so
// an account has 200 of them, 120 in an open stage.
const (
	benchRows     = 100_000
	benchAccounts = 500
	batchSize     = records.MaxBatch
)

// The ways an operation is done, the baseline first. Writes have one
// more: direct-checked, the platform's statements written by hand (a
// transaction that checks the lookup with a SELECT before each INSERT).
var (
	readWays  = []string{"direct", "records", "http"}
	writeWays = []string{"direct", "direct-checked", "records", "http"}
)

// BenchmarkRecords measures create, get by id, a filtered sorted list of 50
// and a batch create of 200 on each store, three ways each:
//
//   - direct: hand-written SQL on the driver (pgx / database/sql+modernc),
//     the baseline: for writes one autocommitted INSERT, or one prepared
//     INSERT per record in a transaction for a batch;
//   - direct-checked (writes only): the statements the platform sends,
//     written by hand: BEGIN, SELECT count(*) of the looked-up account and
//     INSERT for each record, COMMIT;
//   - records: the platform's record service called in process (no HTTP,
//     no JSON);
//   - http: the whole path through the fiber app's fasthttp handler
//     (authentication, routing, JSON in and out).
//
// <op>/<way> runs one way alone, for its time and allocations per
// operation; the others report x-direct, their time divided by that of
// the direct run just before. <op>/paired runs all the ways in turn
// within each iteration, so that they share whatever else the machine is
// doing, and reports each way's time per operation and the ratios
// records/direct and http/direct: on a busy machine, trust its ratios over
// those of separate runs.
//
// PostgreSQL runs when MOSAIC_TEST_DATABASE_URL is set. Reads run before
// writes, so that every read sees the same 100,000 rows.
func BenchmarkRecords(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			f := newFixture(b, kind, benchRows, benchAccounts)
			for _, op := range []struct {
				name  string
				ways  []string
				paths func(way string) func() error
			}{
				{"get", readWays, f.get},
				{"list", readWays, f.list},
				{"create", writeWays, f.create},
				{"batch", writeWays, f.batch},
			} {
				var baseline float64
				for _, way := range op.ways {
					b.Run(op.name+"/"+way, func(b *testing.B) {
						fn := op.paths(way)
						b.ReportAllocs()
						for b.Loop() {
							if err := fn(); err != nil {
								b.Fatal(err)
							}
						}
						perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
						if way == "direct" {
							baseline = perOp
						} else if baseline > 0 {
							b.ReportMetric(perOp/baseline, "x-direct")
						}
					})
				}
				b.Run(op.name+"/paired", func(b *testing.B) { paired(b, op.ways, op.paths) })
			}
			if pg, ok := f.direct.(*benchmark.PostgresDirect); ok {
				b.Run("batch/direct-pipelined", func(b *testing.B) {
					fn := f.batchWith(pg.CreatePipelined)
					b.ReportAllocs()
					for b.Loop() {
						if err := fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// paired runs every way of an operation once per iteration, rotating which
// goes first, timing each, and reports per way us/op (µs per operation) and the ratios to
// the first way (direct).
func paired(b *testing.B, ways []string, paths func(way string) func() error) {
	fns := make([]func() error, len(ways))
	for i, w := range ways {
		fns[i] = paths(w)
	}
	spent := make([]time.Duration, len(ways))
	n := 0
	for b.Loop() {
		for k := range ways {
			i := (n + k) % len(ways)
			start := time.Now()
			if err := fns[i](); err != nil {
				b.Fatal(err)
			}
			spent[i] += time.Since(start)
		}
		n++
	}
	for i, w := range ways {
		b.ReportMetric(float64(spent[i].Microseconds())/float64(n), w+"-us/op")
		if i > 0 {
			b.ReportMetric(float64(spent[i])/float64(spent[0]), w+"/"+ways[0])
		}
	}
}

// rng is a source of random ids and accounts for one way of an operation:
// each way has its own sequence, so that in a paired run no way reads what
// another has just brought into a cache.
func rng(way string) *rand.Rand {
	for i, w := range writeWays {
		if w == way {
			return rand.New(rand.NewPCG(1, uint64(i)))
		}
	}
	return rand.New(rand.NewPCG(1, 99))
}

// get reads an opportunity by a random seeded id.
func (f *fixture) get(way string) func() error {
	r := rng(way)
	switch way {
	case "direct":
		var o benchmark.Opportunity
		return func() error { return f.direct.Get(f.ctx, f.gen.ID(r.IntN(f.rows)), &o) }
	case "records":
		return func() error {
			_, err := f.svc.Get(f.ctx, f.rev, f.obj, records.Actor{}, f.gen.ID(r.IntN(f.rows)))
			return err
		}
	}
	prefix := f.baseURL + "/"
	return func() error {
		return f.http.expect(http.StatusOK, "GET", prefix+f.gen.ID(r.IntN(f.rows)), nil)
	}
}

// list reads the first page of 50 of a random account's open
// opportunities, by amount descending.
func (f *fixture) list(way string) func() error {
	r := rng(way)
	account := func() string { return f.gen.Accounts[r.IntN(len(f.gen.Accounts))].ID }
	switch way {
	case "direct":
		var page []benchmark.Opportunity
		return func() error {
			var err error
			page, err = f.direct.List(f.ctx, account(), benchmark.OpenStages, benchmark.ListLimit, page)
			if err == nil && len(page) != benchmark.ListLimit+1 {
				err = fmt.Errorf("list returned %d rows", len(page))
			}
			return err
		}
	case "records":
		return func() error {
			res, err := f.svc.List(f.ctx, f.rev, f.obj, records.ListQuery{
				Filter: listFilter(account()), Sort: "-amount", Limit: benchmark.ListLimit,
			})
			if err == nil && (len(res.Records) != benchmark.ListLimit || res.NextCursor == "") {
				err = fmt.Errorf("list returned %d records", len(res.Records))
			}
			return err
		}
	}
	// The URLs are built beforehand, as a client would have them.
	urls := make([]string, len(f.gen.Accounts))
	for i, a := range f.gen.Accounts {
		urls[i] = f.listURL(a.ID, benchmark.ListLimit)
	}
	return func() error { return f.http.expect(http.StatusOK, "GET", urls[r.IntN(len(urls))], nil) }
}

// create inserts one new opportunity.
func (f *fixture) create(way string) func() error {
	var o benchmark.Opportunity
	switch way {
	case "direct", "direct-checked":
		create := f.direct.Create
		if way == "direct-checked" {
			create = f.direct.CreateChecked
		}
		return func() error {
			f.nextFields(&o)
			benchmark.NewRecord(&o, f.actor.ID, time.Now())
			return create(f.ctx, &o)
		}
	case "records":
		return func() error {
			f.nextFields(&o)
			_, err := f.svc.Create(f.ctx, f.rev, f.obj, f.actor, o.Input())
			return err
		}
	}
	var body []byte
	return func() error {
		f.nextFields(&o)
		body = o.AppendJSON(body[:0])
		return f.http.expect(http.StatusCreated, "POST", f.baseURL, body)
	}
}

// batch inserts 200 new opportunities in one transaction.
func (f *fixture) batch(way string) func() error {
	switch way {
	case "direct":
		return f.batchWith(f.direct.CreateBatch)
	case "direct-checked":
		return f.batchWith(f.direct.CreateBatchChecked)
	case "records":
		var o benchmark.Opportunity
		req := records.BatchRequest{Op: records.BatchCreate, Records: make([]map[string]any, batchSize)}
		return func() error {
			for i := range req.Records {
				f.nextFields(&o)
				req.Records[i] = o.Input()
			}
			_, err := f.svc.Batch(f.ctx, f.rev, f.obj, f.actor, req)
			return err
		}
	}
	var body []byte
	return func() error {
		body = appendBatch(f, body[:0], batchSize)
		return f.http.expect(http.StatusOK, "POST", f.baseURL+"/batch", body)
	}
}

// batchWith is a direct batch create through create.
func (f *fixture) batchWith(create func(ctx context.Context, os []benchmark.Opportunity) error) func() error {
	batch := make([]benchmark.Opportunity, batchSize)
	return func() error {
		now := time.Now()
		for i := range batch {
			f.nextFields(&batch[i])
			benchmark.NewRecord(&batch[i], f.actor.ID, now)
		}
		return create(f.ctx, batch)
	}
}

// appendBatch appends the body of a batch create of the next n records.
func appendBatch(f *fixture, b []byte, n int) []byte {
	var o benchmark.Opportunity
	b = append(b, `{"operation":"create","records":[`...)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		f.nextFields(&o)
		b = o.AppendJSON(b)
	}
	return append(b, "]}"...)
}

func batchBody(f *fixture, n int) []byte { return appendBatch(f, nil, n) }
