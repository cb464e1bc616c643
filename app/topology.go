package app

import (
	"context"
	"net"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The console's view of where the Sovereign runs. This node's region and
// cluster are always there; the cluster's nodes are the Raft
// configuration's servers, read live. Administrators add the rest as
// entities (topology_entities.go); a stored region with this node's
// region id overrides its descriptive fields.

// Topology is GET /api/v1/sovereign/topology.
type Topology struct {
	Cloud    []CloudSpec    `json:"cloud"`
	Topology TopologyLayout `json:"topology"`
	Storage  StorageSpec    `json:"storage"`
}

type TopologyLayout struct {
	Pattern string       `json:"pattern"`
	Regions []RegionSpec `json:"regions"`
}

type StorageSpec struct {
	PVCs    []any `json:"pvcs"`
	Buckets []any `json:"buckets"`
	Volumes []any `json:"volumes"`
}

type CloudSpec struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Provider    string `json:"provider"`
	RegionCount int    `json:"regionCount"`
	QuotaUsed   int    `json:"quotaUsed"`
	QuotaLimit  int    `json:"quotaLimit"`
}

// A region, a cluster and a network are shown with what they hold; an
// administrator writes only their own fields (regionFields, clusterFields,
// networkFields), which the stored entities embed (topology_entities.go).
// The other kinds are written and shown alike, each entity embedding its
// spec beside the id of its parent.

type RegionSpec struct {
	regionFields
	Clusters []ClusterSpec `json:"clusters"`
	Networks []NetworkSpec `json:"networks"`
}

type regionFields struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Provider       string `json:"provider"`
	ProviderRegion string `json:"providerRegion"`
	SkuCp          string `json:"skuCp"`
	SkuWorker      string `json:"skuWorker"`
	WorkerCount    int    `json:"workerCount"`
	Status         string `json:"status"`
}

type ClusterSpec struct {
	clusterFields
	NodeCount     int                `json:"nodeCount"`
	VClusters     []VClusterSpec     `json:"vclusters"`
	LoadBalancers []LoadBalancerSpec `json:"loadBalancers"`
	NodePools     []NodePoolSpec     `json:"nodePools"`
	Nodes         []NodeSpec         `json:"nodes"`
}

type clusterFields struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Status  string `json:"status"`
}

type VClusterSpec struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	IsolationMode string `json:"isolationMode"`
	Status        string `json:"status"`
}

type LoadBalancerSpec struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	PublicIP  string         `json:"publicIP"`
	Listeners []ListenerSpec `json:"listeners"`
	Targets   []TargetSpec   `json:"targets"`
	Region    string         `json:"region"`
	Status    string         `json:"status"`
}

type ListenerSpec struct {
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

type TargetSpec struct {
	ID     string `json:"id"`
	IP     string `json:"ip"`
	Status string `json:"status"`
}

type NodePoolSpec struct {
	ID       string `json:"id"`
	SKU      string `json:"sku"`
	Replicas int    `json:"replicas"`
	Status   string `json:"status"`
}

type NodeSpec struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	SKU    string `json:"sku"`
	Role   string `json:"role"`
	IP     string `json:"ip"`
	Status string `json:"status"`
}

type NetworkSpec struct {
	networkFields
	Region string `json:"region"`
}

type networkFields struct {
	ID        string         `json:"id"`
	CIDR      string         `json:"cidr"`
	Peerings  []PeeringSpec  `json:"peerings"`
	Firewalls []FirewallSpec `json:"firewalls"`
}

type PeeringSpec struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	VPCPair []string `json:"vpcPair"`
	Subnets []string `json:"subnets"`
	Status  string   `json:"status"`
}

type FirewallSpec struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Rules  []FirewallRule `json:"rules"`
	Status string         `json:"status"`
}

type FirewallRule struct {
	ID       string `json:"id"`
	Protocol string `json:"protocol"`
	Port     string `json:"port"`
	Source   string `json:"source"`
	Action   string `json:"action"`
}

// Health values of every status field.
const (
	statusHealthy  = "healthy"
	statusDegraded = "degraded"
	statusFailed   = "failed"
	statusUnknown  = "unknown"
)

// Deployment patterns.
var patterns = []string{"solo", "ha-pair", "multi-region", "air-gap"}

// defaultPattern: a Sovereign is air-gapped until an administrator says
// otherwise.
const defaultPattern = "air-gap"

func emptyTopology() Topology {
	return Topology{
		Cloud:    []CloudSpec{},
		Topology: TopologyLayout{Pattern: defaultPattern, Regions: []RegionSpec{}},
		Storage:  StorageSpec{PVCs: []any{}, Buckets: []any{}, Volumes: []any{}},
	}
}

// homeClusterID is the id of this node's own cluster.
func (cs *console) homeClusterID() string { return "sovereign-" + cs.opts.Region }

// getTopology is GET /api/v1/sovereign/topology.
func (cs *console) getTopology(c *fiber.Ctx) error {
	cs.readBarrier(c)
	t, err := cs.buildTopology(c.UserContext())
	if err != nil {
		cs.markDegraded(c, degradedUnreadable, err)
		t = emptyTopology()
	}
	return c.JSON(t)
}

// buildTopology assembles the view from this node's cluster and the
// stored entities.
func (cs *console) buildTopology(ctx context.Context) (Topology, error) {
	ents, pattern, err := cs.readEntities()
	if err != nil {
		return Topology{}, err
	}
	t := emptyTopology()
	t.Topology.Pattern = pattern

	home := RegionSpec{regionFields: regionFields{ID: cs.opts.Region, Name: cs.opts.Region, Provider: cs.opts.Provider, Status: statusHealthy},
		Clusters: []ClusterSpec{}, Networks: []NetworkSpec{}}
	regions := []RegionSpec{}
	seenHome := false
	for _, r := range ents.regions {
		spec := r.spec()
		if r.ID == home.ID {
			seenHome = true
			if spec.Provider == "" {
				spec.Provider = home.Provider
			}
		}
		regions = append(regions, spec)
	}
	if !seenHome {
		regions = append([]RegionSpec{home}, regions...)
	}

	homeCluster, err := cs.homeCluster(ctx)
	if err != nil {
		return Topology{}, err
	}
	for i := range regions {
		r := &regions[i]
		if r.ID == home.ID {
			r.Clusters = append(r.Clusters, homeCluster)
		}
		for _, cl := range ents.clusters {
			if cl.RegionID == r.ID {
				r.Clusters = append(r.Clusters, cl.spec())
			}
		}
		for _, n := range ents.networks {
			if n.RegionID == r.ID {
				r.Networks = append(r.Networks, n.spec())
			}
		}
		for j := range r.Clusters {
			ents.attach(&r.Clusters[j])
		}
		if r.ID == home.ID && r.Status == statusHealthy {
			r.Status = homeCluster.Status
		}
	}
	t.Topology.Regions = regions

	byProvider := map[string]*CloudSpec{}
	for _, r := range regions {
		p := r.Provider
		if p == "" {
			p = "on-premises"
		}
		cloud := byProvider[p]
		if cloud == nil {
			cloud = &CloudSpec{ID: p, Name: p, Provider: p}
			byProvider[p] = cloud
		}
		cloud.RegionCount++
		for _, cl := range r.Clusters {
			cloud.QuotaUsed += cl.NodeCount
		}
	}
	for _, cloud := range byProvider {
		t.Cloud = append(t.Cloud, *cloud)
	}
	sort.Slice(t.Cloud, func(i, j int) bool { return t.Cloud[i].ID < t.Cloud[j].ID })
	return t, nil
}

// membersTimeout bounds asking the peers how they are; a peer that does
// not answer in time is shown as failed.
const membersTimeout = 500 * time.Millisecond

// homeCluster is this node's cluster. Its nodes are the Raft members:
// asked live how they are when the cluster answers (a peer that does not
// is "failed"), else as the configuration this node last applied names
// them, with only this node's own health known.
func (cs *console) homeCluster(ctx context.Context) (ClusterSpec, error) {
	node := cs.s.opts.Node
	ready, _ := node.Ready()
	cl := ClusterSpec{
		clusterFields: clusterFields{ID: cs.homeClusterID(), Name: "sovereign", Version: cs.s.opts.Version, Status: statusHealthy},
		VClusters:     []VClusterSpec{}, LoadBalancers: []LoadBalancerSpec{}, NodePools: []NodePoolSpec{}, Nodes: []NodeSpec{},
	}
	if !ready {
		cl.Status = statusDegraded
	}
	mctx, cancel := context.WithTimeout(ctx, membersTimeout)
	defer cancel()
	members, err := node.Members(mctx)
	live := err == nil && len(members) > 0
	if !live {
		if members, err = node.AppliedMembers(); err != nil {
			return ClusterSpec{}, err
		}
	}
	for _, m := range members {
		n := NodeSpec{ID: m.ID, Name: m.ID, Role: roleOf(m.Leader, m.Voter()), IP: hostOf(m.Address), Status: statusHealthy}
		switch {
		case m.Self && !ready:
			n.Status = statusDegraded
		case m.Self:
		case !live:
			n.Status = statusUnknown
		case !m.Reachable:
			n.Status = statusFailed
			cl.Status = statusDegraded
		}
		cl.Nodes = append(cl.Nodes, n)
	}
	return cl, nil
}

func roleOf(leader, voter bool) string {
	switch {
	case leader:
		return "leader"
	case voter:
		return "voter"
	}
	return "non-voter"
}

func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
