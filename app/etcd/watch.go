package etcd

import (
	"context"
	"errors"
	"sync"

	"github.com/k3s-io/kine/pkg/server"
	"github.com/openova-io/sovereign/storage"
)

// Watches are fed by this node's own apply loop: the store hands each
// applied batch's events to the hub, which fans them out to every watch
// on this node. A follower therefore serves watches without asking the
// leader, and across a change of leader its events simply keep coming from
// its own log, in order.
//
// Each watch delivers every revision exactly once and in order. It reads
// what came before it from the store's history, then follows the hub; as
// revisions are dense (every change takes one), a batch that does not
// start right after the last revision delivered (a watch that fell behind
// and was dropped by the hub, a snapshot installed under it) sends the
// watch back to the history to fill the gap.

// subBuffer is how many batches a watch may fall behind before the hub
// drops it; it then catches up from the history.
const subBuffer = 256

type hub struct {
	mu   sync.Mutex
	subs map[*subscription]struct{}
}

type subscription struct {
	ch chan []storage.KVEvent
}

func newHub() *hub { return &hub{subs: map[*subscription]struct{}{}} }

func (h *hub) subscribe() *subscription {
	s := &subscription{ch: make(chan []storage.KVEvent, subBuffer)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *hub) unsubscribe(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

// publish runs on the apply loop and never blocks: a watch whose buffer
// is full is dropped (its channel closed) and catches up by itself.
func (h *hub) publish(events []storage.KVEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.ch <- events:
		default:
			delete(h.subs, s)
			close(s.ch)
		}
	}
}

// historyPage bounds one read of the history while a watch catches up.
const historyPage = 1000

// Watch delivers every change from revision on (0: from now).
func (b *Backend) Watch(ctx context.Context, revision int64) server.WatchResult {
	out := make(chan server.EventBatch, 16)
	errc := make(chan error, 1)
	sub := b.hub.subscribe()
	current, compacted, err := b.store.KVRevision()
	wr := server.WatchResult{CurrentRevision: current, Eventc: out, Errorc: errc}
	if err == nil && revision > 0 && revision < compacted {
		wr.CompactRevision = compacted
	}
	if err != nil || wr.CompactRevision != 0 {
		if err != nil {
			errc <- toGRPC(err)
		}
		b.hub.unsubscribe(sub)
		close(out)
		return wr
	}
	last := current
	if revision > 0 {
		last = revision - 1
	}
	w := &watch{b: b, ctx: ctx, out: out, sub: sub, last: last}
	go func() {
		defer close(out)
		defer func() { b.hub.unsubscribe(w.sub) }()
		if err := w.follow(); err != nil && !errors.Is(err, context.Canceled) {
			errc <- toGRPC(err)
		}
	}()
	return wr
}

type watch struct {
	b    *Backend
	ctx  context.Context
	out  chan<- server.EventBatch
	sub  *subscription
	last int64 // the last revision delivered
}

// follow catches up from the history, then delivers the hub's batches.
func (w *watch) follow() error {
	if err := w.catchUp(); err != nil {
		return err
	}
	// Tell kine where the watch stands even without events: a watch is
	// "synced" (and gets progress notifications) once it has been sent the
	// current revision.
	select {
	case w.out <- server.EventBatch{CurrentRev: w.last}:
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
	for {
		select {
		case <-w.ctx.Done():
			return w.ctx.Err()
		case events, ok := <-w.sub.ch:
			if !ok { // dropped for falling behind
				w.sub = w.b.hub.subscribe()
				if err := w.catchUp(); err != nil {
					return err
				}
				continue
			}
			if events == nil { // a snapshot replaced the state
				if err := w.catchUp(); err != nil {
					return err
				}
				continue
			}
			for len(events) > 0 && events[0].KV.ModRevision <= w.last {
				events = events[1:]
			}
			if len(events) == 0 {
				continue
			}
			if events[0].KV.ModRevision != w.last+1 {
				if err := w.catchUp(); err != nil {
					return err
				}
				continue
			}
			if err := w.send(events); err != nil {
				return err
			}
		}
	}
}

// catchUp delivers the history after the last revision delivered.
func (w *watch) catchUp() error {
	for {
		events, _, _, err := w.b.store.KVEvents(w.last, historyPage)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
		if err := w.send(events); err != nil {
			return err
		}
	}
}

func (w *watch) send(events []storage.KVEvent) error {
	batch := server.EventBatch{Events: make([]*server.Event, len(events))}
	for i := range events {
		batch.Events[i] = toKineEvent(&events[i])
	}
	batch.CurrentRev = events[len(events)-1].KV.ModRevision
	select {
	case w.out <- batch:
		w.last = batch.CurrentRev
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

func toKineEvent(e *storage.KVEvent) *server.Event {
	ev := &server.Event{Create: e.Create, Delete: e.Delete, KV: toKine(e.KV)}
	if e.Prev != nil {
		ev.PrevKV = toKine(*e.Prev)
	}
	return ev
}
