package chaos

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// runConfig shapes one history.
type runConfig struct {
	Duration time.Duration
	Clients  int // etcd clients, spread over the nodes
	Keys     int
	Seed     uint64
	Faults   bool   // false: no nemesis (a control run)
	Out      string // the artifacts folder
}

// result is what one history showed.
type result struct {
	Index      int
	Ops        int
	Unknown    int // writes whose outcome was not known
	Linear     porcupine.CheckResult
	Watch      watchReport
	Regions    int      // console writes acknowledged
	RegionLost []string // acknowledged console writes missing on a node
	Panics     int
	Faults     []string
	Proxy      proxyStats // what the proxies did during this history
}

// Violations counts what breaks linearizability or the watch contract.
func (r result) Violations() int {
	v := len(r.Watch.Disagree)
	if r.Linear == porcupine.Illegal {
		v++
	}
	return v
}

// Lost counts acknowledged writes that are gone.
func (r result) Lost() int { return len(r.Watch.Lost) + len(r.RegionLost) }

func (r result) String() string {
	return fmt.Sprintf("history=%d ops=%d unknown=%d linearizable=%s violations=%d lost=%d watch_events=%d watch_gaps=%d console_writes=%d panics=%d faults=%d proxy_conns=%d unidentified=%d refused=%d dropped_bytes=%d delayed_chunks=%d",
		r.Index, r.Ops, r.Unknown, r.Linear, r.Violations(), r.Lost(), r.Watch.Events, len(r.Watch.Gaps), r.Regions, r.Panics, len(r.Faults)/2,
		r.Proxy.Conns, r.Proxy.Unidentified, r.Proxy.Refused, r.Proxy.Dropped, r.Proxy.Delayed)
}

// runHistory records one history on c under keys of its own, with the
// nemesis at work, then heals the cluster and checks it.
func runHistory(c *cluster, idx int, cfg runConfig) (result, error) {
	res := result{Index: idx}
	rnd := rand.New(rand.NewPCG(cfg.Seed, uint64(idx)))
	prefix := fmt.Sprintf("/chaos/h%03d/", idx)
	keys := make([]string, cfg.Keys)
	for i := range keys {
		keys[i] = fmt.Sprintf("%sk%d", prefix, i)
	}
	sentinel := prefix + "~end"
	panicsBefore := 0
	for _, n := range c.nodes {
		panicsBefore += n.panics()
	}

	all, err := c.etcdClient(c.nodes...)
	if err != nil {
		return res, err
	}
	defer all.Close()
	ctx0, cancel0 := context.WithTimeout(context.Background(), 10*time.Second)
	start, err := all.Get(ctx0, prefix, clientv3.WithPrefix())
	cancel0()
	if err != nil {
		return res, fmt.Errorf("read the start revision: %w", err)
	}

	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	var watchers []*watcher
	for i, n := range c.nodes {
		cli, err := c.etcdClient(n)
		if err != nil {
			return res, err
		}
		defer cli.Close()
		watchers = append(watchers, startWatcher(watchCtx, i, cli, prefix, start.Header.Revision+1))
	}

	proxyBefore := c.faults.counts()
	h := newHistory()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < cfg.Clients; i++ {
		cli, err := c.etcdClient(c.nodes[i%len(c.nodes)])
		if err != nil {
			return res, err
		}
		defer cli.Close()
		w := &worker{id: i, cli: cli, h: h, keys: keys, rnd: rand.New(rand.NewPCG(cfg.Seed, uint64(idx*1000+i)))}
		wg.Add(1)
		go func() { defer wg.Done(); w.run(ctx) }()
	}
	var regions []string
	var regionsMu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		ids := consoleWrites(ctx, c, idx, rnd.Uint64())
		regionsMu.Lock()
		regions = ids
		regionsMu.Unlock()
	}()
	nem := &nemesis{c: c, rnd: rand.New(rand.NewPCG(cfg.Seed, uint64(idx)+1<<32)), h: h}
	var nemErr error
	if cfg.Faults {
		wg.Add(1)
		go func() { defer wg.Done(); nemErr = nem.run(ctx) }()
	}
	wg.Wait()
	res.Faults = nem.log
	after := c.faults.counts()
	res.Proxy = proxyStats{Conns: after.Conns - proxyBefore.Conns, Unidentified: after.Unidentified - proxyBefore.Unidentified,
		Refused: after.Refused - proxyBefore.Refused, Dropped: after.Dropped - proxyBefore.Dropped, Delayed: after.Delayed - proxyBefore.Delayed}
	if nemErr != nil {
		return res, nemErr
	}
	if err := c.heal(); err != nil {
		return res, err
	}
	if err := finalReads(all, h, keys); err != nil {
		return res, err
	}
	ctx1, cancel1 := context.WithTimeout(context.Background(), 10*time.Second)
	end, err := all.Put(ctx1, sentinel, "end")
	cancel1()
	if err != nil {
		return res, fmt.Errorf("write the end mark: %w", err)
	}
	for i, w := range watchers {
		if !w.waitFor(end.Header.Revision, 30*time.Second) {
			res.Watch.Gaps = append(res.Watch.Gaps, fmt.Sprintf("n%d: the watch never reached the end mark (revision %d); errors: %v", i+1, end.Header.Revision, w.errs))
		}
	}
	stopWatch()

	ops := h.operations()
	res.Ops = len(ops)
	for _, op := range ops {
		if op.Output.(kvOutput).Unknown {
			res.Unknown++
		}
	}
	lin, info := porcupine.CheckOperationsVerbose(kvModel, ops, 2*time.Minute)
	res.Linear = lin
	watch := checkWatches(h, watchers, sentinel)
	res.Watch.Events, res.Watch.Disagree, res.Watch.Lost = watch.Events, watch.Disagree, watch.Lost
	res.Watch.Gaps = append(res.Watch.Gaps, watch.Gaps...)
	res.Regions = len(regions)
	res.RegionLost = checkRegions(c, regions)
	for _, n := range c.nodes {
		res.Panics += n.panics()
	}
	res.Panics -= panicsBefore

	if cfg.Out != "" {
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return res, err
		}
		base := filepath.Join(cfg.Out, fmt.Sprintf("history-%03d", idx))
		if err := porcupine.VisualizePath(kvModel, info, base+".html"); err != nil {
			return res, err
		}
		if err := saveHistory(base+".json", ops, lin); err != nil {
			return res, err
		}
		report := res.String() + "\n\nfaults:\n" + strings.Join(res.Faults, "\n") +
			"\n\nwatch gaps:\n" + strings.Join(res.Watch.Gaps, "\n") +
			"\n\nviolations:\n" + strings.Join(res.Watch.Disagree, "\n") +
			"\n\nlost:\n" + strings.Join(append(res.Watch.Lost, res.RegionLost...), "\n") + "\n"
		if err := os.WriteFile(base+".txt", []byte(report), 0o644); err != nil {
			return res, err
		}
	}
	return res, nil
}

// consoleWrites creates topology regions through the Console API on
// random nodes until ctx ends, and returns the ids acknowledged.
func consoleWrites(ctx context.Context, c *cluster, idx int, seed uint64) []string {
	rnd := rand.New(rand.NewPCG(seed, 7))
	var acked []string
	var admin *console
	for seq := 0; ctx.Err() == nil; seq++ {
		n := c.nodes[rnd.IntN(len(c.nodes))]
		if admin == nil {
			a, err := c.login(n)
			if err != nil {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			admin = a
		}
		id := fmt.Sprintf("hz-c%d-%d", idx, seq)
		body := map[string]any{"id": id, "name": id, "provider": "hetzner", "providerRegion": "fsn1", "workerCount": 1, "status": "healthy"}
		if code, _ := admin.call(n, "POST", "/api/v1/sovereign/topology/regions", body, nil); code == 201 || code == 200 {
			acked = append(acked, id)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return acked
}

// checkRegions lists the acknowledged regions some node lacks, after
// giving every node time to apply them.
func checkRegions(c *cluster, ids []string) []string {
	admin, err := c.login(c.nodes[0])
	if err != nil {
		return []string{"login for the console check: " + err.Error()}
	}
	var missing []string
	for _, n := range c.nodes {
		var body string
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			body = regionList(admin, n)
			all := true
			for _, id := range ids {
				if !strings.Contains(body, `"`+id+`"`) {
					all = false
					break
				}
			}
			if all || time.Now().After(deadline) {
				break
			}
		}
		for _, id := range ids {
			if !strings.Contains(body, `"`+id+`"`) {
				missing = append(missing, fmt.Sprintf("region %s on %s", id, n.name))
			}
		}
	}
	return missing
}

func regionList(a *console, n *node) string {
	req, _ := http.NewRequest("GET", "http://"+n.http+"/api/v1/sovereign/topology/regions", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.http.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
