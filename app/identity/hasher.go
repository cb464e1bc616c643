package identity

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"time"
)

// ErrBusy is the answer of a Hasher whose queue is full or whose caller
// waited too long: nothing was hashed, and the caller may try again in a
// moment.
var ErrBusy = errors.New("too many password checks at once; retry in a moment")

// Hasher runs argon2id with bounded memory. At most `running` hashes run
// at once (each takes its hash's memory, DefaultParams.Memory for new
// ones), at most `waiting` more wait for a turn, and any further caller
// gets ErrBusy at once, before anything is hashed. After the last hash of
// a burst the memory goes back to the operating system (debug.FreeOSMemory,
// at most once per freeInterval): Go's heap would otherwise keep what the
// burst needed until long after it ended.
type Hasher struct {
	slots   chan struct{} // one per hash running
	tickets chan struct{} // one per hash running or waiting
	maxWait time.Duration

	mu       sync.Mutex
	active   int // callers holding a ticket
	timer    *time.Timer
	lastFree time.Time
	// free gives memory back; debug.FreeOSMemory outside tests.
	free func()
}

// Memory is given back once the hasher has been idle for freeDelay, and at
// most once per freeInterval (a full collection costs a few milliseconds).
const (
	freeDelay    = 100 * time.Millisecond
	freeInterval = time.Second
	// defaultMaxWait bounds a caller's wait for a turn.
	defaultMaxWait = 5 * time.Second
)

// NewHasher returns a hasher that runs at most running hashes at once
// and lets at most waiting more queue.
func NewHasher(running, waiting int) *Hasher {
	running = max(1, running)
	return &Hasher{
		slots:   make(chan struct{}, running),
		tickets: make(chan struct{}, running+max(0, waiting)),
		maxWait: defaultMaxWait,
		free:    debug.FreeOSMemory,
	}
}

// Hash returns the PHC string of password (HashPassword), in turn.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	var hash string
	err := h.run(ctx, func() (err error) {
		hash, err = HashPassword(password)
		return err
	})
	return hash, err
}

// Verify reports whether password matches hash (VerifyPassword), in turn.
// When it does and hash was made with other parameters than DefaultParams,
// rehash is a new hash of password under DefaultParams, made in the same
// turn, for the caller to store. An unreadable hash matches nothing.
func (h *Hasher) Verify(ctx context.Context, hash, password string) (ok bool, rehash string, err error) {
	err = h.run(ctx, func() error {
		var verr error
		if ok, verr = VerifyPassword(hash, password); verr != nil || !ok {
			ok = false
			return nil
		}
		if NeedsRehash(hash) {
			rehash, err = HashPassword(password)
		}
		return err
	})
	return ok, rehash, err
}

// run takes a ticket (or answers ErrBusy at once), waits for a slot (up to
// maxWait), runs fn, and gives both back.
func (h *Hasher) run(ctx context.Context, fn func() error) error {
	select {
	case h.tickets <- struct{}{}:
	default:
		return ErrBusy
	}
	h.begin()
	defer func() {
		<-h.tickets
		h.end()
	}()
	wait := time.NewTimer(h.maxWait)
	defer wait.Stop()
	select {
	case h.slots <- struct{}{}:
	case <-wait.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.slots }()
	return fn()
}

// InFlight returns the number of hashes running or waiting.
func (h *Hasher) InFlight() int { return len(h.tickets) }

func (h *Hasher) begin() {
	h.mu.Lock()
	h.active++
	h.mu.Unlock()
}

// end notes a caller gone; the last one of a burst schedules giving the
// memory back.
func (h *Hasher) end() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.active--
	if h.active > 0 || h.timer != nil {
		return
	}
	h.timer = time.AfterFunc(max(freeDelay, time.Until(h.lastFree.Add(freeInterval))), h.freeIfIdle)
}

// freeIfIdle gives memory back unless a hash began meanwhile (its end will
// schedule the next attempt).
func (h *Hasher) freeIfIdle() {
	h.mu.Lock()
	h.timer = nil
	idle := h.active == 0
	if idle {
		h.lastFree = time.Now()
	}
	h.mu.Unlock()
	if idle {
		h.free()
	}
}
