package etcd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// The apiserver records its compactions in compact_rev_key with a
// transaction on the key's version, then compacts.
func TestKubernetesCompactionTransaction(t *testing.T) {
	c := startCluster(t, Options{}, "solo")
	cli := c.client(c.members[0])
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		must(cli.Put(ctx, "/registry/x", "v"))
	}
	compact := func(version int64, rev string) *clientv3.TxnResponse {
		return must(cli.Txn(ctx).If(clientv3.Compare(clientv3.Version("compact_rev_key"), "=", version)).
			Then(clientv3.OpPut("compact_rev_key", rev)).Else(clientv3.OpGet("compact_rev_key")).Commit())
	}
	if r := compact(0, "5"); !r.Succeeded {
		t.Fatalf("first compaction record: %+v", r)
	}
	r := compact(0, "6") // another apiserver lost the race
	kvs := r.Responses[0].GetResponseRange().Kvs
	if r.Succeeded || len(kvs) != 1 || kvs[0].Version != 1 || string(kvs[0].Value) != "5" {
		t.Fatalf("losing compaction record: %+v", r)
	}
	if r := compact(1, "8"); !r.Succeeded {
		t.Fatalf("second compaction record: %+v", r)
	}
	must(cli.Compact(ctx, 8))
	if _, compacted, _ := c.members[0].store.KVRevision(); compacted != 8 {
		t.Fatalf("compacted at %d, want 8", compacted)
	}
	g := must(cli.Get(ctx, "compact_rev_key"))
	if len(g.Kvs) != 1 || g.Kvs[0].Version != 2 || string(g.Kvs[0].Value) != "8" {
		t.Fatalf("compact_rev_key: %+v", g.Kvs)
	}
}

func TestAutomaticCompactionKeepsTheConfiguredRevisions(t *testing.T) {
	c := startCluster(t, Options{CompactInterval: 100 * time.Millisecond, CompactKeep: 5}, "a", "b", "c")
	cli := c.client(c.follower())
	ctx := context.Background()
	var last int64
	for i := 0; i < 20; i++ {
		last = must(cli.Put(ctx, "/auto", "v")).Header.Revision
	}
	for _, m := range c.members {
		waitFor(t, "compaction on "+m.name, 5*time.Second, func() bool {
			_, compacted, _ := m.store.KVRevision()
			return compacted == last-5
		})
	}
	if _, err := cli.Get(ctx, "/auto", clientv3.WithRev(last-5)); err != nil {
		t.Fatalf("read at the oldest kept revision: %v", err)
	}
}

func TestClientWithoutClusterCertificateIsRefused(t *testing.T) {
	c := startCluster(t, Options{}, "solo")
	noCert := c.clientTLS.Clone()
	noCert.Certificates = nil
	stranger := c.clientTLS.Clone()
	elsewhere, err := raftnode.NewTestCA("elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	crt, key, err := raftnode.IssueClientCert(elsewhere.CertPEM, elsewhere.KeyPEM, "k3s")
	if err != nil {
		t.Fatal(err)
	}
	pair, _ := tls.X509KeyPair(crt, key)
	stranger.Certificates = []tls.Certificate{pair}
	for name, conf := range map[string]*tls.Config{"no certificate": noCert, "another CA's certificate": stranger} {
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.members[0].endpoint}, TLS: conf, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			continue // refused at dial
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err = cli.Get(ctx, "/x")
		cancel()
		cli.Close()
		if err == nil {
			t.Fatalf("a client with %s was served", name)
		}
	}
}

func TestRangeStreamDeliversTheWholeRange(t *testing.T) {
	c := startCluster(t, Options{}, "solo")
	cli := c.client(c.members[0])
	ctx := context.Background()
	const n = 1234
	for i := 0; i < n; i++ {
		must(cli.Put(ctx, "/stream/"+fmt.Sprintf("%c%05d", 'a'+i%26, i), "value"))
	}
	stream, err := pb.NewKVClient(cli.ActiveConnection()).RangeStream(ctx, &pb.RangeRequest{Key: []byte("/stream/"), RangeEnd: []byte("/stream0")})
	if err != nil {
		t.Fatal(err)
	}
	got, prev := 0, ""
	for {
		resp, err := stream.Recv()
		if err != nil {
			break
		}
		for _, kv := range resp.RangeResponse.Kvs {
			if string(kv.Key) <= prev {
				t.Fatalf("%s after %s", kv.Key, prev)
			}
			prev = string(kv.Key)
			got++
		}
	}
	if got != n {
		t.Fatalf("streamed %d keys, want %d", got, n)
	}
}

func TestRequestsAreCountedByMethodAndResult(t *testing.T) {
	c := startCluster(t, Options{}, "solo")
	m := c.members[0]
	cli := c.client(m)
	ctx := context.Background()
	must(cli.Put(ctx, "/m", "v"))
	cli.Get(ctx, "/m", clientv3.WithRev(1_000_000))
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	histos := 0
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			labels := ""
			for _, l := range mt.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + " "
			}
			switch f.GetName() {
			case "sovereign_etcd_requests_total":
				counts[strings.TrimSpace(labels)] = mt.GetCounter().GetValue()
			case "sovereign_etcd_request_duration_seconds":
				histos += int(mt.GetHistogram().GetSampleCount())
			}
		}
	}
	if counts["method=KV/Put result=OK"] != 1 || counts["method=KV/Range result=OutOfRange"] != 1 || histos < 2 {
		t.Fatalf("counts %v, %d timed", counts, histos)
	}
}

// A client certificate revoked with `sovereign cluster revoke-cert` is
// refused at the next handshake, and the connection it already had is cut
// (a watch on it ends, a call on it fails).
func TestRevokedClientCertificateIsRefused(t *testing.T) {
	c := startCluster(t, Options{}, "solo")
	m := c.members[0]
	ctx := context.Background()
	open := c.client(m)
	if _, err := open.Get(ctx, "/x"); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	watch := open.Watch(wctx, "/x")
	leaf, err := x509.ParseCertificate(c.clientTLS.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	cmd, _, err := m.node.RevokeCertCommand(leaf.SerialNumber.Text(16))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m.node.Apply(ctx, cmd); err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	// The connection opened before the revocation: within a sweep, calls
	// on it stop being answered and the watch ends.
	cut := false
	for deadline := time.Now().Add(3 * sweepInterval); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		gctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, err := open.Get(gctx, "/x")
		cancel()
		if err != nil {
			cut = true
			break
		}
	}
	if !cut {
		t.Fatal("a connection opened before the revocation was still served")
	}
	// A write made now does not reach the watch of the revoked client.
	if res, err := m.node.Apply(ctx, storage.KVPut([]byte("/x"), []byte("after"), 0)); err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	select {
	case resp, ok := <-watch:
		for _, ev := range resp.Events {
			t.Errorf("the revoked client's watch still received %s=%s", ev.Kv.Key, ev.Kv.Value)
		}
		_ = ok
	case <-time.After(2 * time.Second):
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{m.endpoint}, TLS: c.clientTLS.Clone(), DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err == nil {
		defer cli.Close()
		gctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if _, err := cli.Get(gctx, "/x"); err == nil {
			t.Fatal("a revoked client certificate was served")
		}
	}
}
