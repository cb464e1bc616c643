package etcd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
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
