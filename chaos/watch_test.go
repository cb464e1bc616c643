package chaos

import (
	"strings"
	"testing"
)

func watcherOf(events ...watchEvent) *watcher { return &watcher{events: events} }

// The watch check finds a node that missed an event, an event no write
// explains, an acknowledged write no node sent, and two nodes that
// disagree on a revision; it passes the nodes that agree.
func TestWatchCheckFindsGapsStrangersLossesAndDisagreements(t *testing.T) {
	h := newHistory()
	h.add(0, kvInput{Kind: opPut, Key: "k", Value: "a"}, kvOutput{}, 0, 10)
	h.add(0, kvInput{Kind: opPut, Key: "k", Value: "b"}, kvOutput{}, 20, 30)
	a := watchEvent{Key: "k", Value: "a", Rev: 5}
	b := watchEvent{Key: "k", Value: "b", Rev: 7}

	if rep := checkWatches(h, []*watcher{watcherOf(a, b), watcherOf(a, b)}, ""); len(rep.Gaps)+len(rep.Disagree)+len(rep.Lost) != 0 || rep.Events != 4 {
		t.Fatalf("two agreeing nodes: %+v", rep)
	}
	if rep := checkWatches(h, []*watcher{watcherOf(a, b), watcherOf(b)}, ""); len(rep.Gaps) == 0 {
		t.Fatalf("a node that missed revision 5 passed: %+v", rep)
	}
	stranger := watchEvent{Key: "k", Value: "zz", Rev: 9}
	if rep := checkWatches(h, []*watcher{watcherOf(a, b, stranger), watcherOf(a, b, stranger)}, ""); len(rep.Disagree) == 0 {
		t.Fatalf("a value no write wrote passed: %+v", rep)
	}
	if rep := checkWatches(h, []*watcher{watcherOf(a), watcherOf(a)}, ""); len(rep.Lost) != 1 || !strings.Contains(rep.Lost[0], "b") {
		t.Fatalf("an acknowledged write no node sent passed: %+v", rep)
	}
	other := watchEvent{Key: "k", Value: "a", Rev: 7}
	if rep := checkWatches(h, []*watcher{watcherOf(a, b), watcherOf(a, other)}, ""); len(rep.Disagree) == 0 {
		t.Fatalf("two events on revision 7 passed: %+v", rep)
	}
	swapped := []*watcher{watcherOf(watchEvent{Key: "k", Value: "b", Rev: 5}, watchEvent{Key: "k", Value: "a", Rev: 7})}
	if rep := checkWatches(h, swapped, ""); len(rep.Disagree) == 0 {
		t.Fatalf("writes acknowledged in order but sent reversed passed: %+v", rep)
	}
}
