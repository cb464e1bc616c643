package raftnode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/openova-io/sovereign/internal/atomicfile"
	"github.com/openova-io/sovereign/storage"
)

// A node's first start, each way in one call: Bootstrap makes a new
// cluster's CA and the node's certificate; Join asks a member to admit the
// node and sign its certificate; Restore rebuilds a cluster's first node
// from a state file restored from a snapshot. Each one writes the node's
// TLS identity to its folder only once everything it needs is settled, so a
// refused first start leaves the folder as it was. LoadPKI reads the
// identity back on every later start.

// Member is what a node's certificate says of it.
type Member struct {
	// Name is the node's name in its cluster; Region its cluster's region.
	Name   string
	Region string
	// RaftAddr is the Raft address peers dial.
	RaftAddr string
	// Hosts are the other addresses and domain names the node is reached
	// at (host:port or host); each becomes a name of its certificate.
	Hosts []string
}

func (m Member) certNames() certNames { return namesFor(append([]string{m.RaftAddr}, m.Hosts...)...) }

// Bootstrap makes the CA of a new cluster of m.Region and m's certificate,
// and saves both in dir, with the CA's key: the node that creates the
// cluster holds the key until its first start records it in the
// replicated store (Node.EnsureCluster).
func Bootstrap(dir string, m Member) (*PKI, error) {
	caCert, caKey, err := newCA(m.Region)
	if err != nil {
		return nil, err
	}
	key, csr, err := newNodeKey(m.Name)
	if err != nil {
		return nil, err
	}
	cert, err := issueNodeCert(caCert, caKey, csr, m.Name, m.certNames())
	if err != nil {
		return nil, err
	}
	pki, err := newPKI(caCert, cert, key)
	if err != nil {
		return nil, err
	}
	if err := savePKI(dir, caCert, cert, key); err != nil {
		return nil, fmt.Errorf("save TLS identity: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, caKeyFile), caKey, 0o600); err != nil {
		return nil, fmt.Errorf("save cluster CA key: %w", err)
	}
	pki.caKey = caKey
	return pki, nil
}

// Join asks the member at memberURL (its https:// address) to admit m
// into its cluster with a join token, and saves the certificate it signs
// in dir. The member adds the node as a non-voter; it asks for a vote
// once it has caught up.
func Join(ctx context.Context, dir, memberURL, token string, m Member) (*PKI, error) {
	key, csr, err := newNodeKey(m.Name)
	if err != nil {
		return nil, err
	}
	resp, err := requestJoin(ctx, memberURL, token, JoinRequest{
		Node: m.Name, Region: m.Region, RaftAddr: m.RaftAddr, CSR: string(csr), Names: m.Hosts,
	})
	if err != nil {
		return nil, err
	}
	// The CA saved is the certificate checked against the token, never
	// what else the answer carries.
	pki, err := newPKI(resp.caPEM, []byte(resp.Certificate), key)
	if err != nil {
		return nil, err
	}
	if err := savePKI(dir, resp.caPEM, []byte(resp.Certificate), key); err != nil {
		return nil, fmt.Errorf("save TLS identity: %w", err)
	}
	return pki, nil
}

// Restore makes m the only voter of the cluster whose state st holds, a
// state file restored from a snapshot: it signs m's certificate with the
// cluster's CA from that state, saves it in tlsDir, and seeds raftDir so
// that the cluster carries on from the state's applied index. m.Region,
// when set, must be the cluster's; the cluster's record is returned.
func Restore(st *storage.Store, tlsDir, raftDir string, m Member) (ClusterInfo, error) {
	info, ok, err := readCluster(st)
	if err != nil {
		return ClusterInfo{}, err
	}
	if !ok {
		return ClusterInfo{}, errors.New("the snapshot holds no cluster record; it was saved before its cluster finished starting")
	}
	if m.Region != "" && m.Region != info.Region {
		return ClusterInfo{}, fmt.Errorf("--region %q: the snapshot is of region %q; a cluster never changes region", m.Region, info.Region)
	}
	caCert, caKey, err := readClusterCA(st)
	if err != nil {
		return ClusterInfo{}, err
	}
	key, csr, err := newNodeKey(m.Name)
	if err != nil {
		return ClusterInfo{}, err
	}
	cert, err := issueNodeCert(caCert, caKey, csr, m.Name, m.certNames())
	if err != nil {
		return ClusterInfo{}, err
	}
	if err := savePKI(tlsDir, caCert, cert, key); err != nil {
		return ClusterInfo{}, err
	}
	if err := seedFromState(raftDir, m.Name, m.RaftAddr, st); err != nil {
		return ClusterInfo{}, err
	}
	return info, nil
}

// readCAKey reads the CA key Bootstrap left in dir; nil when there is none.
func readCAKey(dir string) ([]byte, error) {
	key, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return key, err
}
