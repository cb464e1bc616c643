package chaos

import (
	"math"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// unknownReturn is the return time of an operation whose outcome is not
// known: it may take effect at any time after its call.
const unknownReturn = math.MaxInt64

// history records the operations of every client of one run, in
// nanoseconds since its start.
type history struct {
	start time.Time

	mu      sync.Mutex
	ops     []porcupine.Operation
	clients int
}

func newHistory() *history { return &history{start: time.Now()} }

func (h *history) now() int64 { return int64(time.Since(h.start)) }

// newClient is a fresh client id: a client whose operation's outcome is
// unknown continues under a new id, since that operation never returns.
func (h *history) newClient() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients++
	return h.clients - 1
}

func (h *history) add(client int, in kvInput, out kvOutput, call, ret int64) {
	if out.Unknown {
		ret = unknownReturn
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret})
}

func (h *history) operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]porcupine.Operation(nil), h.ops...)
}

// acknowledged lists, per key, the values whose write was acknowledged
// (a put, or a compare-and-swap that held).
func (h *history) acknowledged() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, op := range h.operations() {
		in, res := op.Input.(kvInput), op.Output.(kvOutput)
		if res.Unknown || !(in.Kind == opPut || (in.Kind == opCAS && res.OK)) {
			continue
		}
		if out[in.Key] == nil {
			out[in.Key] = map[string]bool{}
		}
		out[in.Key][in.Value] = true
	}
	return out
}

// written lists, per key, every value any write may have written.
func (h *history) written() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, op := range h.operations() {
		in := op.Input.(kvInput)
		if in.Kind != opPut && in.Kind != opCAS {
			continue
		}
		if out[in.Key] == nil {
			out[in.Key] = map[string]bool{}
		}
		out[in.Key][in.Value] = true
	}
	return out
}
