package etcd

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// proposer sends the writes that arrive together as one Raft entry. A
// write that finds fewer than maxInFlight entries on their way goes at
// once (a lone client waits for nothing); otherwise it queues, and when an
// entry comes back the queue leaves as the next one (storage.KVMulti).
// Each write is still checked and answered on its own by the state
// machine, in the order it was queued; under load a hundred writers cost a
// few entries per Raft round instead of a hundred, and a follower forwards
// them in one call.
type proposer struct {
	member Member
	// acknowledged is the highest log index of a write answered here.
	acknowledged atomic.Uint64

	mu       sync.Mutex
	queue    []*proposal
	inFlight int
}

type proposal struct {
	cmd  storage.Command
	size int
	done chan struct{}
	res  storage.KVResult
	err  error
}

const (
	// maxInFlight entries from one node at a time: with one, every write
	// that arrives while an entry is on its way leaves with the next, so a
	// hundred writers share a few entries per Raft round. More in flight
	// made smaller entries and cost more per write than the pipelining won
	// (scripts/bench-etcd.sh: 100 writers put about 15 % more with one
	// than with four).
	maxInFlight = 1
	// maxMultiBytes bounds one entry: Raft entries should stay small.
	maxMultiBytes = 1 << 20
	maxMultiOps   = 512
)

// propose applies cmd through the log and returns its answer. When ctx
// ends first the write may still be applied: its outcome is unknown.
func (p *proposer) propose(ctx context.Context, cmd storage.Command) (storage.KVResult, error) {
	pr := &proposal{cmd: cmd, size: len(cmd.Key) + len(cmd.End) + len(cmd.Value) + 32, done: make(chan struct{})}
	p.mu.Lock()
	if p.inFlight < maxInFlight {
		// Nothing queues while an entry may leave: this write goes alone,
		// from this goroutine, and hands on whatever queued meanwhile.
		p.inFlight++
		p.mu.Unlock()
		pr.res, pr.err = p.applyOne(ctx, cmd)
		p.next()
		return pr.res, pr.err
	}
	p.queue = append(p.queue, pr)
	p.mu.Unlock()
	select {
	case <-pr.done:
		return pr.res, pr.err
	case <-ctx.Done():
		return storage.KVResult{}, ctx.Err()
	}
}

// takeLocked takes the head of the queue that fits in one entry.
func (p *proposer) takeLocked() []*proposal {
	n, size := 0, 0
	for n < len(p.queue) && n < maxMultiOps && (n == 0 || size+p.queue[n].size <= maxMultiBytes) {
		size += p.queue[n].size
		n++
	}
	batch := append([]*proposal(nil), p.queue[:n]...)
	p.queue = p.queue[n:]
	return batch
}

// next gives up an entry's place in flight, or, when writes queued
// meanwhile, sends them with it (run).
func (p *proposer) next() {
	p.mu.Lock()
	if len(p.queue) == 0 {
		p.inFlight--
		p.mu.Unlock()
		return
	}
	batch := p.takeLocked()
	p.mu.Unlock()
	go p.run(batch)
}

// run sends batch, then whatever queued meanwhile, until the queue is empty.
func (p *proposer) run(batch []*proposal) {
	for {
		p.send(batch)
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.inFlight--
			p.mu.Unlock()
			return
		}
		batch = p.takeLocked()
		p.mu.Unlock()
	}
}

func (p *proposer) send(batch []*proposal) {
	ctx, cancel := context.WithTimeout(context.Background(), raftnode.DefaultTimeout)
	defer cancel()
	defer func() {
		for _, pr := range batch {
			close(pr.done)
		}
	}()
	if len(batch) == 1 {
		batch[0].res, batch[0].err = p.applyOne(ctx, batch[0].cmd)
		return
	}
	cmds := make([]storage.Command, len(batch))
	for i, pr := range batch {
		cmds[i] = pr.cmd
	}
	res, err := p.member.ApplyOnLeader(ctx, storage.KVMulti(cmds...))
	p.acknowledge(res.Index)
	if err == nil {
		err = res.Err
	}
	var answers []storage.KVAnswer
	if err == nil {
		answers, err = storage.DecodeKVAnswers(res.Data)
		if err == nil && len(answers) != len(batch) {
			err = fmt.Errorf("%d answers to %d writes", len(answers), len(batch))
		}
	}
	for i, pr := range batch {
		if err != nil {
			pr.err = toGRPC(err)
			continue
		}
		pr.res, pr.err = answers[i].Result, toGRPC(answers[i].Err)
	}
}

// acknowledge records that the write at index was answered here.
func (p *proposer) acknowledge(index uint64) {
	for {
		cur := p.acknowledged.Load()
		if index <= cur || p.acknowledged.CompareAndSwap(cur, index) {
			return
		}
	}
}

func (p *proposer) applyOne(ctx context.Context, cmd storage.Command) (storage.KVResult, error) {
	res, err := p.member.ApplyOnLeader(ctx, cmd)
	p.acknowledge(res.Index)
	if err != nil {
		return storage.KVResult{}, toGRPC(err)
	}
	if res.Err != nil {
		return storage.KVResult{}, toGRPC(res.Err)
	}
	out, err := storage.DecodeKVResult(res.Data)
	return out, toGRPC(err)
}
