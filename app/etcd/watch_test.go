package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/openova-io/sovereign/storage"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// A watch open on a follower sees every change exactly once, in order,
// while the leader is killed and another is elected.
func TestFollowerWatchSeesEveryEventOnceAcrossLeaderKill(t *testing.T) {
	c := startCluster(t, Options{})
	leader := c.leader()
	var watcher, writer *member
	for _, m := range c.members {
		if m != leader {
			if watcher == nil {
				watcher = m
			} else {
				writer = m
			}
		}
	}
	wcli, pcli := c.client(watcher), c.client(writer)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := must(pcli.Put(ctx, "/watch/start", "0")).Header.Revision

	wc := wcli.Watch(ctx, "/watch/", clientv3.WithPrefix(), clientv3.WithRev(start), clientv3.WithPrevKV())
	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			key := fmt.Sprintf("/watch/k%05d", i)
			wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := pcli.Put(wctx, key, "v")
			wcancel()
			if err == nil {
				mu.Lock()
				acked[key] = true
				mu.Unlock()
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	leader.stop() // the leader is gone; the two others elect one
	waitFor(t, "a new leader", 20*time.Second, func() bool { return watcher.leads() || writer.leads() })
	time.Sleep(700 * time.Millisecond)
	close(stop)
	wg.Wait()
	last := must(pcli.Put(ctx, "/watch/end", "1")).Header.Revision

	seen := map[string]int{}
	prev := start - 1
	for prev < last {
		select {
		case resp := <-wc:
			if err := resp.Err(); err != nil {
				t.Fatal(err)
			}
			for _, ev := range resp.Events {
				if ev.Kv.ModRevision <= prev {
					t.Fatalf("event at revision %d after %d: out of order or twice", ev.Kv.ModRevision, prev)
				}
				prev = ev.Kv.ModRevision
				seen[string(ev.Kv.Key)]++
			}
		case <-ctx.Done():
			t.Fatalf("the watch stopped at revision %d of %d", prev, last)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 10 {
		t.Fatalf("only %d writes were acknowledged", len(acked))
	}
	for key := range acked {
		if seen[key] != 1 {
			t.Fatalf("acknowledged %s seen %d times", key, seen[key])
		}
	}
	for key, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", key, n)
		}
	}
}

// A watch that falls behind the hub is dropped there and catches up from
// the history, still exactly once and in order.
func TestSlowWatchCatchesUpFromTheHistory(t *testing.T) {
	c := startCluster(t, Options{}, "solo")
	m := c.members[0]
	b := m.srv.backend
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wr := b.Watch(ctx, 0)
	const n = subBuffer * 3
	for i := 0; i < n; i++ {
		// One command per batch: far more batches than the hub buffers.
		if _, err := b.Create(ctx, fmt.Sprintf("/slow/%04d", i), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	next := wr.CurrentRevision + 1
	for got := 0; got < n; {
		select {
		case batch := <-wr.Eventc:
			for _, ev := range batch.Events {
				if ev.KV.ModRevision != next {
					t.Fatalf("event at %d, want %d", ev.KV.ModRevision, next)
				}
				next++
				got++
			}
		case err := <-wr.Errorc:
			t.Fatal(err)
		case <-time.After(10 * time.Second):
			t.Fatalf("the slow watch stopped after %d of %d events", got, n)
		}
	}
}

func TestWatchFromACompactedRevisionIsRefused(t *testing.T) {
	c := startCluster(t, Options{}, "solo")
	b := c.members[0].srv.backend
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, _, err := b.Put(ctx, []byte("/c"), []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Compact(ctx, 4); err != nil {
		t.Fatal(err)
	}
	wr := b.Watch(ctx, 2)
	if wr.CompactRevision != 4 {
		t.Fatalf("compact revision %d, want 4", wr.CompactRevision)
	}
	if _, err := b.Compact(ctx, 3); !errors.Is(err, errGRPC(storage.ErrCompacted)) {
		t.Fatalf("compacting below the compaction point: %v", err)
	}
}

func errGRPC(err error) error { return toGRPC(err) }

// A synced watch that asked for them gets progress notifications, and a
// progress request is answered with the current revision.
func TestWatchProgressNotifications(t *testing.T) {
	c := startCluster(t, Options{NotifyInterval: 200 * time.Millisecond})
	cli := c.client(c.follower())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rev := must(cli.Put(ctx, "/progress/a", "1")).Header.Revision
	wc := cli.Watch(ctx, "/progress/", clientv3.WithPrefix(), clientv3.WithProgressNotify(), clientv3.WithRev(rev+1))
	waitProgress := func(what string) int64 {
		t.Helper()
		for {
			select {
			case resp := <-wc:
				if err := resp.Err(); err != nil {
					t.Fatal(err)
				}
				if resp.IsProgressNotify() {
					return resp.Header.Revision
				}
			case <-ctx.Done():
				t.Fatalf("no %s", what)
			}
		}
	}
	if got := waitProgress("periodic progress notification"); got < rev {
		t.Fatalf("progress at %d, before the last write %d", got, rev)
	}
	rev = must(cli.Put(ctx, "/elsewhere", "x")).Header.Revision
	waitFor(t, "the follower to apply the write", 5*time.Second, func() bool {
		r, _, _ := c.follower().store.KVRevision()
		return r >= rev
	})
	if err := cli.RequestProgress(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		if got := waitProgress("progress after a request"); got >= rev {
			break
		}
	}
}
