package raftnode

import (
	"context"
	"time"

	"github.com/hashicorp/raft"
)

// The dead-peer clean-up: a leader that has not heard from a voter for
// longer than Config.RemoveDeadAfter removes it, so that a region that lost
// a machine for good goes back to a healthy quorum without an operator. It
// never takes the cluster below the quorum it had: a voter is removed only
// if the voters left are at least a majority of the voters before, so two
// dead peers of three are never both removed.

const cleanupInterval = 2 * time.Second

func (n *Node) cleanupDeadPeers() {
	defer n.wg.Done()
	t := time.NewTicker(cleanupInterval)
	defer t.Stop()
	var leaderSince time.Time
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		if n.raft.State() != raft.Leader {
			leaderSince = time.Time{}
			continue
		}
		if leaderSince.IsZero() {
			leaderSince = time.Now()
		}
		ctx, cancel := context.WithTimeout(context.Background(), cleanupInterval)
		members, err := n.Members(ctx)
		cancel()
		if err != nil {
			continue
		}
		voters := 0
		for _, m := range members {
			if m.Suffrage == raft.Voter.String() {
				voters++
			}
		}
		for _, m := range members {
			if m.Self || m.Suffrage != raft.Voter.String() || m.Reachable {
				continue
			}
			last := m.LastContact
			if last.Before(leaderSince) {
				last = leaderSince // this leader has not watched it longer than that
			}
			if time.Since(last) < n.cfg.RemoveDeadAfter {
				continue
			}
			if voters-1 < voters/2+1 {
				n.logger.Warn("a voter is out of contact, but removing it would take the cluster below its quorum",
					"node", m.ID, "since", last)
				continue
			}
			n.logger.Warn("removing a voter out of contact", "node", m.ID, "since", last, "after", n.cfg.RemoveDeadAfter)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := n.removeLocal(ctx, m.ID)
			cancel()
			if err != nil {
				n.logger.Warn("removing a voter out of contact", "node", m.ID, "error", err)
				continue
			}
			voters--
		}
	}
}
