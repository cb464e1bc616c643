package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// legacyHash is a hash as earlier versions made it: 64 MiB, one pass, two lanes.
func legacyHash(t *testing.T, password string) string {
	t.Helper()
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	p := Params{Memory: 64 * 1024, Time: 1, Threads: 2}
	return phc{Params: p, salt: salt, key: argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)}.String()
}

func TestHashCarriesItsParameters(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %s does not name OWASP's m=19456,t=2,p=1", h)
	}
	if NeedsRehash(h) {
		t.Fatal("a hash under the current parameters is marked for rehash")
	}
}

func TestHashUnderOtherParametersVerifiesAndIsMarkedForRehash(t *testing.T) {
	old := legacyHash(t, "correct horse battery staple")
	if ok, err := VerifyPassword(old, "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("a hash under older parameters no longer verifies: %v", err)
	}
	if ok, _ := VerifyPassword(old, "wrong horse battery staple"); ok {
		t.Fatal("wrong password accepted")
	}
	if !NeedsRehash(old) {
		t.Fatal("a hash under older parameters is not marked for rehash")
	}
}

func TestUnreadableHashesMatchNothing(t *testing.T) {
	good := EqualiserHash()
	for _, bad := range []string{
		"",
		"$argon2id$",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=19456", "m=999999999", 1), // more memory than a hash may ask for
		strings.Replace(good, "t=2", "t=0", 1),
		strings.Replace(good, "p=1", "p=0", 1),
		strings.Replace(good, "m=19456,t=2,p=1", "t=2,m=19456,p=1", 1),
		strings.Replace(good, "m=19456,t=2,p=1", "m=19456,t=2", 1),
		good[:len(good)-10] + "!!!!!!!!!!",
		"x" + good,
	} {
		if ok, err := VerifyPassword(bad, "x"); ok || err == nil {
			t.Errorf("hash %q: ok %v err %v", bad, ok, err)
		}
		if !NeedsRehash(bad) {
			t.Errorf("hash %q is not marked for rehash", bad)
		}
	}
}

func TestEqualiserHashCostsAVerifyAndMatchesNothing(t *testing.T) {
	h := EqualiserHash()
	if _, err := parsePHC(h); err != nil {
		t.Fatal(err)
	}
	if NeedsRehash(h) {
		t.Fatal("the equaliser does not use the current parameters, so it would not take as long as a user's hash")
	}
	if ok, err := VerifyPassword(h, ""); ok || err != nil {
		t.Fatalf("ok %v err %v", ok, err)
	}
}

// hold occupies one slot of h until the returned function is called.
func hold(t *testing.T, h *Hasher) (release func()) {
	t.Helper()
	started, done := make(chan struct{}), make(chan struct{})
	go h.run(context.Background(), func() error {
		close(started)
		<-done
		return nil
	})
	<-started
	return func() { close(done) }
}

func TestHasherAnswersBusyBeyondItsQueueBeforeHashing(t *testing.T) {
	h := NewHasher(1, 1)
	release := hold(t, h)
	waited := make(chan error, 1)
	go func() { waited <- h.run(context.Background(), func() error { return nil }) }()
	for len(h.tickets) != 2 {
		time.Sleep(time.Millisecond)
	}
	ran := false
	if err := h.run(context.Background(), func() error { ran = true; return nil }); !errors.Is(err, ErrBusy) || ran {
		t.Fatalf("third caller: err %v, ran %v; want ErrBusy without running", err, ran)
	}
	release()
	if err := <-waited; err != nil {
		t.Fatalf("the queued caller: %v", err)
	}
}

func TestHasherWaitIsBounded(t *testing.T) {
	h := NewHasher(1, 4)
	h.maxWait = 20 * time.Millisecond
	release := hold(t, h)
	defer release()
	if err := h.run(context.Background(), func() error { return nil }); !errors.Is(err, ErrBusy) {
		t.Fatalf("err %v, want ErrBusy after the wait", err)
	}
}

func TestHasherGivesMemoryBackOnceAfterABurst(t *testing.T) {
	h := NewHasher(2, 8)
	// Waiters must never give up here: a waiter that left would keep the
	// burst from ever being complete.
	h.maxWait = time.Hour
	var frees, busyFrees atomic.Int32
	h.free = func() {
		frees.Add(1)
		if h.InFlight() != 0 {
			busyFrees.Add(1)
		}
	}
	// A burst of six: none ends before all six have arrived, so the
	// hasher is busy from the first to the last.
	const burst = 6
	var all atomic.Bool // set once all six are in
	var wg sync.WaitGroup
	for i := 0; i < burst; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := h.run(context.Background(), func() error {
				arrived := time.Now().Add(time.Minute)
				for !all.Load() {
					if h.InFlight() == burst {
						all.Store(true)
					}
					if time.Now().After(arrived) {
						return errors.New("the burst never had all its hashes in flight")
					}
					time.Sleep(time.Millisecond)
				}
				_, err := VerifyPassword(EqualiserHash(), "x")
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(2 * time.Second)
	for frees.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * freeDelay)
	if n := frees.Load(); n != 1 {
		t.Fatalf("memory given back %d times after one burst, want once", n)
	}
	if busyFrees.Load() != 0 {
		t.Fatal("memory given back while hashes were running")
	}
}

func TestVerifyRehashesOnlyARightPasswordUnderOldParameters(t *testing.T) {
	h := NewHasher(1, 0)
	old := legacyHash(t, "correct horse battery staple")
	ok, rehash, err := h.Verify(context.Background(), old, "correct horse battery staple")
	if err != nil || !ok || rehash == "" || NeedsRehash(rehash) {
		t.Fatalf("ok %v rehash %q err %v", ok, rehash, err)
	}
	if ok, _ := VerifyPassword(rehash, "correct horse battery staple"); !ok {
		t.Fatal("the new hash does not verify")
	}
	if ok, rehash, _ := h.Verify(context.Background(), old, "wrong"); ok || rehash != "" {
		t.Fatal("a wrong password was accepted or rehashed")
	}
	if _, rehash, _ := h.Verify(context.Background(), rehash, "correct horse battery staple"); rehash != "" {
		t.Fatal("a current hash was rehashed")
	}
}

// FuzzParsePHC: parsing never panics, and what parses prints back to a
// string that parses to the same.
func FuzzParsePHC(f *testing.F) {
	f.Add(EqualiserHash())
	f.Add("$argon2id$v=19$m=65536,t=1,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$AA$AA")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err != nil {
			return
		}
		again, err := parsePHC(h.String())
		if err != nil || again.Params != h.Params || string(again.salt) != string(h.salt) || string(again.key) != string(h.key) {
			t.Fatalf("%q -> %q: %v", s, h.String(), err)
		}
	})
}
