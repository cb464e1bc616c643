package raftnode

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// ReadBarrier returns once a read of this node's state reflects every write
// acknowledged anywhere in the cluster before the call: the leader confirms
// with a quorum that it still leads (so no newer leader can have
// acknowledged writes it has not seen), and the node waits until it has
// applied the commit index read before that confirmation.
func (n *Node) ReadBarrier(ctx context.Context) error {
	if n.raft.State() != raft.Leader {
		if leader, _ := n.raft.LeaderWithID(); leader == "" {
			return ErrNoLeader
		}
		return fmt.Errorf("%w (the leader is %s)", ErrNotLeader, n.leaderAddr())
	}
	// A new leader only knows the commit index once an entry of its own
	// term is committed; its election barrier marks that moment.
	if n.readyTerm.Load() != n.raft.CurrentTerm() {
		if err := waitFuture(ctx, n.raft.Barrier(timeoutOf(ctx))); err != nil {
			return n.mapError(err)
		}
		n.readyTerm.Store(n.raft.CurrentTerm())
	}
	index := n.raft.CommitIndex()
	if err := waitFuture(ctx, n.raft.VerifyLeader()); err != nil {
		return n.mapError(err)
	}
	return n.waitApplied(ctx, index)
}

// waitApplied waits until the state machine has applied index.
func (n *Node) waitApplied(ctx context.Context, index uint64) error {
	if n.raft.AppliedIndex() >= index {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeoutOf(ctx))
	defer cancel()
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for n.raft.AppliedIndex() < index {
		select {
		case <-ctx.Done():
			return ErrTimeout
		case <-t.C:
		}
	}
	return nil
}
