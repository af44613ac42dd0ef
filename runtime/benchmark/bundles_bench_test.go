package benchmark_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mosaic-paas/mosaic/apps"
	"github.com/mosaic-paas/mosaic/runtime/bundles"
	"github.com/mosaic-paas/mosaic/runtime/catalog"
	"github.com/mosaic-paas/mosaic/runtime/records"
	"github.com/mosaic-paas/mosaic/runtime/store"
	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

// BenchmarkInstallCRM measures installing the built-in CRM bundle into a
// new tenant on each store: validating the bundle, one metadata change
// with the DDL of its twelve objects, the seed records and the
// bookkeeping. One iteration is one tenant created (outside the timer) and
// the install. Reports the install's seconds as s/install.
func BenchmarkInstallCRM(b *testing.B) {
	crm, err := apps.Load("crm")
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			db := storetest.Open(b, kind)
			cat := catalog.New(db)
			s := bundles.New(db, cat, records.New(db))
			ctx := context.Background()
			var total time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				t, err := store.CreateTenant(ctx, db, fmt.Sprintf("t%d", i))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if _, err := s.Install(ctx, t, bundles.Source{Bundle: crm, Signature: bundles.SignatureBuiltIn}, nil, bundles.Options{}); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/install")
		})
	}
}
