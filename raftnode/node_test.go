package raftnode

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/openova-io/sovereign/internal/proctest"

	"github.com/openova-io/sovereign/storage"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := proctest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

type testNode struct {
	*Node
	store *storage.Store
}

// testCA is a cluster CA for tests; certs issues node identities from it.
type testCA struct{ cert, key []byte }

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	cert, key, err := newCA("test")
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) pki(t testing.TB, name string) *PKI {
	t.Helper()
	key, csr, err := newNodeKey(name)
	if err != nil {
		t.Fatal(err)
	}
	crt, err := issueNodeCert(ca.cert, ca.key, csr, name, namesFor("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPKI(ca.cert, crt, key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var sharedCA struct {
	once sync.Once
	ca   *testCA
}

func defaultCA(t testing.TB) *testCA {
	sharedCA.once.Do(func() { sharedCA.ca = newTestCA(t) })
	return sharedCA.ca
}

func openTestNode(t testing.TB, dir, addr string, tune func(*Config)) *testNode {
	t.Helper()
	st, err := storage.Open(filepath.Join(dir, "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{NodeID: "n1", Dir: filepath.Join(dir, "raft"), Bind: addr, PKI: defaultCA(t).pki(t, "n1")}
	if tune != nil {
		tune(&cfg)
	}
	n, err := Open(cfg, st)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return &testNode{Node: n, store: st}
}

func (tn *testNode) close(t testing.TB) {
	t.Helper()
	if err := tn.Node.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tn.store.Close(); err != nil {
		t.Fatal(err)
	}
}

func waitReady(t testing.TB, n *Node) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		if ok, _ := n.Ready(); ok {
			return time.Since(start)
		}
		time.Sleep(time.Millisecond)
	}
	_, reason := n.Ready()
	t.Fatalf("node not ready after 10s: %s", reason)
	return 0
}

func TestSingleNodeBootstrapApplyRestart(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	n := openTestNode(t, dir, addr, nil)
	if !n.Bootstrapped() {
		t.Fatal("first start did not bootstrap")
	}
	waitReady(t, n.Node)

	const writers, each = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				key := fmt.Appendf(nil, "w%02d-%04d", w, i)
				res, err := n.Apply(context.Background(), storage.Put(storage.BucketUsers, key, key))
				if err == nil {
					err = res.Err
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := n.ReadBarrier(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, _ := n.store.Count(storage.BucketUsers); c != writers*each {
		t.Fatalf("count = %d, want %d", c, writers*each)
	}
	n.close(t)

	n = openTestNode(t, dir, addr, nil)
	defer n.close(t)
	if n.Bootstrapped() {
		t.Fatal("restart bootstrapped again")
	}
	d := waitReady(t, n.Node)
	t.Logf("ready after restart in %v", d)
	err := n.store.Scan(storage.BucketUsers, nil, func(k []byte, r storage.Record) bool {
		if r.Version != 1 {
			t.Errorf("%s applied %d times", k, r.Version)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestApplyRefusedCommandChangesNothing(t *testing.T) {
	n := openTestNode(t, t.TempDir(), freeAddr(t), nil)
	defer n.close(t)
	waitReady(t, n.Node)
	ctx := context.Background()
	if res, err := n.Apply(ctx, storage.Create(storage.BucketUsers, []byte("a"), []byte("1"))); err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	// The second op conflicts, so the first must not be written either.
	res, err := n.Apply(ctx, storage.Batch(
		storage.Put(storage.BucketUsers, []byte("b"), []byte("2")),
		storage.Create(storage.BucketUsers, []byte("a"), []byte("3")),
	))
	if err != nil {
		t.Fatal(err)
	}
	if res.Err == nil {
		t.Fatal("conflicting batch was accepted")
	}
	if _, ok, _ := n.store.Get(storage.BucketUsers, []byte("b")); ok {
		t.Fatal("refused batch wrote part of itself")
	}
}
