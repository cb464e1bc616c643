package raftnode

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/storage"
)

// DefaultTimeout bounds a proposal or a read barrier whose context has no
// deadline of its own.
const DefaultTimeout = 5 * time.Second

// Errors of Apply and ReadBarrier. Each says what a caller may do next.
var (
	// ErrNoLeader: no leader is known; the cluster is electing one or has
	// lost its quorum. Retry after a short wait.
	ErrNoLeader = errors.New("no leader: the cluster is electing one or has lost its quorum; retry shortly")
	// ErrNotLeader: this node is not the leader and cannot forward.
	ErrNotLeader = errors.New("this node is not the leader")
	// ErrTimeout: the proposal was not committed in time; it may still be.
	ErrTimeout = errors.New("timed out waiting for the cluster to commit; the write may still be applied")
	// ErrShutdown: the node is stopping.
	ErrShutdown = errors.New("node is shutting down")
)

// Apply proposes cmd and waits until it is committed and applied to this
// node's state. The returned Result says whether the state machine accepted
// the command; the error says whether the cluster did.
func (n *Node) Apply(ctx context.Context, cmd storage.Command) (storage.Result, error) {
	return n.ApplyEncoded(ctx, cmd.Encode())
}

// ApplyEncoded proposes an already encoded command.
func (n *Node) ApplyEncoded(ctx context.Context, data []byte) (storage.Result, error) {
	start := time.Now()
	f := n.raft.Apply(data, timeoutOf(ctx))
	err := waitFuture(ctx, f)
	n.metrics.observeApply(time.Since(start), err)
	if err != nil {
		return storage.Result{}, n.mapError(err)
	}
	res, ok := f.Response().(storage.Result)
	if !ok {
		return storage.Result{}, fmt.Errorf("apply: unexpected response %T", f.Response())
	}
	return res, nil
}

func timeoutOf(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		if t := time.Until(d); t > 0 {
			return t
		}
		return time.Millisecond
	}
	return DefaultTimeout
}

// waitFuture waits for f or for ctx, whichever ends first.
func waitFuture(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *Node) mapError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		if leader, _ := n.raft.LeaderWithID(); leader == "" {
			return ErrNoLeader
		}
		return fmt.Errorf("%w (the leader is %s)", ErrNotLeader, n.leaderAddr())
	case errors.Is(err, raft.ErrEnqueueTimeout), errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrShutdown
	}
	return err
}

func (n *Node) leaderAddr() string {
	addr, _ := n.raft.LeaderWithID()
	return string(addr)
}
