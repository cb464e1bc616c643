package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// diskSize is each node's tmpfs: room for the files and a little writing.
const diskSize = "48m"

// Each node's data directory on a small tmpfs, filled to the last byte:
// writes fail with an error, reads keep working, no file is damaged, no
// node exits, and once space returns the cluster writes again by itself.
func TestFullDisksRefuseWritesKeepReadsAndRecoverWhenSpaceReturns(t *testing.T) {
	base, fillers := smallDisks(t)
	c, err := startCluster(binary, base)
	if c != nil {
		t.Cleanup(c.stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	cli, err := c.etcdClient(c.nodes...)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	put := func(key, value string) error {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		_, err := cli.Put(ctx, key, value)
		return err
	}
	for i := 0; i < 20; i++ {
		if err := put(fmt.Sprintf("/full/before-%d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}

	for _, f := range fillers {
		fill(t, f)
	}
	big := strings.Repeat("x", 256<<10)
	var refusal error
	for i := 0; i < 40 && refusal == nil; i++ {
		refusal = put(fmt.Sprintf("/full/during-%d", i), big)
	}
	if refusal == nil {
		t.Fatal("40 writes of 256 KiB succeeded on full disks")
	}
	t.Logf("a write on full disks: %v", refusal)

	for _, n := range c.nodes {
		if n.current().Exited() {
			t.Errorf("%s exited on a full disk:\n%s", n.name, tail(n.output(), 30))
		}
		ncli, err := c.etcdClient(n)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := ncli.Get(ctx, "/full/before-", clientv3.WithPrefix(), clientv3.WithSerializable())
		cancel()
		if err != nil || len(resp.Kvs) != 20 {
			t.Errorf("%s: a serializable read on a full disk: %v", n.name, err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		resp, err = ncli.Get(ctx, "/full/before-", clientv3.WithPrefix())
		cancel()
		ncli.Close()
		if err != nil || len(resp.Kvs) != 20 {
			t.Errorf("%s: a linearizable read on a full disk: %v", n.name, err)
		}
	}

	for _, f := range fillers {
		os.Remove(f)
	}
	var last error
	recovered := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if last = put("/full/after", "v"); last == nil {
			recovered = true
			break
		}
	}
	if !recovered {
		for _, n := range c.nodes {
			t.Logf("%s (exited: %v):\n%s", n.name, n.current().Exited(), tail(n.output(), 20))
		}
		t.Fatalf("no write succeeded within 30s of space returning: %v", last)
	}
	for _, n := range c.nodes {
		if n.current().Exited() {
			t.Errorf("%s exited:\n%s", n.name, tail(n.output(), 30))
		}
		c.kill9(n)
		checkFiles(t, n)
		if p := n.panics(); p > 0 {
			t.Errorf("%s: %d panics in its output", n.name, p)
		}
	}
}

// fill writes path until the file system is full.
func fill(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte{0}, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", path, err)
			}
			break
		}
	}
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			return
		}
	}
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// smallDisks mounts a tmpfs of diskSize for each node's data directory
// under a new folder, and names the file that fills each.
func smallDisks(t *testing.T) (string, []string) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs for each node's data directory needs root; run as root (CI does) to test full disks")
	}
	base := t.TempDir()
	var fillers []string
	for i := 1; i <= 3; i++ {
		dir := filepath.Join(base, fmt.Sprintf("n%d", i))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+diskSize+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("mount a tmpfs (needs CAP_SYS_ADMIN): %v: %s", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
		fillers = append(fillers, filepath.Join(dir, "filler"))
	}
	return base, fillers
}

// One node's disk full while the other two write on: the cluster keeps
// acknowledging writes, the full node applies none of them out of order or
// halfway, and once space returns it catches up by itself with every one.
func TestOneFullDiskFallsBehindAndCatchesUpWhenSpaceReturns(t *testing.T) {
	t.Run("raft log and state on one disk", func(t *testing.T) { oneFullDisk(t, false) })
	t.Run("state full, raft log on a disk with room", func(t *testing.T) { oneFullDisk(t, true) })
}

// oneFullDisk fills the third node's disk; with logApart its Raft log
// (raft/) is on a disk of its own that keeps room, so the state file's
// writes are the ones that fail.
func oneFullDisk(t *testing.T, logApart bool) {
	base, fillers := smallDisks(t)
	if logApart {
		raft := filepath.Join(base, "n3", "raft")
		if err := os.MkdirAll(raft, 0o700); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256m,mode=0700", "tmpfs", raft).CombinedOutput(); err != nil {
			t.Fatalf("mount a tmpfs on %s: %v: %s", raft, err, out)
		}
		t.Cleanup(func() { exec.Command("umount", "-l", raft).Run() })
	}
	c, err := startCluster(binary, base)
	if c != nil {
		t.Cleanup(c.stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	full := c.nodes[2]
	cli, err := c.etcdClient(c.nodes[0], c.nodes[1])
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	fill(t, fillers[2])
	value := strings.Repeat("v", 4<<10)
	acked := 0
	for i := 0; i < 400; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		_, err := cli.Put(ctx, fmt.Sprintf("/one-full/%04d", i), value)
		cancel()
		if err == nil {
			acked++
		}
	}
	if acked < 300 {
		t.Fatalf("%d of 400 writes acknowledged with one full disk of three", acked)
	}
	if full.current().Exited() {
		t.Fatalf("%s exited on its full disk:\n%s", full.name, tail(full.output(), 20))
	}
	t.Logf("%s on its full disk says:\n%s", full.name, grep(full.output(), "space"))
	if logApart {
		// The state file's writes fail while the Raft log's succeed: the
		// apply loop waits for space and tries again (storage/fsm.go), and
		// /readyz says the node is behind meanwhile.
		if err := full.current().WaitReady(2 * time.Second); err == nil {
			t.Fatalf("%s says it is ready while its state file cannot be written", full.name)
		}
	}
	os.Remove(fillers[2])
	ncli, err := c.etcdClient(full)
	if err != nil {
		t.Fatal(err)
	}
	defer ncli.Close()
	got := 0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && got < acked; time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := ncli.Get(ctx, "/one-full/", clientv3.WithPrefix(), clientv3.WithSerializable(), clientv3.WithCountOnly())
		cancel()
		if err == nil {
			got = int(resp.Count)
		}
	}
	if got < acked {
		t.Fatalf("%s holds %d of the %d acknowledged writes 30s after space returned:\n%s", full.name, got, acked, tail(full.output(), 20))
	}
	for _, n := range c.nodes {
		c.kill9(n)
		checkFiles(t, n)
		if p := n.panics(); p > 0 {
			t.Errorf("%s: %d panics in its output:\n%s", n.name, p, tail(n.output(), 40))
		}
	}
}

// grep keeps the lines of s that hold word, at most five.
func grep(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) && len(out) < 5 {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
