package app

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
)

func (tn *testNode) write(method, path string, body any, auth string) response {
	tn.t.Helper()
	return tn.do(req{method: method, path: path, body: body, auth: auth})
}

func expectField(t testing.TB, r response, field string) {
	t.Helper()
	expectStatus(t, r, http.StatusBadRequest)
	m := r.json(t)
	if m["field"] != field || !strings.HasPrefix(m["error"].(string), field+": ") {
		t.Fatalf("want a 400 naming %s: %s", field, r.body)
	}
}

func TestUserWrites(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	const users = "/api/v1/sovereign/users"

	r := tn.write("POST", users, map[string]any{"email": "New@Example.org", "name": "New Person", "role": "org-admin"}, admin)
	expectStatus(t, r, http.StatusCreated)
	m := r.json(t)
	pw, _ := m["password"].(string)
	u := m["user"].(map[string]any)
	if pw == "" || u["email"] != "new@example.org" || u["role"] != "org-admin" || u["status"] != "active" {
		t.Fatalf("created: %s", r.body)
	}
	id := u["id"].(string)
	tn.login("new@example.org", pw)

	expectStatus(t, tn.write("POST", users, map[string]any{"email": "new@example.org", "password": testPassword}, admin), http.StatusConflict)
	expectField(t, tn.write("POST", users, map[string]any{"email": "not-an-email"}, admin), "email")
	expectField(t, tn.write("POST", users, map[string]any{"email": "a@example.org", "role": "root"}, admin), "role")
	expectField(t, tn.write("POST", users, map[string]any{"email": "a@example.org", "password": "short"}, admin), "password")
	expectField(t, tn.write("POST", users, map[string]any{"email": "a@example.org", "rol": "org-admin"}, admin), "rol")
	expectField(t, tn.write("POST", users, map[string]any{"email": 42}, admin), "email")
	expectField(t, tn.write("POST", users, `{"email":`, admin), "body")
	expectField(t, tn.write("POST", users, `{} {}`, admin), "body")
	expectField(t, tn.write("POST", users, ``, admin), "body")

	r = tn.write("PATCH", users+"/"+id, map[string]any{"name": "Renamed", "role": "org-viewer"}, admin)
	expectStatus(t, r, 200)
	if u := r.json(t)["user"].(map[string]any); u["name"] != "Renamed" || u["role"] != "org-viewer" {
		t.Fatalf("patched: %s", r.body)
	}
	expectField(t, tn.write("PATCH", users+"/"+id, map[string]any{"status": "sleeping"}, admin), "status")
	expectStatus(t, tn.write("PATCH", users+"/nope", map[string]any{"name": "x"}, admin), http.StatusNotFound)

	// The last active sovereign-admin stays.
	adminID := tn.admin.ID
	expectStatus(t, tn.write("PATCH", users+"/"+adminID, map[string]any{"role": "org-admin"}, admin), http.StatusConflict)
	expectStatus(t, tn.write("PATCH", users+"/"+adminID, map[string]any{"status": "disabled"}, admin), http.StatusConflict)
	expectStatus(t, tn.write("DELETE", users+"/"+adminID, nil, admin), http.StatusConflict)

	expectStatus(t, tn.write("DELETE", users+"/"+id, nil, admin), http.StatusNoContent)
	expectStatus(t, tn.write("DELETE", users+"/"+id, nil, admin), http.StatusNotFound)
	expectStatus(t, tn.tryLogin("new@example.org", pw, nil), 401)
	// The email is free again.
	expectStatus(t, tn.write("POST", users, map[string]any{"email": "new@example.org", "password": testPassword}, admin), http.StatusCreated)
}

func TestSettingsWrites(t *testing.T) {
	t.Parallel()
	tn := startNode(t, withConsole(func(o *ConsoleOptions) { o.DeploymentID = ""; o.Provider = "" }))
	admin := tn.adminToken()
	const p = "/api/v1/sovereign/settings"
	r := tn.write("PUT", p, map[string]any{"marketplaceEnabled": true, "deploymentId": "dep-9", "provider": "hetzner", "features": map[string]any{"betaApps": true}}, admin)
	expectStatus(t, r, 200)
	m := tn.get(p, admin).json(t)
	if m["marketplaceEnabled"] != true || m["deploymentId"] != "dep-9" || m["provider"] != "hetzner" || m["features"].(map[string]any)["betaApps"] != true {
		t.Fatalf("settings: %v", m)
	}
	// What it read can be sent back as is.
	expectStatus(t, tn.write("PUT", p, m, admin), 200)
	expectField(t, tn.write("PUT", p, map[string]any{"region": "aws-eu"}, admin), "region")
	expectField(t, tn.write("PUT", p, map[string]any{"sovereignFQDN": "other.example"}, admin), "sovereignFQDN")
	expectField(t, tn.write("PUT", p, map[string]any{"deploymentId": "has space"}, admin), "deploymentId")
	expectField(t, tn.write("PUT", p, map[string]any{"handoverISO": "2020-01-01T00:00:00Z"}, admin), "handoverISO")
	expectField(t, tn.write("PUT", p, map[string]any{"features": map[string]any{"x": []int{1}}}, admin), "features.x")
	expectField(t, tn.write("PUT", p, map[string]any{"marketplaceEnabled": "yes"}, admin), "marketplaceEnabled")
}

func TestTopologyWrites(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	const base = "/api/v1/sovereign/topology"
	expectStatus(t, tn.write("POST", base+"/regions", map[string]any{"id": "hz-nbg", "name": "Nuremberg", "provider": "hetzner", "providerRegion": "nbg1", "workerCount": 3, "status": "healthy"}, admin), 201)
	expectStatus(t, tn.write("POST", base+"/regions", map[string]any{"id": "hz-nbg"}, admin), http.StatusConflict)
	expectStatus(t, tn.write("POST", base+"/clusters", map[string]any{"id": "apps", "regionId": "hz-nbg", "name": "apps", "version": "v1.31"}, admin), 201)
	expectField(t, tn.write("POST", base+"/clusters", map[string]any{"regionId": "nowhere"}, admin), "regionId")
	expectStatus(t, tn.write("POST", base+"/clusters", map[string]any{"id": "sovereign-hz-fsn", "regionId": "hz-fsn"}, admin), http.StatusConflict)
	expectStatus(t, tn.write("POST", base+"/nodes", map[string]any{"id": "w1", "clusterId": "apps", "name": "worker-1", "ip": "10.0.0.5", "role": "worker"}, admin), 201)
	expectField(t, tn.write("POST", base+"/nodes", map[string]any{"clusterId": "apps", "ip": "ten"}, admin), "ip")
	expectStatus(t, tn.write("POST", base+"/nodepools", map[string]any{"clusterId": "apps", "sku": "cx32", "replicas": 3}, admin), 201)
	expectStatus(t, tn.write("POST", base+"/vclusters", map[string]any{"clusterId": "sovereign-hz-fsn", "name": "team-a", "isolationMode": "shared"}, admin), 201)
	expectStatus(t, tn.write("POST", base+"/loadbalancers", map[string]any{"clusterId": "apps", "name": "ingress", "publicIP": "192.0.2.1",
		"listeners": []any{map[string]any{"port": 443, "protocol": "https"}}, "targets": []any{map[string]any{"id": "w1", "ip": "10.0.0.5"}}}, admin), 201)
	expectField(t, tn.write("POST", base+"/loadbalancers", map[string]any{"clusterId": "apps", "listeners": []any{map[string]any{"port": 0, "protocol": "https"}}}, admin), "listeners[0].port")
	expectStatus(t, tn.write("PUT", base+"/networks/net-1", map[string]any{"regionId": "hz-nbg", "cidr": "10.0.0.0/16",
		"firewalls": []any{map[string]any{"id": "fw", "name": "edge", "rules": []any{map[string]any{"id": "r1", "protocol": "tcp", "port": "443", "source": "0.0.0.0/0", "action": "allow"}}}}}, admin), 200)
	expectField(t, tn.write("PUT", base+"/networks/net-2", map[string]any{"regionId": "hz-nbg", "cidr": "10.0.0.0/33"}, admin), "cidr")
	expectField(t, tn.write("PUT", base+"/networks/net-1", map[string]any{"id": "other", "regionId": "hz-nbg", "cidr": "10.0.0.0/16"}, admin), "id")
	expectField(t, tn.write("POST", base+"/regions", map[string]any{"id": "Bad_Id"}, admin), "id")
	expectField(t, tn.write("POST", base+"/regions", map[string]any{"status": "fine"}, admin), "status")
	expectStatus(t, tn.write("POST", base+"/planets", map[string]any{}, admin), 404)
	expectStatus(t, tn.write("PUT", base+"/pattern", map[string]any{"pattern": "ha-pair"}, admin), 200)
	expectField(t, tn.write("PUT", base+"/pattern", map[string]any{"pattern": "mesh"}, admin), "pattern")

	r := tn.get(base, admin)
	expectStatus(t, r, 200)
	if strings.Contains(string(r.body), "null") {
		t.Fatalf("null in topology: %s", r.body)
	}
	var top Topology
	json.Unmarshal(r.body, &top)
	if top.Topology.Pattern != "ha-pair" || len(top.Topology.Regions) != 2 || len(top.Cloud) != 1 || top.Cloud[0].RegionCount != 2 {
		t.Fatalf("topology: %s", r.body)
	}
	nbg := top.Topology.Regions[1]
	if nbg.ID != "hz-nbg" || len(nbg.Clusters) != 1 || len(nbg.Networks) != 1 || nbg.Networks[0].Firewalls[0].Rules[0].Action != "allow" {
		t.Fatalf("hz-nbg: %+v", nbg)
	}
	apps := nbg.Clusters[0]
	if apps.NodeCount != 1 || len(apps.NodePools) != 1 || len(apps.LoadBalancers) != 1 || apps.LoadBalancers[0].Listeners[0].Port != 443 {
		t.Fatalf("apps cluster: %+v", apps)
	}
	if home := top.Topology.Regions[0].Clusters[0]; len(home.VClusters) != 1 || home.NodeCount != 1 {
		t.Fatalf("home cluster: %+v", home)
	}
	items := tn.get(base+"/nodes", admin).json(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("nodes: %v", items)
	}

	expectStatus(t, tn.write("DELETE", base+"/regions/hz-nbg", nil, admin), http.StatusConflict)
	for _, p := range []string{"/networks/net-1"} {
		expectStatus(t, tn.write("DELETE", base+p, nil, admin), 204)
	}
	expectStatus(t, tn.write("DELETE", base+"/clusters/apps", nil, admin), http.StatusConflict)
	expectStatus(t, tn.write("DELETE", base+"/nodes/w1", nil, admin), 204)
	expectStatus(t, tn.write("DELETE", base+"/nodes/w1", nil, admin), 404)
}

func TestCatalogPublish(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	published := func() map[string]bool {
		var apps []struct {
			Slug      string `json:"slug"`
			Published bool   `json:"published"`
		}
		json.Unmarshal(tn.get("/api/v1/sovereign/catalog", admin).body, &apps)
		out := map[string]bool{}
		for _, a := range apps {
			out[a.Slug] = a.Published
		}
		return out
	}
	slug := testCatalog(t).Apps()[0].Slug
	was := published()[slug]
	r := tn.write("PATCH", "/api/v1/sovereign/catalog/"+slug+"/publish?value="+map[bool]string{true: "false", false: "true"}[was], nil, admin)
	expectStatus(t, r, 200)
	if published()[slug] == was {
		t.Fatal("the publish switch did not change the list")
	}
	if d := tn.get("/api/v1/sovereign/catalog/"+slug, admin).json(t); d["published"] == was {
		t.Fatal("the detail does not follow the switch")
	}
	expectStatus(t, tn.write("PATCH", "/api/v1/sovereign/catalog/"+slug+"/publish?value="+map[bool]string{true: "true", false: "false"}[was], nil, admin), 200)
	if published()[slug] != was {
		t.Fatal("switching back did not restore it")
	}
	expectField(t, tn.write("PATCH", "/api/v1/sovereign/catalog/"+slug+"/publish?value=maybe", nil, admin), "value")
	expectField(t, tn.write("PATCH", "/api/v1/sovereign/catalog/"+slug+"/publish", nil, admin), "value")
	expectStatus(t, tn.write("PATCH", "/api/v1/sovereign/catalog/no-such-app/publish?value=true", nil, admin), 404)
	expectStatus(t, tn.get("/api/v1/sovereign/catalog/no-such-app", admin), 404)
}

func TestCrossSiteWritesAreRefused(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	tok := tn.adminToken()
	body := map[string]any{"marketplaceEnabled": true}
	const p = "/api/v1/sovereign/settings"
	cases := []struct {
		name   string
		auth   string
		header map[string]string
		want   int
	}{
		{"cookie without Origin", "cookie:" + tok, map[string]string{"Origin": ""}, 403},
		{"cookie from another site", "cookie:" + tok, map[string]string{"Origin": "https://evil.example"}, 403},
		{"cookie with another site's Referer", "cookie:" + tok, map[string]string{"Origin": "", "Referer": "https://evil.example/page"}, 403},
		{"cookie from this origin", "cookie:" + tok, nil, 200},
		{"cookie from the Sovereign's console address", "cookie:" + tok, map[string]string{"Origin": "https://console." + testFQDN}, 200},
		{"cookie with this origin's Referer", "cookie:" + tok, map[string]string{"Origin": "", "Referer": tn.url + "/settings"}, 200},
		{"bearer without Origin", tok, nil, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectStatus(t, tn.do(req{method: "PUT", path: p, body: body, auth: c.auth, header: c.header}), c.want)
		})
	}
	// A cookie GET from anywhere is fine: it changes nothing.
	expectStatus(t, tn.do(req{method: "GET", path: p, auth: "cookie:" + tok, header: map[string]string{"Origin": "https://evil.example"}}), 200)
}

func TestBodiesAreBoundedAndJSON(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	// The server refuses a body over 1 MiB from its Content-Length, before
	// reading it; a client still writing it would see the connection
	// close, so this one sends the headers only and reads the answer.
	conn, err := net.Dial("tcp", strings.TrimPrefix(tn.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/sovereign/topology/regions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", admin, 1<<20+1)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over 1 MiB: %d", resp.StatusCode)
	}
	// Exactly 1 MiB is read, and judged on its content.
	body := `{"name":"` + strings.Repeat("a", 1<<20-len(`{"name":""}`)) + `"}`
	expectField(t, tn.write("POST", "/api/v1/sovereign/topology/regions", body, admin), "name")
	r := tn.do(req{method: "POST", path: "/api/v1/sovereign/topology/regions", body: `{"id":"r1"}`, auth: admin, header: map[string]string{"Content-Type": "text/plain"}})
	expectStatus(t, r, http.StatusUnsupportedMediaType)
}
