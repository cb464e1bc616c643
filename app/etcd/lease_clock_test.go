package etcd

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// jumpingClock is a wall clock that can be moved while the monotonic one
// goes on, as `date -s` or a time sync after a suspend moves a node's.
type jumpingClock struct{ offset atomic.Int64 }

func (c *jumpingClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *jumpingClock) jump(d time.Duration) { c.offset.Add(int64(d)) }

// A leader whose wall clock jumps an hour ahead expires no lease early:
// a key under a 4 s lease is still there after the jump, and goes when
// its 4 s are up.
func TestALeadersClockJumpExpiresNoLeaseEarly(t *testing.T) {
	clock := &jumpingClock{}
	c := startCluster(t, Options{LeaseCheckInterval: 50 * time.Millisecond, Clock: clock.now})
	cli := c.client(c.leader())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Let the leader's duties start on the clock as it is.
	time.Sleep(200 * time.Millisecond)
	g, err := cli.Grant(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	put, err := cli.Put(ctx, "/clock/k", "v", clientv3.WithLease(g.ID))
	if err != nil {
		t.Fatal(err)
	}
	granted := time.Now()
	clock.jump(time.Hour)

	// Twenty lease checks after the jump, the key is still there.
	time.Sleep(time.Second)
	r, err := cli.Get(ctx, "/clock/k")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Kvs) != 1 {
		t.Fatalf("the leader's clock jumped an hour and a 4 s lease expired after %v", time.Since(granted).Round(time.Millisecond))
	}

	// And it goes when its time is up, not later.
	wc := cli.Watch(ctx, "/clock/k", clientv3.WithRev(put.Header.Revision+1))
	select {
	case resp := <-wc:
		if len(resp.Events) != 1 {
			t.Fatalf("expiry: %+v %v", resp.Events, resp.Err())
		}
		if took := time.Since(granted); took < 3*time.Second {
			t.Fatalf("a 4 s lease expired after %v", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the leased key was not deleted within 10 s of a 4 s lease")
	}
}

// A node whose wall clock is already an hour ahead when it becomes leader
// expires no lease early either: as etcd renews every lease at a change of
// leader, a lease lasts its TTL of the new leader's leading.
func TestANewLeaderWithAWrongClockExpiresNoLeaseEarly(t *testing.T) {
	clock := &jumpingClock{}
	c := startCluster(t, Options{LeaseCheckInterval: 50 * time.Millisecond, Clock: clock.now})
	old := c.leader()
	cli := c.client(c.follower())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	g, err := cli.Grant(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/clock/k", "v", clientv3.WithLease(g.ID)); err != nil {
		t.Fatal(err)
	}
	clock.jump(time.Hour)
	next := c.follower()
	if err := old.node.TransferLeadership(ctx, next.name); err != nil {
		t.Fatal(err)
	}
	waitFor(t, next.name+" to lead", 10*time.Second, func() bool { return c.leader() == next })
	moved := time.Now()

	time.Sleep(time.Second)
	r, err := cli.Get(ctx, "/clock/k")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Kvs) != 1 {
		t.Fatalf("a new leader whose clock is an hour ahead expired a 4 s lease %v after it began to lead", time.Since(moved).Round(time.Millisecond))
	}
	waitFor(t, "the lease to expire under the new leader", 15*time.Second, func() bool {
		r, err := cli.Get(ctx, "/clock/k")
		return err == nil && len(r.Kvs) == 0
	})
}
