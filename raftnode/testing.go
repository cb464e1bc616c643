package raftnode

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/openova-io/sovereign/storage"
)

// TestCA is a cluster CA for the tests of other packages that run real
// members over mutual TLS without a first start on disk (as raft's own
// testing helpers serve other packages' tests).
type TestCA struct {
	// CertPEM and KeyPEM are the CA's certificate and key, PEM encoded.
	CertPEM, KeyPEM []byte
}

// NewTestCA makes a new CA of a cluster of region.
func NewTestCA(region string) (*TestCA, error) {
	cert, key, err := newCA(region)
	if err != nil {
		return nil, err
	}
	return &TestCA{CertPEM: cert, KeyPEM: key}, nil
}

// NodePKI is the TLS identity of a node named name, signed by the CA and
// valid for 127.0.0.1.
func (ca *TestCA) NodePKI(name string) (*PKI, error) {
	key, csr, err := newNodeKey(name)
	if err != nil {
		return nil, err
	}
	cert, err := issueNodeCert(ca.CertPEM, ca.KeyPEM, csr, name, namesFor("127.0.0.1"))
	if err != nil {
		return nil, fmt.Errorf("test identity of %s: %w", name, err)
	}
	return newPKI(ca.CertPEM, cert, key)
}

// AdmitTestMember records on n's cluster the certificate of member, a node
// opened with a TestCA identity rather than through a join, and adds it as
// a non-voter: what HandleJoin does for a node that joins with a token, so
// that the cluster takes its calls as a member's.
func (n *Node) AdmitTestMember(ctx context.Context, member *Node) error {
	leaf, err := x509.ParseCertificate(member.cfg.PKI.Cert.Certificate[0])
	if err != nil {
		return err
	}
	ops, err := n.recordCertOps(issuedRecord(leaf, certKindNode, "test", member.Addr()))
	if err != nil {
		return err
	}
	res, err := n.Apply(ctx, storage.Batch(ops...))
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return fmt.Errorf("record the certificate of %s: %w", member.ID(), err)
	}
	return n.AddNonvoter(ctx, member.ID(), member.Addr())
}
