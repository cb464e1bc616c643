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
type mux struct {
	ln     net.Listener
	tls    *tls.Config
	client *tls.Config
	logger *slog.Logger
	raft   *muxListener
	rpc    *muxListener
	wg     sync.WaitGroup
}

// newMux listens on bind. check, when set, may refuse a peer's certificate
// that the CA signed (a revoked one), in both directions.
func newMux(bind string, pki *PKI, logger *slog.Logger, check func(*x509.Certificate) error) (*mux, error) {
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, err
	}
	m := &mux{ln: ln, tls: pki.ServerTLS(), client: pki.ClientTLS(), logger: logger}
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
	m.wg.Add(1)
	go m.serve()
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
		m.raft.deliver(tc)
	case protoRPC:
		m.rpc.deliver(tc)
	default:
		m.logger.Warn("unknown protocol from peer", "remote", conn.RemoteAddr().String(), "byte", proto[0])
		tc.Close()
	}
}

// dial opens a mutual-TLS connection to a peer for the given protocol.
func (m *mux) dial(addr string, proto byte, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	conn, err := tls.DialWithDialer(d, "tcp", addr, m.client)
	if err != nil {
		return nil, err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte{proto}); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetWriteDeadline(time.Time{})
	return conn, nil
}

func (m *mux) Close() error {
	err := m.ln.Close()
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
