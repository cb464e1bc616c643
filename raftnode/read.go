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
	var at readPoint
	err := n.onLeader(ctx,
		func(ctx context.Context) error {
			var err error
			at, err = n.leaderReadIndex(ctx)
			return err
		},
		func(ctx context.Context, leader string) error {
			var out readIndexResponse
			if err := n.peers.call(ctx, "POST", leader, "/v1/read-index", nil, &out); err != nil {
				return callError(err, true) // a read changes nothing
			}
			at = readPoint{commit: out.Index, state: out.StateIndex}
			return nil
		})
	if err != nil {
		return err
	}
	if at.state != 0 && n.fsm.AppliedIndex() >= at.state {
		return nil
	}
	return n.waitApplied(ctx, at.commit)
}

// readPoint is what a linearizable read waits for: the leader's commit
// index, and the last entry at or below it that changes the state (0 when
// the leader's log no longer holds it). The entries between the two are
// Raft's own no-ops and barriers, the commit nudges (nudge.go) among
// them: a node whose state applied the second holds the state as of the
// first, without waiting to learn that those were committed (a follower
// learns that only with the leader's next append, up to CommitTimeout
// later).
type readPoint struct{ commit, state uint64 }

// leaderReadIndex returns what a linearizable read must wait for, after
// confirming this node still leads.
func (n *Node) leaderReadIndex(ctx context.Context) (readPoint, error) {
	// A new leader only knows the commit index once an entry of its own
	// term is committed; its election barrier marks that moment.
	if n.readyTerm.Load() != n.raft.CurrentTerm() {
		term := n.raft.CurrentTerm()
		if err := waitFuture(ctx, n.raft.Barrier(timeoutOf(ctx))); err != nil {
			return readPoint{}, n.mapError(err)
		}
		n.readyTerm.Store(term)
	}
	index := n.raft.CommitIndex()
	if err := waitFuture(ctx, n.raft.VerifyLeader()); err != nil {
		return readPoint{}, n.mapError(err)
	}
	at := readPoint{commit: index}
	if i, ok := n.lastStateEntry(index); ok {
		at.state = i
	}
	return at, nil
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
	i, found, err := n.findStateEntry(index)
	switch {
	case err != nil:
		return index
	case !found:
		return 1
	}
	return i
}

// lastStateEntry is lastStateIndex where only the log's own answer will
// do: ok is false when the log does not hold that entry or cannot be read.
func (n *Node) lastStateEntry(index uint64) (uint64, bool) {
	i, found, err := n.findStateEntry(index)
	return i, found && err == nil
}

func (n *Node) findStateEntry(index uint64) (i uint64, found bool, err error) {
	first, err := n.logs.FirstIndex()
	if err != nil {
		return 0, false, err
	}
	var l raft.Log
	for i := index; i >= first && i > 0; i-- {
		if err := n.logs.GetLog(i, &l); err != nil {
			return 0, false, err
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return i, true, nil
		}
	}
	return 0, false, nil
}
