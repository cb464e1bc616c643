package etcd

import (
	"context"
	"hash/fnv"

	"github.com/k3s-io/kine/pkg/server"
	"github.com/openova-io/sovereign/storage"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// route goes beyond kine where etcd's own clients need it. kine answers
// Put as a create, then a get and an update (three steps, not atomic),
// refuses DeleteRange and serializable reads; here Put is one command,
// DeleteRange deletes a key or a range in one command, and a serializable
// read skips the read barrier. Status also says who leads and where the
// log is. Everything else is kine's.
func (s *Server) route(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	switch info.FullMethod {
	case "/etcdserverpb.KV/Put":
		return s.put(ctx, req.(*pb.PutRequest))
	case "/etcdserverpb.KV/DeleteRange":
		return s.deleteRange(ctx, req.(*pb.DeleteRangeRequest))
	case "/etcdserverpb.KV/Range":
		if r := req.(*pb.RangeRequest); r.Serializable {
			r.Serializable = false
			ctx = withSerializable(ctx)
		}
	case "/etcdserverpb.Maintenance/Status":
		resp, err := handler(ctx, req)
		if st, ok := resp.(*pb.StatusResponse); ok && err == nil {
			s.describe(st)
		}
		return resp, err
	}
	return handler(ctx, req)
}

// checkKey refuses what etcd refuses before it reaches the log.
func checkKey(key []byte, value []byte) error {
	switch {
	case len(key) == 0:
		return rpctypes.ErrGRPCEmptyKey
	case len(key) > storage.MaxKVKeySize || len(value) > storage.MaxValueSize:
		return rpctypes.ErrGRPCRequestTooLarge
	}
	return nil
}

func (s *Server) put(ctx context.Context, r *pb.PutRequest) (*pb.PutResponse, error) {
	if r.IgnoreValue || r.IgnoreLease {
		return nil, status.Error(codes.Unimplemented, "etcdserver: put with ignore_value or ignore_lease is not supported")
	}
	if err := checkKey(r.Key, r.Value); err != nil {
		return nil, err
	}
	if r.Lease < 0 {
		return nil, rpctypes.ErrGRPCLeaseNotFound
	}
	rev, prev, err := s.backend.Put(ctx, r.Key, r.Value, r.Lease)
	if err != nil {
		return nil, err
	}
	resp := &pb.PutResponse{Header: s.header(rev)}
	if r.PrevKv && prev != nil {
		resp.PrevKv = toPB(prev)
	}
	return resp, nil
}

func (s *Server) deleteRange(ctx context.Context, r *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	if len(r.Key) == 0 {
		return nil, rpctypes.ErrGRPCEmptyKey
	}
	rev, prev, err := s.backend.DeleteRange(ctx, r.Key, r.RangeEnd)
	if err != nil {
		return nil, err
	}
	resp := &pb.DeleteRangeResponse{Header: s.header(rev), Deleted: int64(len(prev))}
	if r.PrevKv {
		for _, kv := range prev {
			resp.PrevKvs = append(resp.PrevKvs, toPB(kv))
		}
	}
	return resp, nil
}

func (s *Server) header(rev int64) *pb.ResponseHeader {
	st := s.backend.member.Status()
	return &pb.ResponseHeader{Revision: rev, MemberId: memberID(st.NodeID), RaftTerm: st.Term}
}

// describe fills in what kine's Status leaves out: this member, the
// leader, the Raft term and indexes, the current revision.
func (s *Server) describe(st *pb.StatusResponse) {
	ns := s.backend.member.Status()
	rev, _, _ := s.backend.store.KVRevision()
	st.Header = s.header(rev)
	if ns.LeaderID != "" {
		st.Leader = memberID(ns.LeaderID)
	}
	st.RaftIndex, st.RaftAppliedIndex, st.RaftTerm = ns.CommitIndex, ns.AppliedIndex, ns.Term
	st.DbSizeInUse = st.DbSize
}

// memberID names a node the way etcd names members: a 64-bit id, here
// the FNV-1a hash of the node's id.
func memberID(node string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(node))
	return h.Sum64()
}

func toPB(kv *server.KeyValue) *mvccpb.KeyValue {
	return &mvccpb.KeyValue{
		Key: []byte(kv.Key), Value: kv.Value, Version: kv.Version,
		CreateRevision: kv.CreateRevision, ModRevision: kv.ModRevision, Lease: kv.Lease,
	}
}
