package raftnode

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// The Raft port carries two protocols over one mutual-TLS listener: Raft's
// own RPCs and the node-to-node calls of this package (forwarded writes,
// read indexes, membership). A dialer names the protocol in the first byte
// it sends after the handshake.
const (
	protoRaft byte = 'R'
	protoRPC  byte = 'F'
)

const handshakeTimeout = 5 * time.Second

// mux accepts TLS connections from peers and hands each to the listener of
// its protocol. A peer without a certificate from the cluster CA fails the
// handshake and is dropped before it can send a byte of either protocol.
// It keeps every connection it accepted or dialed, with the certificate
// of the peer at its other end, so that a certificate revoked later cuts
// the connections already open with it (cutRevoked, and every
// sweepInterval).
type mux struct {
	ln     net.Listener
	tls    *tls.Config
	client *tls.Config
	// unchecked dials without the check of the peer's certificate beyond
	// the CA's signature: only to tell a removed node so.
	unchecked *tls.Config
	check     func(*x509.Certificate) error
	logger    *slog.Logger
	raft      *muxListener
	rpc       *muxListener
	wg        sync.WaitGroup
	done      chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	conns map[*peerConn]struct{}
}

// sweepInterval bounds how long a connection outlives the revocation of
// its peer's certificate on a node that did not revoke it itself.
const sweepInterval = time.Second

// newMux listens on bind. check, when set, may refuse a peer's certificate
// that the CA signed (a revoked one), in both directions.
func newMux(bind string, pki *PKI, logger *slog.Logger, check func(*x509.Certificate) error) (*mux, error) {
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, err
	}
	m := &mux{ln: ln, tls: pki.ServerTLS(), client: pki.ClientTLS(), unchecked: pki.ClientTLS(), logger: logger,
		check: check, done: make(chan struct{}), conns: map[*peerConn]struct{}{}}
	if check != nil {
		verify := func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return nil // the handshake's own verification refuses it
			}
			return check(cs.PeerCertificates[0])
		}
		m.tls.VerifyConnection, m.client.VerifyConnection = verify, verify
	}
	m.raft = newMuxListener(ln.Addr())
	m.rpc = newMuxListener(ln.Addr())
	m.wg.Add(2)
	go m.serve()
	go m.sweep()
	return m, nil
}

func (m *mux) serve() {
	defer m.wg.Done()
	for {
		conn, err := m.ln.Accept()
		if err != nil {
			m.raft.close()
			m.rpc.close()
			return
		}
		go m.route(conn)
	}
}

func (m *mux) route(conn net.Conn) {
	tc := tls.Server(conn, m.tls)
	_ = tc.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := tc.Handshake(); err != nil {
		m.logger.Warn("refused a peer connection", "remote", conn.RemoteAddr().String(), "error", err)
		conn.Close()
		return
	}
	var proto [1]byte
	if _, err := tc.Read(proto[:]); err != nil {
		tc.Close()
		return
	}
	_ = tc.SetDeadline(time.Time{})
	switch proto[0] {
	case protoRaft:
		m.raft.deliver(m.track(tc))
	case protoRPC:
		m.rpc.deliver(m.track(tc))
	default:
		m.logger.Warn("unknown protocol from peer", "remote", conn.RemoteAddr().String(), "byte", proto[0])
		tc.Close()
	}
}

// dial opens a mutual-TLS connection to a peer for the given protocol.
func (m *mux) dial(addr string, proto byte, timeout time.Duration) (net.Conn, error) {
	return m.dialWith(m.client, addr, proto, timeout)
}

func (m *mux) dialWith(cfg *tls.Config, addr string, proto byte, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	conn, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte{proto}); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetWriteDeadline(time.Time{})
	return m.track(conn), nil
}

// peerConn is a connection with a peer, and the certificate it showed.
type peerConn struct {
	*tls.Conn
	mux  *mux
	peer *x509.Certificate
}

func (c *peerConn) Close() error {
	c.mux.mu.Lock()
	delete(c.mux.conns, c)
	c.mux.mu.Unlock()
	return c.Conn.Close()
}

func (m *mux) track(tc *tls.Conn) *peerConn {
	c := &peerConn{Conn: tc, mux: m}
	if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 {
		c.peer = certs[0]
	}
	m.mu.Lock()
	m.conns[c] = struct{}{}
	m.mu.Unlock()
	return c
}

// cutRevoked closes every connection whose peer's certificate the check
// now refuses.
func (m *mux) cutRevoked() {
	if m.check == nil {
		return
	}
	m.mu.Lock()
	var cut []*peerConn
	for c := range m.conns {
		if c.peer == nil || m.check(c.peer) != nil {
			cut = append(cut, c)
		}
	}
	m.mu.Unlock()
	for _, c := range cut {
		m.logger.Warn("closed a connection with a peer whose certificate was revoked", "remote", c.RemoteAddr().String(), "serial", serialHex(c.peer))
		c.Close()
	}
}

func (m *mux) sweep() {
	defer m.wg.Done()
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-m.done:
			return
		case <-t.C:
			m.cutRevoked()
		}
	}
}

func (m *mux) Close() error {
	err := m.ln.Close()
	m.closeOnce.Do(func() { close(m.done) })
	m.wg.Wait()
	return err
}

// muxListener is the net.Listener of one protocol on the mux.
type muxListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newMuxListener(addr net.Addr) *muxListener {
	return &muxListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *muxListener) deliver(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *muxListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *muxListener) close() { l.once.Do(func() { close(l.done) }) }

func (l *muxListener) Close() error { l.close(); return nil }

func (l *muxListener) Addr() net.Addr { return l.addr }

// raftLayer is Raft's StreamLayer over the mux.
type raftLayer struct {
	*muxListener
	mux       *mux
	advertise net.Addr
}

var _ raft.StreamLayer = (*raftLayer)(nil)

func (r *raftLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return r.mux.dial(string(address), protoRaft, timeout)
}

func (r *raftLayer) Addr() net.Addr {
	if r.advertise != nil {
		return r.advertise
	}
	return r.muxListener.Addr()
}
