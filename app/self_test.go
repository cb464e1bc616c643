package app

import (
	"net/http"
	"testing"
)

func noIdentity(o *ConsoleOptions) { o.FQDN, o.DeploymentID = "", "" }

func TestSelfFromConfiguration(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	r := tn.get("/api/v1/sovereign/self", "")
	expectStatus(t, r, 200)
	m := r.json(t)
	if len(m) != 2 || m["deploymentId"] != testDeployment || m["sovereignFQDN"] != testFQDN {
		t.Fatalf("self: %s", r.body)
	}
}

func TestSelfNotASovereign(t *testing.T) {
	t.Parallel()
	tn := startNode(t, withConsole(noIdentity))
	r := tn.get("/api/v1/sovereign/self", "")
	expectStatus(t, r, http.StatusNotFound)
	m := r.json(t)
	if m["error"] != "not-a-sovereign" || m["detail"] == "" || m["detail"] == nil {
		t.Fatalf("self: %s", r.body)
	}
}

func TestSelfDeploymentIDNotYetStamped(t *testing.T) {
	t.Parallel()
	tn := startNode(t, withConsole(func(o *ConsoleOptions) { o.DeploymentID = "" }))
	r := tn.get("/api/v1/sovereign/self", "")
	expectStatus(t, r, http.StatusServiceUnavailable)
	m := r.json(t)
	if m["error"] != "deployment-id-not-yet-stamped" || m["fqdn"] != testFQDN || m["detail"] == nil {
		t.Fatalf("self: %s", r.body)
	}
}

// TestSelfResolutionOrder: configuration, then the session's claims, then
// the replicated settings.
func TestSelfResolutionOrder(t *testing.T) {
	t.Parallel()
	tn := startNode(t, withConsole(noIdentity))
	admin := tn.adminToken()
	put := func(body map[string]any) {
		t.Helper()
		expectStatus(t, tn.do(req{method: http.MethodPut, path: "/api/v1/sovereign/settings", body: body, auth: admin}), 200)
	}
	// Settings alone answer.
	put(map[string]any{"sovereignFQDN": "one.example", "deploymentId": "dep-one"})
	r := tn.get("/api/v1/sovereign/self", "")
	expectStatus(t, r, 200)
	if m := r.json(t); m["sovereignFQDN"] != "one.example" || m["deploymentId"] != "dep-one" {
		t.Fatalf("from settings: %s", r.body)
	}
	// A session minted now carries dep-one; the settings then change.
	session := tn.login("admin@sovereign.local", testPassword)
	put(map[string]any{"deploymentId": "dep-two"})
	if m := tn.get("/api/v1/sovereign/self", "cookie:"+session).json(t); m["deploymentId"] != "dep-one" {
		t.Fatalf("the session's claim does not come before the settings: %v", m)
	}
	if m := tn.get("/api/v1/sovereign/self", "").json(t); m["deploymentId"] != "dep-two" {
		t.Fatalf("without a session the settings answer: %v", m)
	}
	// An ended session's claims are not used.
	expectStatus(t, tn.do(req{method: http.MethodDelete, path: "/api/v1/auth/session", auth: "cookie:" + session}), 204)
	if m := tn.get("/api/v1/sovereign/self", "cookie:"+session).json(t); m["deploymentId"] != "dep-two" {
		t.Fatalf("a revoked session's claims were used: %v", m)
	}

	// The configuration comes before both.
	tn2 := startNode(t, withConsole(func(o *ConsoleOptions) { o.FQDN = ""; o.DeploymentID = "dep-config" }))
	a2 := tn2.adminToken()
	expectStatus(t, tn2.do(req{method: http.MethodPut, path: "/api/v1/sovereign/settings", body: map[string]any{"sovereignFQDN": "two.example"}, auth: a2}), 200)
	if m := tn2.get("/api/v1/sovereign/self", "cookie:"+a2).json(t); m["deploymentId"] != "dep-config" || m["sovereignFQDN"] != "two.example" {
		t.Fatalf("configuration first, then settings per field: %v", m)
	}
}
