package raftnode_test

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// TestDataDirectoryIsTheOwnersOnly lays out a node's data directory as a
// started node does (its TLS identity, its state file, its Raft log and
// snapshots, after enough writes for a snapshot) and checks that no one but
// its owner can reach anything in it: every directory Sovereign makes is
// 0700, every file holding a key or the state is 0600, and whatever a
// library creates more openly lies inside a 0700 directory.
func TestDataDirectoryIsTheOwnersOnly(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	member := raftnode.Member{Name: "n1", Region: "hz-fsn", RaftAddr: "127.0.0.1:0"}
	if _, err := raftnode.Bootstrap(filepath.Join(data, "tls"), member); err != nil {
		t.Fatal(err)
	}
	pki, ok, err := raftnode.LoadPKI(filepath.Join(data, "tls"))
	if err != nil || !ok {
		t.Fatalf("load PKI: %v %v", ok, err)
	}
	st, err := storage.Open(filepath.Join(data, "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	bind := l.Addr().String()
	l.Close()
	node, err := raftnode.Open(raftnode.Config{NodeID: "n1", Dir: filepath.Join(data, "raft"), Bind: bind, PKI: pki,
		SnapshotThreshold: 8, SnapshotInterval: 50 * time.Millisecond, TrailingLogs: 4}, st)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	deadline := time.Now().Add(15 * time.Second)
	for ok, _ := node.Ready(); !ok; ok, _ = node.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("node not ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := range 40 {
		if _, err := node.Apply(context.Background(), storage.Put(storage.BucketSettings, []byte(fmt.Sprintf("k%d", i)), []byte("v"))); err != nil {
			t.Fatal(err)
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	for !hasSnapshot(filepath.Join(data, "raft")) {
		if time.Now().After(deadline) {
			t.Fatal("no snapshot was taken")
		}
		time.Sleep(20 * time.Millisecond)
	}

	mode := func(p string) fs.FileMode {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	for _, d := range []string{data, filepath.Join(data, "tls"), filepath.Join(data, "raft")} {
		if m := mode(d); m != 0o700 {
			t.Errorf("%s is %o, want 700", d, m)
		}
	}
	for _, f := range []string{"tls/node.key", "state.db", "raft/wal"} {
		p := filepath.Join(data, f)
		if _, err := os.Stat(p); err != nil {
			continue // a name this layout does not use
		}
		if m := mode(p); m&0o077 != 0 {
			t.Errorf("%s is %o: readable beyond its owner", f, m)
		}
	}
	filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == data {
			return err
		}
		if strings.HasSuffix(p, ".key") && mode(p) != 0o600 {
			t.Errorf("key file %s is %o, want 600", p, mode(p))
		}
		if mode(p)&0o077 != 0 && !insidePrivateDir(data, p, mode) {
			t.Errorf("%s is %o and no 0700 directory above it stops others", p, mode(p))
		}
		return nil
	})
}

func hasSnapshot(raftDir string) bool {
	entries, _ := os.ReadDir(filepath.Join(raftDir, "snapshots"))
	for _, e := range entries {
		if e.IsDir() && !strings.HasSuffix(e.Name(), ".tmp") {
			return true
		}
	}
	return false
}

// insidePrivateDir reports whether a directory between root (included) and
// p (excluded) is 0700.
func insidePrivateDir(root, p string, mode func(string) fs.FileMode) bool {
	for d := filepath.Dir(p); strings.HasPrefix(d, root); d = filepath.Dir(d) {
		if mode(d) == 0o700 {
			return true
		}
		if d == root {
			break
		}
	}
	return false
}
