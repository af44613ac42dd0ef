package filter

import (
	"testing"

	"github.com/mosaic-paas/mosaic/engine/dialect"
)

func BenchmarkTranslate(b *testing.B) {
	cols := dealColumns()
	opt := options(dialect.Postgres{})
	src := `stage in ["Open", "Won"] && amount >= 1000 && close_date < $today && !closed && owner_id == $user.id`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Translate(src, cols, opt); err != nil {
			b.Fatal(err)
		}
	}
}
