package raftnode

import "fmt"

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
