package app

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/raftnode"
)

// startCluster runs three nodes of one region, each with its own console,
// on one in-memory network.
func startCluster(t *testing.T) []*testNode {
	t.Helper()
	nw := raftnode.NewInmemNetwork()
	var nodes []*testNode
	for i, name := range []string{"a", "b", "c"} {
		nodes = append(nodes, openNode(t, nw, name, i > 0))
	}
	nodes[0].waitReady()
	for _, n := range nodes[1:] {
		if err := nodes[0].node.AddNonvoter(context.Background(), n.node.ID(), n.node.Addr()); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "cluster did not reach 3 voters", func() bool {
		members, err := nodes[0].node.AppliedMembers()
		voters := 0
		for _, m := range members {
			if m.Voter() {
				voters++
			}
		}
		return err == nil && voters == 3
	})
	for _, n := range nodes {
		n.waitReady()
	}
	nodes[0].admin = nodes[0].addUser("admin@sovereign.local", identity.RoleSovereignAdmin, testPassword)
	return nodes
}

// eventually retries check until it holds or 10 s pass: a follower applies
// a committed entry a moment after the leader acknowledged it.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSessionsAcrossTheCluster(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t)
	a, b, c := nodes[0], nodes[1], nodes[2]
	for _, n := range nodes {
		eventually(t, "user not replicated", func() bool { return countUsers(n) == 1 })
	}
	// Sign in on one node; the session works on every node.
	tok := b.login("admin@sovereign.local", testPassword)
	for _, n := range nodes {
		eventually(t, "session not accepted on "+n.node.ID(), func() bool { return n.get("/api/v1/auth/me", tok).status == 200 })
	}
	// A write through a follower is forwarded and visible everywhere.
	expectStatus(t, c.write("POST", "/api/v1/sovereign/users", map[string]any{"email": "ops@example.org", "password": testPassword}, tok), 201)
	for _, n := range nodes {
		users := n.get("/api/v1/sovereign/users", tok).json(t)["users"].([]any)
		if len(users) != 2 {
			t.Fatalf("%s lists %d users after a linearizable read", n.node.ID(), len(users))
		}
	}
	// The topology lists the three Raft members.
	var top Topology
	r := a.get("/api/v1/sovereign/topology", tok)
	if err := jsonUnmarshal(r.body, &top); err != nil {
		t.Fatal(err)
	}
	home := top.Topology.Regions[0].Clusters[0]
	if home.NodeCount != 3 || home.Status != "healthy" {
		t.Fatalf("home cluster: %s", r.body)
	}
	roles := map[string]int{}
	hosts := map[string]string{}
	for _, n := range nodes {
		hosts[n.node.ID()] = hostOf(n.node.Addr())
	}
	for _, n := range home.Nodes {
		roles[n.Role]++
		if n.Status != "healthy" || n.IP != hosts[n.ID] {
			t.Fatalf("node %+v", n)
		}
	}
	if roles["leader"] != 1 || roles["voter"] != 2 {
		t.Fatalf("roles: %v", roles)
	}
	// Logging out on one node ends the session on all of them.
	expectStatus(t, c.do(req{method: http.MethodDelete, path: "/api/v1/auth/session", auth: tok}), 204)
	for _, n := range nodes {
		eventually(t, "revoked session still accepted on "+n.node.ID(), func() bool { return n.get("/api/v1/auth/me", tok).status == 401 })
	}
	// A handover token used on one node is refused on another.
	sk, _ := testKeys(t)
	claims := handoverClaims()
	expectStatus(t, a.handover(signRS256(t, sk, claims)), http.StatusFound)
	r = b.handover(signRS256(t, sk, claims))
	expectStatus(t, r, 401)
	if r.json(t)["error"] != reasonReplayed {
		t.Fatalf("replay on another node: %s", r.body)
	}
	// Key rotation on one node: old sessions keep working everywhere.
	old := a.login("admin@sovereign.local", testPassword)
	expectStatus(t, b.do(req{method: http.MethodPost, path: "/api/v1/sovereign/keys/rotate", auth: old}), 200)
	fresh := c.login("admin@sovereign.local", testPassword)
	for _, n := range nodes {
		eventually(t, "sessions after rotation on "+n.node.ID(), func() bool {
			return n.get("/api/v1/auth/me", old).status == 200 && n.get("/api/v1/auth/me", fresh).status == 200
		})
	}
}

func TestTopologyShowsAStoppedNodeAsFailed(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t)
	tok := nodes[0].adminToken()
	stopped := nodes[2]
	if err := stopped.node.Close(); err != nil {
		t.Fatal(err)
	}
	var top Topology
	eventually(t, "the stopped node is not shown as failed", func() bool {
		jsonUnmarshal(nodes[0].get("/api/v1/sovereign/topology", tok).body, &top)
		home := top.Topology.Regions[0].Clusters[0]
		for _, n := range home.Nodes {
			if n.ID == stopped.node.ID() {
				return n.Status == "failed" && home.Status == "degraded"
			}
		}
		return false
	})
}

func countUsers(n *testNode) int {
	c, _ := n.srv.console.dir.Count()
	return c
}
