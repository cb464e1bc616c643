package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserKeysAuditCommands drives `sovereign user`, `keys` and `audit`
// against a running node, as an operator on the node would.
func TestUserKeysAuditCommands(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir, "--fqdn", "acme.example.org", "--deployment-id", "dep-1")
	p.waitReady(t)
	defer p.stop(t)
	pw, err := os.ReadFile(filepath.Join(dir, "admin-password"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"SOVEREIGN_URL=http://" + p.http, "SOVEREIGN_PASSWORD=" + strings.TrimSpace(string(pw)), "SOVEREIGN_TOKEN=", "SOVEREIGN_EMAIL="}
	ok := func(args ...string) string {
		t.Helper()
		code, out, stderr := run(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}

	var added struct {
		User struct {
			ID, Email, Role string
		}
		Password string
	}
	if err := json.Unmarshal([]byte(ok("user", "add", "Ops@Example.org", "--name", "Ops", "--role", "org-admin", "-o", "json")), &added); err != nil {
		t.Fatal(err)
	}
	if added.User.Email != "ops@example.org" || added.User.Role != "org-admin" || len(added.Password) != 24 {
		t.Fatalf("user add: %+v", added)
	}
	list := ok("user", "list")
	if !strings.Contains(list, "ops@example.org") || !strings.Contains(list, "admin@sovereign.local") || !strings.Contains(list, "never") {
		t.Fatalf("user list:\n%s", list)
	}
	var users struct{ Users []map[string]any }
	json.Unmarshal([]byte(ok("user", "list", "-o", "json")), &users)
	if len(users.Users) != 2 {
		t.Fatalf("user list -o json: %+v", users)
	}

	// The new user signs in; passwd ends that and sets a new password.
	opsEnv := []string{"SOVEREIGN_URL=http://" + p.http, "SOVEREIGN_EMAIL=ops@example.org", "SOVEREIGN_PASSWORD=" + added.Password, "SOVEREIGN_TOKEN="}
	if code, _, stderr := run(t, opsEnv, "user", "list"); code != 0 {
		t.Fatalf("ops cannot list: %s", stderr)
	}
	out := ok("user", "passwd", "ops@example.org", "--new-password", "a long new password")
	if !strings.Contains(out, "changed") {
		t.Fatalf("passwd: %s", out)
	}
	code, _, stderr := run(t, opsEnv, "user", "list")
	if code == 0 || !strings.Contains(stderr, "sign-in refused") {
		t.Fatalf("old password still works (exit %d): %s", code, stderr)
	}
	// An org-admin may read users but not add them: the refusal says so.
	opsEnv[2] = "SOVEREIGN_PASSWORD=a long new password"
	code, _, stderr = run(t, opsEnv, "user", "add", "x@example.org")
	if code == 0 || !strings.Contains(stderr, "refused") || !strings.Contains(stderr, "sovereign-admin") {
		t.Fatalf("org-admin added a user (exit %d): %s", code, stderr)
	}

	ok("user", "disable", "ops@example.org")
	if code, _, _ := run(t, opsEnv, "user", "list"); code == 0 {
		t.Fatal("a disabled user still signs in")
	}
	code, _, stderr = run(t, env, "user", "disable", "nobody@example.org")
	if code == 0 || !strings.Contains(stderr, "sovereign user list") {
		t.Fatalf("disable of an unknown user: %s", stderr)
	}

	var rotated struct {
		Current string
		Keys    []map[string]any
	}
	json.Unmarshal([]byte(ok("keys", "rotate", "-o", "json")), &rotated)
	if rotated.Current == "" || len(rotated.Keys) != 2 {
		t.Fatalf("keys rotate: %+v", rotated)
	}

	out = ok("audit", "verify")
	if !strings.Contains(out, "audit trail intact") {
		t.Fatalf("audit verify: %s", out)
	}
	var report struct {
		OK      bool
		Entries int
	}
	json.Unmarshal([]byte(ok("audit", "verify", "-o", "json")), &report)
	if !report.OK || report.Entries < 8 {
		t.Fatalf("audit verify -o json: %+v", report)
	}
	if list := ok("audit", "list"); !strings.Contains(list, "user.create") || !strings.Contains(list, "keys.rotate") {
		t.Fatalf("audit list:\n%s", list)
	}

	// The emergency cut-off ends every session, those already handed out
	// included.
	session := signIn(t, p.http, "admin@sovereign.local", strings.TrimSpace(string(pw)))
	if code := meStatus(t, p.http, session); code != http.StatusOK {
		t.Fatalf("me before the cut-off: %d", code)
	}
	var cut struct {
		Keys       []map[string]any
		RevokedAll bool
	}
	json.Unmarshal([]byte(ok("keys", "rotate", "--revoke-all", "-o", "json")), &cut)
	if !cut.RevokedAll || len(cut.Keys) != 1 {
		t.Fatalf("keys rotate --revoke-all: %+v", cut)
	}
	if code := meStatus(t, p.http, session); code != http.StatusUnauthorized {
		t.Fatalf("a session survived the cut-off: %d", code)
	}

	// No credentials, and a server that is not there: each error says what to do.
	code, _, stderr = run(t, []string{"SOVEREIGN_URL=http://" + p.http, "SOVEREIGN_PASSWORD=", "SOVEREIGN_TOKEN="}, "user", "list")
	if code == 0 || !strings.Contains(stderr, "SOVEREIGN_PASSWORD") {
		t.Fatalf("no credentials: %s", stderr)
	}
	code, _, stderr = run(t, append(env, "SOVEREIGN_URL=http://"+freePort(t)), "user", "list")
	if code == 0 || !strings.Contains(stderr, "--server") {
		t.Fatalf("no server: %s", stderr)
	}
}

// signIn returns a session token for email.
func signIn(t *testing.T, addr, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("sign in %s: %d %v", email, resp.StatusCode, err)
	}
	return out.Token
}

// meStatus is the status of GET /api/v1/auth/me with token.
func meStatus(t *testing.T, addr, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/auth/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
