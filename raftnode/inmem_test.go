package raftnode

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// openInmem opens an in-memory member over a fresh state file.
func openInmem(t *testing.T, nw *InmemNetwork, id string, join bool) *testNode {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := nw.Open(Config{NodeID: id, Join: join}, st)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Close()
		st.Close()
	})
	return &testNode{Node: n, store: st}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestInmemMemberAppliesAndReadsAlone(t *testing.T) {
	t.Parallel()
	n := openInmem(t, NewInmemNetwork(), "solo", false)
	waitFor(t, "in-memory member never ready", func() bool { ok, _ := n.Ready(); return ok })
	res, err := n.Apply(context.Background(), storage.Create(storage.BucketUsers, []byte("a"), []byte("1")))
	if err != nil || res.Err != nil {
		t.Fatalf("apply: %v %v", err, res.Err)
	}
	if err := n.ReadBarrier(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec, ok, _ := n.store.Get(storage.BucketUsers, []byte("a")); !ok || string(rec.Value) != "1" {
		t.Fatalf("read after apply: %q %v", rec.Value, ok)
	}
	if !n.Bootstrapped() || n.CACert() != nil {
		t.Fatal("a lone in-memory member bootstraps its cluster and holds no CA")
	}
}

func TestInmemClusterForwardsWritesAndSeesAStoppedMember(t *testing.T) {
	t.Parallel()
	nw := NewInmemNetwork()
	a := openInmem(t, nw, "a", false)
	b := openInmem(t, nw, "b", true)
	c := openInmem(t, nw, "c", true)
	waitFor(t, "first member never ready", func() bool { ok, _ := a.Ready(); return ok })
	ctx := context.Background()
	for _, n := range []*testNode{b, c} {
		if err := a.AddNonvoter(ctx, n.ID(), n.Addr()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "joiners never promoted", func() bool {
		ms, err := a.AppliedMembers()
		voters := 0
		for _, m := range ms {
			if m.Voter() {
				voters++
			}
		}
		return err == nil && voters == 3
	})
	// A write on a follower is forwarded to the leader and read back there
	// after a read barrier.
	res, err := c.Apply(ctx, storage.Create(storage.BucketUsers, []byte("k"), []byte("v")))
	if err != nil || res.Err != nil {
		t.Fatalf("forwarded apply: %v %v", err, res.Err)
	}
	if err := b.ReadBarrier(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.store.Get(storage.BucketUsers, []byte("k")); !ok {
		t.Fatal("follower does not see a write acknowledged before its read barrier")
	}
	members, err := b.Members(ctx)
	if err != nil || len(members) != 3 {
		t.Fatalf("members: %v %+v", err, members)
	}
	for _, m := range members {
		if !m.Reachable || m.Status == nil {
			t.Fatalf("member %s not reachable: %+v", m.ID, m)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	members, _ = a.Members(ctx)
	for _, m := range members {
		if m.ID == "c" && m.Reachable {
			t.Fatal("a closed member answers its status")
		}
	}
}
