package etcd

import (
	"context"
	"time"

	"github.com/k3s-io/kine/pkg/server"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// Member is the Raft member the backend writes through: every change is
// one command through the log.
type Member interface {
	// ApplyOnLeader returns once the leader has applied cmd; this node
	// may apply it a moment later (WaitApplied).
	ApplyOnLeader(ctx context.Context, cmd storage.Command) (storage.Result, error)
	WaitApplied(ctx context.Context, index uint64) error
	// ReadBarrier returns once this node's state holds every write
	// acknowledged anywhere before the call.
	ReadBarrier(ctx context.Context) error
	Status() raftnode.Status
}

// Store is the key space the backend reads: this node's own state file.
type Store interface {
	KVRange(key, end []byte, rev, limit int64, keysOnly bool) (int64, []storage.KeyValue, error)
	KVCount(key, end []byte, rev int64) (int64, int64, error)
	KVRevision() (current, compacted int64, err error)
	KVEvents(after int64, limit int) ([]storage.KVEvent, int64, int64, error)
	KVExpired(now time.Time, limit int) ([]storage.KeyValue, error)
	OnKVEvents(fn func([]storage.KVEvent))
	AppliedIndex() uint64
	Size() int64
}

// Backend is kine's server.Backend over the Raft-replicated key space.
// Writes are single commands checked by the state machine; reads are
// linearizable (a read barrier first) unless the request asked for a
// serializable read, which this node serves from its own state.
type Backend struct {
	member Member
	store  Store
	hub    *hub
	reads  *barrier
	writes *proposer
	opts   Options
}

var _ server.Backend = (*Backend)(nil)

// NewBackend returns a backend over member and store. It subscribes to
// the store's apply loop at once, so no change is missed by its watches.
func NewBackend(member Member, store Store, opts Options) *Backend {
	b := &Backend{member: member, store: store, hub: newHub(), opts: opts.withDefaults()}
	b.reads = newBarrier(member.ReadBarrier)
	b.writes = &proposer{member: member}
	store.OnKVEvents(b.hub.publish)
	return b
}

// Start runs the leader's duties (lease expiry, automatic compaction)
// until ctx ends; on a follower they wait for it to lead.
func (b *Backend) Start(ctx context.Context) error {
	go b.expireLeases(ctx)
	go b.compactPeriodically(ctx)
	return nil
}

type serializableKey struct{}

// withSerializable marks a read that may be served from the local state.
func withSerializable(ctx context.Context) context.Context {
	return context.WithValue(ctx, serializableKey{}, true)
}

// readable makes the local state current enough for the read in ctx. A
// serializable read still sees every write this node acknowledged: a
// write returns once the leader applied it, and this node may apply it a
// moment later.
func (b *Backend) readable(ctx context.Context) error {
	if v, _ := ctx.Value(serializableKey{}).(bool); v {
		if w := b.writes.acknowledged.Load(); w > b.store.AppliedIndex() {
			return toGRPC(b.member.WaitApplied(ctx, w))
		}
		return nil
	}
	return toGRPC(b.reads.wait(ctx))
}

// span maps kine's range to the store's: kine names the whole key space
// with an empty key and end.
func span(key, end string) ([]byte, []byte) {
	if key == "" && end == "" {
		return nil, []byte{0}
	}
	return []byte(key), []byte(end)
}

func (b *Backend) Get(ctx context.Context, key string, revision int64, keysOnly bool) (int64, *server.KeyValue, error) {
	if err := b.readable(ctx); err != nil {
		return 0, nil, err
	}
	rev, kvs, err := b.store.KVRange([]byte(key), nil, revision, 1, keysOnly)
	if err != nil || len(kvs) == 0 {
		return rev, nil, toGRPC(err)
	}
	return rev, toKine(kvs[0]), nil
}

func (b *Backend) List(ctx context.Context, key, end string, limit, revision int64, keysOnly bool) (int64, []*server.KeyValue, error) {
	if err := b.readable(ctx); err != nil {
		return 0, nil, err
	}
	k, e := span(key, end)
	rev, kvs, err := b.store.KVRange(k, e, revision, limit, keysOnly)
	if err != nil {
		return rev, nil, toGRPC(err)
	}
	out := make([]*server.KeyValue, len(kvs))
	for i := range kvs {
		out[i] = toKine(kvs[i])
	}
	return rev, out, nil
}

// listPage bounds each read of a streamed range, so no read transaction
// stays open while the client is slow.
const listPage = 500

func (b *Backend) ListStream(ctx context.Context, key, end string, limit, revision int64, keysOnly bool) server.ListResult {
	kvc := make(chan *server.KeyValue, listPage)
	errc := make(chan error, 1)
	fail := func(err error) server.ListResult {
		errc <- err
		close(kvc)
		close(errc)
		return server.ListResult{KVc: kvc, Errorc: errc}
	}
	if err := b.readable(ctx); err != nil {
		return fail(err)
	}
	k, e := span(key, end)
	page := int64(listPage)
	if limit > 0 && limit < page {
		page = limit
	}
	current, first, err := b.store.KVRange(k, e, revision, page, keysOnly)
	if err != nil {
		return fail(toGRPC(err))
	}
	if revision <= 0 {
		revision = current // later pages read the same revision
	}
	go func() {
		defer close(errc)
		defer close(kvc)
		kvs, sent := first, int64(0)
		for {
			for i := range kvs {
				select {
				case kvc <- toKine(kvs[i]):
				case <-ctx.Done():
					errc <- ctx.Err()
					return
				}
				sent++
			}
			if int64(len(kvs)) < page || (limit > 0 && sent >= limit) || len(e) == 0 {
				return
			}
			next := append(append([]byte{}, kvs[len(kvs)-1].Key...), 0)
			n := page
			if limit > 0 && limit-sent < n {
				n = limit - sent
			}
			if _, kvs, err = b.store.KVRange(next, e, revision, n, keysOnly); err != nil {
				errc <- toGRPC(err)
				return
			}
		}
	}()
	return server.ListResult{CurrentRevision: current, KVc: kvc, Errorc: errc}
}

func (b *Backend) Count(ctx context.Context, key, end string, revision int64) (int64, int64, error) {
	if err := b.readable(ctx); err != nil {
		return 0, 0, err
	}
	k, e := span(key, end)
	rev, n, err := b.store.KVCount(k, e, revision)
	return rev, n, toGRPC(err)
}

// apply proposes cmd, with the writes that arrive with it (propose.go),
// and returns the state machine's answer to it.
func (b *Backend) apply(ctx context.Context, cmd storage.Command) (storage.KVResult, error) {
	out, err := b.writes.propose(ctx, cmd)
	return out, toGRPC(err)
}

func (b *Backend) Create(ctx context.Context, key string, value []byte, lease int64) (int64, error) {
	out, err := b.apply(ctx, storage.KVCreate([]byte(key), value, lease))
	if err != nil {
		return 0, err
	}
	if !out.Succeeded {
		return out.Revision, server.ErrKeyExists
	}
	return out.Revision, nil
}

func (b *Backend) Update(ctx context.Context, key string, value []byte, revision, lease int64) (int64, *server.KeyValue, bool, error) {
	out, err := b.apply(ctx, storage.KVUpdate([]byte(key), value, revision, lease))
	if err != nil {
		return 0, nil, false, err
	}
	return out.Revision, first(out.KVs), out.Succeeded, nil
}

func (b *Backend) Delete(ctx context.Context, key string, revision int64) (int64, *server.KeyValue, bool, error) {
	out, err := b.apply(ctx, storage.KVDelete([]byte(key), revision))
	if err != nil {
		return 0, nil, false, err
	}
	return out.Revision, first(out.KVs), out.Succeeded, nil
}

// Put writes key whatever is there, in one command; it returns the state
// it replaced, if any.
func (b *Backend) Put(ctx context.Context, key, value []byte, lease int64) (int64, *server.KeyValue, error) {
	out, err := b.apply(ctx, storage.KVPut(key, value, lease))
	if err != nil {
		return 0, nil, err
	}
	return out.Revision, first(out.KVs), nil
}

// DeleteRange deletes a key, or every key of [key, end), in one command.
func (b *Backend) DeleteRange(ctx context.Context, key, end []byte) (int64, []*server.KeyValue, error) {
	out, err := b.apply(ctx, storage.KVDeleteRange(key, end))
	if err != nil {
		return 0, nil, err
	}
	prev := make([]*server.KeyValue, len(out.KVs))
	for i := range out.KVs {
		prev[i] = toKine(out.KVs[i])
	}
	return out.Revision, prev, nil
}

func (b *Backend) Compact(ctx context.Context, revision int64) (int64, error) {
	out, err := b.apply(ctx, storage.KVCompact(revision))
	if err != nil {
		return 0, err
	}
	return out.Revision, nil
}

func (b *Backend) DbSize(context.Context) (int64, error) { return b.store.Size(), nil }

// CurrentRevision is this node's own: watches here deliver what this node
// has applied, and progress reports must not run ahead of them.
func (b *Backend) CurrentRevision(context.Context) (int64, error) {
	rev, _, err := b.store.KVRevision()
	return rev, toGRPC(err)
}

func first(kvs []storage.KeyValue) *server.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	return toKine(kvs[0])
}

func toKine(kv storage.KeyValue) *server.KeyValue {
	return &server.KeyValue{
		Key: string(kv.Key), Value: kv.Value, Version: kv.Version,
		CreateRevision: kv.CreateRevision, ModRevision: kv.ModRevision, Lease: kv.Lease,
	}
}

// leading says whether this node leads now.
func (b *Backend) leading() bool { return b.member.Status().State == "Leader" }
