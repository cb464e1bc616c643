package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/openova-io/sovereign/storage"
)

// trail reads the whole audit trail through the API, as a security
// officer.
func (tn *testNode) trail(token string) ([]AuditEntry, AuditHead) {
	tn.t.Helper()
	r := tn.get("/api/v1/sovereign/audit", token)
	expectStatus(tn.t, r, 200)
	var page struct {
		Entries []AuditEntry `json:"entries"`
		Head    AuditHead    `json:"head"`
	}
	if err := json.Unmarshal(r.body, &page); err != nil {
		tn.t.Fatal(err)
	}
	return page.Entries, page.Head
}

// writeSome makes a few audited writes and returns a security officer's
// session.
func writeSome(t *testing.T, tn *testNode) string {
	admin := tn.adminToken()
	expectStatus(t, tn.write("POST", "/api/v1/sovereign/users", map[string]any{"email": "sec@sovereign.local", "role": "security-officer", "password": testPassword}, admin), 201)
	expectStatus(t, tn.write("PUT", "/api/v1/sovereign/settings", map[string]any{"marketplaceEnabled": true}, admin), 200)
	expectStatus(t, tn.write("PUT", "/api/v1/sovereign/topology/pattern", map[string]any{"pattern": "solo"}, admin), 200)
	return tn.login("sec@sovereign.local", testPassword)
}

func TestAuditRecordsEveryWrite(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	sec := writeSome(t, tn)
	entries, head := tn.trail(sec)
	if err := VerifyAudit(entries, head); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		if e.Actor == "" || e.RequestID == "" || e.Time.IsZero() || e.Target == "" {
			t.Errorf("entry %d lacks actor, request id, time or target: %+v", e.Seq, e)
		}
	}
	got := strings.Join(actions, " ")
	for _, want := range []string{"session.login", "keys.create", "user.create", "settings.update", "topology.pattern"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s entry in %s", want, got)
		}
	}
	// Paging: after=2&limit=2 returns entries 3 and 4.
	r := tn.get("/api/v1/sovereign/audit?after=2&limit=2", sec)
	var page struct{ Entries []AuditEntry }
	json.Unmarshal(r.body, &page)
	if len(page.Entries) != 2 || page.Entries[0].Seq != 3 {
		t.Fatalf("page: %s", r.body)
	}
	expectField(t, tn.get("/api/v1/sovereign/audit?limit=0", sec), "limit")
}

func TestAuditChainDetectsEditedEntry(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	sec := writeSome(t, tn)
	entries, _ := tn.trail(sec)
	victim := entries[2]
	victim.Actor = "someone-else@sovereign.local"
	data, _ := json.Marshal(victim)
	tn.apply(storage.Put(storage.BucketAudit, storage.AuditKey(victim.Seq), data))
	entries, head := tn.trail(sec)
	err := VerifyAudit(entries, head)
	if err == nil || !strings.Contains(err.Error(), "edited") {
		t.Fatalf("an edited entry went unnoticed: %v", err)
	}
	// Re-hashing the edited entry breaks the link of the next one instead.
	victim.Hash = victim.ComputeHash()
	data, _ = json.Marshal(victim)
	tn.apply(storage.Put(storage.BucketAudit, storage.AuditKey(victim.Seq), data))
	entries, head = tn.trail(sec)
	if err := VerifyAudit(entries, head); err == nil || !strings.Contains(err.Error(), "link") {
		t.Fatalf("a re-hashed entry went unnoticed: %v", err)
	}
}

func TestAuditChainDetectsRemovedEntry(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	sec := writeSome(t, tn)
	entries, _ := tn.trail(sec)
	tn.apply(storage.Delete(storage.BucketAudit, storage.AuditKey(entries[1].Seq)))
	entries, head := tn.trail(sec)
	if err := VerifyAudit(entries, head); err == nil || !strings.Contains(err.Error(), "removed") {
		t.Fatalf("a removed entry went unnoticed: %v", err)
	}
}

func TestAuditChainDetectsRemovedLastEntry(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	sec := writeSome(t, tn)
	_, head := tn.trail(sec)
	tn.apply(storage.Delete(storage.BucketAudit, storage.AuditKey(head.Seq)))
	entries, head := tn.trail(sec)
	if err := VerifyAudit(entries, head); err == nil || !strings.Contains(err.Error(), "removed") {
		t.Fatalf("a removed last entry went unnoticed: %v", err)
	}
}

func (tn *testNode) apply(cmd storage.Command) {
	tn.t.Helper()
	res, err := tn.node.Apply(context.Background(), cmd)
	if err != nil || res.Err != nil {
		tn.t.Fatal(err, res.Err)
	}
}
