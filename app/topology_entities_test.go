package app

import "testing"

// TestTopologyEntitiesKeepTheirWireShape: each kind answers a write with
// exactly its own fields and the id of its parent, as it did before the
// entities came to embed the specs that GET /topology shows.
func TestTopologyEntitiesKeepTheirWireShape(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	const base = "/api/v1/sovereign/topology"
	for _, c := range []struct {
		kind string
		body map[string]any
		keys []string
	}{
		{"regions", map[string]any{"id": "hz-nbg"}, []string{"id", "name", "provider", "providerRegion", "skuCp", "skuWorker", "workerCount", "status"}},
		{"clusters", map[string]any{"id": "apps", "regionId": "hz-nbg"}, []string{"id", "regionId", "name", "version", "status"}},
		{"networks", map[string]any{"regionId": "hz-nbg", "cidr": "10.0.0.0/16"}, []string{"id", "regionId", "cidr", "peerings", "firewalls"}},
		{"nodepools", map[string]any{"clusterId": "apps"}, []string{"id", "clusterId", "sku", "replicas", "status"}},
		{"nodes", map[string]any{"clusterId": "apps"}, []string{"id", "clusterId", "name", "sku", "role", "ip", "status"}},
		{"vclusters", map[string]any{"clusterId": "apps"}, []string{"id", "clusterId", "name", "isolationMode", "status"}},
		{"loadbalancers", map[string]any{"clusterId": "apps"}, []string{"id", "clusterId", "name", "publicIP", "listeners", "targets", "region", "status"}},
	} {
		r := tn.write("POST", base+"/"+c.kind, c.body, admin)
		expectStatus(t, r, 201)
		sameKeys(t, c.kind, r.json(t), c.keys...)
		items := tn.get(base+"/"+c.kind, admin).json(t)["items"].([]any)
		sameKeys(t, c.kind+" listed", items[0].(map[string]any), c.keys...)
	}
}
