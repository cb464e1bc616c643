package raftnode

import (
	"net"
	"time"
)

// peerNetwork is what the node-to-node calls (rpc.go) ride on: the
// mutual-TLS mux of a real node (mux.go), or the in-memory network of the
// twin (inmem.go). Both carry the same HTTP calls, so forwarding, read
// indexes and membership run the same code either way.
type peerNetwork interface {
	// rpcListener accepts the calls peers make to this node.
	rpcListener() net.Listener
	// dialRPC opens a connection for calls to the peer at addr. A peer
	// that cannot be reached fails with a *net.OpError whose Op is "dial",
	// which marks the call as never sent.
	dialRPC(addr string, timeout time.Duration) (net.Conn, error)
	// dialRemoved is dialRPC to a peer whose certificate may be revoked:
	// only to tell a removed node that it is.
	dialRemoved(addr string, timeout time.Duration) (net.Conn, error)
	// cutRevoked closes the connections with peers whose certificate was
	// revoked.
	cutRevoked()
	Close() error
}

var _ peerNetwork = (*mux)(nil)

func (m *mux) rpcListener() net.Listener { return m.rpc }

func (m *mux) dialRPC(addr string, timeout time.Duration) (net.Conn, error) {
	return m.dial(addr, protoRPC, timeout)
}

func (m *mux) dialRemoved(addr string, timeout time.Duration) (net.Conn, error) {
	return m.dialWith(m.unchecked, addr, protoRPC, timeout)
}
