package chaos

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

type watchEvent struct {
	Key, Value string
	Delete     bool
	Rev        int64
}

// watcher records every event one node sends on a prefix, from a start
// revision; when the stream ends it watches again from the revision after
// the last event, so a restart of the node shows as a gap if it loses one.
type watcher struct {
	node int
	cli  *clientv3.Client

	mu     sync.Mutex
	events []watchEvent
	errs   []string
}

func startWatcher(ctx context.Context, node int, cli *clientv3.Client, prefix string, from int64) *watcher {
	w := &watcher{node: node, cli: cli}
	go w.run(ctx, prefix, from)
	return w
}

func (w *watcher) run(ctx context.Context, prefix string, next int64) {
	for ctx.Err() == nil {
		wctx, cancel := context.WithCancel(ctx)
		for resp := range w.cli.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(next)) {
			if err := resp.Err(); err != nil {
				w.mu.Lock()
				w.errs = append(w.errs, err.Error())
				w.mu.Unlock()
				break
			}
			w.mu.Lock()
			for _, ev := range resp.Events {
				w.events = append(w.events, watchEvent{Key: string(ev.Kv.Key), Value: string(ev.Kv.Value),
					Delete: ev.Type == clientv3.EventTypeDelete, Rev: ev.Kv.ModRevision})
				next = ev.Kv.ModRevision + 1
			}
			w.mu.Unlock()
		}
		cancel()
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (w *watcher) snapshot() []watchEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]watchEvent(nil), w.events...)
}

// waitFor waits until the watcher has seen revision rev.
func (w *watcher) waitFor(rev int64, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ev := w.snapshot()
		if len(ev) > 0 && ev[len(ev)-1].Rev >= rev {
			return true
		}
	}
	return false
}

// watchReport is what the watch check found.
type watchReport struct {
	Events   int
	Gaps     []string // an event a node missed, or got out of order
	Disagree []string // an event no write explains, two nodes that differ on a revision, acknowledged writes out of order
	Lost     []string // an acknowledged write no node sent
}

// checkWatches compares each node's events with the others' and with the
// history: per key every node sends the same events in revision order, no
// revision carries two different events, every event's value was written
// by some write, every acknowledged write is sent, and writes that were
// acknowledged one before the other was called are sent in that order.
func checkWatches(h *history, watchers []*watcher, ignore string) watchReport {
	var rep watchReport
	all := map[int64]watchEvent{}
	perNode := make([]map[string][]watchEvent, len(watchers))
	for i, w := range watchers {
		perNode[i] = map[string][]watchEvent{}
		for _, ev := range w.snapshot() {
			if ev.Key == ignore {
				continue
			}
			rep.Events++
			if prev, ok := all[ev.Rev]; ok && prev != ev {
				rep.Disagree = append(rep.Disagree, fmt.Sprintf("revision %d: %+v on one node, %+v on n%d", ev.Rev, prev, ev, i+1))
			}
			all[ev.Rev] = ev
			perNode[i][ev.Key] = append(perNode[i][ev.Key], ev)
		}
	}
	byKey := map[string][]int64{}
	for rev, ev := range all {
		byKey[ev.Key] = append(byKey[ev.Key], rev)
	}
	for k := range byKey {
		sort.Slice(byKey[k], func(i, j int) bool { return byKey[k][i] < byKey[k][j] })
	}
	for i := range watchers {
		for k, revs := range byKey {
			got := perNode[i][k]
			for j, want := range revs {
				if j >= len(got) {
					rep.Gaps = append(rep.Gaps, fmt.Sprintf("n%d, %s: %d events of %d", i+1, k, len(got), len(revs)))
					break
				}
				if got[j].Rev != want {
					rep.Gaps = append(rep.Gaps, fmt.Sprintf("n%d, %s: event %d has revision %d, want %d", i+1, k, j, got[j].Rev, want))
					break
				}
			}
			if len(got) > len(revs) {
				rep.Gaps = append(rep.Gaps, fmt.Sprintf("n%d, %s: %d events, the union has %d (duplicates)", i+1, k, len(got), len(revs)))
			}
		}
	}
	written, acked := h.written(), h.acknowledged()
	revOf := map[string]int64{}
	for rev, ev := range all {
		if ev.Delete {
			continue
		}
		if !written[ev.Key][ev.Value] {
			rep.Disagree = append(rep.Disagree, fmt.Sprintf("revision %d: %s = %s, which no write wrote", rev, ev.Key, ev.Value))
		}
		revOf[ev.Key+"\x00"+ev.Value] = rev
	}
	for k, vals := range acked {
		for v := range vals {
			if _, ok := revOf[k+"\x00"+v]; !ok {
				rep.Lost = append(rep.Lost, fmt.Sprintf("%s = %s", k, v))
			}
		}
	}
	// Acknowledged writes in real-time order keep that order.
	type write struct {
		call, ret, rev int64
		value          string
	}
	perKey := map[string][]write{}
	for _, op := range h.operations() {
		in, out := op.Input.(kvInput), op.Output.(kvOutput)
		if out.Unknown || !(in.Kind == opPut || (in.Kind == opCAS && out.OK)) {
			continue
		}
		if rev, ok := revOf[in.Key+"\x00"+in.Value]; ok {
			perKey[in.Key] = append(perKey[in.Key], write{op.Call, op.Return, rev, in.Value})
		}
	}
	for k, ws := range perKey {
		sort.Slice(ws, func(i, j int) bool { return ws[i].ret < ws[j].ret })
		for i := range ws {
			for j := range ws {
				if ws[i].ret < ws[j].call && ws[i].rev > ws[j].rev {
					rep.Disagree = append(rep.Disagree, fmt.Sprintf("%s: %s returned before %s was called, but has the later revision (%d > %d)", k, ws[i].value, ws[j].value, ws[i].rev, ws[j].rev))
				}
			}
		}
	}
	return rep
}
