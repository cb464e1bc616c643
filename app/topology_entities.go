package app

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/openova-io/sovereign/internal/names"
	"github.com/openova-io/sovereign/storage"
)

// Topology entities are records in the topology bucket under
// "<kind>/<id>", each kind a JSON object of its own; "pattern" holds the
// deployment pattern. A child names its parent (regionId, clusterId),
// which must exist when it is written, and a parent with children cannot
// be deleted.

type entity interface {
	ident() *string
	// parent is the kind and id of the entity this one belongs to.
	parent() (kind, id string)
	check() error
}

type regionEntity struct{ regionFields }

type clusterEntity struct {
	clusterFields
	RegionID string `json:"regionId"`
}

type networkEntity struct {
	networkFields
	RegionID string `json:"regionId"`
}

type nodePoolEntity struct {
	NodePoolSpec
	ClusterID string `json:"clusterId"`
}

type nodeEntity struct {
	NodeSpec
	ClusterID string `json:"clusterId"`
}

type vclusterEntity struct {
	VClusterSpec
	ClusterID string `json:"clusterId"`
}

type loadBalancerEntity struct {
	LoadBalancerSpec
	ClusterID string `json:"clusterId"`
}

// Kinds, as they appear in paths and keys.
const (
	kindRegions       = "regions"
	kindClusters      = "clusters"
	kindNodePools     = "nodepools"
	kindNodes         = "nodes"
	kindVClusters     = "vclusters"
	kindNetworks      = "networks"
	kindLoadBalancers = "loadbalancers"
)

var entityKinds = map[string]func() entity{
	kindRegions:       func() entity { return &regionEntity{} },
	kindClusters:      func() entity { return &clusterEntity{} },
	kindNodePools:     func() entity { return &nodePoolEntity{} },
	kindNodes:         func() entity { return &nodeEntity{} },
	kindVClusters:     func() entity { return &vclusterEntity{} },
	kindNetworks:      func() entity { return &networkEntity{} },
	kindLoadBalancers: func() entity { return &loadBalancerEntity{} },
}

func kindNames() string {
	names := make([]string, 0, len(entityKinds))
	for k := range entityKinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (e *regionEntity) ident() *string           { return &e.ID }
func (e *clusterEntity) ident() *string          { return &e.ID }
func (e *nodePoolEntity) ident() *string         { return &e.ID }
func (e *nodeEntity) ident() *string             { return &e.ID }
func (e *vclusterEntity) ident() *string         { return &e.ID }
func (e *networkEntity) ident() *string          { return &e.ID }
func (e *loadBalancerEntity) ident() *string     { return &e.ID }
func (e *regionEntity) parent() (string, string) { return "", "" }
func (e *clusterEntity) parent() (string, string) {
	return kindRegions, e.RegionID
}
func (e *nodePoolEntity) parent() (string, string)     { return kindClusters, e.ClusterID }
func (e *nodeEntity) parent() (string, string)         { return kindClusters, e.ClusterID }
func (e *vclusterEntity) parent() (string, string)     { return kindClusters, e.ClusterID }
func (e *networkEntity) parent() (string, string)      { return kindRegions, e.RegionID }
func (e *loadBalancerEntity) parent() (string, string) { return kindClusters, e.ClusterID }

func checkStatus(field string, s *string) error {
	switch *s {
	case "":
		*s = statusUnknown
	case statusHealthy, statusDegraded, statusFailed, statusUnknown:
	default:
		return badField(field, "%q: use healthy, degraded, failed or unknown", *s)
	}
	return nil
}

func checkText(field, s string, maxLen int) error {
	if len(s) > maxLen || strings.ContainsAny(s, "\x00\r\n") {
		return badField(field, "at most %d characters on one line", maxLen)
	}
	return nil
}

func checkCount(field string, n int) error {
	if n < 0 || n > 100000 {
		return badField(field, "a number from 0 to 100000")
	}
	return nil
}

func checkIP(field, s string) error {
	if s != "" && net.ParseIP(s) == nil {
		return badField(field, "%q is not an IP address", s)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *regionEntity) check() error {
	if e.Provider != "" && names.DNSLabel(e.Provider) != nil {
		return badField("provider", "not a DNS label (for example hetzner)")
	}
	return firstErr(checkText("name", e.Name, 200), checkText("providerRegion", e.ProviderRegion, 100),
		checkText("skuCp", e.SkuCp, 100), checkText("skuWorker", e.SkuWorker, 100),
		checkCount("workerCount", e.WorkerCount), checkStatus("status", &e.Status))
}

func (e *clusterEntity) check() error {
	return firstErr(checkText("name", e.Name, 200), checkText("version", e.Version, 100), checkStatus("status", &e.Status))
}

func (e *nodePoolEntity) check() error {
	return firstErr(checkText("sku", e.SKU, 100), checkCount("replicas", e.Replicas), checkStatus("status", &e.Status))
}

func (e *nodeEntity) check() error {
	return firstErr(checkText("name", e.Name, 200), checkText("sku", e.SKU, 100), checkText("role", e.Role, 100),
		checkIP("ip", e.IP), checkStatus("status", &e.Status))
}

func (e *vclusterEntity) check() error {
	switch e.IsolationMode {
	case "", "shared", "dedicated", "private":
	default:
		return badField("isolationMode", "%q: use shared, dedicated or private", e.IsolationMode)
	}
	return firstErr(checkText("name", e.Name, 200), checkStatus("status", &e.Status))
}

func (e *networkEntity) check() error {
	if _, _, err := net.ParseCIDR(e.CIDR); err != nil {
		return badField("cidr", "%q is not a CIDR block (for example 10.0.0.0/16)", e.CIDR)
	}
	if e.Peerings == nil {
		e.Peerings = []PeeringSpec{}
	}
	if e.Firewalls == nil {
		e.Firewalls = []FirewallSpec{}
	}
	if len(e.Peerings) > 256 || len(e.Firewalls) > 256 {
		return badField("peerings", "at most 256 peerings and 256 firewalls")
	}
	for i := range e.Peerings {
		p := &e.Peerings[i]
		f := fmt.Sprintf("peerings[%d]", i)
		if p.VPCPair == nil {
			p.VPCPair = []string{}
		}
		if p.Subnets == nil {
			p.Subnets = []string{}
		}
		for j, s := range p.Subnets {
			if _, _, err := net.ParseCIDR(s); err != nil {
				return badField(fmt.Sprintf("%s.subnets[%d]", f, j), "%q is not a CIDR block", s)
			}
		}
		if err := firstErr(checkText(f+".id", p.ID, 63), checkText(f+".name", p.Name, 200), checkStatus(f+".status", &p.Status)); err != nil {
			return err
		}
	}
	for i := range e.Firewalls {
		fw := &e.Firewalls[i]
		f := fmt.Sprintf("firewalls[%d]", i)
		if fw.Rules == nil {
			fw.Rules = []FirewallRule{}
		}
		if len(fw.Rules) > 1024 {
			return badField(f+".rules", "at most 1024 rules")
		}
		for j, r := range fw.Rules {
			rf := fmt.Sprintf("%s.rules[%d]", f, j)
			switch r.Action {
			case "allow", "deny":
			default:
				return badField(rf+".action", "%q: use allow or deny", r.Action)
			}
			if err := firstErr(checkText(rf+".protocol", r.Protocol, 16), checkText(rf+".port", r.Port, 32), checkText(rf+".source", r.Source, 100)); err != nil {
				return err
			}
		}
		if err := firstErr(checkText(f+".id", fw.ID, 63), checkText(f+".name", fw.Name, 200), checkStatus(f+".status", &fw.Status)); err != nil {
			return err
		}
	}
	return nil
}

func (e *loadBalancerEntity) check() error {
	if e.Listeners == nil {
		e.Listeners = []ListenerSpec{}
	}
	if e.Targets == nil {
		e.Targets = []TargetSpec{}
	}
	if len(e.Listeners) > 256 || len(e.Targets) > 1024 {
		return badField("listeners", "at most 256 listeners and 1024 targets")
	}
	for i, l := range e.Listeners {
		f := fmt.Sprintf("listeners[%d]", i)
		if l.Port < 1 || l.Port > 65535 {
			return badField(f+".port", "a port from 1 to 65535")
		}
		switch l.Protocol {
		case "tcp", "udp", "http", "https":
		default:
			return badField(f+".protocol", "%q: use tcp, udp, http or https", l.Protocol)
		}
	}
	for i := range e.Targets {
		t := &e.Targets[i]
		f := fmt.Sprintf("targets[%d]", i)
		if err := firstErr(checkText(f+".id", t.ID, 63), checkIP(f+".ip", t.IP), checkStatus(f+".status", &t.Status)); err != nil {
			return err
		}
	}
	return firstErr(checkText("name", e.Name, 200), checkIP("publicIP", e.PublicIP), checkText("region", e.Region, 63), checkStatus("status", &e.Status))
}

func (e *regionEntity) spec() RegionSpec {
	return RegionSpec{regionFields: e.regionFields, Clusters: []ClusterSpec{}, Networks: []NetworkSpec{}}
}

func (e *clusterEntity) spec() ClusterSpec {
	return ClusterSpec{clusterFields: e.clusterFields,
		VClusters: []VClusterSpec{}, LoadBalancers: []LoadBalancerSpec{}, NodePools: []NodePoolSpec{}, Nodes: []NodeSpec{}}
}

func (e *networkEntity) spec() NetworkSpec {
	return NetworkSpec{networkFields: e.networkFields, Region: e.RegionID}
}

// entities are the stored topology, by kind.
type entities struct {
	regions       []*regionEntity
	clusters      []*clusterEntity
	nodePools     []*nodePoolEntity
	nodes         []*nodeEntity
	vclusters     []*vclusterEntity
	networks      []*networkEntity
	loadBalancers []*loadBalancerEntity
}

// attach adds the stored children of cluster cl.
func (ents *entities) attach(cl *ClusterSpec) {
	for _, v := range ents.vclusters {
		if v.ClusterID == cl.ID {
			cl.VClusters = append(cl.VClusters, v.VClusterSpec)
		}
	}
	for _, lb := range ents.loadBalancers {
		if lb.ClusterID == cl.ID {
			cl.LoadBalancers = append(cl.LoadBalancers, lb.LoadBalancerSpec)
		}
	}
	for _, p := range ents.nodePools {
		if p.ClusterID == cl.ID {
			cl.NodePools = append(cl.NodePools, p.NodePoolSpec)
		}
	}
	for _, n := range ents.nodes {
		if n.ClusterID == cl.ID {
			cl.Nodes = append(cl.Nodes, n.NodeSpec)
		}
	}
	cl.NodeCount = len(cl.Nodes)
}

var patternKey = []byte("pattern")

// readEntities reads every stored entity and the pattern.
func (cs *console) readEntities() (*entities, string, error) {
	ents := &entities{}
	pattern := defaultPattern
	var derr error
	err := cs.s.opts.Store.Scan(storage.BucketTopology, nil, func(key []byte, rec storage.Record) bool {
		if string(key) == string(patternKey) {
			pattern = string(rec.Value)
			return true
		}
		kind, _, _ := strings.Cut(string(key), "/")
		var target any
		switch kind {
		case kindRegions:
			e := &regionEntity{}
			ents.regions, target = append(ents.regions, e), e
		case kindClusters:
			e := &clusterEntity{}
			ents.clusters, target = append(ents.clusters, e), e
		case kindNodePools:
			e := &nodePoolEntity{}
			ents.nodePools, target = append(ents.nodePools, e), e
		case kindNodes:
			e := &nodeEntity{}
			ents.nodes, target = append(ents.nodes, e), e
		case kindVClusters:
			e := &vclusterEntity{}
			ents.vclusters, target = append(ents.vclusters, e), e
		case kindNetworks:
			e := &networkEntity{}
			ents.networks, target = append(ents.networks, e), e
		case kindLoadBalancers:
			e := &loadBalancerEntity{}
			ents.loadBalancers, target = append(ents.loadBalancers, e), e
		default:
			return true
		}
		if err := json.Unmarshal(rec.Value, target); err != nil {
			derr = fmt.Errorf("topology %s: %w", key, err)
			return false
		}
		return true
	})
	if err == nil {
		err = derr
	}
	return ents, pattern, err
}

func entityKey(kind, id string) []byte { return []byte(kind + "/" + id) }

func kindOf(c *fiber.Ctx) (string, error) {
	kind := c.Params("kind")
	if _, ok := entityKinds[kind]; !ok {
		return "", fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("no topology kind %q; kinds are %s", kind, kindNames()))
	}
	return kind, nil
}

// listEntities is GET /api/v1/sovereign/topology/{kind}: the stored
// entities of a kind, {"items":[...]}.
func (cs *console) listEntities(c *fiber.Ctx) error {
	kind, err := kindOf(c)
	if err != nil {
		return err
	}
	cs.readBarrier(c)
	items := []json.RawMessage{}
	err = cs.s.opts.Store.Scan(storage.BucketTopology, []byte(kind+"/"), func(_ []byte, rec storage.Record) bool {
		items = append(items, json.RawMessage(rec.Value))
		return true
	})
	if err != nil {
		cs.markDegraded(c, degradedUnreadable, err)
		items = []json.RawMessage{}
	}
	return c.JSON(fiber.Map{"items": items})
}

// decodeEntity reads and checks the body of a write of kind; pathID, when
// set, is the id in the path, which the body must agree with.
func (cs *console) decodeEntity(c *fiber.Ctx, kind, pathID string) (entity, error) {
	e := entityKinds[kind]()
	if err := decodeBody(c, e); err != nil {
		return nil, err
	}
	id := e.ident()
	switch {
	case pathID != "" && *id != "" && *id != pathID:
		return nil, badField("id", "%q differs from the id in the path (%q)", *id, pathID)
	case pathID != "":
		*id = pathID
	case *id == "":
		*id = kind[:len(kind)-1] + "-" + uuid.NewString()[:8]
	}
	if names.HostLabel(*id) != nil {
		return nil, badField("id", "%q: use lower-case letters, digits and '-', at most 63 characters", *id)
	}
	if kind == kindClusters && *id == cs.homeClusterID() {
		return nil, fiber.NewError(fiber.StatusConflict, "cluster "+*id+" is this Sovereign's own cluster; its nodes follow the Raft configuration")
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return e, nil
}

// entityChange returns the write of e, after checking that its parent
// exists. create refuses an existing id.
func (cs *console) entityChange(kind string, e entity, create bool, action string) (change, error) {
	id := *e.ident()
	if pk, pid := e.parent(); pk != "" {
		field := "regionId"
		if pk == kindClusters {
			field = "clusterId"
		}
		if pid == "" {
			return change{}, badField(field, "required")
		}
		if !cs.entityExists(pk, pid) {
			return change{}, badField(field, "no %s %q", pk[:len(pk)-1], pid)
		}
	}
	data, err := json.Marshal(e)
	if err != nil {
		return change{}, err
	}
	key := entityKey(kind, id)
	put := storage.Put(storage.BucketTopology, key, data)
	if create {
		if _, ok, err := cs.s.opts.Store.Get(storage.BucketTopology, key); err != nil {
			return change{}, err
		} else if ok {
			return change{}, fiber.NewError(fiber.StatusConflict, kind[:len(kind)-1]+" "+id+" exists; PUT to replace it")
		}
		put.Expect = 0
	}
	return change{ops: []storage.Command{put}, action: action, target: string(key)}, nil
}

// entityExists reports whether kind/id exists, counting this node's own
// region and cluster.
func (cs *console) entityExists(kind, id string) bool {
	if (kind == kindRegions && id == cs.opts.Region) || (kind == kindClusters && id == cs.homeClusterID()) {
		return true
	}
	_, ok, err := cs.s.opts.Store.Get(storage.BucketTopology, entityKey(kind, id))
	return err == nil && ok
}

// createEntity is POST /api/v1/sovereign/topology/{kind}.
func (cs *console) createEntity(c *fiber.Ctx) error {
	return cs.writeEntity(c, "", true)
}

// putEntity is PUT /api/v1/sovereign/topology/{kind}/{id}: create or replace.
func (cs *console) putEntity(c *fiber.Ctx) error {
	return cs.writeEntity(c, c.Params("id"), false)
}

func (cs *console) writeEntity(c *fiber.Ctx, pathID string, create bool) error {
	kind, err := kindOf(c)
	if err != nil {
		return err
	}
	e, err := cs.decodeEntity(c, kind, pathID)
	if err != nil {
		return err
	}
	action := "topology.put"
	if create {
		action = "topology.create"
	}
	if err := cs.commit(c, sessionOf(c).Email, func() (change, error) {
		return cs.entityChange(kind, e, create, action)
	}); err != nil {
		return err
	}
	status := fiber.StatusOK
	if create {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(e)
}

// deleteEntity is DELETE /api/v1/sovereign/topology/{kind}/{id}.
func (cs *console) deleteEntity(c *fiber.Ctx) error {
	kind, err := kindOf(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	err = cs.commit(c, sessionOf(c).Email, func() (change, error) {
		key := entityKey(kind, id)
		rec, ok, err := cs.s.opts.Store.Get(storage.BucketTopology, key)
		if err != nil {
			return change{}, err
		}
		if !ok {
			return change{}, fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("no %s %q", kind[:len(kind)-1], id))
		}
		if kind == kindRegions || kind == kindClusters {
			ents, _, err := cs.readEntities()
			if err != nil {
				return change{}, err
			}
			if child := ents.childOf(kind, id); child != "" {
				return change{}, fiber.NewError(fiber.StatusConflict, fmt.Sprintf("%s %s still holds %s; delete that first", kind[:len(kind)-1], id, child))
			}
		}
		del := storage.Delete(storage.BucketTopology, key)
		del.Expect = int64(rec.Version)
		return change{ops: []storage.Command{del}, action: "topology.delete", target: string(key)}, nil
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// childOf names one stored child of kind/id, or "".
func (ents *entities) childOf(kind, id string) string {
	if kind == kindRegions {
		for _, c := range ents.clusters {
			if c.RegionID == id {
				return "cluster " + c.ID
			}
		}
		for _, n := range ents.networks {
			if n.RegionID == id {
				return "network " + n.ID
			}
		}
		return ""
	}
	for _, p := range ents.nodePools {
		if p.ClusterID == id {
			return "node pool " + p.ID
		}
	}
	for _, n := range ents.nodes {
		if n.ClusterID == id {
			return "node " + n.ID
		}
	}
	for _, v := range ents.vclusters {
		if v.ClusterID == id {
			return "vcluster " + v.ID
		}
	}
	for _, lb := range ents.loadBalancers {
		if lb.ClusterID == id {
			return "load balancer " + lb.ID
		}
	}
	return ""
}

type patternBody struct {
	Pattern string `json:"pattern"`
}

// putPattern is PUT /api/v1/sovereign/topology/pattern.
func (cs *console) putPattern(c *fiber.Ctx) error {
	var b patternBody
	if err := decodeBody(c, &b); err != nil {
		return err
	}
	ok := false
	for _, p := range patterns {
		ok = ok || p == b.Pattern
	}
	if !ok {
		return badField("pattern", "%q: use %s", b.Pattern, strings.Join(patterns, ", "))
	}
	err := cs.commit(c, sessionOf(c).Email, func() (change, error) {
		return change{ops: []storage.Command{storage.Put(storage.BucketTopology, patternKey, []byte(b.Pattern))},
			action: "topology.pattern", target: "pattern " + b.Pattern}, nil
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"pattern": b.Pattern})
}
