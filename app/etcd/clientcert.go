package etcd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/openova-io/sovereign/internal/atomicfile"
	"github.com/openova-io/sovereign/raftnode"
)

// Files a client of the etcd endpoint needs, named as k3s's
// --datastore-cafile, --datastore-certfile and --datastore-keyfile
// usually are.
const (
	ClientCAFile   = "ca.crt"
	ClientCertFile = "client.crt"
	ClientKeyFile  = "client.key"
)

// WriteClientCert writes into dir the cluster CA certificate and a new
// client certificate and key signed by the CA, named name.
func WriteClientCert(dir string, caCertPEM, caKeyPEM []byte, name string) error {
	crt, key, err := raftnode.IssueClientCert(caCertPEM, caKeyPEM, name)
	if err != nil {
		return fmt.Errorf("etcd client certificate: %w", err)
	}
	return WriteClientFiles(dir, caCertPEM, crt, key)
}

// WriteClientFiles writes a client's CA certificate, certificate and key
// into dir. Each file is written whole or not at all; the key is readable
// by its owner only.
func WriteClientFiles(dir string, caPEM, certPEM, keyPEM []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("etcd client certificate: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
		perm os.FileMode
	}{{ClientKeyFile, keyPEM, 0o600}, {ClientCertFile, certPEM, 0o644}, {ClientCAFile, caPEM, 0o644}} {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
			return fmt.Errorf("etcd client certificate: %w", err)
		}
	}
	return nil
}
