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
// deadline of its own, including the wait for an election to end.
const DefaultTimeout = 5 * time.Second

// Errors of Apply and ReadBarrier. Each says what a caller may do next.
var (
	// ErrNoLeader: no leader was known for as long as the call could wait;
	// the cluster is electing one or has lost its quorum. Retry shortly.
	ErrNoLeader = errors.New("no leader: the cluster is electing one or has lost its quorum; retry shortly")
	// ErrNotLeader: the node asked is not the leader (the call was not applied).
	ErrNotLeader = errors.New("this node is not the leader")
	// ErrTimeout: the proposal was not committed in time; it may still be.
	ErrTimeout = errors.New("timed out waiting for the cluster to commit; the write may still be applied, read before retrying")
	// ErrUnknownOutcome: leadership changed or the leader was lost while
	// the write was in flight; it may or may not be applied.
	ErrUnknownOutcome = errors.New("the leader changed or was lost while the write was in flight; it may or may not be applied, read before retrying")
	// ErrShutdown: the node is stopping.
	ErrShutdown = errors.New("node is shutting down")
	// ErrUnknownNode: no member of the cluster has that id.
	ErrUnknownNode = errors.New("no member of the cluster has that id")
)

// Apply proposes cmd to the cluster's leader, wherever it is, and waits
// until the command is committed and applied to this node's own state, so
// that a read here right after sees it. The Result says whether the state
// machine accepted the command; the error says whether the cluster did.
//
// While no leader is known it waits, up to the context's deadline (or
// DefaultTimeout), for one to be elected. It sends a command again only
// when the previous attempt certainly did not reach the log, so a command
// is never applied twice on its behalf.
func (n *Node) Apply(ctx context.Context, cmd storage.Command) (storage.Result, error) {
	return n.apply(ctx, cmd, true)
}

// ApplyOnLeader is Apply without the wait for this node's own state: a
// command forwarded to the leader returns once the leader has applied it.
// A read of this node's state that must see it waits first (WaitApplied
// with the Result's Index, or ReadBarrier).
func (n *Node) ApplyOnLeader(ctx context.Context, cmd storage.Command) (storage.Result, error) {
	return n.apply(ctx, cmd, false)
}

// WaitApplied returns once this node's state holds every entry up to index.
func (n *Node) WaitApplied(ctx context.Context, index uint64) error {
	return n.waitApplied(ctx, index)
}

func (n *Node) apply(ctx context.Context, cmd storage.Command, waitHere bool) (storage.Result, error) {
	data := cmd.Encode()
	start := time.Now()
	var res storage.Result
	err := n.onLeader(ctx,
		func(ctx context.Context) error {
			var err error
			res, err = n.applyLocal(ctx, data)
			return err
		},
		func(ctx context.Context, leader string) error {
			var out applyResponse
			path := "/v1/apply"
			if waitHere {
				path += "?wait=here" // the leader nudges the commit at once
			}
			if err := n.peers.call(ctx, "POST", leader, path, data, &out); err != nil {
				return callError(err, false)
			}
			res = storage.Result{Index: out.Index, Err: storage.ErrorFromCode(out.Code, out.Message), Data: out.Data}
			if !waitHere {
				return nil
			}
			return n.waitApplied(ctx, out.Index)
		})
	n.metrics.observeApply(time.Since(start), err)
	return res, err
}

// applyLocal proposes data on this node, which must lead and have room
// on its disk.
func (n *Node) applyLocal(ctx context.Context, data []byte) (storage.Result, error) {
	if n.room != nil {
		if err := n.room.check(); err != nil {
			return storage.Result{}, err
		}
	}
	f := n.raft.Apply(data, timeoutOf(ctx))
	if err := waitFuture(ctx, f); err != nil {
		return storage.Result{}, n.mapError(err)
	}
	res, ok := f.Response().(storage.Result)
	if !ok {
		return storage.Result{}, fmt.Errorf("apply: unexpected response %T", f.Response())
	}
	return res, nil
}

// onLeader runs local when this node leads and remote against the leader
// otherwise. It tries again, until ctx ends, while no leader is known or
// when an attempt certainly changed nothing (the node asked was not the
// leader, or could not be reached).
func (n *Node) onLeader(ctx context.Context, local func(context.Context) error, remote func(context.Context, string) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeoutOf(ctx))
	defer cancel()
	backoff := 5 * time.Millisecond
	for {
		var err error
		leader, id := n.raft.LeaderWithID()
		switch {
		case n.raft.State() == raft.Leader:
			err = local(ctx)
		case n.raft.State() == raft.Shutdown:
			return ErrShutdown
		case leader != "" && string(id) != n.cfg.NodeID:
			err = remote(ctx, string(leader))
		default:
			err = ErrNoLeader
		}
		if !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			if errors.Is(err, ErrNoLeader) || errors.Is(err, errNotSent) || errors.Is(err, ErrNotLeader) {
				return ErrNoLeader
			}
			return ErrTimeout
		case <-time.After(backoff):
		}
		if backoff < 100*time.Millisecond {
			backoff *= 2
		}
	}
}

func retryable(err error) bool {
	return err != nil && (errors.Is(err, ErrNoLeader) || errors.Is(err, ErrNotLeader) || errors.Is(err, errNotSent))
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

// mapError turns Raft's errors into this package's. Raft's ErrNotLeader
// and a transfer in progress refuse a proposal before it reaches the log;
// a lost leadership may leave it there.
func (n *Node) mapError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return ErrNotLeader
	case errors.Is(err, raft.ErrLeadershipLost):
		return ErrUnknownOutcome
	case errors.Is(err, raft.ErrEnqueueTimeout), errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrShutdown
	}
	return err
}
