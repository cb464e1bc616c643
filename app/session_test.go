package app

import (
	"net/http"
	"strings"
	"testing"
)

func TestLoginMeLogout(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	r := tn.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"email": "Admin@Sovereign.local", "password": testPassword}})
	expectStatus(t, r, 200)
	var cookie *http.Cookie
	for _, c := range r.resp.Cookies() {
		if c.Name == SessionCookie {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	raw := r.header.Get("Set-Cookie")
	for _, attr := range []string{"path=/", "HttpOnly", "SameSite=Lax", "max-age=28800"} {
		if !strings.Contains(strings.ToLower(raw), strings.ToLower(attr)) {
			t.Errorf("cookie %q lacks %s", raw, attr)
		}
	}
	if strings.Contains(strings.ToLower(raw), "secure") {
		t.Errorf("cookie over plain HTTP is Secure: %q", raw)
	}
	me := tn.get("/api/v1/auth/me", "cookie:"+cookie.Value)
	expectStatus(t, me, 200)
	if m := me.json(t); m["email"] != "admin@sovereign.local" || m["role"] != "sovereign-admin" {
		t.Fatalf("me: %s", me.body)
	}
	out := tn.do(req{method: http.MethodDelete, path: "/api/v1/auth/session", auth: "cookie:" + cookie.Value})
	expectStatus(t, out, 204)
	if sc := out.header.Get("Set-Cookie"); !strings.Contains(sc, SessionCookie+"=;") {
		t.Fatalf("logout did not clear the cookie: %q", sc)
	}
	expectStatus(t, tn.get("/api/v1/auth/me", "cookie:"+cookie.Value), 401)
	expectStatus(t, tn.get("/api/v1/auth/me", cookie.Value), 401)
}

// TestCachedTokenKeysAreCopies: the verified-token cache must not keep a
// string that aliases a reused request buffer; a later request with other
// bytes in the same buffer would otherwise find the first token's claims.
func TestCachedTokenKeysAreCopies(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	good := tn.adminToken()
	expectStatus(t, tn.get("/api/v1/auth/me", good), 200)
	// Forged tokens of the same length, sent on the same connection,
	// reuse the buffer that held the good one.
	for i := 0; i < 50; i++ {
		forged := []byte(good)
		forged[len(forged)-1-i%25] ^= byte(1 << (i / 25))
		if r := tn.get("/api/v1/auth/me", string(forged)); r.status != 401 {
			t.Fatalf("forgery %d accepted: %q vs %q", i, forged[len(forged)-12:], good[len(good)-12:])
		}
	}
	expectStatus(t, tn.get("/api/v1/auth/me", good), 200)
	tn.srv.console.sessions.mu.Lock()
	defer tn.srv.console.sessions.mu.Unlock()
	for k := range tn.srv.console.sessions.tokens {
		if k != good {
			t.Fatalf("the cache holds a key that changed under it: %q", k)
		}
	}
}
