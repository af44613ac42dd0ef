package expression

import (
	"testing"

	"github.com/expr-lang/expr/vm"
)

const benchSrc = `amount * 0.15 > 2 && name startsWith "Ac" && close_date > $today`

func BenchmarkCompile(b *testing.B) {
	env := NewEnv(deal())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(benchSrc, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRun runs on a pooled VM (what Program.Run does).
func BenchmarkRun(b *testing.B) {
	p, err := Compile(benchSrc, NewEnv(deal()))
	if err != nil {
		b.Fatal(err)
	}
	vars := dealVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Run(vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunFreshVM runs the same program on a new VM each time, the
// alternative to the pool.
func BenchmarkRunFreshVM(b *testing.B) {
	p, err := Compile(benchSrc, NewEnv(deal()))
	if err != nil {
		b.Fatal(err)
	}
	vars := dealVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.runOn(&vm.VM{}, vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunMetered runs a program that builds strings, which copies the
// variables to add the string budget.
func BenchmarkRunMetered(b *testing.B) {
	p, err := Compile(`upper(name) + "!"`, NewEnv(deal()))
	if err != nil {
		b.Fatal(err)
	}
	vars := dealVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Run(vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunParallel(b *testing.B) {
	p, err := Compile(benchSrc, NewEnv(deal()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		vars := dealVars()
		for pb.Next() {
			if _, err := p.Run(vars); err != nil {
				b.Fatal(err)
			}
		}
	})
}
