package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// withClusterCA records a cluster CA on tn's cluster, as a first start does.
func withClusterCA(t *testing.T, tn *testNode) {
	t.Helper()
	ca, err := raftnode.NewTestCA("hz-fsn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.node.EnsureCluster(context.Background(), "hz-fsn", ca.CertPEM, ca.KeyPEM); err != nil {
		t.Fatal(err)
	}
}

func TestJoinTokenFromTheAPIExpiresByDefaultAndNeverAfterAWeek(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	withClusterCA(t, tn)
	admin := tn.adminToken()
	create := func(body any) response {
		return tn.do(req{method: http.MethodPost, path: "/api/v1/cluster/tokens", auth: admin, body: body})
	}
	expires := func(r response) time.Duration {
		t.Helper()
		expectStatus(t, r, http.StatusCreated)
		m := r.json(t)
		created, _ := time.Parse(time.RFC3339, m["created"].(string))
		exp, err := time.Parse(time.RFC3339, m["expires"].(string))
		if err != nil {
			t.Fatalf("a token without an expiry: %s", r.body)
		}
		return exp.Sub(created)
	}
	if got := expires(create(nil)); got != raftnode.DefaultTokenTTL {
		t.Fatalf("a token asked for without a ttl lives %v, want %v", got, raftnode.DefaultTokenTTL)
	}
	if got := expires(create(map[string]any{"description": "n2"})); got != 24*time.Hour {
		t.Fatalf("a token without a ttl lives %v", got)
	}
	if got := expires(create(map[string]any{"ttl": "168h"})); got != raftnode.MaxTokenTTL {
		t.Fatalf("a week's token lives %v", got)
	}
	before, _ := tn.store.Count(storage.BucketJoinTokens)
	for _, ttl := range []string{"169h", "8760h", "0", "-1h", "forever"} {
		r := create(map[string]any{"ttl": ttl})
		expectStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(string(r.body), "168h") {
			t.Fatalf("ttl %s: the refusal does not say the maximum: %s", ttl, r.body)
		}
	}
	if after, _ := tn.store.Count(storage.BucketJoinTokens); after != before {
		t.Fatalf("refused tokens were recorded: %d, then %d", before, after)
	}
}

func TestCertificateRevokedThroughTheAPIIsAuditedAndAdminOnly(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	withClusterCA(t, tn)
	admin := tn.adminToken()
	tn.addUser("ops@sovereign.local", "org-admin", testPassword)
	ops := tn.login("ops@sovereign.local", testPassword)
	revoke := func(serial, auth string) response {
		return tn.do(req{method: http.MethodDelete, path: "/api/v1/cluster/certificates/" + serial, auth: auth})
	}
	expectStatus(t, revoke("1f2e3d", ops), http.StatusForbidden)
	if _, ok, _ := tn.store.Get(storage.BucketRevokedCerts, []byte("1f2e3d")); ok {
		t.Fatal("a non-administrator revoked a certificate")
	}
	expectField(t, revoke("not-hex", admin), "serial")

	expectStatus(t, revoke("1F:2E:3D", admin), http.StatusNoContent)
	if _, ok, _ := tn.store.Get(storage.BucketRevokedCerts, []byte("1f2e3d")); !ok {
		t.Fatal("the serial is not revoked")
	}
	audited := func() int {
		n := 0
		_ = tn.store.Scan(storage.BucketAudit, []byte(storage.AuditEntryPrefix), func(_ []byte, r storage.Record) bool {
			if strings.Contains(string(r.Value), `"target":"cert/1f2e3d"`) && strings.Contains(string(r.Value), `"action":"cluster.cert.revoke"`) {
				n++
			}
			return true
		})
		return n
	}
	if audited() != 1 {
		t.Fatalf("revocation audited %d times", audited())
	}
	// Revoking it again changes nothing and writes nothing.
	expectStatus(t, revoke("1f2e3d", admin), http.StatusNoContent)
	if audited() != 1 {
		t.Fatalf("a repeated revocation wrote to the audit trail (%d entries)", audited())
	}
	r := tn.get("/api/v1/cluster/certificates", admin)
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"certificates":[`) {
		t.Fatalf("certificate list: %s", r.body)
	}
}
