package auth

import (
	"sync"
	"time"
)

// limiter counts failed sign-ins per key (an account, an address) over a
// sliding window, and refuses a key that has failed max times within it.
// It lives in memory: each node counts the failures it sees (see the
// package doc on several nodes).
type limiter struct {
	max    int
	window time.Duration
	// maxKeys bounds the memory: past it, keys whose failures have all
	// left the window are dropped, and then arbitrary ones.
	maxKeys int

	mu sync.Mutex
	// failures holds, per key, the times of its latest failures (at most
	// max), oldest first.
	failures map[string][]time.Time
}

func newLimiter(max int, window time.Duration, maxKeys int) *limiter {
	return &limiter{max: max, window: window, maxKeys: maxKeys, failures: map[string][]time.Time{}}
}

// wait returns how long key must wait before trying again: 0 when it may
// try now.
func (l *limiter) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(key, now)
	if len(f) < l.max {
		return 0
	}
	return f[len(f)-l.max].Add(l.window).Sub(now)
}

// fail records a failure of key and reports whether key must now wait.
func (l *limiter) fail(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := append(l.recent(key, now), now)
	if len(f) > l.max {
		f = append(f[:0], f[len(f)-l.max:]...)
	}
	if _, ok := l.failures[key]; !ok && len(l.failures) >= l.maxKeys {
		l.sweep(now)
	}
	l.failures[key] = f
	return len(f) >= l.max
}

// reset forgets the failures of key (a successful sign-in of the account).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// recent returns the failures of key still in the window, dropping the
// others.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	f, ok := l.failures[key]
	if !ok {
		return nil
	}
	cut := 0
	for cut < len(f) && !f[cut].After(now.Add(-l.window)) {
		cut++
	}
	if cut == len(f) {
		delete(l.failures, key)
		return nil
	}
	if cut > 0 {
		f = append(f[:0], f[cut:]...)
		l.failures[key] = f
	}
	return f
}

// sweep makes room for a new key: it drops the keys whose failures have
// all left the window and, if that is not enough, arbitrary keys until a
// tenth of the room is free. Dropping a live key forgets its failures:
// the bound trades that for memory under a flood of distinct keys.
func (l *limiter) sweep(now time.Time) {
	for k, f := range l.failures {
		if !f[len(f)-1].After(now.Add(-l.window)) {
			delete(l.failures, k)
		}
	}
	for k := range l.failures {
		if len(l.failures) < l.maxKeys-l.maxKeys/10 {
			break
		}
		delete(l.failures, k)
	}
}
