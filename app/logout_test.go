package app

import (
	"net/http"
	"testing"
)

// TestLogoutOfAnEndedSessionWritesNothing: replaying the logout of a
// session that has ended answers 204 and writes nothing: no Raft entry is
// applied, no audit entry appended. Before, each replay was a write and an
// audit entry, forever.
func TestLogoutOfAnEndedSessionWritesNothing(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	tok := tn.adminToken()
	logout := func(auth string) {
		t.Helper()
		expectStatus(t, tn.do(req{method: http.MethodDelete, path: "/api/v1/auth/session", auth: auth}), http.StatusNoContent)
	}
	before := tn.store.AppliedIndex()
	logout(tok)
	if tn.store.AppliedIndex() == before {
		t.Fatal("the first logout wrote nothing")
	}
	ended := tn.store.AppliedIndex()
	for range 20 {
		logout(tok)
		logout("cookie:" + tok)
	}
	if got := tn.store.AppliedIndex(); got != ended {
		t.Fatalf("replayed logouts applied %d entries", got-ended)
	}

	// The same for a session ended by a change to its account.
	u := tn.addUser("dev@sovereign.local", "org-developer", testPassword)
	dev := tn.login("dev@sovereign.local", testPassword)
	tn.patchUser(tn.adminToken(), u.ID, map[string]any{"status": "disabled"})
	at := tn.store.AppliedIndex()
	for range 5 {
		logout(dev)
	}
	if got := tn.store.AppliedIndex(); got != at {
		t.Fatalf("logouts of a disabled user's session applied %d entries", got-at)
	}
}
