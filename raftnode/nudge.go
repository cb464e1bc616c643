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
