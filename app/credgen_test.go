package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// frozenClock stops the console's clock at one instant inside a second,
// so everything a test does happens "in the same second".
func frozenClock(t testing.TB, tn *testNode) {
	t.Helper()
	at := time.Now().Truncate(time.Second).Add(100 * time.Millisecond)
	tn.srv.console.now = func() time.Time { return at }
}

func (tn *testNode) patchUser(admin, id string, body map[string]any) {
	tn.t.Helper()
	expectStatus(tn.t, tn.do(req{method: http.MethodPatch, path: "/api/v1/sovereign/users/" + id, body: body, auth: admin}), 200)
}

// TestSessionMintedInTheSameSecondAsAnAccountChangeIsRefused: every change
// that ends sessions ends those minted in the same second before it, which
// a comparison of whole-second iat with the change's time let through.
func TestSessionMintedInTheSameSecondAsAnAccountChangeIsRefused(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	u := tn.addUser("dev@sovereign.local", "org-developer", testPassword)
	admin := tn.adminToken()
	frozenClock(t, tn)
	steps := []struct {
		name   string
		change map[string]any
		after  map[string]any // a second change that restores sign-in
	}{
		{"password change", map[string]any{"password": "a brand new password"}, map[string]any{"password": testPassword}},
		{"disable and re-enable", map[string]any{"status": "disabled"}, map[string]any{"status": "active"}},
		{"role change", map[string]any{"role": "org-viewer"}, nil},
	}
	for _, s := range steps {
		tok := tn.login("dev@sovereign.local", testPassword)
		expectStatus(t, tn.get("/api/v1/auth/me", tok), 200)
		tn.patchUser(admin, u.ID, s.change)
		if s.after != nil {
			tn.patchUser(admin, u.ID, s.after)
		}
		if r := tn.get("/api/v1/auth/me", tok); r.status != http.StatusUnauthorized {
			t.Fatalf("%s: a session minted in the same second survived it: %d %s", s.name, r.status, r.body)
		}
		// A session minted after the change works.
		expectStatus(t, tn.get("/api/v1/auth/me", tn.login("dev@sovereign.local", testPassword)), 200)
	}
	// A name change ends nothing.
	tok := tn.login("dev@sovereign.local", testPassword)
	tn.patchUser(admin, u.ID, map[string]any{"name": "Dev"})
	expectStatus(t, tn.get("/api/v1/auth/me", tok), 200)
}

// TestSessionWithoutCredentialGenerationIsRefused: a token signed with a
// valid key but minted before sessions carried the generation is refused,
// not read as generation 0 (which every user's counter starts at).
func TestSessionWithoutCredentialGenerationIsRefused(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	good := tn.adminToken()
	cs := tn.srv.console
	set, _, err := cs.keys.load()
	if err != nil || len(set.Keys) == 0 {
		t.Fatalf("keys: %v", err)
	}
	key := set.Keys[len(set.Keys)-1]
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": "https://" + testFQDN, "sub": tn.admin.ID, "email": tn.admin.Email, "email_verified": true,
		"role": "sovereign-admin", "sovereign_fqdn": testFQDN, "deployment_id": testDeployment,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": uuid.NewString(), "typ": "session",
	}
	mint := func(c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = key.Kid
		s, err := tok.SignedString(key.Secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	expectStatus(t, tn.get("/api/v1/auth/me", mint(claims)), http.StatusUnauthorized)
	claims["cred_gen"] = 0
	expectStatus(t, tn.get("/api/v1/auth/me", mint(claims)), http.StatusOK)
	claims["cred_gen"] = 1
	expectStatus(t, tn.get("/api/v1/auth/me", mint(claims)), http.StatusUnauthorized)
	expectStatus(t, tn.get("/api/v1/auth/me", good), http.StatusOK)
}
