package raftnode

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/internal/atomicfile"
)

// Membership: a new node joins as a non-voter, so that it cannot weaken
// the quorum while it copies the log, and asks to be promoted once it has
// applied everything committed. Changes run on the leader; any node
// forwards them there.

// AddNonvoter adds a node that receives the log but does not vote.
func (n *Node) AddNonvoter(ctx context.Context, id, addr string) error {
	return n.onLeader(ctx,
		func(ctx context.Context) error { return n.addNonvoterLocal(ctx, id, addr) },
		func(ctx context.Context, leader string) error {
			return callError(n.peers.call(ctx, "POST", leader, "/v1/members/add", memberRequest{ID: id, Address: addr}, nil), true)
		})
}

// Promote makes a non-voter a voter.
func (n *Node) Promote(ctx context.Context, id string) error {
	return n.onLeader(ctx,
		func(ctx context.Context) error { return n.promoteLocal(ctx, id) },
		func(ctx context.Context, leader string) error {
			return callError(n.peers.call(ctx, "POST", leader, "/v1/members/promote", memberRequest{ID: id}, nil), true)
		})
}

// Remove takes a node out of the cluster and revokes its certificates.
// Removing the leader makes it hand over leadership first. A node that is
// no longer a member but still holds a certificate not revoked (a removal
// cut short) has it revoked: calling Remove again finishes the job.
func (n *Node) Remove(ctx context.Context, id string) error {
	if _, ok, err := n.server(id); err != nil {
		return err
	} else if !ok {
		if ops, err := n.revokeNodeOps(id); err != nil {
			return err
		} else if len(ops) == 0 {
			return fmt.Errorf("%w: %s", ErrUnknownNode, id)
		}
	}
	return n.onLeader(ctx,
		func(ctx context.Context) error { return n.removeLocal(ctx, id) },
		func(ctx context.Context, leader string) error {
			return callError(n.peers.call(ctx, "POST", leader, "/v1/members/remove", memberRequest{ID: id}, nil), true)
		})
}

// TransferLeadership asks the leader to hand over to id, or to the most
// up-to-date voter when id is empty.
func (n *Node) TransferLeadership(ctx context.Context, id string) error {
	return n.onLeader(ctx,
		func(ctx context.Context) error { return n.transferLocal(ctx, id) },
		func(ctx context.Context, leader string) error {
			return callError(n.peers.call(ctx, "POST", leader, "/v1/leadership/transfer", memberRequest{ID: id}, nil), true)
		})
}

func (n *Node) server(id string) (raft.Server, bool, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return raft.Server{}, false, n.mapError(err)
	}
	for _, s := range f.Configuration().Servers {
		if string(s.ID) == id {
			return s, true, nil
		}
	}
	return raft.Server{}, false, nil
}

func (n *Node) addNonvoterLocal(ctx context.Context, id, addr string) error {
	s, ok, err := n.server(id)
	if err != nil {
		return err
	}
	if ok && string(s.Address) != addr {
		return fmt.Errorf("a member named %s already exists at %s; remove it first or choose another --node-name", id, s.Address)
	}
	if ok {
		return nil // a retried join
	}
	return n.mapError(waitFuture(ctx, n.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeoutOf(ctx))))
}

func (n *Node) promoteLocal(ctx context.Context, id string) error {
	s, ok, err := n.server(id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownNode, id)
	}
	if s.Suffrage == raft.Voter {
		return nil
	}
	if err := waitFuture(ctx, n.raft.AddVoter(s.ID, s.Address, 0, timeoutOf(ctx))); err != nil {
		return n.mapError(err)
	}
	n.logger.Info("promoted to voter", "node", id)
	return nil
}

// removeLocal removes a member, on the leader, in three steps. First one
// batch revokes every certificate of its name and drops its member record:
// from then on every handshake with it fails, the connections open with it
// are cut, and it can call nothing. Then the configuration leaves it out
// (Raft's own entry, which no batch of the state machine can share). Last,
// it is told, so that it stops. A removal cut short anywhere is finished
// by calling it again.
func (n *Node) removeLocal(ctx context.Context, id string) error {
	s, ok, err := n.server(id)
	if err != nil {
		return err
	}
	if !ok {
		return n.revokeMember(ctx, id) // a retried removal: finish the revocation
	}
	if id == n.cfg.NodeID {
		// The leader leaves last: hand over, and let the new leader remove it.
		if err := n.transferLocal(ctx, ""); err != nil {
			return err
		}
		return ErrNotLeader
	}
	if err := n.revokeMember(ctx, id); err != nil {
		return err
	}
	if err := waitFuture(ctx, n.raft.RemoveServer(raft.ServerID(id), 0, timeoutOf(ctx))); err != nil {
		return n.mapError(err)
	}
	n.logger.Info("removed from the cluster", "node", id)
	// A removed follower never receives the entry that removes it; tell
	// it, so it stops at once. If it is unreachable now, the others ignore
	// its votes (pre-vote) and refuse its certificate.
	nctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	tell := newPeerClientDialing(n.net.dialRemoved)
	defer tell.close()
	if err := tell.call(nctx, "POST", string(s.Address), "/v1/members/removed", memberRequest{ID: id}, nil); err != nil {
		n.logger.Warn("could not tell the removed node", "node", id, "error", err)
	}
	return nil
}

// removedMarker is written in the Raft directory of a node that was
// removed from its cluster; such a node refuses to start again.
const removedMarker = "removed"

// markRemoved stops Raft on a node its cluster has removed.
func (n *Node) markRemoved() error {
	if n.cfg.Dir != "" { // an in-memory member keeps no files
		if err := atomicfile.WriteFile(filepath.Join(n.cfg.Dir, removedMarker), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o600); err != nil {
			return err
		}
	}
	n.logger.Warn("this node was removed from its cluster; it stops taking part")
	go n.raft.Shutdown()
	return nil
}

func (n *Node) transferLocal(ctx context.Context, id string) error {
	var f raft.Future
	if id == "" {
		f = n.raft.LeadershipTransfer()
	} else {
		s, ok, err := n.server(id)
		if err != nil {
			return err
		}
		if !ok || s.Suffrage != raft.Voter {
			return fmt.Errorf("%w: %s is not a voter", ErrUnknownNode, id)
		}
		if id == n.cfg.NodeID {
			return nil
		}
		f = n.raft.LeadershipTransferToServer(s.ID, s.Address)
	}
	if err := waitFuture(ctx, f); err != nil {
		return fmt.Errorf("transfer leadership: %w", n.mapError(err))
	}
	return nil
}

// promoteWhenCaughtUp runs on a node that joined as a non-voter: once it
// has applied everything committed, it asks the leader for a vote.
func (n *Node) promoteWhenCaughtUp() {
	defer n.wg.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		s, ok, err := n.server(n.cfg.NodeID)
		if err != nil || !ok {
			continue
		}
		if s.Suffrage == raft.Voter {
			return
		}
		if ready, _ := n.Ready(); !ready {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = n.Promote(ctx, n.cfg.NodeID)
		cancel()
		if err != nil {
			n.logger.Warn("asking to be promoted to voter", "error", err)
		}
	}
}

// PeerStatus is one member as seen from this node.
type PeerStatus struct {
	ID          string    `json:"id"`
	Address     string    `json:"address"`
	Suffrage    string    `json:"suffrage"`
	Leader      bool      `json:"leader"`
	Self        bool      `json:"self"`
	Reachable   bool      `json:"reachable"`
	LastContact time.Time `json:"lastContact,omitzero"`
	Status      *Status   `json:"status,omitempty"`
}

// contacts remembers when each peer last answered this node.
type contacts struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (c *contacts) seen(id string, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]time.Time{}
	}
	c.last[id] = t
}

func (c *contacts) get(id string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last[id]
}

// Members asks every member for its status, in parallel, and returns what
// each said (or that it could not be reached, and when it last answered).
func (n *Node) Members(ctx context.Context) ([]PeerStatus, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, n.mapError(err)
	}
	_, leaderID := n.raft.LeaderWithID()
	servers := f.Configuration().Servers
	out := make([]PeerStatus, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		out[i] = PeerStatus{ID: string(s.ID), Address: string(s.Address), Suffrage: s.Suffrage.String(),
			Leader: s.ID == leaderID, Self: string(s.ID) == n.cfg.NodeID}
		if out[i].Self {
			st := n.Status()
			out[i].Status, out[i].Reachable, out[i].LastContact = &st, true, time.Now().UTC()
			continue
		}
		wg.Add(1)
		go func(p *PeerStatus) {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			var st Status
			if err := n.peers.call(cctx, "GET", p.Address, "/v1/status", nil, &st); err == nil {
				now := time.Now().UTC()
				n.contacts.seen(p.ID, now)
				p.Status, p.Reachable = &st, true
			}
			p.LastContact = n.contacts.get(p.ID)
		}(&out[i])
	}
	wg.Wait()
	return out, nil
}

// Voter reports whether the member votes.
func (p PeerStatus) Voter() bool { return p.Suffrage == raft.Voter.String() }

// AppliedMembers lists the members as the configuration this node last
// applied names them, without asking anyone: for when the cluster does not
// answer. Only this node's own status is known, so every other member is
// shown as not reachable and without a status.
func (n *Node) AppliedMembers() ([]PeerStatus, error) {
	conf, _, err := n.fsm.Configuration()
	if err != nil {
		return nil, err
	}
	st := n.Status()
	out := make([]PeerStatus, 0, len(conf.Servers))
	for _, s := range conf.Servers {
		p := PeerStatus{ID: string(s.ID), Address: string(s.Address), Suffrage: s.Suffrage.String(),
			Leader: string(s.ID) == st.LeaderID, Self: string(s.ID) == n.cfg.NodeID}
		if p.Self {
			p.Status, p.Reachable = &st, true
		}
		out = append(out, p)
	}
	return out, nil
}
