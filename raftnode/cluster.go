package raftnode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// The cluster's identity lives in the replicated store: its region, fixed
// when the first node bootstraps it, and its CA, so that any node can sign
// the certificate of a node that joins.

var (
	keyClusterInfo = []byte("info")
	keyCACert      = []byte("ca.crt")
	keyCAKey       = []byte("ca.key")
)

// ClusterInfo is the cluster's record in the cluster identity bucket.
type ClusterInfo struct {
	Region  string    `json:"region"`
	Created time.Time `json:"created"`
	CAHash  string    `json:"caHash"`
}

// ErrRegionMismatch: a node of one region met the cluster of another.
var ErrRegionMismatch = errors.New("region mismatch")

// EnsureCluster records the cluster's region and CA on its first start,
// and on every later start checks that the node's region is the cluster's.
// Only the CA's first writer wins: the records are created, never replaced.
func (n *Node) EnsureCluster(ctx context.Context, region string, caCert, caKey []byte) (ClusterInfo, error) {
	if err := n.ReadBarrier(ctx); err != nil {
		return ClusterInfo{}, err
	}
	info, ok, err := n.Cluster()
	if err != nil {
		return ClusterInfo{}, err
	}
	if ok {
		if info.Region != region {
			return info, fmt.Errorf("%w: this node's cluster belongs to region %q, and the node was started with --region %q; a cluster never changes region, so start it with --region %s",
				ErrRegionMismatch, info.Region, region, info.Region)
		}
		return info, nil
	}
	if caKey == nil {
		return ClusterInfo{}, errors.New("the cluster has no record of its region and CA, and this node does not hold the CA key; start the node that bootstrapped the cluster")
	}
	hash, err := caHash(caCert)
	if err != nil {
		return ClusterInfo{}, err
	}
	info = ClusterInfo{Region: region, Created: time.Now().UTC().Truncate(time.Second), CAHash: hash}
	data, _ := json.Marshal(info)
	res, err := n.Apply(ctx, storage.Batch(
		storage.Create(storage.BucketClusterIdentity, keyClusterInfo, data),
		storage.Create(storage.BucketClusterIdentity, keyCACert, caCert),
		storage.Create(storage.BucketClusterIdentity, keyCAKey, caKey),
	))
	if err != nil {
		return ClusterInfo{}, fmt.Errorf("record the cluster: %w", err)
	}
	if errors.Is(res.Err, storage.ErrVersionConflict) {
		return n.EnsureCluster(ctx, region, caCert, caKey) // another start recorded it first
	}
	return info, res.Err
}

// Cluster reads the cluster's record from the local state.
func (n *Node) Cluster() (ClusterInfo, bool, error) { return readCluster(n.fsm) }

// readCluster reads the cluster's record from a state file.
func readCluster(st *storage.Store) (ClusterInfo, bool, error) {
	rec, ok, err := st.Get(storage.BucketClusterIdentity, keyClusterInfo)
	if err != nil || !ok {
		return ClusterInfo{}, false, err
	}
	var info ClusterInfo
	if err := json.Unmarshal(rec.Value, &info); err != nil {
		return ClusterInfo{}, false, fmt.Errorf("cluster record: %w", err)
	}
	return info, true, nil
}

// clusterCA returns the CA certificate and key from the local state.
func (n *Node) clusterCA() (cert, key []byte, err error) { return readClusterCA(n.fsm) }

// readClusterCA returns the CA certificate and key from a state file.
func readClusterCA(st *storage.Store) (cert, key []byte, err error) {
	c, ok, err := st.Get(storage.BucketClusterIdentity, keyCACert)
	if err != nil {
		return nil, nil, err
	}
	k, ok2, err := st.Get(storage.BucketClusterIdentity, keyCAKey)
	if err != nil {
		return nil, nil, err
	}
	if !ok || !ok2 {
		return nil, nil, errors.New("the cluster's CA is not recorded yet; retry in a moment")
	}
	return c.Value, k.Value, nil
}
