package storetest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mosaic-paas/mosaic/runtime/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestOpen(t *testing.T) {
	for _, kind := range storetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			db := storetest.Open(t, kind)
			assert.Equal(t, kind, db.Dialect().Name())
			assert.NoError(t, db.Ping(t.Context()))
		})
	}
}

// BenchmarkOpen measures what a test pays for a fresh, migrated, empty
// store of each kind: creating and opening it, then closing and dropping it.
func BenchmarkOpen(b *testing.B) {
	for _, kind := range storetest.Kinds {
		b.Run(kind, func(b *testing.B) {
			storetest.Open(b, kind) // the PostgreSQL template is made once, outside the loop
			for b.Loop() {
				tb := &loopTB{TB: b}
				storetest.Open(tb, kind)
				tb.cleanup()
			}
		})
	}
}

// loopTB runs the cleanups of one benchmark iteration in the iteration.
type loopTB struct {
	testing.TB
	cleanups []func()
}

func (tb *loopTB) Cleanup(f func()) { tb.cleanups = append(tb.cleanups, f) }

func (tb *loopTB) cleanup() {
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
}
