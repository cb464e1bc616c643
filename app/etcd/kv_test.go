package etcd

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The suite every member must pass, leader or follower, with the real
// etcd client: each operation gives the result etcd gives.
func TestEtcdClientAgainstTheLeader(t *testing.T) {
	c := startCluster(t, Options{LeaseCheckInterval: 100 * time.Millisecond})
	runSuite(t, c, c.client(c.leader()))
}

func TestEtcdClientAgainstAFollower(t *testing.T) {
	c := startCluster(t, Options{LeaseCheckInterval: 100 * time.Millisecond})
	runSuite(t, c, c.client(c.follower()))
}

func runSuite(t *testing.T, c *testCluster, cli *clientv3.Client) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, context.Context, *clientv3.Client)
	}{
		{"PutGet", testPutGet},
		{"PrefixLimitsRevisions", testPrefixLimitsRevisions},
		{"Delete", testDelete},
		{"KubernetesTransactions", testKubernetesTransactions},
		{"WatchFromRevisionWithPrevious", testWatchFromRevision},
		{"Compaction", testCompaction},
		{"LeaseExpiryTakesTheKey", testLeaseExpiry},
		{"MembersAndStatus", testMembersAndStatus},
		{"Errors", testErrors},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			defer func() {
				if r := recover(); r != nil {
					if e, ok := r.(mustError); ok {
						t.Fatal(e.err)
					}
					panic(r)
				}
			}()
			tc.run(t, ctx, cli)
		})
	}
}

// must returns v, or ends the subtest with err (failed, in runSuite).
func must[T any](v T, err error) T {
	if err != nil {
		panic(mustError{err})
	}
	return v
}

type mustError struct{ err error }

func testPutGet(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	p1 := must(cli.Put(ctx, "/pg/k", "v1"))
	r := must(cli.Get(ctx, "/pg/k"))
	if len(r.Kvs) != 1 || string(r.Kvs[0].Value) != "v1" || r.Kvs[0].Version != 1 ||
		r.Kvs[0].CreateRevision != p1.Header.Revision || r.Kvs[0].ModRevision != p1.Header.Revision {
		t.Fatalf("get after put: %+v (put at %d)", r.Kvs, p1.Header.Revision)
	}
	p2 := must(cli.Put(ctx, "/pg/k", "v2", clientv3.WithPrevKV()))
	if p2.PrevKv == nil || string(p2.PrevKv.Value) != "v1" || p2.Header.Revision != p1.Header.Revision+1 {
		t.Fatalf("put with prev: %+v", p2)
	}
	r = must(cli.Get(ctx, "/pg/k"))
	if kv := r.Kvs[0]; kv.Version != 2 || kv.CreateRevision != p1.Header.Revision || kv.ModRevision != p2.Header.Revision {
		t.Fatalf("after the second put: %+v", kv)
	}
	if r.Header.Revision < p2.Header.Revision {
		t.Fatalf("a read after an acknowledged write answered at revision %d < %d", r.Header.Revision, p2.Header.Revision)
	}
	r = must(cli.Get(ctx, "/pg/missing"))
	if len(r.Kvs) != 0 || r.Count != 0 {
		t.Fatalf("missing key: %+v", r)
	}
	r = must(cli.Get(ctx, "/pg/k", clientv3.WithSerializable()))
	if len(r.Kvs) != 1 {
		t.Fatalf("serializable get: %+v", r)
	}
}

func testPrefixLimitsRevisions(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	var revs []int64
	for _, k := range []string{"a", "b", "c", "d"} {
		revs = append(revs, must(cli.Put(ctx, "/pre/"+k, k)).Header.Revision)
	}
	must(cli.Put(ctx, "/pre0", "outside"))
	r := must(cli.Get(ctx, "/pre/", clientv3.WithPrefix()))
	if got := keys(r.Kvs); got != "/pre/a /pre/b /pre/c /pre/d" || r.Count != 4 || r.More {
		t.Fatalf("prefix: %s count %d more %v", got, r.Count, r.More)
	}
	r = must(cli.Get(ctx, "/pre/", clientv3.WithPrefix(), clientv3.WithLimit(2)))
	if got := keys(r.Kvs); got != "/pre/a /pre/b" || r.Count != 4 || !r.More {
		t.Fatalf("limit 2: %s count %d more %v", got, r.Count, r.More)
	}
	r = must(cli.Get(ctx, "/pre/", clientv3.WithPrefix(), clientv3.WithRev(revs[1])))
	if got := keys(r.Kvs); got != "/pre/a /pre/b" {
		t.Fatalf("at revision %d: %s", revs[1], got)
	}
	r = must(cli.Get(ctx, "/pre/b", clientv3.WithRange("/pre/d")))
	if got := keys(r.Kvs); got != "/pre/b /pre/c" {
		t.Fatalf("range [b, d): %s", got)
	}
	r = must(cli.Get(ctx, "/pre/", clientv3.WithPrefix(), clientv3.WithCountOnly()))
	if r.Count != 4 || len(r.Kvs) != 0 {
		t.Fatalf("count only: %+v", r)
	}
	r = must(cli.Get(ctx, "/pre/", clientv3.WithPrefix(), clientv3.WithKeysOnly()))
	if len(r.Kvs) != 4 || r.Kvs[0].Value != nil {
		t.Fatalf("keys only: %+v", r.Kvs)
	}
	r = must(cli.Get(ctx, "/pre/", clientv3.WithPrefix(), clientv3.WithSerializable()))
	if len(r.Kvs) != 4 {
		t.Fatalf("serializable prefix: %s", keys(r.Kvs))
	}
	r = must(cli.Get(ctx, "/pre/c", clientv3.WithFromKey()))
	if got := keys(r.Kvs); len(r.Kvs) < 3 || got[:len("/pre/c /pre/d /pre0")] != "/pre/c /pre/d /pre0" {
		t.Fatalf("from key: %s", got)
	}
}

func testDelete(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	for _, k := range []string{"a", "b", "c"} {
		must(cli.Put(ctx, "/del/"+k, k))
	}
	d := must(cli.Delete(ctx, "/del/a", clientv3.WithPrevKV()))
	if d.Deleted != 1 || len(d.PrevKvs) != 1 || string(d.PrevKvs[0].Value) != "a" {
		t.Fatalf("delete one: %+v", d)
	}
	if d := must(cli.Delete(ctx, "/del/a")); d.Deleted != 0 {
		t.Fatalf("delete a missing key: %+v", d)
	}
	d = must(cli.Delete(ctx, "/del/", clientv3.WithPrefix(), clientv3.WithPrevKV()))
	if d.Deleted != 2 || keys(d.PrevKvs) != "/del/b /del/c" {
		t.Fatalf("delete prefix: %+v", d)
	}
	if r := must(cli.Get(ctx, "/del/", clientv3.WithPrefix())); len(r.Kvs) != 0 {
		t.Fatalf("after delete: %s", keys(r.Kvs))
	}
}

// The three transactions the Kubernetes apiserver sends.
func testKubernetesTransactions(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	key := "/registry/pods/default/p1"
	create := func(v string) *clientv3.TxnResponse {
		return must(cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).Then(clientv3.OpPut(key, v)).Commit())
	}
	r := create("v1")
	if !r.Succeeded {
		t.Fatal("create of a new key failed")
	}
	rev := r.Header.Revision
	if create("again").Succeeded {
		t.Fatal("create of an existing key succeeded")
	}
	update := func(modRev int64, v string) *clientv3.TxnResponse {
		return must(cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev)).
			Then(clientv3.OpPut(key, v)).Else(clientv3.OpGet(key)).Commit())
	}
	r = update(rev, "v2")
	if !r.Succeeded || r.Header.Revision != rev+1 {
		t.Fatalf("update at the right revision: %+v", r)
	}
	r = update(rev, "v3")
	if r.Succeeded {
		t.Fatal("update at a stale revision succeeded")
	}
	kvs := r.Responses[0].GetResponseRange().Kvs
	if len(kvs) != 1 || string(kvs[0].Value) != "v2" || kvs[0].ModRevision != rev+1 {
		t.Fatalf("stale update answered %+v, want the current kv", kvs)
	}
	del := func(modRev int64) *clientv3.TxnResponse {
		return must(cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev)).
			Then(clientv3.OpDelete(key)).Else(clientv3.OpGet(key)).Commit())
	}
	r = del(rev)
	if r.Succeeded || len(r.Responses[0].GetResponseRange().Kvs) != 1 {
		t.Fatalf("stale delete: %+v", r)
	}
	r = del(rev + 1)
	if !r.Succeeded || r.Responses[0].GetResponseDeleteRange().Deleted != 1 {
		t.Fatalf("delete: %+v", r)
	}
	if g := must(cli.Get(ctx, key)); len(g.Kvs) != 0 {
		t.Fatal("deleted key still there")
	}
}

func testWatchFromRevision(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	start := must(cli.Put(ctx, "/w/a", "1")).Header.Revision
	must(cli.Put(ctx, "/w/a", "2"))
	must(cli.Delete(ctx, "/w/a"))
	must(cli.Put(ctx, "/other", "x"))
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wc := cli.Watch(wctx, "/w/", clientv3.WithPrefix(), clientv3.WithRev(start), clientv3.WithPrevKV())
	must(cli.Put(ctx, "/w/b", "live"))
	var got []string
	for len(got) < 4 {
		select {
		case resp := <-wc:
			if err := resp.Err(); err != nil {
				t.Fatal(err)
			}
			for _, ev := range resp.Events {
				prev := "-"
				if ev.PrevKv != nil {
					prev = string(ev.PrevKv.Value)
				}
				got = append(got, fmt.Sprintf("%s %s=%s prev=%s", ev.Type, ev.Kv.Key, ev.Kv.Value, prev))
			}
		case <-ctx.Done():
			t.Fatalf("watch delivered only %v", got)
		}
	}
	want := []string{"PUT /w/a=1 prev=-", "PUT /w/a=2 prev=1", "DELETE /w/a= prev=2", "PUT /w/b=live prev=-"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("watch events:\n got %v\nwant %v", got, want)
	}
}

func testCompaction(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	old := must(cli.Put(ctx, "/cmp/k", "old")).Header.Revision
	now := must(cli.Put(ctx, "/cmp/k", "new")).Header.Revision
	must(cli.Compact(ctx, now))
	_, err := cli.Get(ctx, "/cmp/k", clientv3.WithRev(old))
	if !errors.Is(err, rpctypes.ErrCompacted) || codeOf(err) != codes.OutOfRange ||
		err.Error() != "etcdserver: mvcc: required revision has been compacted" {
		t.Fatalf("read below the compaction: %v (code %s)", err, codeOf(err))
	}
	if r := must(cli.Get(ctx, "/cmp/k", clientv3.WithRev(now))); string(r.Kvs[0].Value) != "new" {
		t.Fatalf("read at the compaction point: %+v", r.Kvs)
	}
	if _, err := cli.Compact(ctx, old); !errors.Is(err, rpctypes.ErrCompacted) {
		t.Fatalf("compacting below the compaction point: %v", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp := <-cli.Watch(wctx, "/cmp/", clientv3.WithPrefix(), clientv3.WithRev(old))
	if resp.CompactRevision != now || !errors.Is(resp.Err(), rpctypes.ErrCompacted) {
		t.Fatalf("watch from a compacted revision: compact %d err %v", resp.CompactRevision, resp.Err())
	}
}

func testLeaseExpiry(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	g := must(cli.Grant(ctx, 1))
	if g.ID != 1 || g.TTL != 1 {
		t.Fatalf("grant: %+v (kine's leases: the id is the TTL)", g)
	}
	p := must(cli.Put(ctx, "/lease/k", "v", clientv3.WithLease(g.ID)))
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wc := cli.Watch(wctx, "/lease/k", clientv3.WithRev(p.Header.Revision+1))
	r := must(cli.Get(ctx, "/lease/k"))
	if len(r.Kvs) != 1 || r.Kvs[0].Lease != 1 {
		t.Fatalf("leased key: %+v", r.Kvs)
	}
	select {
	case resp := <-wc:
		if len(resp.Events) != 1 || resp.Events[0].Type != mvccpb.DELETE {
			t.Fatalf("expiry event: %+v %v", resp.Events, resp.Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the leased key was not deleted within 5 s of a 1 s lease")
	}
	if r := must(cli.Get(ctx, "/lease/k")); len(r.Kvs) != 0 {
		t.Fatal("expired key still read")
	}
}

func testMembersAndStatus(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	ml := must(cli.MemberList(ctx))
	if len(ml.Members) == 0 || len(ml.Members[0].ClientURLs) == 0 {
		t.Fatalf("member list: %+v", ml.Members)
	}
	ep := cli.Endpoints()[0]
	st := must(cli.Status(ctx, ep))
	if st.Version != "3.6.11" || st.Leader == 0 || st.RaftTerm == 0 || st.RaftIndex == 0 || st.DbSize <= 0 || st.Header.Revision <= 1 {
		t.Fatalf("status: %+v", st)
	}
}

func testErrors(t *testing.T, ctx context.Context, cli *clientv3.Client) {
	cur := must(cli.Get(ctx, "/anything")).Header.Revision
	_, err := cli.Get(ctx, "/anything", clientv3.WithRev(cur+1000))
	if !errors.Is(err, rpctypes.ErrFutureRev) || codeOf(err) != codes.OutOfRange || err.Error() != "etcdserver: mvcc: required revision is a future revision" {
		t.Fatalf("future revision: %v", err)
	}
	if _, err := cli.Put(ctx, "", "v"); !errors.Is(err, rpctypes.ErrEmptyKey) {
		t.Fatalf("empty key: %v", err)
	}
}

// codeOf is the gRPC code of an error the etcd client returned.
func codeOf(err error) codes.Code {
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		return ee.Code()
	}
	return status.Code(err)
}

func keys(kvs []*mvccpb.KeyValue) string {
	out := ""
	for i, kv := range kvs {
		if i > 0 {
			out += " "
		}
		out += string(kv.Key)
	}
	return out
}

// A write through a follower returns once the leader applied it; a read
// on that follower right after, serializable or not, still sees it.
func TestFollowerReadsItsOwnWrites(t *testing.T) {
	c := startCluster(t, Options{})
	cli := c.client(c.follower())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < 100; i++ {
		v := fmt.Sprint(i)
		p := must(cli.Put(ctx, "/own", v))
		opts := []clientv3.OpOption{}
		if i%2 == 0 {
			opts = append(opts, clientv3.WithSerializable())
		}
		r, err := cli.Get(ctx, "/own", opts...)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Kvs) != 1 || string(r.Kvs[0].Value) != v || r.Header.Revision < p.Header.Revision {
			t.Fatalf("read %d after its write at %d: %+v at %d", i, p.Header.Revision, r.Kvs, r.Header.Revision)
		}
	}
}
