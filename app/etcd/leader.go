package etcd

import (
	"context"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// The leader's duties. Every node runs the loops; only the one that leads
// acts, and it acts through the log, so every node agrees on the outcome.

// whileLeading calls duty every interval, on the node that leads then,
// until ctx ends. duty is given the time and how long this node has led.
// The time is the wall clock as read when this node began to lead,
// advanced since by the monotonic clock: a wall clock that jumps (by hand,
// or by a time sync after a suspend) while the node leads moves nothing.
// Lease expiries are wall-clock times, and a leader whose clock jumped
// forward by an hour would otherwise expire, for the whole cluster, every
// lease with less than an hour left.
func (b *Backend) whileLeading(ctx context.Context, interval time.Duration, duty func(ctx context.Context, now time.Time, led time.Duration)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	// The wall clock when this node began to lead, and the moment on the
	// monotonic clock (time.Now's reading; time.Since counts by it).
	var wall, began time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !b.leading() {
			began = time.Time{}
			continue
		}
		if began.IsZero() {
			wall, began = b.opts.Clock(), time.Now()
		}
		led := time.Since(began)
		duty(ctx, wall.Add(led), led)
	}
}

// expireLeases deletes keys whose lease has run out. A lease is kine's:
// its id is its TTL in seconds, counted from the write that carries it,
// at the time the leader appended that write (so every node recorded the
// same expiry). The delete is conditional on the mod revision that
// carried the lease: a key written again since is left alone.
func (b *Backend) expireLeases(ctx context.Context) {
	b.whileLeading(ctx, b.opts.LeaseCheckInterval, func(ctx context.Context, now time.Time, led time.Duration) {
		expired, err := b.store.KVExpired(now, 256)
		if err != nil {
			b.opts.Logger.Warn("reading expired leases", "error", err)
			return
		}
		for _, kv := range expired {
			// A new leader's wall clock may be wrong from the start: as
			// etcd renews every lease at a change of leader, a lease here
			// lasts at least its TTL of this node's leading, counted on
			// the monotonic clock.
			if led < time.Duration(kv.Lease)*time.Second {
				continue
			}
			if _, err := b.apply(ctx, storage.KVDelete(kv.Key, kv.ModRevision)); err != nil {
				b.opts.Logger.Warn("deleting a key whose lease expired", "key", string(kv.Key), "error", err)
				return
			}
		}
	})
}

// compactPeriodically keeps the last CompactKeep revisions, compacting
// every CompactInterval. The Kubernetes apiserver compacts on its own
// schedule too; whichever comes second finds the revision compacted.
func (b *Backend) compactPeriodically(ctx context.Context) {
	if b.opts.CompactInterval <= 0 {
		return
	}
	b.whileLeading(ctx, b.opts.CompactInterval, func(ctx context.Context, _ time.Time, _ time.Duration) {
		current, compacted, err := b.store.KVRevision()
		if err != nil {
			return
		}
		target := current - b.opts.CompactKeep
		if target <= compacted || target <= 1 {
			return
		}
		if _, err := b.Compact(ctx, target); err != nil {
			b.opts.Logger.Warn("automatic compaction", "revision", target, "error", err)
			return
		}
		b.opts.Logger.Info("compacted the etcd key space", "revision", target, "kept", b.opts.CompactKeep)
	})
}
