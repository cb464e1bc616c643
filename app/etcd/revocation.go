package etcd

import (
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc/credentials"
)

// A revoked client certificate is refused at the handshake (ServerTLS's
// VerifyConnection). A connection it opened before would otherwise stay
// open, and a k3s server keeps one for days: the endpoint keeps every TLS
// connection with the state of its handshake and, every sweepInterval,
// runs the same VerifyConnection on it again, closing those it now
// refuses.
const sweepInterval = time.Second

// connSweeper is the set of open TLS connections and what checks them.
type connSweeper struct {
	verify func(tls.ConnectionState) error
	logger *slog.Logger

	mu    sync.Mutex
	conns map[*sweptConn]struct{}
	stop  chan struct{}
	once  sync.Once
}

func newConnSweeper(verify func(tls.ConnectionState) error, logger *slog.Logger) *connSweeper {
	return &connSweeper{verify: verify, logger: logger, conns: map[*sweptConn]struct{}{}, stop: make(chan struct{})}
}

// creds wraps the endpoint's TLS credentials so that each connection a
// handshake admits joins the set.
func (s *connSweeper) creds(tc credentials.TransportCredentials) credentials.TransportCredentials {
	return sweptCreds{TransportCredentials: tc, s: s}
}

func (s *connSweeper) run() {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep closes every connection whose certificate the check now refuses.
func (s *connSweeper) sweep() {
	s.mu.Lock()
	var cut []*sweptConn
	for c := range s.conns {
		if err := s.verify(c.state); err != nil {
			cut = append(cut, c)
			c.err = err
		}
	}
	s.mu.Unlock()
	for _, c := range cut {
		s.logger.Warn("etcd endpoint: closed a client connection whose certificate is no longer accepted", "remote", c.RemoteAddr().String(), "reason", c.err.Error())
		c.Close()
	}
}

func (s *connSweeper) close() { s.once.Do(func() { close(s.stop) }) }

type sweptCreds struct {
	credentials.TransportCredentials
	s *connSweeper
}

func (c sweptCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.TransportCredentials.ServerHandshake(raw)
	if err != nil {
		return conn, info, err
	}
	ti, ok := info.(credentials.TLSInfo)
	if !ok {
		return conn, info, nil
	}
	sc := &sweptConn{Conn: conn, state: ti.State, s: c.s}
	c.s.mu.Lock()
	c.s.conns[sc] = struct{}{}
	c.s.mu.Unlock()
	return sc, info, nil
}

func (c sweptCreds) Clone() credentials.TransportCredentials {
	return sweptCreds{TransportCredentials: c.TransportCredentials.Clone(), s: c.s}
}

// sweptConn leaves the set when it closes.
type sweptConn struct {
	net.Conn
	state tls.ConnectionState
	s     *connSweeper
	err   error // why the sweep cut it (under s.mu)
	once  sync.Once
}

func (c *sweptConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}
