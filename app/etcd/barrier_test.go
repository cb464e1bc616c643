package etcd

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A read never rides a barrier that started before it arrived, and reads
// that arrive together share one.
func TestReadsShareOnlyBarriersStartedAfterThem(t *testing.T) {
	var runs, started atomic.Int64
	release := make(chan struct{})
	b := newBarrier(func(context.Context) error {
		started.Add(1)
		<-release
		runs.Add(1)
		return nil
	})
	first := make(chan error, 1)
	go func() { first <- b.wait(context.Background()) }()
	waitFor(t, "the first barrier to start", time.Second, func() bool { return started.Load() == 1 })

	// These arrive while the first barrier runs: it does not cover them.
	var wg sync.WaitGroup
	var sawRuns [50]int64
	for i := range sawRuns {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := b.wait(context.Background()); err != nil {
				t.Error(err)
			}
			sawRuns[i] = runs.Load()
		}(i)
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, n := range sawRuns {
		if n < 2 {
			t.Fatalf("read %d returned after %d barriers; it needs one that started after it", i, n)
		}
	}
	if runs.Load() != 2 {
		t.Fatalf("%d barriers for 51 reads, want 2", runs.Load())
	}
}
