package app

import (
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/openova-io/sovereign/app/etcd"
	"github.com/openova-io/sovereign/raftnode"
)

// testPKIFor is a node identity under a new cluster CA.
func testPKIFor(t testing.TB, name string) *raftnode.PKI {
	t.Helper()
	ca, err := raftnode.NewTestCA("hz-fsn")
	if err != nil {
		t.Fatal(err)
	}
	pki, err := ca.NodePKI(name)
	if err != nil {
		t.Fatal(err)
	}
	return pki
}

// handshake dials addr speaking TLS versions min to max only.
func handshake(addr string, min, max uint16, cfg *tls.Config) error {
	c := cfg.Clone()
	c.MinVersion, c.MaxVersion = min, max
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, c)
	if err != nil {
		return err
	}
	return conn.Close()
}

// TestEveryTLSListenerRefusesVersionsBelow12: the console's HTTPS listener
// (the configuration serve gives it, here serving the real server) and the
// etcd endpoint speak TLS 1.2 and 1.3 only; the peer listener TLS 1.3 only.
func TestEveryTLSListenerRefusesVersionsBelow12(t *testing.T) {
	t.Parallel()
	pki := testPKIFor(t, "n1")
	tn := startNode(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go tn.srv.Serve(tls.NewListener(ln, pki.HTTPSConfig()))
	https := ln.Addr().String()

	peer := handshakeServer(t, pki.ServerTLS())
	etcdTLS, err := etcd.ServerTLS(pki.Cert, pki.CAPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	etcdAddr := handshakeServer(t, etcdTLS)

	anyServer := &tls.Config{InsecureSkipVerify: true}
	asPeer := pki.ClientTLS()
	cases := []struct {
		name     string
		addr     string
		cfg      *tls.Config
		min, max uint16
		ok       bool
	}{
		{"console TLS 1.0", https, anyServer, tls.VersionTLS10, tls.VersionTLS10, false},
		{"console TLS 1.1", https, anyServer, tls.VersionTLS11, tls.VersionTLS11, false},
		{"console TLS 1.2", https, anyServer, tls.VersionTLS12, tls.VersionTLS12, true},
		{"console TLS 1.3", https, anyServer, tls.VersionTLS13, tls.VersionTLS13, true},
		{"etcd TLS 1.1", etcdAddr, asPeer, tls.VersionTLS11, tls.VersionTLS11, false},
		{"etcd TLS 1.2", etcdAddr, asPeer, tls.VersionTLS12, tls.VersionTLS12, true},
		{"peer TLS 1.1", peer, asPeer, tls.VersionTLS11, tls.VersionTLS11, false},
		{"peer TLS 1.2", peer, asPeer, tls.VersionTLS12, tls.VersionTLS12, false},
		{"peer TLS 1.3", peer, asPeer, tls.VersionTLS13, tls.VersionTLS13, true},
	}
	for _, c := range cases {
		err := handshake(c.addr, c.min, c.max, c.cfg)
		if c.ok != (err == nil) {
			t.Errorf("%s: handshake error %v", c.name, err)
		}
	}
	// And the console answers over it.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}}}
	resp, err := client.Get("https://" + https + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz over HTTPS: %d", resp.StatusCode)
	}
}

// handshakeServer accepts TLS connections with cfg until the test ends,
// completes each handshake and closes it; it returns the address.
func handshakeServer(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	return ln.Addr().String()
}
