package raftnode

import "fmt"

// TestPKIs returns a TLS identity for each of names, all signed by one new
// CA of region and valid for 127.0.0.1: for the tests of other packages
// that run real members over mutual TLS without a first start on disk.
func TestPKIs(region string, names ...string) ([]*PKI, error) {
	caCert, caKey, err := NewCA(region)
	if err != nil {
		return nil, err
	}
	out := make([]*PKI, 0, len(names))
	for _, name := range names {
		key, csr, err := NewNodeKey(name)
		if err != nil {
			return nil, err
		}
		cert, err := IssueNodeCert(caCert, caKey, csr, name, NamesFor("127.0.0.1"))
		if err != nil {
			return nil, fmt.Errorf("test identity of %s: %w", name, err)
		}
		p, err := NewPKI(caCert, cert, key)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
