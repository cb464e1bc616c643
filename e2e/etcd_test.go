package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// k3s's view of a node: its etcd endpoint over TLS, with the client
// certificate `sovereign etcd client-cert` hands out; a client without
// one is refused.
func TestEtcdEndpointServesAClientWithTheIssuedCertificate(t *testing.T) {
	dir := t.TempDir()
	etcdAddr := freePort(t)
	n := startNode(t, "n1", "hz-fsn", dir, "--etcd", etcdAddr)
	n.waitReady(t)

	out := t.TempDir()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, stderr := run(t, nil, "etcd", "client-cert", "--data-dir", dir, "--out", out)
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcd client-cert: %s", stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(read("ca.crt"))
	pair, err := tls.X509KeyPair(read("client.crt"), read("client.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(out, "client.key")); st.Mode().Perm() != 0o600 {
		t.Fatalf("client.key is %v, want 0600", st.Mode().Perm())
	}
	dial := func(certs []tls.Certificate) (*clientv3.Client, error) {
		return clientv3.New(clientv3.Config{
			Endpoints:   []string{"https://" + etcdAddr},
			TLS:         &tls.Config{RootCAs: pool, Certificates: certs, MinVersion: tls.VersionTLS12},
			DialTimeout: 3 * time.Second,
			Logger:      zap.NewNop(),
		})
	}
	cli, err := dial([]tls.Certificate{pair})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.Put(ctx, "/registry/ns/default", "v"); err != nil {
		t.Fatal(err)
	}
	r, err := cli.Get(ctx, "/registry/", clientv3.WithPrefix())
	if err != nil || len(r.Kvs) != 1 || string(r.Kvs[0].Value) != "v" {
		t.Fatalf("get: %+v %v", r, err)
	}

	if anon, err := dial(nil); err == nil {
		defer anon.Close()
		actx, acancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer acancel()
		if _, err := anon.Get(actx, "/registry/"); err == nil {
			t.Fatal("a client without a certificate was served")
		}
	}
}
