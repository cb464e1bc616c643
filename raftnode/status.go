package raftnode

import (
	"fmt"

	"github.com/hashicorp/raft"
)

// Status is a point-in-time view of the node's place in its cluster.
type Status struct {
	NodeID       string `json:"nodeId"`
	State        string `json:"state"`
	Term         uint64 `json:"term"`
	LeaderID     string `json:"leaderId"`
	LeaderAddr   string `json:"leaderAddr"`
	CommitIndex  uint64 `json:"commitIndex"`
	AppliedIndex uint64 `json:"appliedIndex"`
	LastIndex    uint64 `json:"lastIndex"`
}

// Status reports the node's Raft state.
func (n *Node) Status() Status {
	addr, id := n.raft.LeaderWithID()
	return Status{
		NodeID:       n.cfg.NodeID,
		State:        n.raft.State().String(),
		Term:         n.raft.CurrentTerm(),
		LeaderID:     string(id),
		LeaderAddr:   string(addr),
		CommitIndex:  n.raft.CommitIndex(),
		AppliedIndex: n.fsm.AppliedIndex(),
		LastIndex:    n.raft.LastIndex(),
	}
}

// Ready reports whether the node can serve: a leader is known, the state
// machine has applied everything this node knows to be committed, and the
// state file has not failed. When not ready, reason says why.
func (n *Node) Ready() (ready bool, reason string) {
	if err := n.fsm.Failed(); err != nil {
		return false, fmt.Sprintf("state file write failed: %v; free disk space or fix the disk, then restart", err)
	}
	state := n.raft.State()
	if state == raft.Shutdown {
		return false, "node is shutting down"
	}
	if addr, _ := n.raft.LeaderWithID(); addr == "" {
		return false, "no leader known yet: the cluster is electing one or has lost its quorum"
	}
	if state == raft.Leader && n.readyTerm.Load() != n.raft.CurrentTerm() {
		return false, "newly elected leader is applying the entries committed before its election"
	}
	commit := n.raft.CommitIndex()
	if n.raft.AppliedIndex() < commit || n.fsm.AppliedIndex() < n.lastStateIndex(commit) {
		return false, fmt.Sprintf("applying committed entries: applied %d of %d", n.fsm.AppliedIndex(), commit)
	}
	return true, ""
}

// CACert returns the cluster CA certificate (PEM) this node trusts.
// An in-memory member without a TLS identity has none.
func (n *Node) CACert() []byte {
	if n.cfg.PKI == nil {
		return nil
	}
	return n.cfg.PKI.CAPEM
}
