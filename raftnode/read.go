package raftnode

import (
	"context"
	"time"

	"github.com/hashicorp/raft"
)

// ReadBarrier returns once a read of this node's state reflects every write
// acknowledged anywhere in the cluster before the call. The leader
// confirms with a quorum that it still leads (so no newer leader can have
// acknowledged writes it has not seen) and names its commit index; this
// node, leader or follower, then waits until it has applied that index.
//
// A caller that can live with slightly old data reads without it (a stale
// read), which costs nothing and works without a leader.
func (n *Node) ReadBarrier(ctx context.Context) error {
	var index uint64
	err := n.onLeader(ctx,
		func(ctx context.Context) error {
			var err error
			index, err = n.leaderReadIndex(ctx)
			return err
		},
		func(ctx context.Context, leader string) error {
			var out readIndexResponse
			if err := n.peers.call(ctx, "POST", leader, "/v1/read-index", nil, &out); err != nil {
				return callError(err, true) // a read changes nothing
			}
			index = out.Index
			return nil
		})
	if err != nil {
		return err
	}
	return n.waitApplied(ctx, index)
}

// leaderReadIndex returns the commit index a linearizable read must wait
// for, after confirming this node still leads.
func (n *Node) leaderReadIndex(ctx context.Context) (uint64, error) {
	// A new leader only knows the commit index once an entry of its own
	// term is committed; its election barrier marks that moment.
	if n.readyTerm.Load() != n.raft.CurrentTerm() {
		term := n.raft.CurrentTerm()
		if err := waitFuture(ctx, n.raft.Barrier(timeoutOf(ctx))); err != nil {
			return 0, n.mapError(err)
		}
		n.readyTerm.Store(term)
	}
	index := n.raft.CommitIndex()
	if err := waitFuture(ctx, n.raft.VerifyLeader()); err != nil {
		return 0, n.mapError(err)
	}
	return index, nil
}

// waitApplied waits until this node's state reflects every entry up to
// index. Raft's own applied index counts entries handed to the state
// machine, not entries it has finished, and the state machine never sees
// the no-op and barrier entries Raft writes itself; so the wait is in two
// steps: until Raft has handed over index, then until the state file has
// applied the last entry at or below index that it will ever see.
func (n *Node) waitApplied(ctx context.Context, index uint64) error {
	if n.fsm.AppliedIndex() >= index {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeoutOf(ctx))
	defer cancel()
	t := time.NewTicker(500 * time.Microsecond)
	defer t.Stop()
	target := uint64(0)
	for {
		if target == 0 && n.raft.AppliedIndex() >= index {
			target = n.lastStateIndex(index)
		}
		if n.fsm.AppliedIndex() >= index || (target != 0 && n.fsm.AppliedIndex() >= target) {
			return nil
		}
		if n.raft.State() == raft.Shutdown {
			return ErrShutdown
		}
		select {
		case <-ctx.Done():
			return ErrTimeout
		case <-t.C:
		}
	}
}

// lastStateIndex returns the index of the last entry at or below index
// that reaches the state machine (a command or a configuration), or 1 when
// the log holds none (all of them are then in the latest snapshot, which
// the state file holds).
func (n *Node) lastStateIndex(index uint64) uint64 {
	first, err := n.logs.FirstIndex()
	if err != nil {
		return index
	}
	var l raft.Log
	for i := index; i >= first && i > 0; i-- {
		if err := n.logs.GetLog(i, &l); err != nil {
			return index
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return i
		}
	}
	return 1
}
