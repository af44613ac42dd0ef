package expression

import (
	"fmt"
	"time"
)

// MaxStringBytes bounds the bytes of the strings (and string lists) one run
// may build with +, upper, join, replace and the other string functions.
// The VM's MemoryBudget counts collection elements but not string bytes;
// this budget closes that gap, so no expression can double a string until
// the process runs out of memory.
const MaxStringBytes = 1 << 20

// MaxRunTime bounds how long the loops of one run (all, map, filter, count,
// …) may take. Without loops a run is short by construction: every node
// runs once and every string is bounded.
const MaxRunTime = 100 * time.Millisecond

// meter is the string budget and the clock of one run.
type meter struct {
	used  int
	ticks int
	start time.Time
}

// tick counts one iteration of a loop; now and then it checks the clock.
func (m *meter) tick() error {
	if m == nil {
		return fmt.Errorf("%w: no budget", ErrTimeLimit)
	}
	m.ticks++
	if m.ticks%256 == 0 && time.Since(m.start) > MaxRunTime {
		return fmt.Errorf("%w: loops ran longer than %s", ErrTimeLimit, MaxRunTime)
	}
	return nil
}

// take charges n bytes to the run, or fails with ErrBudget.
func (m *meter) take(n int) error {
	if m == nil {
		return fmt.Errorf("%w: no string budget", ErrBudget)
	}
	if n < 0 || n > MaxStringBytes-m.used {
		return fmt.Errorf("%w: strings built by the expression exceed %d bytes", ErrBudget, MaxStringBytes)
	}
	m.used += n
	return nil
}

// meterArg is the meter passed to an internal function.
func meterArg(v any) *meter {
	m, _ := v.(*meter)
	return m
}
