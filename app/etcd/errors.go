package etcd

import (
	"context"
	"errors"
	"strings"

	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// toGRPC turns the store's and the Raft member's errors into etcd's, word
// for word and with etcd's gRPC codes: clients (Kubernetes among them)
// recognise some of them by their text.
func toGRPC(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, storage.ErrCompacted):
		return rpctypes.ErrGRPCCompacted
	case errors.Is(err, storage.ErrFutureRev):
		return rpctypes.ErrGRPCFutureRev
	case errors.Is(err, raftnode.ErrNoLeader), errors.Is(err, raftnode.ErrNotLeader):
		return rpctypes.ErrGRPCNoLeader
	case errors.Is(err, raftnode.ErrUnknownOutcome):
		return rpctypes.ErrGRPCTimeoutDueToLeaderFail
	case errors.Is(err, raftnode.ErrTimeout):
		return rpctypes.ErrGRPCTimeout
	case errors.Is(err, raftnode.ErrShutdown):
		return rpctypes.ErrGRPCStopped
	case errors.Is(err, raftnode.ErrDiskFull):
		return status.Error(codes.ResourceExhausted, "etcdserver: "+err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, storage.ErrBadCommand):
		switch msg := err.Error(); {
		case strings.Contains(msg, "empty key"):
			return rpctypes.ErrGRPCEmptyKey
		case strings.Contains(msg, "value of"), strings.Contains(msg, "key of"):
			return rpctypes.ErrGRPCRequestTooLarge
		default:
			return status.Error(codes.InvalidArgument, "etcdserver: "+msg)
		}
	}
	return status.Error(codes.Unknown, err.Error())
}
