package chaos

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// All three nodes killed with -9 at a random moment while clients write,
// cycle after cycle: while they are down every bbolt file (state and Raft
// log) checks clean, and once they are back every acknowledged write is
// there with its value.
func TestCrashLoopsOfTheWholeClusterLoseNoAcknowledgedWrite(t *testing.T) {
	c, err := startCluster(binary, t.TempDir())
	if c != nil {
		t.Cleanup(c.stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(*seed, 99))
	acked := map[string]string{}
	var mu sync.Mutex
	for cycle := 0; cycle < *cycles; cycle++ {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < *clients; w++ {
			cli, err := c.etcdClient(c.nodes...)
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer cli.Close()
				for seq := 0; ctx.Err() == nil; seq++ {
					key := fmt.Sprintf("/crash/c%03d/w%d-%d", cycle, w, seq)
					octx, ocancel := context.WithTimeout(ctx, opTimeout)
					_, err := cli.Put(octx, key, key)
					ocancel()
					if err == nil {
						mu.Lock()
						acked[key] = key
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(500+rnd.IntN(2500)) * time.Millisecond)
		for _, i := range rnd.Perm(3) {
			c.kill9(c.nodes[i])
			time.Sleep(time.Duration(rnd.IntN(30)) * time.Millisecond)
		}
		cancel()
		wg.Wait()
		for _, n := range c.nodes {
			checkFiles(t, n)
		}
		if err := c.heal(); err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		lost := missing(t, c, acked)
		t.Logf("cycle %d: %d writes acknowledged so far, %d lost", cycle, len(acked), len(lost))
		if len(lost) > 0 {
			t.Fatalf("cycle %d: acknowledged writes lost: %v", cycle, lost)
		}
	}
	for _, n := range c.nodes {
		if p := n.panics(); p > 0 {
			t.Errorf("%s: %d panics in its output", n.name, p)
		}
	}
}

// checkFiles checks every bbolt file in n's data directory and reads
// every entry of its Raft log.
func checkFiles(t *testing.T, n *node) {
	t.Helper()
	if err := raftnode.CheckLog(filepath.Join(n.dir, "raft")); err != nil {
		t.Errorf("%s after kill -9: %v", n.name, err)
	}
	checked := 0
	filepath.WalkDir(n.dir, func(path string, d fs.DirEntry, err error) error {
		// raft/raft.db is the fence left where earlier versions kept the
		// log (raftnode/logstore.go); CheckLog reads the log itself.
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".db") && path != filepath.Join(n.dir, "raft", "raft.db") {
			checked++
			if err := storage.CheckFile(path); err != nil {
				t.Errorf("%s after kill -9: %v", n.name, err)
			}
		}
		return nil
	})
	if checked < 2 {
		t.Errorf("%s: %d bbolt files checked, want the state and the Raft log's metadata", n.name, checked)
	}
}

// missing lists the acknowledged keys a linearizable read of each node
// does not return with their value.
func missing(t *testing.T, c *cluster, acked map[string]string) []string {
	t.Helper()
	var lost []string
	for _, n := range c.nodes {
		cli, err := c.etcdClient(n)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for attempt := 0; ; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			resp, err := cli.Get(ctx, "/crash/", clientv3.WithPrefix())
			cancel()
			if err == nil {
				for _, kv := range resp.Kvs {
					got[string(kv.Key)] = string(kv.Value)
				}
				break
			}
			if attempt == 20 {
				t.Fatalf("read %s: %v", n.name, err)
			}
			time.Sleep(500 * time.Millisecond)
		}
		cli.Close()
		for k, v := range acked {
			if got[k] != v {
				lost = append(lost, n.name+":"+k)
			}
		}
	}
	return lost
}
