package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func (tn *testNode) tryLogin(email, password string, header map[string]string) response {
	tn.t.Helper()
	return tn.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": password}, header: header})
}

func TestLoginSameAnswerForUnknownUserAndWrongPassword(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	u := tn.addUser("gone@sovereign.local", "org-viewer", testPassword)
	_ = u
	admin := tn.adminToken()
	r := tn.do(req{method: http.MethodPatch, path: "/api/v1/sovereign/users/" + u.ID, body: map[string]any{"status": "disabled"}, auth: admin})
	expectStatus(t, r, 200)

	unknown := tn.tryLogin("nobody@sovereign.local", testPassword, nil)
	wrong := tn.tryLogin("admin@sovereign.local", "wrong password, long enough", nil)
	disabled := tn.tryLogin("gone@sovereign.local", testPassword, nil)
	for name, r := range map[string]response{"unknown user": unknown, "wrong password": wrong, "disabled user": disabled} {
		expectStatus(t, r, http.StatusUnauthorized)
		if string(r.body) != string(unknown.body) {
			t.Errorf("%s answers %s, an unknown user %s", name, r.body, unknown.body)
		}
		if r.header.Get("Set-Cookie") != "" {
			t.Errorf("%s set a cookie", name)
		}
	}
	// A missing field is named.
	r = tn.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"email": "a@b.c"}})
	expectStatus(t, r, 400)
	if r.json(t)["field"] != "password" {
		t.Fatalf("%s", r.body)
	}
}

func TestLoginThrottledPerAccount(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	for i := 0; i < 5; i++ {
		expectStatus(t, tn.tryLogin("admin@sovereign.local", fmt.Sprintf("wrong password %d!", i), nil), 401)
	}
	// Now even the right password waits: the account is locked for a while.
	r := tn.tryLogin("admin@sovereign.local", testPassword, nil)
	expectStatus(t, r, http.StatusTooManyRequests)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 15*60 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// Another account from the same address is not affected.
	tn.addUser("other@sovereign.local", "org-viewer", testPassword)
	expectStatus(t, tn.tryLogin("other@sovereign.local", testPassword, nil), 200)
	// After the window, the account signs in again.
	tn.srv.console.now = func() time.Time { return time.Now().Add(16 * time.Minute) }
	expectStatus(t, tn.tryLogin("admin@sovereign.local", testPassword, nil), 200)
}

func TestLoginThrottledPerClient(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	var last response
	for i := 0; i < 31; i++ {
		last = tn.tryLogin(fmt.Sprintf("nobody%d@sovereign.local", i), testPassword, nil)
		if last.status == http.StatusTooManyRequests {
			if i < 30 {
				t.Fatalf("throttled after %d attempts", i)
			}
			break
		}
	}
	expectStatus(t, last, http.StatusTooManyRequests)
	if last.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestLogoutEndsTheSessionEverywhere(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	tok := tn.adminToken()
	other := tn.adminToken()
	expectStatus(t, tn.get("/api/v1/auth/me", tok), 200)
	expectStatus(t, tn.do(req{method: http.MethodDelete, path: "/api/v1/auth/session", auth: tok}), 204)
	for _, auth := range []string{tok, "cookie:" + tok} {
		for _, p := range []string{"/api/v1/auth/me", "/api/v1/sovereign/users", "/api/v1/sovereign/catalog"} {
			expectStatus(t, tn.get(p, auth), http.StatusUnauthorized)
		}
	}
	// The revocation is a record in the replicated store, so every node
	// applying the log refuses the token.
	claims, err := tn.srv.console.parseSession(tok)
	if err != nil {
		t.Fatal(err)
	}
	if revoked, _ := tn.srv.console.revoked(claims.ID); !revoked {
		t.Fatal("no revocation record")
	}
	// Only that session ended.
	expectStatus(t, tn.get("/api/v1/auth/me", other), 200)
	// Logout without a session still clears the cookie.
	r := tn.do(req{method: http.MethodDelete, path: "/api/v1/auth/session"})
	expectStatus(t, r, 204)
}

func TestPasswordChangeAndDisableEndSessions(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	u := tn.addUser("dev@sovereign.local", "org-developer", testPassword)
	admin := tn.adminToken()
	tok := tn.login("dev@sovereign.local", testPassword)
	expectStatus(t, tn.do(req{method: http.MethodPatch, path: "/api/v1/sovereign/users/" + u.ID, body: map[string]any{"password": "a brand new password"}, auth: admin}), 200)
	expectStatus(t, tn.get("/api/v1/auth/me", tok), 401)
	expectStatus(t, tn.tryLogin("dev@sovereign.local", testPassword, nil), 401)
	tok = tn.login("dev@sovereign.local", "a brand new password")
	expectStatus(t, tn.get("/api/v1/auth/me", tok), 200)
	expectStatus(t, tn.do(req{method: http.MethodPatch, path: "/api/v1/sovereign/users/" + u.ID, body: map[string]any{"status": "disabled"}, auth: admin}), 200)
	expectStatus(t, tn.get("/api/v1/auth/me", tok), 401)
}

func TestKeyRotationKeepsOldSessionsUntilTheyExpire(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	old := tn.adminToken()
	r := tn.do(req{method: http.MethodPost, path: "/api/v1/sovereign/keys/rotate", auth: old})
	expectStatus(t, r, 200)
	m := r.json(t)
	if keys := m["keys"].([]any); len(keys) != 2 {
		t.Fatalf("keys after one rotation: %s", r.body)
	}
	expectStatus(t, tn.get("/api/v1/auth/me", old), 200)
	fresh := tn.adminToken()
	expectStatus(t, tn.get("/api/v1/auth/me", fresh), 200)
	oldKid, freshKid := kidOf(t, old), kidOf(t, fresh)
	if oldKid == freshKid || freshKid != m["current"] {
		t.Fatalf("kids: old %s fresh %s current %v", oldKid, freshKid, m["current"])
	}
	// Once a session's lifetime has passed since its retirement, the old
	// key verifies nothing.
	cs := tn.srv.console
	if _, err := cs.keys.verifier(oldKid, time.Now().Add(DefaultSessionTTL+time.Minute)); err == nil {
		t.Fatal("a retired key still verifies after its sessions expired")
	}
	if _, err := cs.keys.verifier(freshKid, time.Now().Add(DefaultSessionTTL+time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The next rotation after that drops it.
	cs.now = func() time.Time { return time.Now().Add(DefaultSessionTTL + time.Minute) }
	defer func() { cs.now = time.Now }()
	set, version, _ := cs.keys.load()
	ch, err := cs.keys.rotation(set, version)
	if err != nil {
		t.Fatal(err)
	}
	var next keySet
	json.Unmarshal(ch.ops[0].Value, &next)
	if len(next.Keys) != 2 || next.Keys[0].Kid != freshKid || next.Keys[0].Retired == nil {
		t.Fatalf("keys after a late rotation: %+v", next.Keys)
	}
}

func kidOf(t testing.TB, token string) string {
	t.Helper()
	claims, err := parseUnverifiedHeader(token)
	if err != nil {
		t.Fatal(err)
	}
	return claims
}
