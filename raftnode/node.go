package raftnode

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// Config says where a node keeps its Raft files and how it reaches its peers.
type Config struct {
	// NodeID names the node in the cluster; it never changes.
	NodeID string
	// Dir holds wal/ (log and stable store, logstore.go) and snapshots/.
	Dir string
	// Bind is the Raft listen address; Advertise, if set, the one peers dial.
	Bind      string
	Advertise string
	// PKI is the node's TLS identity; Raft and the node-to-node calls run
	// over mutual TLS with it. Required.
	PKI *PKI
	// Logger receives Raft's log lines; nil discards them.
	Logger *slog.Logger
	// Registerer receives the node's metrics; nil registers none.
	Registerer prometheus.Registerer

	// RemoveDeadAfter, when positive, makes the leader remove a voter it
	// has not heard from for that long, never below the quorum (cleanup.go).
	RemoveDeadAfter time.Duration

	// Join marks a node started to join an existing cluster: it never
	// bootstraps, and waits for the leader to add it.
	Join bool

	// SnapshotThreshold, SnapshotInterval and TrailingLogs override Raft's
	// defaults when non-zero (tests use small values to force snapshots).
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64
}

// Node is this process's member of the region's Raft cluster.
type Node struct {
	cfg    Config
	logger *slog.Logger
	raft   *raft.Raft
	fsm    *storage.Store
	logs   logStore
	room   *diskRoom // nil in the in-memory twin
	snaps  raft.SnapshotStore
	trans  raft.Transport
	net    peerNetwork
	rpc    *rpcServer
	peers  *peerClient

	bootstrapped bool
	// readyTerm is the term in which this node, as leader, has applied
	// everything committed before it was elected (its first barrier).
	readyTerm atomic.Uint64
	// nudge tells followers of a forwarded write's commit at once (nudge.go).
	nudge    commitNudge
	metrics  *metrics
	contacts contacts

	notify  chan bool
	stop    chan struct{}
	wg      sync.WaitGroup
	closeMu sync.Mutex
	closed  bool
}

// logStore is Raft's log and stable store in one: raft-wal's segments
// (logstore.go), or raft's InmemStore in the in-memory twin (inmem.go).
type logStore interface {
	raft.LogStore
	raft.StableStore
	Close() error
}

// ErrRemoved: the node was removed from its cluster and will not start.
var ErrRemoved = errors.New("this node was removed from its cluster")

// Timeouts. A region's nodes sit on one network, so they can be short.
const (
	heartbeatTimeout = 500 * time.Millisecond
	electionTimeout  = 500 * time.Millisecond
	leaderLease      = 250 * time.Millisecond
)

// Open starts the node over fsm. On a directory with no Raft state it
// bootstraps a new single-voter cluster; otherwise it rejoins the cluster
// its files describe and never bootstraps again.
func Open(cfg Config, fsm *storage.Store) (*Node, error) {
	if cfg.NodeID == "" {
		return nil, errors.New("raft: node id is empty")
	}
	if cfg.PKI == nil {
		return nil, errors.New("raft: no TLS identity; a node always talks to its peers over mutual TLS")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("raft: %w", err)
	}
	n := &Node{cfg: cfg, logger: logger, fsm: fsm, stop: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			n.closeStores()
		}
	}()

	if at, err := os.ReadFile(filepath.Join(cfg.Dir, removedMarker)); err == nil {
		return nil, fmt.Errorf("%w (at %s); to bring it back, move its data directory aside and start it with --join and a new token", ErrRemoved, strings.TrimSpace(string(at)))
	}
	if err := CheckFiles(cfg.Dir); err != nil {
		return nil, err
	}
	var err error
	if n.logs, err = openLogStore(cfg.Dir, newHCLogger(logger, "raft-log")); err != nil {
		return nil, err
	}
	n.room = &diskRoom{dir: cfg.Dir}
	hl := newHCLogger(logger, "raft")
	n.snaps, err = raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, hl.Named("snapshots"))
	if err != nil {
		return nil, fmt.Errorf("raft snapshots: %w", err)
	}
	hasState, err := raft.HasExistingState(n.logs, n.logs, n.snaps)
	if err != nil {
		return nil, fmt.Errorf("raft: read state: %w", err)
	}
	if err := logCoversState(cfg.Dir, n.logs, n.snaps, fsm); err != nil {
		return nil, err
	}

	advertise := cfg.Advertise
	if advertise == "" {
		advertise = cfg.Bind
	}
	advAddr, err := net.ResolveTCPAddr("tcp", advertise)
	if err != nil {
		return nil, fmt.Errorf("raft: advertise address %q: %w", advertise, err)
	}
	if advAddr.IP == nil || advAddr.IP.IsUnspecified() {
		return nil, fmt.Errorf("raft: advertise address %q is not one peers can dial; set --advertise", advertise)
	}
	m, err := newMux(cfg.Bind, cfg.PKI, logger, n.checkPeer)
	if err != nil {
		return nil, fmt.Errorf("raft: listen on %s: %w", cfg.Bind, err)
	}
	n.net = m
	n.trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  &raftLayer{muxListener: m.raft, mux: m, advertise: advAddr},
		MaxPool: 3,
		Timeout: 10 * time.Second,
		Logger:  hl.Named("transport"),
	})
	if err := n.start(hasState); err != nil {
		return nil, err
	}
	ok = true
	return n, nil
}

// start runs Raft over the node's stores and transport: it bootstraps a
// new single-voter cluster when there is no state and the node does not
// join, and starts the node's own loops and its end of the node-to-node
// calls.
func (n *Node) start(hasState bool) error {
	cfg, logger, fsm := n.cfg, n.logger, n.fsm
	hl := newHCLogger(logger, "raft")
	n.peers = newPeerClient(n.net)

	conf := raft.DefaultConfig()
	conf.LocalID = raft.ServerID(cfg.NodeID)
	conf.Logger = hl
	conf.BatchApplyCh = true
	// Followers learn the commit index with the next AppendEntries; when
	// no write follows, CommitTimeout bounds how long that takes, and with
	// it a follower's read barrier and forwarded writes.
	conf.CommitTimeout = 5 * time.Millisecond
	conf.MaxAppendEntries = 256
	// The state file keeps its applied index, so Raft need not rebuild it
	// from a snapshot at every start; only an untrusted file is rebuilt.
	conf.NoSnapshotRestoreOnStart = !fsm.Rebuilt()
	if cfg.SnapshotThreshold > 0 {
		conf.SnapshotThreshold = cfg.SnapshotThreshold
	}
	if cfg.SnapshotInterval > 0 {
		conf.SnapshotInterval = cfg.SnapshotInterval
	}
	if cfg.TrailingLogs > 0 {
		conf.TrailingLogs = cfg.TrailingLogs
	}
	conf.HeartbeatTimeout, conf.ElectionTimeout, conf.LeaderLeaseTimeout = heartbeatTimeout, electionTimeout, leaderLease
	solo := (!hasState && !cfg.Join) || n.soloVoter()
	n.notify = make(chan bool, 16)
	conf.NotifyCh = n.notify

	var err error
	n.raft, err = raft.NewRaft(conf, fsm, n.logs, n.logs, n.snaps, n.trans)
	if err != nil {
		return fmt.Errorf("raft: start: %w", err)
	}
	if !hasState && !cfg.Join {
		f := n.raft.BootstrapCluster(raft.Configuration{Servers: []raft.Server{{
			Suffrage: raft.Voter, ID: conf.LocalID, Address: n.trans.LocalAddr(),
		}}})
		if err := f.Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			n.raft.Shutdown()
			return fmt.Errorf("raft: bootstrap: %w", err)
		}
		n.bootstrapped = true
		logger.Info("bootstrapped a new cluster", "node", cfg.NodeID, "raft", string(n.trans.LocalAddr()))
	}
	if solo {
		n.electNow()
	}
	n.metrics = newMetrics(n, cfg.Registerer)
	n.rpc = newRPCServer(n)
	n.wg.Add(2)
	go n.watch()
	go n.promoteWhenCaughtUp()
	if cfg.PKI != nil {
		n.wg.Add(1)
		go n.registerCert()
	}
	if cfg.RemoveDeadAfter > 0 {
		n.wg.Add(1)
		go n.cleanupDeadPeers()
	}
	return nil
}

// CheckFiles verifies, without writing, that the Raft files in dir are
// sound, so that a caller can check them before it opens anything else.
func CheckFiles(dir string) error {
	return checkLogFiles(dir)
}

// soloVoter reports whether the last configuration the state file applied
// has this node as its only voter.
func (n *Node) soloVoter() bool {
	conf, idx, err := n.fsm.Configuration()
	if err != nil || idx == 0 {
		return false
	}
	voters := 0
	self := false
	for _, s := range conf.Servers {
		if s.Suffrage == raft.Voter {
			voters++
			self = self || string(s.ID) == n.cfg.NodeID
		}
	}
	return voters == 1 && self
}

// electNow makes a node that is its cluster's only voter elect itself at
// once instead of after a heartbeat timeout, so a single node is ready
// within milliseconds of starting. Lowering the heartbeat timeout, even by
// a millisecond, makes Raft re-check its follower timer immediately; having
// never heard from a leader, the node stands for election. The timeout
// stays valid for when the cluster grows.
func (n *Node) electNow() {
	rc := n.raft.ReloadableConfig()
	rc.HeartbeatTimeout -= time.Millisecond
	if err := n.raft.ReloadConfig(rc); err != nil {
		n.logger.Warn("could not start the first election at once", "error", err)
	}
}

// watch follows leadership: a new leader applies a barrier before it
// calls itself ready.
func (n *Node) watch() {
	defer n.wg.Done()
	for {
		select {
		case <-n.stop:
			return
		case leader := <-n.notify:
			if leader {
				n.wg.Add(1)
				go n.barrierAfterElection()
			}
		}
	}
}

func (n *Node) barrierAfterElection() {
	defer n.wg.Done()
	term := n.raft.CurrentTerm()
	if err := n.raft.Barrier(10 * time.Second).Error(); err != nil {
		n.logger.Warn("barrier after election failed", "error", err)
		return
	}
	n.readyTerm.Store(term)
}

// Bootstrapped reports whether this start created a new cluster.
func (n *Node) Bootstrapped() bool { return n.bootstrapped }

// ID returns the node's id.
func (n *Node) ID() string { return n.cfg.NodeID }

// Addr returns the Raft address peers dial.
func (n *Node) Addr() string { return string(n.trans.LocalAddr()) }

// Close stops the node: Raft first (which stops applying), then its files.
// It is safe to call more than once.
func (n *Node) Close() error {
	n.closeMu.Lock()
	defer n.closeMu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	n.handOver()
	// An apply loop waiting for disk space would hold Raft's shutdown.
	n.fsm.Interrupt()
	var err error
	if n.raft != nil {
		err = n.raft.Shutdown().Error()
	}
	close(n.stop)
	if n.rpc != nil {
		n.rpc.close()
	}
	n.wg.Wait()
	n.metrics.unregister()
	if cerr := n.closeStores(); err == nil {
		err = cerr
	}
	return err
}

// handOver transfers leadership before a leader stops, so the cluster
// does not wait out an election timeout.
func (n *Node) handOver() {
	if n.raft == nil || n.raft.State() != raft.Leader {
		return
	}
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return
	}
	voters := 0
	for _, s := range f.Configuration().Servers {
		if s.Suffrage == raft.Voter {
			voters++
		}
	}
	if voters < 2 {
		return
	}
	if err := n.raft.LeadershipTransfer().Error(); err != nil {
		n.logger.Warn("handing leadership over before stopping", "error", err)
		return
	}
	n.logger.Info("handed leadership over before stopping")
}

func (n *Node) closeStores() error {
	var err error
	if c, ok := n.trans.(raft.WithClose); ok {
		err = c.Close()
	}
	if n.net != nil {
		if cerr := n.net.Close(); err == nil && !errors.Is(cerr, net.ErrClosed) {
			err = cerr
		}
	}
	if n.peers != nil {
		n.peers.close()
	}
	if n.logs != nil {
		if cerr := n.logs.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
