// Command etcdload drives an etcd v3 endpoint (real etcd or Sovereign's)
// with the etcd Go client and prints one line of figures, so that
// scripts/bench-etcd.sh runs the same load against both.
//
//	go run ./scripts/etcdload -endpoints 127.0.0.1:2379 -workload put -clients 100 -duration 10s
//
// Workloads: put (each client writes its own keys), txn (Kubernetes'
// update: if mod revision = r then put else get, each client its own
// key), get and sget (linearizable and serializable reads of 1000 keys),
// latency (one client's puts, one at a time). Values are -value-size
// bytes. Clients share -conns gRPC connections spread over the endpoints,
// as etcd's own benchmark tool does.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

type config struct {
	endpoints             []string
	workload              string
	clients, conns, size  int
	duration              time.Duration
	cacert, cert, keyfile string
}

func main() {
	var c config
	var eps string
	flag.StringVar(&eps, "endpoints", "127.0.0.1:2379", "comma-separated endpoints (loopback only)")
	flag.StringVar(&c.workload, "workload", "put", "put, txn, get, sget or latency")
	flag.IntVar(&c.clients, "clients", 100, "concurrent clients")
	flag.IntVar(&c.conns, "conns", 10, "gRPC connections shared by the clients")
	flag.IntVar(&c.size, "value-size", 256, "bytes per value")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long to run")
	flag.StringVar(&c.cacert, "cacert", "", "CA certificate (TLS)")
	flag.StringVar(&c.cert, "cert", "", "client certificate (TLS)")
	flag.StringVar(&c.keyfile, "key", "", "client key (TLS)")
	flag.Parse()
	c.endpoints = strings.Split(eps, ",")
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "etcdload:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	for _, ep := range c.endpoints {
		host := strings.TrimPrefix(strings.TrimPrefix(ep, "https://"), "http://")
		if !strings.HasPrefix(host, "127.") && !strings.HasPrefix(host, "localhost:") {
			return fmt.Errorf("endpoint %s: only loopback endpoints are driven", ep)
		}
	}
	if c.workload == "latency" {
		c.clients, c.conns = 1, 1
	}
	tlsConf, err := clientTLS(c)
	if err != nil {
		return err
	}
	conns := make([]*clientv3.Client, c.conns)
	for i := range conns {
		ep := c.endpoints[i%len(c.endpoints)]
		if tlsConf != nil && !strings.HasPrefix(ep, "https://") {
			ep = "https://" + ep
		}
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, TLS: tlsConf, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			return err
		}
		defer cli.Close()
		conns[i] = cli
	}
	value := strings.Repeat("v", c.size)
	ctx := context.Background()
	op, err := prepare(ctx, c, conns, value)
	if err != nil {
		return err
	}

	var ops, fails atomic.Int64
	lat := make([][]time.Duration, c.clients)
	deadline := time.Now().Add(c.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < c.clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cli := conns[i%len(conns)]
			state := &clientState{}
			for n := 0; time.Now().Before(deadline); n++ {
				t := time.Now()
				if err := op(ctx, cli, i, n, state); err != nil {
					fails.Add(1)
					continue
				}
				lat[i] = append(lat[i], time.Since(t))
				ops.Add(1)
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(float64(len(all)-1)*p)].Microseconds()) / 1000
	}
	fmt.Printf("workload=%s clients=%d ops=%d failed=%d ops_per_s=%.0f p50_ms=%.3f p99_ms=%.3f\n",
		c.workload, c.clients, ops.Load(), fails.Load(), float64(ops.Load())/elapsed.Seconds(), pct(0.50), pct(0.99))
	if fails.Load() > ops.Load()/100 {
		return fmt.Errorf("%d of %d operations failed", fails.Load(), ops.Load()+fails.Load())
	}
	return nil
}

// clientState is what a client carries from one operation to the next:
// the mod revision of its own key, for the update transaction.
type clientState struct{ rev int64 }

type opFunc func(ctx context.Context, cli *clientv3.Client, client, n int, s *clientState) error

const readKeys = 1000

func prepare(ctx context.Context, c config, conns []*clientv3.Client, value string) (opFunc, error) {
	switch c.workload {
	case "put", "latency":
		return func(ctx context.Context, cli *clientv3.Client, client, n int, _ *clientState) error {
			_, err := cli.Put(ctx, fmt.Sprintf("/bench/put/%03d/%04d", client, n%1000), value)
			return err
		}, nil
	case "txn":
		return func(ctx context.Context, cli *clientv3.Client, client, _ int, s *clientState) error {
			key := fmt.Sprintf("/bench/txn/%03d", client)
			resp, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", s.rev)).
				Then(clientv3.OpPut(key, value)).Else(clientv3.OpGet(key)).Commit()
			if err != nil {
				return err
			}
			if resp.Succeeded {
				s.rev = resp.Header.Revision
				return nil
			}
			if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) == 1 {
				s.rev = kvs[0].ModRevision
			}
			return fmt.Errorf("update of %s at a stale revision", key)
		}, nil
	case "get", "sget":
		for i := 0; i < readKeys; i++ {
			if _, err := conns[0].Put(ctx, fmt.Sprintf("/bench/get/%04d", i), value); err != nil {
				return nil, err
			}
		}
		var opts []clientv3.OpOption
		if c.workload == "sget" {
			opts = append(opts, clientv3.WithSerializable())
		}
		return func(ctx context.Context, cli *clientv3.Client, client, n int, _ *clientState) error {
			resp, err := cli.Get(ctx, fmt.Sprintf("/bench/get/%04d", (client*7919+n)%readKeys), opts...)
			if err == nil && len(resp.Kvs) != 1 {
				err = fmt.Errorf("read found %d keys", len(resp.Kvs))
			}
			return err
		}, nil
	}
	return nil, fmt.Errorf("-workload %q: use put, txn, get, sget or latency", c.workload)
}

func clientTLS(c config) (*tls.Config, error) {
	if c.cacert == "" {
		return nil, nil
	}
	ca, err := os.ReadFile(c.cacert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s: no certificate", c.cacert)
	}
	conf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if c.cert != "" {
		pair, err := tls.LoadX509KeyPair(c.cert, c.keyfile)
		if err != nil {
			return nil, err
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	return conf, nil
}
