package raftnode

import (
	"sync"
	"time"
)

// A follower learns that an entry is committed from the leader's next
// append, which comes with the next entry or, when none follows, after
// CommitTimeout (5 to 10 ms). A write forwarded from a follower waits for
// that before it returns (so a read there sees it), so the leader, once it
// has applied a forwarded write, appends a barrier entry at once: its
// append carries the new commit index. Nudges coalesce: while one is in
// flight, the next waits for it, so under load they ride along with the
// entries that flow anyway.
type commitNudge struct {
	mu             sync.Mutex
	running, again bool
	soon           bool   // a nudgeCommitSoon timer is pending
	want           uint64 // the highest index nudgeCommitSoon was asked for
}

// nudgeSoonAfter is how long nudgeCommitSoon waits for a later entry to
// carry the commit index instead of a barrier: longer than a client takes
// to send its next write, shorter than CommitTimeout.
const nudgeSoonAfter = time.Millisecond

// nudgeCommitSoon is nudgeCommit for a forwarded write whose sender does
// not wait for its own state (ApplyOnLeader): the barrier is appended only
// if no entry follows index within nudgeSoonAfter. A client writing one
// write after another through a follower then never waits behind the
// barrier of its previous write (its log write and a follower's), while a
// read on that follower still learns the commit at once.
func (n *Node) nudgeCommitSoon(index uint64) {
	c := &n.nudge
	c.mu.Lock()
	c.want = max(c.want, index)
	if c.soon {
		c.mu.Unlock()
		return
	}
	c.soon = true
	c.mu.Unlock()
	time.AfterFunc(nudgeSoonAfter, func() {
		c.mu.Lock()
		want := c.want
		c.soon = false
		c.mu.Unlock()
		if n.raft.LastIndex() > want {
			return // a later entry tells the followers
		}
		n.nudgeCommit()
	})
}

func (n *Node) nudgeCommit() {
	c := &n.nudge
	c.mu.Lock()
	if c.running {
		c.again = true
		c.mu.Unlock()
		return
	}
	c.running = true
	c.mu.Unlock()
	go func() {
		for {
			_ = n.raft.Barrier(time.Second).Error()
			c.mu.Lock()
			if !c.again {
				c.running = false
				c.mu.Unlock()
				return
			}
			c.again = false
			c.mu.Unlock()
		}
	}()
}
