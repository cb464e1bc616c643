package app

import (
	"net/http"
	"testing"
)

// TestRotationThatRevokesAllEndsEverySessionAtOnce: the emergency cut-off
// ends every session, those already verified and cached included, and the
// caller's own; new sign-ins work.
func TestRotationThatRevokesAllEndsEverySessionAtOnce(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	tn.addUser("dev@sovereign.local", "org-developer", testPassword)
	dev := tn.login("dev@sovereign.local", testPassword)
	for _, tok := range []string{admin, dev} {
		expectStatus(t, tn.get("/api/v1/auth/me", tok), 200) // now cached
	}
	r := tn.do(req{method: http.MethodPost, path: "/api/v1/sovereign/keys/rotate", auth: admin, body: map[string]any{"revokeAll": true}})
	expectStatus(t, r, 200)
	m := r.json(t)
	if keys, _ := m["keys"].([]any); len(keys) != 1 || m["revokedAll"] != true {
		t.Fatalf("after a cut-off: %s", r.body)
	}
	for _, tok := range []string{admin, dev} {
		expectStatus(t, tn.get("/api/v1/auth/me", tok), http.StatusUnauthorized)
		expectStatus(t, tn.get("/api/v1/auth/me", "cookie:"+tok), http.StatusUnauthorized)
	}
	fresh := tn.adminToken()
	expectStatus(t, tn.get("/api/v1/auth/me", fresh), 200)
	if kidOf(t, fresh) != m["current"] {
		t.Fatalf("a new session is not signed by the new key")
	}
	// An ordinary rotation still keeps sessions; a misspelt field is named.
	expectStatus(t, tn.do(req{method: http.MethodPost, path: "/api/v1/sovereign/keys/rotate", auth: fresh}), 200)
	expectStatus(t, tn.get("/api/v1/auth/me", fresh), 200)
	bad := tn.do(req{method: http.MethodPost, path: "/api/v1/sovereign/keys/rotate", auth: fresh, body: map[string]any{"revokeAl": true}})
	expectStatus(t, bad, 400)
	expectStatus(t, tn.get("/api/v1/auth/me", fresh), 200)
}
