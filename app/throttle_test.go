package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// loginFrom signs in over a connection from source address ip (any
// address of 127.0.0.0/8 is this host's loopback).
func loginFrom(t testing.TB, tn *testNode, ip, email, password string) response {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := client.Post(tn.url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("login from %s: %v", ip, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: data, resp: resp}
}

// TestSignInBurstIsCheckedOnlyUpToTheLimit: thirty wrong passwords sent at
// once for one account get at most five hashed (answered 401); the others
// are refused before any hashing (429). Counting failures after the hash
// let nearly all of them through.
func TestSignInBurstIsCheckedOnlyUpToTheLimit(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	const burst = 30
	statuses := make([]int, burst)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = loginFrom(t, tn, "127.0.0.1", "admin@sovereign.local", fmt.Sprintf("wrong password number %d", i)).status
		}()
	}
	close(start)
	wg.Wait()
	checked, limited := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("unexpected status %d in %v", s, statuses)
		}
	}
	if checked > defaultSignInPolicy.PerPair {
		t.Fatalf("%d of %d simultaneous guesses were checked; the limit is %d", checked, burst, defaultSignInPolicy.PerPair)
	}
	if checked+limited != burst {
		t.Fatalf("statuses %v", statuses)
	}
}

// TestOwnerSignsInFromAnotherAddressWhileAGuesserIsLimited: a guesser who
// spent the account's budget from their address does not lock the owner
// out; the owner's address has its own.
func TestOwnerSignsInFromAnotherAddressWhileAGuesserIsLimited(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	for i := range defaultSignInPolicy.PerPair {
		expectStatus(t, loginFrom(t, tn, "127.0.0.2", "admin@sovereign.local", fmt.Sprintf("guess number %d!", i)), 401)
	}
	r := loginFrom(t, tn, "127.0.0.2", "admin@sovereign.local", testPassword)
	expectStatus(t, r, http.StatusTooManyRequests)
	if !strings.Contains(string(r.body), "from this address") {
		t.Fatalf("the guesser is not told it is their address: %s", r.body)
	}
	expectStatus(t, loginFrom(t, tn, "127.0.0.3", "admin@sovereign.local", testPassword), 200)
	// The owner's success does not reopen the guesser's address.
	expectStatus(t, loginFrom(t, tn, "127.0.0.2", "admin@sovereign.local", testPassword), http.StatusTooManyRequests)
}

// TestAccountCapStopsGuessesSpreadOverAddresses: a guesser who uses many
// addresses meets the account's overall cap, and then the account waits
// for its window from everywhere.
func TestAccountCapStopsGuessesSpreadOverAddresses(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	policy := defaultSignInPolicy
	policy.PerPair, policy.PerAccount = 2, 5
	tn.srv.console.limits = newSignInLimits(policy)
	checked := 0
	for a := 10; a < 14; a++ {
		for i := range policy.PerPair {
			r := loginFrom(t, tn, fmt.Sprintf("127.0.0.%d", a), "admin@sovereign.local", fmt.Sprintf("guess %d from %d", i, a))
			if r.status == 401 {
				checked++
			}
		}
	}
	if checked != policy.PerAccount {
		t.Fatalf("%d guesses checked across addresses, want the cap %d", checked, policy.PerAccount)
	}
	r := loginFrom(t, tn, "127.0.0.20", "admin@sovereign.local", testPassword)
	expectStatus(t, r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Another account is not affected.
	tn.addUser("other@sovereign.local", "org-viewer", testPassword)
	expectStatus(t, loginFrom(t, tn, "127.0.0.20", "other@sovereign.local", testPassword), 200)
	// After the window the owner gets in.
	tn.srv.console.now = func() time.Time { return time.Now().Add(policy.AccountWindow + time.Minute) }
	expectStatus(t, loginFrom(t, tn, "127.0.0.20", "admin@sovereign.local", testPassword), 200)
}

// TestThrottleTakeIsAtomicAndGiveReturnsOnlyToItsWindow covers the counter
// itself: simultaneous takes never pass the limit, and a slot given back
// after its window ended changes nothing in the next one.
func TestThrottleTakeIsAtomicAndGiveReturnsOnlyToItsWindow(t *testing.T) {
	t.Parallel()
	th := newThrottle(7, time.Minute)
	now := time.Now()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var taken []slot
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s, ok, _ := th.take("k", now); ok {
				mu.Lock()
				taken = append(taken, s)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(taken) != 7 {
		t.Fatalf("%d takes passed a limit of 7", len(taken))
	}
	th.give(taken[0])
	if _, ok, _ := th.take("k", now); !ok {
		t.Fatal("a given-back slot was not free again")
	}
	later := now.Add(2 * time.Minute)
	if _, ok, _ := th.take("k", later); !ok {
		t.Fatal("a new window did not open")
	}
	for _, old := range taken[1:] {
		th.give(old) // from the old window: must not free the new one
	}
	for range 6 {
		if _, ok, _ := th.take("k", later); !ok {
			t.Fatal("the new window is short of its limit")
		}
	}
	if _, ok, _ := th.take("k", later); ok {
		t.Fatal("slots of an old window were given to the new one")
	}
}

// TestAttemptTurnedAwayBeforeTheCheckCostsNoBudget: a sign-in refused
// because hashing was busy or the state unreadable checked no password, so
// it must not spend the account's budget (a flood that keeps the hasher
// busy would otherwise lock the owner out).
func TestAttemptTurnedAwayBeforeTheCheckCostsNoBudget(t *testing.T) {
	t.Parallel()
	l := newSignInLimits(defaultSignInPolicy)
	now := time.Now()
	for range 3 * defaultSignInPolicy.PerPair {
		a, refused := l.reserve("127.0.0.1", "owner@example.org", now)
		if refused != nil {
			t.Fatalf("refused after unchecked attempts: %s", refused.msg)
		}
		a.unchecked()
	}
	for range defaultSignInPolicy.PerPair {
		if _, refused := l.reserve("127.0.0.1", "owner@example.org", now); refused != nil {
			t.Fatalf("a checked guess refused early: %s", refused.msg)
		}
	}
	if _, refused := l.reserve("127.0.0.1", "owner@example.org", now); refused == nil {
		t.Fatal("the sixth failed guess from one address was let through")
	}
}
