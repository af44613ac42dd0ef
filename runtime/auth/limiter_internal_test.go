package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(3, 10*time.Minute, 100)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Zero(t, l.wait("a", t0))
	assert.False(t, l.fail("a", t0))
	assert.False(t, l.fail("a", t0.Add(time.Minute)))
	assert.Zero(t, l.wait("a", t0.Add(2*time.Minute)))
	assert.True(t, l.fail("a", t0.Add(2*time.Minute)), "the third failure blocks")
	assert.Equal(t, 8*time.Minute, l.wait("a", t0.Add(2*time.Minute)), "until the first failure leaves the window")
	assert.Zero(t, l.wait("b", t0), "other keys are not affected")
	// The window slides: once the first failure is 10 minutes old, one
	// more try is allowed, and a failure blocks again.
	assert.Zero(t, l.wait("a", t0.Add(10*time.Minute)))
	assert.True(t, l.fail("a", t0.Add(10*time.Minute)))
	assert.Equal(t, time.Minute, l.wait("a", t0.Add(10*time.Minute)))
	l.reset("a")
	assert.Zero(t, l.wait("a", t0.Add(10*time.Minute)))
	// Old failures are forgotten.
	l.fail("c", t0)
	assert.Zero(t, l.wait("c", t0.Add(time.Hour)))
	_, kept := l.failures["c"]
	assert.False(t, kept)
}

func TestLimiterBoundsMemory(t *testing.T) {
	l := newLimiter(3, 10*time.Minute, 100)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.fail(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second))
		assert.LessOrEqual(t, len(l.failures), 100)
	}
	// Keys whose failures are old go first: a fresh flood keeps the
	// latest.
	l.fail("x", t0.Add(time.Hour))
	l.fail("x", t0.Add(time.Hour))
	assert.True(t, l.fail("x", t0.Add(time.Hour)))
	assert.Positive(t, l.wait("x", t0.Add(time.Hour)))
}
