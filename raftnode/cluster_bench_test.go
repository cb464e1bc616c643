package raftnode

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/storage"
)

// writeLoad sends total 100-byte puts from writers goroutines, spread
// round-robin over nodes, and returns the latency of each.
func writeLoad(b *testing.B, nodes []*testNode, writers, total int, keyBase uint64) []time.Duration {
	var next atomic.Int64
	lat := make([]time.Duration, total)
	value := make([]byte, 100)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(n *testNode) {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(total) {
					return
				}
				key := binary.BigEndian.AppendUint64(nil, keyBase+uint64(i))
				start := time.Now()
				res, err := n.Apply(context.Background(), storage.Put(storage.BucketUsers, key, value))
				if err == nil {
					err = res.Err
				}
				if err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(start)
			}
		}(nodes[w%len(nodes)])
	}
	wg.Wait()
	return lat
}

func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "writes/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkClusterWrite compares durable writes from 64 writers on a
// single node with 64 writers spread over the three nodes of a cluster
// (two thirds of them forwarded to the leader), in the same run.
func BenchmarkClusterWrite(b *testing.B) {
	const writers = 64
	run := func(b *testing.B, names ...string) {
		var nodes []*testNode
		if len(names) == 1 {
			n := openTestNode(b, b.TempDir(), freeAddr(b), nil)
			defer n.close(b)
			waitReady(b, n.Node)
			nodes = []*testNode{n}
		} else {
			c := newCluster(b, names...)
			for _, name := range names {
				nodes = append(nodes, c.nodes[name])
			}
		}
		total := max(b.N, 2000)
		b.ResetTimer()
		start := time.Now()
		lat := writeLoad(b, nodes, writers, total, 0)
		reportLatency(b, lat, time.Since(start))
	}
	b.Run("single-node", func(b *testing.B) { run(b, "n1") })
	b.Run("three-nodes", func(b *testing.B) { run(b, "a", "b", "c") })
}

// crash stops a node the way kill -9 would, as far as its peers can tell:
// no leadership hand-over, connections cut.
func (n *testNode) crash(tb testing.TB) {
	n.closeMu.Lock()
	n.closed = true
	n.closeMu.Unlock()
	n.net.Close()
	n.trans.(raft.WithClose).Close()
	n.raft.Shutdown().Error()
	close(n.stop)
	n.rpc.close()
	n.wg.Wait()
	n.closeStores()
	n.store.Close()
}

// BenchmarkFailover measures the time from the leader's crash to the first
// write acknowledged by a survivor.
func BenchmarkFailover(b *testing.B) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := newCluster(b, "a", "b", "c")
		name, leader := c.leader()
		delete(c.nodes, name)
		var survivor *testNode
		for _, n := range c.nodes {
			survivor = n
		}
		b.StartTimer()
		start := time.Now()
		leader.crash(b)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			res, err := survivor.Apply(ctx, storage.Put(storage.BucketUsers, []byte("after-failover"), []byte("x")))
			cancel()
			if err == nil && res.Err == nil {
				break
			}
		}
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()*1000/float64(b.N), "failover-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkJoin100k measures the time a fourth node takes to join a
// cluster holding 100,000 entries: from its start to being a voter that
// has applied everything.
func BenchmarkJoin100k(b *testing.B) {
	c := newCluster(b, "a", "b", "c")
	_, leader := c.leader()
	// 100,000 records, written 500 to a command.
	value := make([]byte, 100)
	for i := 0; i < 100000; i += 500 {
		ops := make([]storage.Command, 0, 500)
		for j := i; j < i+500; j++ {
			ops = append(ops, storage.Put(storage.BucketUsers, binary.BigEndian.AppendUint64(nil, uint64(j)), value))
		}
		if res, err := leader.Apply(context.Background(), storage.Batch(ops...)); err != nil || res.Err != nil {
			b.Fatal(err, res.Err)
		}
	}
	if err := leader.ReadBarrier(context.Background()); err != nil {
		b.Fatal(err)
	}
	want := leader.store.AppliedIndex()
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("d%d", i)
		c.dirs[name] = b.TempDir()
		c.addrs[name] = freeAddr(b)
		start := time.Now()
		c.start(name, true)
		if err := leader.AdmitTestMember(context.Background(), c.nodes[name].Node); err != nil {
			b.Fatal(err)
		}
		n := c.nodes[name]
		for {
			s, ok, _ := n.server(name)
			if ok && s.Suffrage == raft.Voter && n.store.AppliedIndex() >= want {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		total += time.Since(start)
		if got, _ := n.store.Count(storage.BucketUsers); got < 100000 {
			b.Fatalf("joined node holds %d entries", got)
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "join-s")
	b.ReportMetric(0, "ns/op")
}
