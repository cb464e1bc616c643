package app

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/openova-io/sovereign/storage"
	dto "github.com/prometheus/client_model/go"
)

func keysOf(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sameKeys(t testing.TB, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := keysOf(m); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s fields %v, want %v", what, got, want)
	}
}

var consoleGETs = []string{"/api/v1/sovereign/users", "/api/v1/sovereign/catalog", "/api/v1/sovereign/settings", "/api/v1/sovereign/topology"}

func TestConsoleGETsNeedASession(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	for _, p := range append(consoleGETs, "/api/v1/auth/me", "/api/v1/sovereign/audit") {
		r := tn.get(p, "")
		expectStatus(t, r, http.StatusUnauthorized)
		if e, _ := r.json(t)["error"].(string); e == "" {
			t.Fatalf("%s: no error message", p)
		}
		expectStatus(t, tn.get(p, "not-a-token"), http.StatusUnauthorized)
	}
}

func TestUsersShape(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	tn.addUser("viewer@sovereign.local", "org-viewer", testPassword)
	admin := tn.adminToken()
	r := tn.get("/api/v1/sovereign/users", admin)
	expectStatus(t, r, 200)
	m := r.json(t)
	sameKeys(t, "users answer", m, "users")
	users := m["users"].([]any)
	if len(users) != 2 {
		t.Fatalf("users: %s", r.body)
	}
	for _, u := range users {
		u := u.(map[string]any)
		switch u["email"] {
		case "admin@sovereign.local":
			sameKeys(t, "signed-in user", u, "id", "email", "name", "role", "status", "lastSignInISO")
		case "viewer@sovereign.local":
			sameKeys(t, "never signed in", u, "id", "email", "name", "role", "status")
			if u["role"] != "org-viewer" || u["status"] != "active" {
				t.Errorf("viewer: %v", u)
			}
		default:
			t.Errorf("unexpected user %v", u)
		}
	}
	if strings.Contains(string(r.body), "passwordHash") || strings.Contains(string(r.body), "argon2") {
		t.Fatal("the password hash leaked")
	}
}

func TestCatalogShape(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	r := tn.get("/api/v1/sovereign/catalog", tn.adminToken())
	expectStatus(t, r, 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var apps []map[string]any
	if err := json.Unmarshal(r.body, &apps); err != nil {
		t.Fatalf("not a bare array: %v", err)
	}
	if len(apps) != testCatalog(t).Len() || len(apps) == 0 {
		t.Fatalf("%d apps, catalog holds %d", len(apps), testCatalog(t).Len())
	}
	for _, a := range apps {
		sameKeys(t, "app "+a["slug"].(string), a, "id", "slug", "name", "title", "tagline", "description", "category", "family", "tier",
			"icon", "icon_bg", "featured", "popular", "free", "system", "deployable", "published", "visibility", "kind", "version", "depends")
		if _, ok := a["depends"].([]any); !ok {
			t.Fatalf("depends is not a list: %v", a["depends"])
		}
	}
}

func TestSettingsShape(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	r := tn.get("/api/v1/sovereign/settings", tn.adminToken())
	expectStatus(t, r, 200)
	m := r.json(t)
	sameKeys(t, "settings", m, "sovereignFQDN", "deploymentId", "region", "provider", "handoverISO", "marketplaceEnabled", "features")
	if m["sovereignFQDN"] != testFQDN || m["deploymentId"] != testDeployment || m["region"] != "hz-fsn" || m["provider"] != "hetzner" {
		t.Fatalf("settings: %s", r.body)
	}
	if f := m["features"].(map[string]any); f["catalogDigest"] != testCatalog(t).Digest() {
		t.Fatalf("features lack the catalog digest: %v", f)
	}
}

func TestTopologyShape(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	r := tn.get("/api/v1/sovereign/topology", tn.adminToken())
	expectStatus(t, r, 200)
	if strings.Contains(string(r.body), "null") {
		t.Fatalf("a list is null: %s", r.body)
	}
	m := r.json(t)
	sameKeys(t, "topology", m, "cloud", "topology", "storage")
	sameKeys(t, "storage", m["storage"].(map[string]any), "pvcs", "buckets", "volumes")
	top := m["topology"].(map[string]any)
	sameKeys(t, "topology.topology", top, "pattern", "regions")
	if top["pattern"] != "air-gap" {
		t.Errorf("pattern %v", top["pattern"])
	}
	cloud := m["cloud"].([]any)
	if len(cloud) != 1 {
		t.Fatalf("cloud: %v", cloud)
	}
	sameKeys(t, "CloudSpec", cloud[0].(map[string]any), "id", "name", "provider", "regionCount", "quotaUsed", "quotaLimit")
	regions := top["regions"].([]any)
	if len(regions) != 1 {
		t.Fatalf("regions: %v", regions)
	}
	region := regions[0].(map[string]any)
	sameKeys(t, "RegionSpec", region, "id", "name", "provider", "providerRegion", "skuCp", "skuWorker", "workerCount", "status", "clusters", "networks")
	if region["id"] != "hz-fsn" || region["provider"] != "hetzner" {
		t.Errorf("home region: %v", region)
	}
	cl := region["clusters"].([]any)[0].(map[string]any)
	sameKeys(t, "ClusterSpec", cl, "id", "name", "version", "status", "nodeCount", "vclusters", "loadBalancers", "nodePools", "nodes")
	nodes := cl["nodes"].([]any)
	if len(nodes) != 1 || cl["nodeCount"].(float64) != 1 {
		t.Fatalf("nodes: %v", cl)
	}
	node := nodes[0].(map[string]any)
	sameKeys(t, "node", node, "id", "name", "sku", "role", "ip", "status")
	if node["id"] != "n1" || node["role"] != "leader" || node["status"] != "healthy" || node["ip"] != hostOf(tn.node.Addr()) {
		t.Errorf("node: %v", node)
	}
}

// corrupt writes a value that is not JSON under key, as a damaged or
// foreign record would be.
func (tn *testNode) corrupt(bucket []byte, key string) {
	tn.t.Helper()
	res, err := tn.node.Apply(context.Background(), storage.Put(bucket, []byte(key), []byte("{not json")))
	if err != nil || res.Err != nil {
		tn.t.Fatal(err, res.Err)
	}
}

func (tn *testNode) degradedCount(reason string) float64 {
	tn.t.Helper()
	mfs, err := tn.reg.Gather()
	if err != nil {
		tn.t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "sovereign_console_degraded_total" {
			continue
		}
		for _, m := range mf.Metric {
			if labelOf(m, "reason") == reason {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestUnreadableStoreAnswersEmptyShapes: a record that cannot be read
// never turns into a 500; the console gets the empty shape, marked.
func TestUnreadableStoreAnswersEmptyShapes(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	tn.corrupt(storage.BucketUsers, "zzz-damaged")
	tn.corrupt(storage.BucketSettings, string(settingsKey))
	tn.corrupt(storage.BucketSettings, string(publishKey))
	tn.corrupt(storage.BucketTopology, "regions/damaged")
	want := map[string]string{
		"/api/v1/sovereign/users":    `{"users":[]}`,
		"/api/v1/sovereign/topology": `{"cloud":[],"topology":{"pattern":"air-gap","regions":[]},"storage":{"pvcs":[],"buckets":[],"volumes":[]}}`,
	}
	for _, p := range consoleGETs {
		before := tn.degradedCount(degradedUnreadable)
		r := tn.get(p, admin)
		expectStatus(t, r, 200)
		if h := r.header.Get(DegradedHeader); h != degradedUnreadable {
			t.Errorf("%s: %s %q", p, DegradedHeader, h)
		}
		if w, ok := want[p]; ok && string(r.body) != w {
			t.Errorf("%s: %s, want %s", p, r.body, w)
		}
		if !json.Valid(r.body) {
			t.Errorf("%s: not JSON", p)
		}
		if tn.degradedCount(degradedUnreadable) != before+1 {
			t.Errorf("%s: metric not counted", p)
		}
	}
	// The settings keep their shape; the catalog its defaults.
	sameKeys(t, "degraded settings", tn.get("/api/v1/sovereign/settings", admin).json(t),
		"sovereignFQDN", "deploymentId", "region", "provider", "handoverISO", "marketplaceEnabled", "features")
	var apps []any
	json.Unmarshal(tn.get("/api/v1/sovereign/catalog", admin).body, &apps)
	if len(apps) != testCatalog(t).Len() {
		t.Fatalf("degraded catalog has %d apps", len(apps))
	}
}

// TestStaleReadWhenTheClusterCannotConfirm: with no Raft to confirm the
// read, the node's own state is served and marked stale.
func TestStaleReadWhenTheClusterCannotConfirm(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	if err := tn.node.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/api/v1/sovereign/users", "/api/v1/sovereign/settings", "/api/v1/sovereign/topology"} {
		r := tn.get(p, admin)
		expectStatus(t, r, 200)
		if h := r.header.Get(DegradedHeader); h != degradedStale {
			t.Errorf("%s: %s %q", p, DegradedHeader, h)
		}
	}
	if users := tn.get("/api/v1/sovereign/users", admin).json(t)["users"].([]any); len(users) != 1 {
		t.Fatalf("stale read lost the users: %v", users)
	}
	if tn.degradedCount(degradedStale) < 3 {
		t.Fatal("stale reads not counted")
	}
	// A write cannot go on: 503 with Retry-After.
	r := tn.do(req{method: http.MethodPut, path: "/api/v1/sovereign/settings", body: map[string]any{"marketplaceEnabled": true}, auth: admin})
	expectStatus(t, r, http.StatusServiceUnavailable)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
}
