package etcd

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// BenchmarkPutOneNode: 100 etcd clients putting 256-byte values into one
// in-process node, for profiling the endpoint's own path (gRPC, kine, the
// command, the apply). The comparison with etcd is scripts/bench-etcd.sh.
func BenchmarkPutOneNode(b *testing.B) {
	c := startCluster(b, Options{}, "solo")
	cli := c.client(c.members[0])
	value := strings.Repeat("v", 256)
	var n atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; n.Add(1) <= int64(b.N); j++ {
				if _, err := cli.Put(context.Background(), fmt.Sprintf("/b/%03d/%04d", i, j%1000), value); err != nil {
					b.Error(err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}

// BenchmarkPutLatencyLayers: one client's put, one at a time, to the
// leader of three in-process nodes, measured at three depths in turn: a
// bare Raft apply of the same command, the endpoint's proposer, and the
// etcd client over gRPC. The differences are what each layer adds.
func BenchmarkPutLatencyLayers(b *testing.B) {
	c := startCluster(b, Options{})
	l := c.leader()
	cli := c.client(l)
	value := strings.Repeat("v", 256)
	var raw, prop, full []time.Duration
	p := &proposer{member: l.node}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := fmt.Sprintf("/lat/%06d", i)
		t0 := time.Now()
		if _, err := l.node.ApplyOnLeader(context.Background(), storage.KVPut([]byte(key+"r"), []byte(value), 0)); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := p.propose(context.Background(), storage.KVPut([]byte(key+"p"), []byte(value), 0)); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if _, err := cli.Put(context.Background(), key+"c", value); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		raw, prop, full = append(raw, t1.Sub(t0)), append(prop, t2.Sub(t1)), append(full, t3.Sub(t2))
	}
	p50 := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds())
	}
	b.ReportMetric(p50(raw), "raft-p50-µs")
	b.ReportMetric(p50(prop), "proposer-p50-µs")
	b.ReportMetric(p50(full), "grpc-p50-µs")
}
