package raftnode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/hashicorp/raft-wal/migrate"

	"github.com/openova-io/sovereign/storage"
)

// TestRaftDBLogMovesIntoSegments starts a node on a data directory whose
// log is a raft.db (as every node before the segment log kept it), with
// the leftovers of a copy that was cut short beside it: the node copies the
// log, swaps it in, removes raft.db, and carries on with every write, its
// term and its index.
func TestRaftDBLogMovesIntoSegments(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	n := nodeWithWrites(t, dir, addr, 200)
	term, lastBefore := n.raft.CurrentTerm(), n.raft.LastIndex()
	n.close(t)

	// Write the log back into the layout of before.
	raftDir := filepath.Join(dir, "raft")
	segs, err := openLogStore(raftDir, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(raftDir, legacyLog)); err != nil { // the fence
		t.Fatal(err)
	}
	old, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(raftDir, legacyLog)})
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.CopyStable(context.Background(), old, segs, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := migrate.CopyLogs(context.Background(), old, segs, 1<<20, nil); err != nil {
		t.Fatal(err)
	}
	old.Close()
	segs.Close()
	if err := os.RemoveAll(filepath.Join(raftDir, walDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(raftDir, walMigrating), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(raftDir, walMigrating, "00000000000000000001-0000000000000001.wal"), []byte("cut short"), 0o600); err != nil {
		t.Fatal(err)
	}

	n = openTestNode(t, dir, addr, nil)
	defer n.close(t)
	waitReady(t, n.Node)
	if _, err := os.Stat(filepath.Join(raftDir, walMigrating)); !os.IsNotExist(err) {
		t.Errorf("%s is still there after the copy: %v", walMigrating, err)
	}
	// Where raft.db was, the fence: an earlier version takes it for a
	// damaged log and refuses to start, instead of starting a new cluster.
	if !isFence(filepath.Join(raftDir, legacyLog)) {
		t.Error("raft.db was not replaced by the fence")
	}
	if err := storage.CheckFile(filepath.Join(raftDir, legacyLog)); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("an earlier version's check of raft.db: %v", err)
	}
	if got := n.raft.CurrentTerm(); got < term {
		t.Fatalf("term %d after the copy, was %d", got, term)
	}
	first, _ := n.logs.FirstIndex()
	last, _ := n.logs.LastIndex()
	if last < lastBefore || first > 1 {
		t.Fatalf("log holds %d..%d after the copy, held ..%d", first, last, lastBefore)
	}
	if res, err := n.Apply(context.Background(), storage.Put(storage.BucketUsers, []byte("after"), []byte("v"))); err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	if c, _ := n.store.Count(storage.BucketUsers); c != 201 {
		t.Fatalf("%d records after the copy and one write, want 201", c)
	}
}

// TestLogEndingBeforeTheStateIsRefused cuts the end off a stopped node's
// log: the node refuses to start and says what to do, instead of skipping
// the next writes as already applied.
func TestLogEndingBeforeTheStateIsRefused(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	nodeWithWrites(t, dir, addr, 50).close(t)
	segs, err := openLogStore(filepath.Join(dir, "raft"), hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	last, _ := segs.LastIndex()
	if err := segs.DeleteRange(last-10, last); err != nil {
		t.Fatal(err)
	}
	segs.Close()

	st, err := storage.Open(filepath.Join(dir, "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = Open(Config{NodeID: "n1", Dir: filepath.Join(dir, "raft"), Bind: addr, PKI: defaultCA(t).pki(t, "n1")}, st)
	if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), "snapshot restore") {
		t.Fatalf("open over a cut log: %v", err)
	}
}

// nodeWithWrites starts a single-node cluster in dir and applies writes
// puts to it.
func nodeWithWrites(t *testing.T, dir, addr string, writes int) *testNode {
	t.Helper()
	n := openTestNode(t, dir, addr, nil)
	waitReady(t, n.Node)
	for i := range writes {
		key := fmt.Appendf(nil, "k%03d", i)
		if res, err := n.Apply(context.Background(), storage.Put(storage.BucketUsers, key, key)); err != nil || res.Err != nil {
			t.Fatal(err, res.Err)
		}
	}
	return n
}

// TestFenceWithoutItsLogIsRefused: a raft.db that says the log moved to
// wal/, with no wal/ beside it, stops the start with what to do.
func TestFenceWithoutItsLogIsRefused(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	nodeWithWrites(t, dir, addr, 5).close(t)
	raftDir := filepath.Join(dir, "raft")
	if !isFence(filepath.Join(raftDir, legacyLog)) {
		t.Fatal("a new node's data directory has no fence")
	}
	if err := os.RemoveAll(filepath.Join(raftDir, walDir)); err != nil {
		t.Fatal(err)
	}
	_, err := openLogStore(raftDir, hclog.NewNullLogger())
	if !errors.Is(err, storage.ErrCorrupt) || !strings.Contains(err.Error(), "snapshot restore") {
		t.Fatalf("open with the fence and no log: %v", err)
	}
	if _, err := os.Stat(filepath.Join(raftDir, walDir)); !os.IsNotExist(err) {
		t.Errorf("the refused open made %s: %v", walDir, err)
	}
}
