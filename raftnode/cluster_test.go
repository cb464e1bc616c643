package raftnode

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/storage"
)

// cluster is three nodes in one process, each with its own files, talking
// over loopback through the mutual-TLS mux.
type cluster struct {
	t     testing.TB
	ca    *testCA
	nodes map[string]*testNode
	dirs  map[string]string
	addrs map[string]string
	pkis  map[string]*PKI
}

func newCluster(t testing.TB, names ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, ca: newTestCA(t), nodes: map[string]*testNode{}, dirs: map[string]string{}, addrs: map[string]string{}, pkis: map[string]*PKI{}}
	for i, name := range names {
		c.dirs[name] = t.TempDir()
		c.addrs[name] = freeAddr(t)
		c.start(name, i > 0)
	}
	first := c.nodes[names[0]]
	waitReady(t, first.Node)
	for _, name := range names[1:] {
		if err := first.AdmitTestMember(context.Background(), c.nodes[name].Node); err != nil {
			t.Fatal(err)
		}
	}
	c.waitVoters(len(names))
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.close(t)
		}
	})
	return c
}

// pki is name's identity, the same at every start: the cluster records a
// member's certificate when it admits it.
func (c *cluster) pki(name string) *PKI {
	if c.pkis[name] == nil {
		c.pkis[name] = c.ca.pki(c.t, name)
	}
	return c.pkis[name]
}

func (c *cluster) start(name string, join bool) {
	st, err := storage.Open(filepath.Join(c.dirs[name], "state.db"), storage.Options{})
	if err != nil {
		c.t.Fatal(err)
	}
	n, err := Open(Config{NodeID: name, Dir: filepath.Join(c.dirs[name], "raft"), Bind: c.addrs[name], PKI: c.pki(name), Join: join}, st)
	if err != nil {
		st.Close()
		c.t.Fatal(err)
	}
	c.nodes[name] = &testNode{Node: n, store: st}
}

func (c *cluster) stop(name string) {
	c.nodes[name].close(c.t)
	delete(c.nodes, name)
}

func (c *cluster) waitVoters(want int) {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, n := range c.nodes {
			if n.raft.State() != raft.Leader {
				continue
			}
			f := n.raft.GetConfiguration()
			if f.Error() != nil {
				continue
			}
			voters := 0
			for _, s := range f.Configuration().Servers {
				if s.Suffrage == raft.Voter {
					voters++
				}
			}
			if voters == want {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("cluster did not reach %d voters", want)
}

func (c *cluster) leader() (string, *testNode) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for name, n := range c.nodes {
			if n.raft.State() == raft.Leader {
				if ok, _ := n.Ready(); ok {
					return name, n
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.t.Fatal("no leader")
	return "", nil
}

func (c *cluster) follower() (string, *testNode) {
	leader, _ := c.leader()
	for name, n := range c.nodes {
		if name != leader {
			return name, n
		}
	}
	c.t.Fatal("no follower")
	return "", nil
}

func put(n *testNode, key, value string) error {
	res, err := n.Apply(context.Background(), storage.Put(storage.BucketUsers, []byte(key), []byte(value)))
	if err == nil {
		err = res.Err
	}
	return err
}

func TestFollowerForwardsWritesAndReadsLinearizably(t *testing.T) {
	c := newCluster(t, "a", "b", "c")
	writer, w := c.follower()
	var reader *testNode
	for name, n := range c.nodes {
		if name != writer {
			reader = n // the leader or the other follower
			if n.raft.State() != raft.Leader {
				break
			}
		}
	}
	for i := 0; i < 200; i++ {
		key, value := fmt.Sprintf("k%03d", i), fmt.Sprintf("v%d", i)
		if err := put(w, key, value); err != nil {
			t.Fatal(err)
		}
		// The write was acknowledged by another node: a linearizable read
		// here must see it.
		if err := reader.ReadBarrier(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec, ok, err := reader.store.Get(storage.BucketUsers, []byte(key))
		if err != nil || !ok || string(rec.Value) != value {
			t.Fatalf("read %s after acknowledged write: %q %v %v", key, rec.Value, ok, err)
		}
	}
	// A refusal keeps its meaning across the forward.
	res, err := w.Apply(context.Background(), storage.Create(storage.BucketUsers, []byte("k000"), []byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res.Err, storage.ErrVersionConflict) {
		t.Fatalf("forwarded refusal: %v", res.Err)
	}
}

func TestLeaderLossElectsAnotherAndLosesNothing(t *testing.T) {
	c := newCluster(t, "a", "b", "c")
	var mu sync.Mutex
	acked := map[string]bool{}
	stopWriting := make(chan struct{})
	var wg sync.WaitGroup
	for name := range c.nodes {
		n := c.nodes[name]
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(prefix string) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stopWriting:
						return
					default:
					}
					key := fmt.Sprintf("%s-%05d", prefix, i)
					if err := put(n, key, key); err == nil {
						mu.Lock()
						acked[key] = true
						mu.Unlock()
					} else if errors.Is(err, ErrShutdown) {
						return
					}
				}
			}(fmt.Sprintf("%s%d", name, w))
		}
	}
	time.Sleep(300 * time.Millisecond)
	old, _ := c.leader()
	lost := time.Now()
	c.stop(old)
	newLeader, _ := c.leader()
	elected := time.Since(lost)
	t.Logf("%s stopped; %s leads after %v", old, newLeader, elected)
	time.Sleep(300 * time.Millisecond)
	close(stopWriting)
	wg.Wait()

	c.start(old, true)
	for _, n := range c.nodes {
		waitReady(t, n.Node)
		if err := n.ReadBarrier(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 100 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	for name, n := range c.nodes {
		seen := map[string]bool{}
		n.store.Scan(storage.BucketUsers, nil, func(k []byte, r storage.Record) bool {
			if r.Version != 1 {
				t.Errorf("%s: %s applied %d times", name, k, r.Version)
			}
			seen[string(k)] = true
			return true
		})
		for k := range acked {
			if !seen[k] {
				t.Fatalf("%s lacks acknowledged %s", name, k)
			}
		}
	}
}

func TestRemovedNodeStopsAndNeverLeads(t *testing.T) {
	c := newCluster(t, "a", "b", "c")
	victim, v := c.follower()
	_, l := c.leader()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, ok, _ := l.store.Get(storage.BucketMemberCerts, []byte(victim)); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the member never recorded its certificate")
		}
	}
	if err := l.Remove(context.Background(), victim); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for v.raft.State() != raft.Shutdown && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if v.raft.State() != raft.Shutdown {
		t.Fatalf("removed node is %s", v.raft.State())
	}
	if err := put(v, "x", "y"); !errors.Is(err, ErrShutdown) {
		t.Fatalf("write on a removed node: %v", err)
	}
	if err := put(l, "still", "works"); err != nil {
		t.Fatal(err)
	}
	// Its certificate is revoked: it cannot reach the cluster's port again.
	conn, err := tls.Dial("tcp", l.Addr(), v.cfg.PKI.ClientTLS())
	if err == nil {
		conn.Write([]byte{protoRaft})
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	if err == nil {
		t.Fatal("a removed node's certificate still reaches the Raft port")
	}
}

func TestPeerWithForeignCertificateCannotConnect(t *testing.T) {
	c := newCluster(t, "a")
	stranger := newTestCA(t).pki(t, "mallory")
	for _, cfg := range []*tls.Config{stranger.ClientTLS(), {InsecureSkipVerify: true, MinVersion: tls.VersionTLS13}} {
		cfg.InsecureSkipVerify = true
		conn, err := tls.Dial("tcp", c.addrs["a"], cfg)
		if err == nil {
			// TLS 1.3 reports a refused client certificate on first read.
			conn.Write([]byte{protoRaft})
			_, err = conn.Read(make([]byte, 1))
			conn.Close()
		}
		if err == nil {
			t.Fatal("a peer without a cluster certificate reached the Raft port")
		}
	}
}

func TestDeadPeerIsRemovedButNeverBelowQuorum(t *testing.T) {
	c := newCluster(t, "a", "b", "c")
	// Restart the leader-to-be with the clean-up on: stop all, start again.
	for _, name := range []string{"a", "b", "c"} {
		c.stop(name)
	}
	for _, name := range []string{"a", "b", "c"} {
		st, err := storage.Open(filepath.Join(c.dirs[name], "state.db"), storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Open(Config{NodeID: name, Dir: filepath.Join(c.dirs[name], "raft"), Bind: c.addrs[name], PKI: c.pki(name), RemoveDeadAfter: 3 * time.Second}, st)
		if err != nil {
			t.Fatal(err)
		}
		c.nodes[name] = &testNode{Node: n, store: st}
	}
	leaderName, leader := c.leader()
	var victims []string
	for name := range c.nodes {
		if name != leaderName {
			victims = append(victims, name)
		}
	}
	c.nodes[victims[0]].crash(t)
	delete(c.nodes, victims[0])
	c.waitVoters(2)
	if _, ok, _ := leader.server(victims[0]); ok {
		t.Fatalf("%s is still a member", victims[0])
	}
	// With two voters left, losing one more must not shrink the cluster to one.
	c.nodes[victims[1]].crash(t)
	delete(c.nodes, victims[1])
	time.Sleep(8 * time.Second)
	if _, ok, _ := leader.server(victims[1]); !ok {
		t.Fatal("the clean-up removed a voter below the quorum")
	}
}

// The leader's read point names the last entry that changes the state as
// well as its commit index: after a forwarded write the leader appends a
// barrier (the commit nudge), which a follower learns is committed only
// with a later append; a read on that follower needs only the write.
func TestReadPointNamesTheLastStateEntryBehindBarriers(t *testing.T) {
	c := newCluster(t, "a", "b", "c")
	_, l := c.leader()
	_, f := c.follower()
	res, err := f.Apply(context.Background(), storage.Put(storage.BucketUsers, []byte("k"), []byte("v")))
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	if err := l.raft.Barrier(time.Second).Error(); err != nil {
		t.Fatal(err)
	}
	at, err := l.leaderReadIndex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if at.state != res.Index || at.commit <= at.state {
		t.Fatalf("read point %+v after the write at %d and a barrier", at, res.Index)
	}
	// The follower already holds the write: its read barrier needs nothing more.
	if f.store.AppliedIndex() < at.state {
		t.Fatalf("the follower applied %d, the write is at %d", f.store.AppliedIndex(), at.state)
	}
	if err := f.ReadBarrier(context.Background()); err != nil {
		t.Fatal(err)
	}
}
