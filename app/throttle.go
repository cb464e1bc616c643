package app

import (
	"sync"
	"time"
)

// throttle counts events per key in fixed windows and refuses a key that
// reached its limit until its window ends. It is per node: a guesser who
// spreads attempts over three nodes gets three times the budget, still far
// too little to matter against argon2id and a 12-character minimum.
type throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	hits   map[string]*hits
}

type hits struct {
	start time.Time
	n     int
}

// maxThrottleKeys bounds the memory a flood of distinct keys can take.
const maxThrottleKeys = 100_000

func newThrottle(limit int, window time.Duration) *throttle {
	return &throttle{limit: limit, window: window, hits: map[string]*hits{}}
}

// blocked reports whether key reached its limit, and for how long.
func (t *throttle) blocked(key string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hits[key]
	if h == nil || now.Sub(h.start) >= t.window {
		return false, 0
	}
	if h.n >= t.limit {
		return true, h.start.Add(t.window).Sub(now)
	}
	return false, 0
}

// add counts one event for key.
func (t *throttle) add(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hits[key]
	if h == nil || now.Sub(h.start) >= t.window {
		if h == nil && len(t.hits) >= maxThrottleKeys {
			t.prune(now)
		}
		h = &hits{start: now}
		t.hits[key] = h
	}
	h.n++
}

// reset forgets key (a successful sign-in clears its account's failures).
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.hits, key)
}

func (t *throttle) prune(now time.Time) {
	for k, h := range t.hits {
		if now.Sub(h.start) >= t.window {
			delete(t.hits, k)
		}
	}
	if len(t.hits) >= maxThrottleKeys {
		// Still full of live windows: start over rather than grow.
		t.hits = map[string]*hits{}
	}
}
