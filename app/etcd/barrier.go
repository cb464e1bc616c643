package etcd

import (
	"context"
	"sync"

	"github.com/openova-io/sovereign/raftnode"
)

// barrier shares read barriers between concurrent linearizable reads, as
// etcd batches its ReadIndex requests: a read waits for the next barrier
// that starts after it arrived, so the barrier still covers every write
// acknowledged before the read, and a hundred reads in flight cost one
// round to the leader instead of a hundred.
type barrier struct {
	run func(context.Context) error

	mu      sync.Mutex
	next    *barrierRound // collecting readers, not started yet
	running bool
}

type barrierRound struct {
	done chan struct{}
	err  error
}

func newBarrier(run func(context.Context) error) *barrier { return &barrier{run: run} }

// wait returns once a barrier that started after the call has completed.
func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	r := b.next
	if r == nil {
		r = &barrierRound{done: make(chan struct{})}
		b.next = r
	}
	if !b.running {
		b.running = true
		go b.loop()
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loop runs one barrier per round while readers keep arriving.
func (b *barrier) loop() {
	for {
		b.mu.Lock()
		r := b.next
		b.next = nil
		if r == nil {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), raftnode.DefaultTimeout)
		r.err = b.run(ctx)
		cancel()
		close(r.done)
	}
}
