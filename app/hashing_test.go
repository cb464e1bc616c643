package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openova-io/sovereign/app/identity"
	"golang.org/x/crypto/argon2"
)

// hashUnder hashes password under other argon2id parameters than the
// current ones, as an earlier version of Sovereign did.
func hashUnder(m, t uint32, p uint8, password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, t, m, p, 32)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// addUserWithHash creates a user whose stored hash is hash.
func (tn *testNode) addUserWithHash(email, hash string) identity.User {
	tn.t.Helper()
	u, err := identity.NewDirectory(tn.node, tn.store).Create(context.Background(), identity.User{Email: email, Name: email, Role: identity.RoleOrgViewer, PasswordHash: hash})
	if err != nil {
		tn.t.Fatal(err)
	}
	return u
}

func (tn *testNode) storedHash(id string) string {
	tn.t.Helper()
	u, _, ok, err := tn.srv.console.dir.Get(id)
	if err != nil || !ok {
		tn.t.Fatal(ok, err)
	}
	return u.PasswordHash
}

func TestSignInRehashesAPasswordHashedUnderOlderParameters(t *testing.T) {
	tn := startNode(t)
	old := hashUnder(64*1024, 1, 2, testPassword) // the parameters of earlier versions
	u := tn.addUserWithHash("old@sovereign.local", old)

	expectStatus(t, tn.tryLogin("old@sovereign.local", "a wrong password, long", nil), http.StatusUnauthorized)
	if tn.storedHash(u.ID) != old {
		t.Fatal("a failed sign-in changed the stored hash")
	}
	tok := tn.login("old@sovereign.local", testPassword)
	rehashed := tn.storedHash(u.ID)
	if rehashed == old || identity.NeedsRehash(rehashed) {
		t.Fatalf("after a sign-in the hash is %s, want one under the current parameters", rehashed)
	}
	if ok, _ := identity.VerifyPassword(rehashed, testPassword); !ok {
		t.Fatal("the new hash does not verify the password")
	}
	// The next sign-in keeps the hash; the session of the first still works.
	tn.login("old@sovereign.local", testPassword)
	if tn.storedHash(u.ID) != rehashed {
		t.Fatal("a hash under the current parameters was replaced")
	}
	expectStatus(t, tn.get("/api/v1/auth/me", tok), http.StatusOK)

	entries, head := tn.fullTrail(tn.adminToken())
	if err := VerifyAudit(entries, head); err != nil {
		t.Fatal(err)
	}
	rehashes := 0
	for _, e := range entries {
		if e.Action == "session.login" && strings.Contains(e.Target, "password rehashed") {
			rehashes++
		}
	}
	if rehashes != 1 {
		t.Fatalf("%d sign-ins audited as rehashing the password, want 1", rehashes)
	}
}

func TestSignInAnswers503WithRetryAfterWhenTheHashQueueIsFull(t *testing.T) {
	tn := startNode(t)
	// One hash at a time and no queue; a user whose hash takes long to
	// verify (4 passes over 64 MiB) holds the only slot.
	tn.srv.console.hasher = identity.NewHasher(1, 0)
	tn.addUserWithHash("slow@sovereign.local", hashUnder(64*1024, 4, 1, testPassword))

	slow := make(chan response, 1)
	go func() {
		slow <- tn.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"email": "slow@sovereign.local", "password": testPassword}})
	}()
	for deadline := time.Now().Add(5 * time.Second); tn.srv.console.hasher.InFlight() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first sign-in never started hashing")
		}
	}
	start := time.Now()
	r := tn.tryLogin("admin@sovereign.local", testPassword, nil)
	expectStatus(t, r, http.StatusServiceUnavailable)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if inFlight := tn.srv.console.hasher.InFlight(); inFlight != 1 {
		t.Fatalf("%d hashes in flight while the queue was full, want the first alone", inFlight)
	}
	t.Logf("refused in %v", time.Since(start))
	expectStatus(t, <-slow, http.StatusOK)
	// With the slot free again, sign-ins go through.
	expectStatus(t, tn.tryLogin("admin@sovereign.local", testPassword, nil), http.StatusOK)
}

func TestHashSlotsFollowCoresAndTheMemoryLimit(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		cpus  int
		limit int64
		want  int
	}{
		{1, math.MaxInt64, 1},
		{2, math.MaxInt64, 2},
		{64, math.MaxInt64, maxHashesAtOnce},
		{8, 100 * mib, 2}, // half of 100 MiB holds two hashes of 19 MiB
		{8, 10 * mib, 1},  // never none
	} {
		if got := hashSlots(c.cpus, c.limit, 19*mib); got != c.want {
			t.Errorf("%d cores, limit %d MiB: %d slots, want %d", c.cpus, c.limit/mib, got, c.want)
		}
	}
}
