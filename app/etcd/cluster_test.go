package etcd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/openova-io/sovereign/internal/proctest"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// testCluster is three Sovereign nodes in one process, Raft over mutual
// TLS on loopback, each with its own state file and its own etcd
// endpoint (TLS, client certificates required) on a loopback port.
type testCluster struct {
	t             testing.TB
	ca            *raftnode.TestCA
	caCert, caKey []byte
	members       []*member
	clientTLS     *tls.Config
}

type member struct {
	name     string
	node     *raftnode.Node
	store    *storage.Store
	srv      *Server
	reg      *prometheus.Registry
	endpoint string
	stopped  bool
}

func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := proctest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func startCluster(t testing.TB, opts Options, names ...string) *testCluster {
	t.Helper()
	if len(names) == 0 {
		names = []string{"a", "b", "c"}
	}
	ca, err := raftnode.NewTestCA("hz-fsn")
	if err != nil {
		t.Fatal(err)
	}
	caCert, caKey := ca.CertPEM, ca.KeyPEM
	c := &testCluster{t: t, ca: ca, caCert: caCert, caKey: caKey}
	crt, key, err := raftnode.IssueClientCert(caCert, caKey, "k3s")
	if err != nil {
		t.Fatal(err)
	}
	c.clientTLS = clientTLS(t, caCert, crt, key)
	for i, name := range names {
		c.members = append(c.members, c.start(name, i > 0, opts))
	}
	first := c.members[0]
	waitFor(t, "the first node to lead", 15*time.Second, func() bool { ok, _ := first.node.Ready(); return ok })
	for _, m := range c.members[1:] {
		if err := first.node.AdmitTestMember(context.Background(), m.node); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three voters", 30*time.Second, func() bool {
		conf, _, _ := first.store.Configuration()
		voters := 0
		for _, s := range conf.Servers {
			if s.Suffrage == raft.Voter {
				voters++
			}
		}
		return voters == len(names)
	})
	for _, m := range c.members {
		waitFor(t, m.name+" ready", 15*time.Second, func() bool { ok, _ := m.node.Ready(); return ok })
	}
	t.Cleanup(func() {
		for _, m := range c.members {
			m.stop()
		}
	})
	return c
}

func (c *testCluster) start(name string, join bool, opts Options) *member {
	t := c.t
	dir := t.TempDir()
	st, err := storage.Open(filepath.Join(dir, "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pki, err := c.ca.NodePKI(name)
	if err != nil {
		t.Fatal(err)
	}
	node, err := raftnode.Open(raftnode.Config{NodeID: name, Dir: filepath.Join(dir, "raft"), Bind: freeAddr(t), PKI: pki, Join: join}, st)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	tlsConf, err := ServerTLS(pki.Cert, c.caCert, node.CheckClientCert)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	srv := New(node, st, tlsConf, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	return &member{name: name, node: node, store: st, srv: srv, reg: reg, endpoint: "https://" + ln.Addr().String()}
}

func (m *member) stop() {
	if m.stopped {
		return
	}
	m.stopped = true
	m.srv.Close()
	m.node.Close()
	m.store.Close()
}

func (m *member) leads() bool { return m.node.Status().State == "Leader" }

func (c *testCluster) leader() *member {
	c.t.Helper()
	var found *member
	waitFor(c.t, "a leader", 15*time.Second, func() bool {
		for _, m := range c.members {
			if !m.stopped && m.leads() {
				if ok, _ := m.node.Ready(); ok {
					found = m
					return true
				}
			}
		}
		return false
	})
	return found
}

func (c *testCluster) follower() *member {
	l := c.leader()
	for _, m := range c.members {
		if m != l && !m.stopped {
			return m
		}
	}
	c.t.Fatal("no follower")
	return nil
}

// client is the real etcd Go client, connected to one member only.
func (c *testCluster) client(m *member) *clientv3.Client {
	c.t.Helper()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{m.endpoint},
		TLS:         c.clientTLS.Clone(),
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cli.Close() })
	return cli
}

func clientTLS(t testing.TB, caPEM, certPEM, keyPEM []byte) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("no CA certificate")
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}

func waitFor(t testing.TB, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
