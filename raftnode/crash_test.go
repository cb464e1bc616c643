package raftnode

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// The crash tests run a writer in a child process (this test binary, run
// again with crashWriterEnv set), kill it with SIGKILL at a random moment,
// and check the data directory it leaves behind.

const (
	crashWriterEnv = "SOVEREIGN_CRASH_WRITER"
	crashEntries   = 10000
	crashWriters   = 32
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashWriterEnv); spec != "" {
		runCrashWriter(spec)
		return
	}
	os.Exit(m.Run())
}

// runCrashWriter writes crashEntries keys from crashWriters goroutines and
// prints "ack KEY" once each write is acknowledged, then waits to be killed.
func runCrashWriter(spec string) {
	f := strings.Split(spec, ",")
	threshold, _ := strconv.ParseUint(f[2], 10, 64)
	trailing, _ := strconv.ParseUint(f[3], 10, 64)
	st, err := storage.Open(filepath.Join(f[0], "state.db"), storage.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ca := &testCA{}
	var perr error
	if ca.cert, ca.key, perr = newCA("test"); perr != nil {
		fmt.Fprintln(os.Stderr, perr)
		os.Exit(2)
	}
	cfg := Config{NodeID: "n1", Dir: filepath.Join(f[0], "raft"), Bind: f[1], PKI: ca.pki(&testing.T{}, "n1"),
		SnapshotThreshold: threshold, TrailingLogs: trailing}
	if threshold > 0 {
		cfg.SnapshotInterval = 50 * time.Millisecond
	}
	n, err := Open(cfg, st)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for ok, _ := n.Ready(); !ok; ok, _ = n.Ready() {
		time.Sleep(time.Millisecond)
	}
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < crashWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > crashEntries {
					return
				}
				key := fmt.Sprintf("key-%05d", i)
				res, err := n.Apply(context.Background(), storage.Put(storage.BucketUsers, []byte(key), []byte("value-"+key)))
				if err != nil || res.Err != nil {
					fmt.Fprintln(os.Stderr, "write", key, err, res.Err)
					os.Exit(3)
				}
				mu.Lock()
				os.Stdout.WriteString("ack " + key + "\n")
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	os.Stdout.WriteString("done\n")
	select {}
}

// crashAndCollect runs the writer, kills it after a random number of
// acknowledgements, and returns every key it acknowledged.
func crashAndCollect(t *testing.T, dir string, threshold, trailing uint64) map[string]bool {
	t.Helper()
	killAt := 1000 + rand.IntN(crashEntries-2000)
	t.Logf("killing the writer after %d acknowledged writes", killAt)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%d,%d", crashWriterEnv, dir, freeAddr(t), threshold, trailing))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		line := sc.Text()
		if key, ok := strings.CutPrefix(line, "ack "); ok {
			acked[key] = true
		}
		if line == "done" && threshold > 0 {
			waitForSnapshot(t, dir)
		}
		// With snapshots on, the kill waits for them, so that it lands
		// across a snapshot and a truncated log whatever the random moment
		// (the writer's first snapshots come 50-200 ms in).
		ready := len(acked) >= killAt && (threshold == 0 || snapshotTaken(dir))
		if !killed && (ready || line == "done") {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("writer exited on its own: %s", stderr.String())
	}
	if len(acked) < killAt {
		t.Fatalf("writer acknowledged only %d writes: %s", len(acked), stderr.String())
	}
	return acked
}

// checkExactlyOnce verifies that every acknowledged key is stored and that
// no key was applied twice.
func checkExactlyOnce(t *testing.T, st *storage.Store, acked map[string]bool) {
	t.Helper()
	seen := 0
	err := st.Scan(storage.BucketUsers, nil, func(k []byte, r storage.Record) bool {
		seen++
		if r.Version != 1 {
			t.Errorf("%s applied %d times", k, r.Version)
		}
		if string(r.Value) != "value-"+string(k) {
			t.Errorf("%s holds %q", k, r.Value)
		}
		delete(acked, string(k))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(acked) > 0 {
		t.Fatalf("%d acknowledged writes lost after kill -9 (stored %d keys)", len(acked), seen)
	}
}

// snapshotTaken reports whether the writer in dir has completed two
// snapshots: the log compaction that follows the first (which holds at
// least the threshold's entries, more than the trailing ones kept) is then
// done too, since raft takes the next snapshot only after it.
func snapshotTaken(dir string) bool {
	snaps, _ := filepath.Glob(filepath.Join(dir, "raft", "snapshots", "*", "meta.json"))
	return len(snaps) >= 2
}

func waitForSnapshot(t *testing.T, dir string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !snapshotTaken(dir); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the writer took no two snapshots in 10 s")
		}
	}
}

func dump(t *testing.T, st *storage.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := st.Dump(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestKillDuringWritesLosesNothing(t *testing.T) {
	dir := t.TempDir()
	acked := crashAndCollect(t, dir, 0, 0)
	n := openTestNode(t, dir, freeAddr(t), nil)
	defer n.close(t)
	waitReady(t, n.Node)
	checkExactlyOnce(t, n.store, acked)
}

func TestKillAcrossSnapshotAndTruncation(t *testing.T) {
	dir := t.TempDir()
	acked := crashAndCollect(t, dir, 500, 200)

	n := openTestNode(t, dir, freeAddr(t), nil)
	waitReady(t, n.Node)
	// Ready can come before the restarted leader has committed its first
	// entry and so applied the log it replays; a read barrier waits for it.
	if err := n.ReadBarrier(context.Background()); err != nil {
		t.Fatal(err)
	}
	first, err := n.logs.FirstIndex()
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := n.snaps.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) == 0 || first <= 1 {
		t.Fatalf("the writer took no snapshot or kept its whole log (snapshots %d, first log index %d)", len(snaps), first)
	}
	t.Logf("after the kill: %d snapshots, newest at index %d, log starts at %d", len(snaps), snaps[0].Index, first)
	checkExactlyOnce(t, n.store, acked)
	kept := dump(t, n.store)
	n.close(t)

	// Rebuild the state file from the snapshot and the log, as after a
	// machine restart: a marker from another boot makes Open distrust it.
	if err := os.WriteFile(filepath.Join(dir, "state.db.open"), []byte("another-boot\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n = openTestNode(t, dir, freeAddr(t), nil)
	if !n.store.Rebuilt() {
		t.Fatal("state file from another boot was trusted")
	}
	waitReady(t, n.Node)
	if err := n.ReadBarrier(context.Background()); err != nil {
		t.Fatal(err)
	}
	rebuilt := dump(t, n.store)
	n.close(t)
	if !bytes.Equal(kept, rebuilt) {
		t.Fatalf("state rebuilt from snapshot and log differs from the kept state file (%d vs %d bytes)", len(rebuilt), len(kept))
	}

	// And a clean restart of the rebuilt file changes nothing either.
	n = openTestNode(t, dir, freeAddr(t), nil)
	defer n.close(t)
	waitReady(t, n.Node)
	if err := n.ReadBarrier(context.Background()); err != nil {
		t.Fatal(err)
	}
	if again := dump(t, n.store); !bytes.Equal(kept, again) {
		t.Fatal("state changed across a clean restart")
	}
}
