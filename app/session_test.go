package app

import (
	"net/http"
	"strings"
	"testing"
)

func TestLoginMeLogout(t *testing.T) {
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
