package app

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Sign-in limits. A guess is reserved before the password is hashed, so a
// burst of simultaneous attempts is counted as it arrives, not after the
// hashes finish. Three budgets, all in memory on each node:
//
//   - per source address, every attempt: 30 a minute, whatever the account;
//   - per account and source address, failed guesses: 5 in 15 minutes, the
//     strict limit a single guesser meets;
//   - per account from all addresses, failed guesses: 50 in 15 minutes, the
//     loose cap that bounds a guesser who spreads over many addresses.
//
// So a guesser who exhausts their own budget does not lock the owner out:
// the owner signing in from another address still gets in, until the
// account's overall cap is reached. A successful sign-in gives back its
// reservations and clears the failures of its own address; an attempt
// turned away before its password was checked (busy, unreadable state)
// gives back its guess. The budgets are
// per node: a guesser who spreads over three nodes gets three times as
// many, still far too few to matter against argon2id and a 12-character
// minimum.
type signInPolicy struct {
	PerClient, PerPair, PerAccount          int
	ClientWindow, PairWindow, AccountWindow time.Duration
}

// defaultSignInPolicy holds the numbers docs/SECURITY.md states.
var defaultSignInPolicy = signInPolicy{
	PerClient: 30, ClientWindow: time.Minute,
	PerPair: 5, PairWindow: 15 * time.Minute,
	PerAccount: 50, AccountWindow: 15 * time.Minute,
}

// signInLimits applies a signInPolicy.
type signInLimits struct {
	clients  *throttle // attempts per source address
	pairs    *throttle // failed guesses per account and source address
	accounts *throttle // failed guesses per account
}

func newSignInLimits(p signInPolicy) *signInLimits {
	return &signInLimits{
		clients:  newThrottle(p.PerClient, p.ClientWindow),
		pairs:    newThrottle(p.PerPair, p.PairWindow),
		accounts: newThrottle(p.PerAccount, p.AccountWindow),
	}
}

// signInAttempt is one reserved guess, kept until its outcome is known.
type signInAttempt struct {
	l       *signInLimits
	pair    slot
	account slot
}

// limitError is a refused attempt: what to tell the caller and how long to
// wait.
type limitError struct {
	msg  string
	wait time.Duration
}

// reserve takes one attempt from every budget of client and account, or
// none and says which budget is spent.
func (l *signInLimits) reserve(client, account string, now time.Time) (*signInAttempt, *limitError) {
	if _, ok, wait := l.clients.take(client, now); !ok {
		return nil, &limitError{"too many sign-in attempts from this address", wait}
	}
	// The separator cannot occur in an address; an email may hold anything.
	pair, ok, wait := l.pairs.take(client+"\x00"+account, now)
	if !ok {
		return nil, &limitError{"too many failed sign-ins for this account from this address", wait}
	}
	acct, ok, wait := l.accounts.take(account, now)
	if !ok {
		l.pairs.give(pair)
		return nil, &limitError{"too many failed sign-ins for this account", wait}
	}
	return &signInAttempt{l: l, pair: pair, account: acct}, nil
}

// succeeded gives back the guess and forgets the failures of this account
// from this address. The overall count stays: a guesser's failures from
// other addresses still count against the account.
func (a *signInAttempt) succeeded() {
	a.l.accounts.give(a.account)
	a.l.pairs.reset(a.pair.key)
}

// unchecked gives back the guess when the password was never checked (the
// state could not be read, or hashing was too busy): an owner whose
// sign-in was turned away must not lose budget for it.
func (a *signInAttempt) unchecked() {
	a.l.accounts.give(a.account)
	a.l.pairs.give(a.pair)
}

// answer is the 429 of a refused attempt, with Retry-After.
func (e *limitError) answer(c *fiber.Ctx) error {
	secs := strconv.Itoa(max(1, int(math.Ceil(e.wait.Seconds()))))
	c.Set(fiber.HeaderRetryAfter, secs)
	return fiber.NewError(fiber.StatusTooManyRequests, e.msg+"; wait "+secs+" s and try again")
}

// throttle counts events per key in fixed windows; a key that reached its
// limit is refused until its window ends.
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

// slot is one event taken from a key's window; give returns it.
type slot struct {
	key   string
	start time.Time
}

// maxThrottleKeys bounds the memory a flood of distinct keys can take.
const maxThrottleKeys = 100_000

func newThrottle(limit int, window time.Duration) *throttle {
	return &throttle{limit: limit, window: window, hits: map[string]*hits{}}
}

// take counts one event for key if the key is under its limit, in one step,
// so that simultaneous callers can never all pass a check made before any
// of them counted. When it refuses, wait is how long until the window ends.
func (t *throttle) take(key string, now time.Time) (s slot, ok bool, wait time.Duration) {
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
	if h.n >= t.limit {
		return slot{}, false, h.start.Add(t.window).Sub(now)
	}
	h.n++
	return slot{key: key, start: h.start}, true, 0
}

// give returns an event taken by take, if its window is still the current
// one.
func (t *throttle) give(s slot) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h := t.hits[s.key]; h != nil && h.start.Equal(s.start) && h.n > 0 {
		h.n--
	}
}

// reset forgets key.
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
