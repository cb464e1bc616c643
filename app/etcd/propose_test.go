package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/k3s-io/kine/pkg/server"
	"github.com/openova-io/sovereign/storage"
)

// countingMember counts the entries a real member is asked to apply.
type countingMember struct {
	Member
	applies atomic.Int64
}

func (m *countingMember) ApplyOnLeader(ctx context.Context, cmd storage.Command) (storage.Result, error) {
	m.applies.Add(1)
	return m.Member.ApplyOnLeader(ctx, cmd)
}

// Writes that arrive together share entries, and each still gets its own
// answer: of 20 creates of one key exactly one succeeds, every create of a
// fresh key does, and revisions are all distinct.
func TestConcurrentWritesShareEntriesAndKeepTheirAnswers(t *testing.T) {
	c := startCluster(t, Options{}, "solo")
	m := c.members[0]
	counting := &countingMember{Member: m.node}
	b := NewBackend(counting, m.store, Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	var won, lost atomic.Int64
	revs := sync.Map{}
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			key := fmt.Sprintf("/p/%03d", i)
			if i < 20 {
				key = "/p/contended"
			}
			rev, err := b.Create(ctx, key, []byte("v"), 0)
			switch {
			case errors.Is(err, server.ErrKeyExists):
				lost.Add(1)
				return
			case err != nil:
				t.Error(err)
				return
			}
			won.Add(1)
			if _, dup := revs.LoadOrStore(rev, key); dup {
				t.Errorf("revision %d answered twice", rev)
			}
		}(i)
	}
	wg.Wait()
	if won.Load() != 181 || lost.Load() != 19 {
		t.Fatalf("%d creates succeeded and %d found the key, want 181 and 19", won.Load(), lost.Load())
	}
	if n := counting.applies.Load(); n >= 200 {
		t.Fatalf("200 concurrent writes took %d entries", n)
	}
	if rev, _, _ := m.store.KVRevision(); rev != 182 {
		t.Fatalf("revision %d, want 182", rev)
	}
}
