package benchmark_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mosaic-paas/mosaic/engine/compiled"
	"github.com/mosaic-paas/mosaic/runtime/benchmark"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// The roll-ups added to the account for BenchmarkRollups: first one sum,
// then a count and a filtered sum beside it (the three are recomputed by
// one statement).
const (
	rollupSumDoc      = `{"name": "pipeline", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "sum", "field": "amount"}}`
	rollupCountDoc    = `{"name": "opportunities", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "count"}}`
	rollupFilteredDoc = `{"name": "won_amount", "type": "rollup", "settings": {"child": "opportunity", "lookup": "account", "function": "sum", "field": "amount", "filter": "stage == \"won\""}}`
)

// rollupWays are the revisions a child write runs against: the account
// without roll-ups (the baseline), with one sum, and with three roll-ups.
var rollupWays = []string{"none", "sum", "three"}

// BenchmarkRollups measures what keeping roll-ups costs a child write: the
// record service's create of an opportunity, and its update of the amount,
// against the metadata revision without roll-ups on the account, with a sum
// of the amounts, and with a count, a sum and a filtered sum. The fixture
// is BenchmarkRecords' (100,000 opportunities, 200 per account). A write
// with roll-ups also locks the account row and recomputes the roll-ups
// from its 200-odd opportunities, in the same transaction.
//
// Every revision stays usable after the next is made, so that each
// iteration of <op>/paired writes through all three in turn and reports
// their µs per operation and the ratios sum/none and three/none. The
// account's stored roll-ups go stale while the baseline writes: nothing
// reads them here.
func BenchmarkRollups(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			f := newFixture(b, kind, benchRows, benchAccounts)
			revs := map[string]*compiled.Revision{"none": f.rev}
			f.env.MustDo(201, "POST", "/api/v1/objects/"+benchmark.AccountObject+"/fields", rollupSumDoc)
			revs["sum"] = f.current(b)
			f.env.MustDo(201, "POST", "/api/v1/objects/"+benchmark.AccountObject+"/fields", rollupCountDoc)
			f.env.MustDo(201, "POST", "/api/v1/objects/"+benchmark.AccountObject+"/fields", rollupFilteredDoc)
			revs["three"] = f.current(b)
			seed := uint64(0)
			for _, op := range []struct {
				name  string
				paths func(rev *compiled.Revision, r *rand.Rand) func() error
			}{
				{"create", f.createWith},
				{"update", f.updateWith},
			} {
				// Every call gets its own random sequence, so that no run
				// writes the amounts an earlier one wrote (an update that
				// changes nothing maintains nothing).
				paths := func(way string) func() error {
					seed++
					return op.paths(revs[way], rand.New(rand.NewPCG(2, seed)))
				}
				for _, way := range rollupWays {
					b.Run(op.name+"/"+way, func(b *testing.B) {
						fn := paths(way)
						b.ReportAllocs()
						for b.Loop() {
							if err := fn(); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
				b.Run(op.name+"/paired", func(b *testing.B) { pairedAgainst(b, rollupWays, paths) })
			}
		})
	}
}

// current returns the tenant's current compiled revision.
func (f *fixture) current(tb testing.TB) *compiled.Revision {
	tb.Helper()
	rev, err := f.env.Catalog.Current(f.ctx, f.env.Tenant)
	require.NoError(tb, err)
	return rev
}

// createWith creates one new opportunity through the record service
// against rev.
func (f *fixture) createWith(rev *compiled.Revision, _ *rand.Rand) func() error {
	obj, _ := rev.Object(benchmark.OpportunityObject)
	var o benchmark.Opportunity
	return func() error {
		f.nextFields(&o)
		_, err := f.svc.Create(f.ctx, rev, obj, f.actor, o.Input())
		return err
	}
}

// updateWith sets the amount of a random seeded opportunity through the
// record service against rev.
func (f *fixture) updateWith(rev *compiled.Revision, r *rand.Rand) func() error {
	obj, _ := rev.Object(benchmark.OpportunityObject)
	return func() error {
		amount := json.Number(fmt.Sprintf("%d.%02d", r.IntN(100000), r.IntN(100)))
		_, err := f.svc.Update(f.ctx, rev, obj, f.actor, f.gen.ID(r.IntN(f.rows)), map[string]any{"amount": amount}, nil)
		return err
	}
}

// pairedAgainst is paired with ways[0] as the baseline: every way once per
// iteration, in rotating order, reporting <way>-us/op and <way>/<ways[0]>.
func pairedAgainst(b *testing.B, ways []string, paths func(way string) func() error) {
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
