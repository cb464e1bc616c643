package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// opTimeout bounds every client call; a write that runs out of it has an
// unknown outcome.
const opTimeout = 2 * time.Second

// worker runs random operations on keys through cli until ctx ends.
type worker struct {
	id   int
	cli  *clientv3.Client
	h    *history
	keys []string
	rnd  *rand.Rand
	seq  int
}

func (w *worker) run(ctx context.Context) {
	client := w.h.newClient()
	for ctx.Err() == nil {
		key := w.keys[w.rnd.IntN(len(w.keys))]
		var known bool
		switch p := w.rnd.IntN(100); {
		case p < 30:
			w.get(ctx, client, key)
			known = true
		case p < 55:
			known = w.put(client, key)
		case p < 65:
			known = w.delete(client, key)
		default:
			known = w.cas(ctx, client, key)
		}
		if !known {
			client = w.h.newClient()
		}
	}
}

func (w *worker) value() string {
	w.seq++
	return fmt.Sprintf("w%d-%d", w.id, w.seq)
}

// get reads key; a read that fails tells nothing and is not recorded. It
// returns the key's mod revision and value, for a compare-and-swap.
func (w *worker) get(ctx context.Context, client int, key string) (rev int64, out kvOutput, ok bool) {
	cctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	call := w.h.now()
	resp, err := w.cli.Get(cctx, key)
	ret := w.h.now()
	if err != nil {
		return 0, out, false
	}
	if len(resp.Kvs) > 0 {
		out = kvOutput{Found: true, Value: string(resp.Kvs[0].Value)}
		rev = resp.Kvs[0].ModRevision
	}
	w.h.add(client, kvInput{Kind: opGet, Key: key}, out, call, ret)
	return rev, out, true
}

// put writes a new value; false when the outcome is unknown.
func (w *worker) put(client int, key string) bool {
	in := kvInput{Kind: opPut, Key: key, Value: w.value()}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.h.now()
	_, err := w.cli.Put(ctx, key, in.Value)
	ret := w.h.now()
	w.h.add(client, in, kvOutput{Unknown: err != nil}, call, ret)
	return err == nil
}

func (w *worker) delete(client int, key string) bool {
	in := kvInput{Kind: opDelete, Key: key}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.h.now()
	resp, err := w.cli.Delete(ctx, key)
	ret := w.h.now()
	out := kvOutput{Unknown: err != nil}
	if err == nil {
		out.Found = resp.Deleted > 0
	}
	w.h.add(client, in, out, call, ret)
	return err == nil
}

// cas is Kubernetes' update: read the key, then if its mod revision is
// still the one read put a new value, else get it.
func (w *worker) cas(ctx context.Context, client int, key string) bool {
	rev, read, ok := w.get(ctx, client, key)
	if !ok {
		return true
	}
	in := kvInput{Kind: opCAS, Key: key, Value: w.value(), Expect: read.Value, ExpectSet: read.Found}
	cctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.h.now()
	resp, err := w.cli.Txn(cctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
		Then(clientv3.OpPut(key, in.Value)).
		Else(clientv3.OpGet(key)).
		Commit()
	ret := w.h.now()
	out := kvOutput{Unknown: err != nil}
	if err == nil {
		out.OK = resp.Succeeded
		if !resp.Succeeded && len(resp.Responses) > 0 {
			if r := resp.Responses[0].GetResponseRange(); r != nil && len(r.Kvs) > 0 {
				out.Found, out.Value = true, string(r.Kvs[0].Value)
			}
		}
	}
	w.h.add(client, in, out, call, ret)
	return err == nil
}

// finalReads reads every key once more after the faults healed, so the
// check covers what the cluster ends with; it retries until a read
// answers.
func finalReads(cli *clientv3.Client, h *history, keys []string) error {
	client := h.newClient()
	for _, k := range keys {
		var err error
		for i := 0; i < 20; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			call := h.now()
			var resp *clientv3.GetResponse
			resp, err = cli.Get(ctx, k)
			ret := h.now()
			cancel()
			if err == nil {
				out := kvOutput{}
				if len(resp.Kvs) > 0 {
					out = kvOutput{Found: true, Value: string(resp.Kvs[0].Value)}
				}
				h.add(client, kvInput{Kind: opGet, Key: k}, out, call, ret)
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("final read of %s: %w", k, err)
		}
	}
	return nil
}
