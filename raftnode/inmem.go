package raftnode

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/storage"
)

// The in-memory twin: a real member, running the same Raft configuration,
// forwarding, read barrier, membership and status code as a node opened
// with Open, but over raft's InmemStore, InmemTransport and
// InmemSnapshotStore, and with the node-to-node calls carried over
// in-process pipes instead of mutual TLS. Its Raft log and snapshots live
// in memory, so it opens in microseconds and never fsyncs; the state
// machine is still a real storage.Store. Tests of packages that sit on a
// member (app) use it; this package's own tests run the real thing.

// InmemNetwork connects in-memory members: each member opened on it can
// reach every other that is open, by its address (its node id).
type InmemNetwork struct {
	mu      sync.Mutex
	members map[string]*inmemPeer
}

type inmemPeer struct {
	trans *raft.InmemTransport
	rpc   *muxListener
}

// NewInmemNetwork returns an empty network.
func NewInmemNetwork() *InmemNetwork {
	return &InmemNetwork{members: map[string]*inmemPeer{}}
}

// Open starts an in-memory member over fsm. As with Open, a member that
// does not join bootstraps a new single-voter cluster; one with Join set
// waits for a member of the cluster to add it (AddNonvoter with its Addr).
// Of cfg it uses NodeID, Join, Dir (only for the removed marker; may be
// empty), PKI (optional: only CACert and the certificate record use it),
// Logger, Registerer, RemoveDeadAfter and the snapshot settings.
func (nw *InmemNetwork) Open(cfg Config, fsm *storage.Store) (*Node, error) {
	if cfg.NodeID == "" {
		return nil, errors.New("raft: node id is empty")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	addr := raft.ServerAddress(cfg.NodeID)
	_, trans := raft.NewInmemTransport(addr)
	peer := &inmemPeer{trans: trans, rpc: newMuxListener(inmemAddr(addr))}

	nw.mu.Lock()
	if _, taken := nw.members[string(addr)]; taken {
		nw.mu.Unlock()
		return nil, fmt.Errorf("raft: a member named %s is already open on this network", addr)
	}
	for other, p := range nw.members {
		trans.Connect(raft.ServerAddress(other), p.trans)
		p.trans.Connect(addr, trans)
	}
	nw.members[string(addr)] = peer
	nw.mu.Unlock()

	n := &Node{
		cfg: cfg, logger: logger, fsm: fsm, stop: make(chan struct{}),
		logs:  inmemLogs{raft.NewInmemStore()},
		snaps: raft.NewInmemSnapshotStore(),
		trans: trans,
		net:   &inmemNet{nw: nw, addr: string(addr), peer: peer},
	}
	if err := n.start(false); err != nil {
		n.closeStores()
		return nil, err
	}
	return n, nil
}

// leave takes addr off the network: no member reaches it any more.
func (nw *InmemNetwork) leave(addr string) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	peer, ok := nw.members[addr]
	if !ok {
		return
	}
	delete(nw.members, addr)
	for _, p := range nw.members {
		p.trans.Disconnect(raft.ServerAddress(addr))
	}
	peer.trans.DisconnectAll()
	peer.rpc.close()
}

func (nw *InmemNetwork) rpcListenerOf(addr string) (*muxListener, bool) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	p, ok := nw.members[addr]
	if !ok {
		return nil, false
	}
	return p.rpc, true
}

// inmemNet is one member's end of the network for node-to-node calls.
type inmemNet struct {
	nw   *InmemNetwork
	addr string
	peer *inmemPeer
}

var _ peerNetwork = (*inmemNet)(nil)

func (m *inmemNet) rpcListener() net.Listener { return m.peer.rpc }

// dialRPC connects to addr's listener through a synchronous in-memory
// pipe, the way the mux hands a TLS connection to its RPC listener.
func (m *inmemNet) dialRPC(addr string, timeout time.Duration) (net.Conn, error) {
	// An address without a port, as in-memory ones are, reaches the dialer
	// with the HTTP client's default port added.
	addr = strings.TrimSuffix(addr, ":80")
	l, ok := m.nw.rpcListenerOf(addr)
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: "inmem", Addr: inmemAddr(addr), Err: errors.New("no member at this address")}
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-time.After(timeout):
	}
	client.Close()
	server.Close()
	return nil, &net.OpError{Op: "dial", Net: "inmem", Addr: inmemAddr(addr), Err: errors.New("member not accepting calls")}
}

func (m *inmemNet) dialRemoved(addr string, timeout time.Duration) (net.Conn, error) {
	return m.dialRPC(addr, timeout)
}

// cutRevoked has nothing to do: in-memory members show no certificates.
func (m *inmemNet) cutRevoked() {}

func (m *inmemNet) Close() error {
	m.nw.leave(m.addr)
	return nil
}

// inmemAddr is a member's address as a net.Addr.
type inmemAddr string

func (a inmemAddr) Network() string { return "inmem" }
func (a inmemAddr) String() string  { return string(a) }

// inmemLogs gives raft's InmemStore the Close of a log store.
type inmemLogs struct{ *raft.InmemStore }

func (inmemLogs) Close() error { return nil }
