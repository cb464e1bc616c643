package raftnode

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/storage"
)

// dialPeer dials the Raft port at addr as a peer showing cert, for the
// protocol proto, trusting the cluster CA caPEM.
func dialPeer(t *testing.T, addr string, caPEM []byte, cert tls.Certificate, proto byte) (net.Conn, error) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: PeerName,
	})
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write([]byte{proto}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// peerSession is an open node-to-node connection on which calls are sent
// one after the other, as the peer client keeps one alive.
type peerSession struct {
	conn net.Conn
	rd   *bufio.Reader
}

func openPeerSession(t *testing.T, addr string, caPEM []byte, cert tls.Certificate) (*peerSession, error) {
	conn, err := dialPeer(t, addr, caPEM, cert, protoRPC)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.Close() })
	return &peerSession{conn: conn, rd: bufio.NewReader(conn)}, nil
}

// call sends one request and reads its answer; an error means the
// connection was cut or refused.
func (s *peerSession) call(method, path string, body []byte) (int, string, error) {
	_ = s.conn.SetDeadline(time.Now().Add(5 * time.Second))
	req, _ := http.NewRequest(method, "http://peer"+path, bytes.NewReader(body))
	if err := req.Write(s.conn); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(s.rd, req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), nil
}

// adminUser is the write a hidden certificate was once used for.
func adminUser(name string) []byte {
	return storage.Put(storage.BucketUsers, []byte(name), []byte(`{"email":"`+name+`@evil","role":"sovereign-admin"}`)).Encode()
}

func TestPeerWriteOnlyFromACurrentMembersCertificate(t *testing.T) {
	m := startJoinMember(t)
	b := m.joinAndStart(newJoiner(t, "b"))
	caKey := m.pki.CAKey()
	k3sCert, k3sKey, err := IssueClientCert(m.pki.CAPEM, caKey, "k3s")
	if err != nil {
		t.Fatal(err)
	}
	k3s, err := tls.X509KeyPair(k3sCert, k3sKey)
	if err != nil {
		t.Fatal(err)
	}

	// A current member writes.
	s, err := openPeerSession(t, m.Addr(), m.pki.CAPEM, b.cfg.PKI.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if code, body, err := s.call("POST", "/v1/apply", adminUser("member-write")); err != nil || code != http.StatusOK {
		t.Fatalf("a member's write: %d %s %v", code, body, err)
	}

	// A certificate the CA signed for the member's name, not recorded (a
	// hidden certificate as a join once issued), and one for a name that
	// is no member: each reaches the port, may read, and may not write.
	for _, c := range []struct {
		name string
		cert tls.Certificate
	}{
		{"hidden certificate of member b", m.clusterSignedCert("b")},
		{"certificate of a non-member", m.clusterSignedCert("ghost")},
	} {
		s, err := openPeerSession(t, m.Addr(), m.pki.CAPEM, c.cert)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if code, _, err := s.call("GET", "/v1/status", nil); err != nil || code != http.StatusOK {
			t.Fatalf("%s: status: %d %v", c.name, code, err)
		}
		for _, path := range []string{"/v1/apply", "/v1/members/add", "/v1/members/remove", "/v1/leadership/transfer"} {
			s, _ := openPeerSession(t, m.Addr(), m.pki.CAPEM, c.cert)
			body := adminUser("mallory")
			if path != "/v1/apply" {
				body = []byte(`{"id":"b","address":"127.0.0.1:1"}`)
			}
			code, answer, err := s.call("POST", path, body)
			if err == nil && code != http.StatusForbidden {
				t.Fatalf("%s: %s answered %d %s", c.name, path, code, answer)
			}
		}
	}
	if _, ok, _ := m.store.Get(storage.BucketUsers, []byte("mallory")); ok {
		t.Fatal("a certificate that is no current member's wrote to the store")
	}
	if srv, ok, _ := m.server("b"); !ok || srv.Address == "127.0.0.1:1" {
		t.Fatalf("membership changed: %+v %v", srv, ok)
	}

	// A client certificate (k3s's) is no node's: refused at the handshake.
	if s, err := openPeerSession(t, m.Addr(), m.pki.CAPEM, k3s); err == nil {
		if _, _, err := s.call("GET", "/v1/status", nil); err == nil {
			t.Fatal("a client certificate reached the node-to-node calls")
		}
	}
}

func TestRevocationCutsOpenPeerConnections(t *testing.T) {
	m := startJoinMember(t)
	b := m.joinAndStart(newJoiner(t, "b"))
	c := m.joinAndStart(newJoiner(t, "c"))
	bCert := b.cfg.PKI.Cert

	// Connections b's certificate opened while it was a member: calls on
	// the leader, and Raft's protocol on the leader and on another member.
	s, err := openPeerSession(t, m.Addr(), m.pki.CAPEM, bCert)
	if err != nil {
		t.Fatal(err)
	}
	if code, body, err := s.call("GET", "/v1/status", nil); err != nil || code != http.StatusOK {
		t.Fatalf("status: %d %s %v", code, body, err)
	}
	raftToLeader, err := dialPeer(t, m.Addr(), m.pki.CAPEM, bCert, protoRaft)
	if err != nil {
		t.Fatal(err)
	}
	defer raftToLeader.Close()
	raftToOther, err := dialPeer(t, c.Addr(), m.pki.CAPEM, bCert, protoRaft)
	if err != nil {
		t.Fatal(err)
	}
	defer raftToOther.Close()

	if err := m.Remove(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	if code, body, err := s.call("POST", "/v1/apply", adminUser("after-removal")); err == nil && code != http.StatusForbidden {
		t.Fatalf("an open connection of a removed node still writes: %d %s", code, body)
	}
	if code, body, err := s.call("GET", "/v1/status", nil); err == nil && code != http.StatusForbidden {
		t.Fatalf("an open connection of a removed node still reads: %d %s", code, body)
	}
	for name, conn := range map[string]net.Conn{"the leader": raftToLeader, "another member": raftToOther} {
		_ = conn.SetReadDeadline(time.Now().Add(3 * sweepInterval))
		_, err := conn.Read(make([]byte, 1))
		var ne net.Error
		if err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%s kept a Raft connection of a revoked certificate open: %v", name, err)
		}
	}
	if _, ok, _ := m.store.Get(storage.BucketUsers, []byte("after-removal")); ok {
		t.Fatal("a removed node wrote after its removal")
	}
	if again, err := openPeerSession(t, m.Addr(), m.pki.CAPEM, bCert); err == nil {
		if _, _, err := again.call("GET", "/v1/status", nil); err == nil {
			t.Fatal("a revoked certificate opened a new connection")
		}
	}
}

func TestMemberPeerServerHasIdleAndReadTimeouts(t *testing.T) {
	m := startJoinMember(t)
	srv := m.rpc.srv
	if srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.ReadHeaderTimeout <= 0 {
		t.Fatalf("peer server timeouts: read %v, idle %v, header %v", srv.ReadTimeout, srv.IdleTimeout, srv.ReadHeaderTimeout)
	}
	if srv.IdleTimeout <= rpcClientIdle {
		t.Fatalf("the server closes idle connections (%v) before the client does (%v)", srv.IdleTimeout, rpcClientIdle)
	}
}

// revokedSerials lists the serials revoked in n's state, and for whom.
func revokedSerials(t *testing.T, st *storage.Store) map[string]string {
	out := map[string]string{}
	st.Scan(storage.BucketRevokedCerts, nil, func(k []byte, r storage.Record) bool {
		out[string(k)] = string(r.Value)
		return true
	})
	return out
}

func TestRemovalRevokesEveryCertificateInOneBatch(t *testing.T) {
	m := startJoinMember(t)
	m.joinAndStart(newJoiner(t, "b"))
	serial, _, _ := m.store.Get(storage.BucketMemberCerts, []byte("b"))
	if err := m.Remove(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	if revokedSerials(t, m.store)[string(serial.Value)] != "b" {
		t.Fatalf("b's certificate %s is not revoked: %v", serial.Value, revokedSerials(t, m.store))
	}
	if _, ok, _ := m.store.Get(storage.BucketMemberCerts, []byte("b")); ok {
		t.Fatal("b still has a member record")
	}
	// One entry of the log both revokes the serial and drops the record.
	first, _ := m.logs.FirstIndex()
	last, _ := m.logs.LastIndex()
	found := false
	for i := first; i <= last && !found; i++ {
		var l raft.Log
		if m.logs.GetLog(i, &l) != nil || l.Type != raft.LogCommand {
			continue
		}
		cmd, err := storage.DecodeCommand(l.Data)
		if err != nil || cmd.Op != storage.OpBatch {
			continue
		}
		revokes, drops := false, false
		for _, op := range cmd.Ops {
			revokes = revokes || string(op.Bucket) == string(storage.BucketRevokedCerts) && string(op.Key) == string(serial.Value)
			drops = drops || string(op.Bucket) == string(storage.BucketMemberCerts) && op.Op == storage.OpDelete && string(op.Key) == "b"
		}
		found = revokes && drops
	}
	if !found {
		t.Fatal("no single log entry both revokes b's certificate and drops its member record")
	}
}

func TestRemovalCutShortIsFinishedByRemovingAgain(t *testing.T) {
	m := startJoinMember(t)
	b := m.joinAndStart(newJoiner(t, "b"))
	serial, _, _ := m.store.Get(storage.BucketMemberCerts, []byte("b"))
	// The configuration leaves b out, and nothing else happens: a removal
	// cut short after Raft's entry.
	if err := m.raft.RemoveServer("b", 0, 5*time.Second).Error(); err != nil {
		t.Fatal(err)
	}
	// Already no write is taken from it: it is not in the configuration.
	s, err := openPeerSession(t, m.Addr(), m.pki.CAPEM, b.cfg.PKI.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if code, body, err := s.call("POST", "/v1/apply", adminUser("cut-short")); err == nil && code != http.StatusForbidden {
		t.Fatalf("a node out of the configuration wrote: %d %s", code, body)
	}
	if err := m.Remove(context.Background(), "b"); err != nil {
		t.Fatalf("removing again: %v", err)
	}
	if revokedSerials(t, m.store)[string(serial.Value)] != "b" {
		t.Fatal("removing again did not revoke b's certificate")
	}
	if err := m.Remove(context.Background(), "b"); !errors.Is(err, ErrUnknownNode) {
		t.Fatalf("removing a node with nothing left to revoke: %v", err)
	}
}

func TestCertificateRevokedOnItsOwnIsRefused(t *testing.T) {
	m := startJoinMember(t)
	cert := m.clusterSignedCert("spare")
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	s, err := openPeerSession(t, m.Addr(), m.pki.CAPEM, cert)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, err := s.call("GET", "/v1/status", nil); err != nil || code != http.StatusOK {
		t.Fatalf("before revocation: %d %v", code, err)
	}
	raftConn, err := dialPeer(t, m.Addr(), m.pki.CAPEM, cert, protoRaft)
	if err != nil {
		t.Fatal(err)
	}
	defer raftConn.Close()

	for _, bad := range []string{"", "xyz", "12 34", strings.Repeat("f", 65)} {
		if _, _, err := m.RevokeCertCommand(bad); !errors.Is(err, ErrSerialFormat) {
			t.Fatalf("serial %q: %v", bad, err)
		}
	}
	own, _, _ := m.store.Get(storage.BucketMemberCerts, []byte("a"))
	if _, _, err := m.RevokeCertCommand(string(own.Value)); !errors.Is(err, ErrMemberCert) || !strings.Contains(err.Error(), "sovereign cluster remove a") {
		t.Fatalf("revoking a member's certificate: %v", err)
	}

	// The serial as openssl prints it: upper case, colons.
	cmd, serial, err := m.RevokeCertCommand(strings.ToUpper(fmt.Sprintf("%x", leaf.SerialNumber)))
	if err != nil || serial != serialHex(leaf) {
		t.Fatalf("revoke %s: %q %v", serialHex(leaf), serial, err)
	}
	if res, err := m.Apply(context.Background(), cmd); err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	if cmd, _, err := m.RevokeCertCommand(serial); err != nil || cmd.Op != 0 {
		t.Fatalf("revoking it again: %+v %v", cmd, err)
	}
	if code, _, err := s.call("GET", "/v1/status", nil); err == nil && code != http.StatusForbidden {
		t.Fatalf("an open connection of a revoked certificate still answers: %d", code)
	}
	_ = raftConn.SetReadDeadline(time.Now().Add(3 * sweepInterval))
	if _, err := raftConn.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("a Raft connection of a revoked certificate stayed open: %v", err)
	}
	if again, err := openPeerSession(t, m.Addr(), m.pki.CAPEM, cert); err == nil {
		if _, _, err := again.call("GET", "/v1/status", nil); err == nil {
			t.Fatal("a revoked certificate opened a new connection")
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestTokenLivesADayByDefaultAndAtMostAWeek(t *testing.T) {
	m := startJoinMember(t)
	_, tok, _, err := m.NewToken(0, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Expires.Sub(tok.Created); got != 24*time.Hour {
		t.Fatalf("a token without a lifetime lives %v", got)
	}
	if _, tok, _, err = m.NewToken(MaxTokenTTL, ""); err != nil || tok.Expires.Sub(tok.Created) != 7*24*time.Hour {
		t.Fatalf("a week's token: %v %v", tok.Expires.Sub(tok.Created), err)
	}
	for _, ttl := range []time.Duration{MaxTokenTTL + time.Second, 365 * 24 * time.Hour, -time.Hour} {
		if _, _, _, err := m.NewToken(ttl, ""); !errors.Is(err, ErrTokenTTL) || !strings.Contains(err.Error(), "168h") {
			t.Fatalf("ttl %v: %v", ttl, err)
		}
	}
}
