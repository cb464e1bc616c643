package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"
)

// kvLog applies key-space commands to a real state file, one Raft entry
// each, the way the apply loop does.
type kvLog struct {
	t      *testing.T
	s      *Store
	index  uint64
	now    time.Time
	events []KVEvent
}

func newKVLog(t *testing.T) *kvLog {
	l := &kvLog{t: t, s: openTest(t, filepath.Join(t.TempDir(), "state.db")), now: time.Unix(1_700_000_000, 0)}
	l.s.OnKVEvents(func(evs []KVEvent) { l.events = append(l.events, evs...) })
	return l
}

func (l *kvLog) apply(c Command) (KVResult, error) {
	l.t.Helper()
	l.index++
	res := mustApply(l.t, l.s, &raft.Log{Index: l.index, Term: 1, Type: raft.LogCommand, Data: c.Encode(), AppendedAt: l.now})[0]
	if res.Err != nil {
		return KVResult{}, res.Err
	}
	out, err := DecodeKVResult(res.Data)
	if err != nil {
		l.t.Fatal(err)
	}
	return out, nil
}

func (l *kvLog) must(c Command) KVResult {
	l.t.Helper()
	out, err := l.apply(c)
	if err != nil {
		l.t.Fatalf("%s: %v", c.Op, err)
	}
	return out
}

func (l *kvLog) get(key string, rev int64) *KeyValue {
	l.t.Helper()
	_, kvs, err := l.s.KVRange([]byte(key), nil, rev, 0, false)
	if err != nil {
		l.t.Fatal(err)
	}
	if len(kvs) == 0 {
		return nil
	}
	return &kvs[0]
}

func keysOf(kvs []KeyValue) []string {
	out := []string{}
	for _, kv := range kvs {
		out = append(out, string(kv.Key))
	}
	return out
}

func TestEmptyKeySpaceIsAtRevisionOne(t *testing.T) {
	l := newKVLog(t)
	rev, compacted, err := l.s.KVRevision()
	if err != nil || rev != 1 || compacted != 0 {
		t.Fatalf("revision %d compacted %d err %v, want 1 0 nil", rev, compacted, err)
	}
	if got := l.must(KVCreate([]byte("/a"), []byte("1"), 0)).Revision; got != 2 {
		t.Fatalf("first write at revision %d, want 2", got)
	}
}

func TestCreateFailsWhileTheKeyExistsAndWorksAfterDelete(t *testing.T) {
	l := newKVLog(t)
	if r := l.must(KVCreate([]byte("/a"), []byte("1"), 0)); !r.Succeeded || r.Revision != 2 {
		t.Fatalf("create: %+v", r)
	}
	r := l.must(KVCreate([]byte("/a"), []byte("2"), 0))
	if r.Succeeded || r.Revision != 2 || len(r.KVs) != 1 || string(r.KVs[0].Value) != "1" {
		t.Fatalf("second create: %+v, want refused at 2 with the current value", r)
	}
	if r := l.must(KVDelete([]byte("/a"), 2)); !r.Succeeded || r.Revision != 3 || r.Deleted != 1 {
		t.Fatalf("delete: %+v", r)
	}
	if r := l.must(KVCreate([]byte("/a"), []byte("3"), 0)); !r.Succeeded || r.Revision != 4 {
		t.Fatalf("create after delete: %+v", r)
	}
	kv := l.get("/a", 0)
	if kv == nil || kv.CreateRevision != 4 || kv.ModRevision != 4 || kv.Version != 1 || string(kv.Value) != "3" {
		t.Fatalf("recreated key: %+v, want a new life from revision 4", kv)
	}
}

func TestUpdateComparesTheModRevision(t *testing.T) {
	l := newKVLog(t)
	l.must(KVCreate([]byte("/a"), []byte("v1"), 0)) // 2
	r := l.must(KVUpdate([]byte("/a"), []byte("v2"), 5, 0))
	if r.Succeeded || r.Revision != 2 || len(r.KVs) != 1 || r.KVs[0].ModRevision != 2 {
		t.Fatalf("stale update: %+v, want refused with the current kv", r)
	}
	r = l.must(KVUpdate([]byte("/a"), []byte("v2"), 2, 0))
	if !r.Succeeded || r.Revision != 3 || r.KVs[0].Version != 2 || r.KVs[0].CreateRevision != 2 {
		t.Fatalf("update: %+v", r)
	}
	r = l.must(KVUpdate([]byte("/missing"), []byte("x"), 1, 0))
	if r.Succeeded || len(r.KVs) != 0 {
		t.Fatalf("update of a missing key: %+v", r)
	}
	l.must(KVUpdate([]byte("/a"), []byte("v3"), 3, 0))
	if kv := l.get("/a", 0); kv.Version != 3 || string(kv.Value) != "v3" {
		t.Fatalf("version after two updates: %+v", kv)
	}
}

func TestDeleteComparesTheModRevisionUnlessZero(t *testing.T) {
	l := newKVLog(t)
	l.must(KVCreate([]byte("/a"), []byte("1"), 0)) // 2
	if r := l.must(KVDelete([]byte("/a"), 7)); r.Succeeded || r.KVs[0].ModRevision != 2 {
		t.Fatalf("stale delete: %+v", r)
	}
	if r := l.must(KVDelete([]byte("/a"), 0)); !r.Succeeded || r.KVs[0].ModRevision != 2 {
		t.Fatalf("unconditional delete: %+v", r)
	}
	if r := l.must(KVDelete([]byte("/a"), 0)); r.Succeeded || r.Deleted != 0 {
		t.Fatalf("delete of a deleted key: %+v", r)
	}
	if kv := l.get("/a", 0); kv != nil {
		t.Fatalf("deleted key still read: %+v", kv)
	}
}

func TestPutIsOneRevisionAndReturnsThePreviousValue(t *testing.T) {
	l := newKVLog(t)
	if r := l.must(KVPut([]byte("k"), []byte("1"), 0)); r.Revision != 2 || len(r.KVs) != 0 {
		t.Fatalf("first put: %+v", r)
	}
	r := l.must(KVPut([]byte("k"), []byte("2"), 0))
	if r.Revision != 3 || len(r.KVs) != 1 || string(r.KVs[0].Value) != "1" {
		t.Fatalf("second put: %+v", r)
	}
}

func TestRangeAtPastRevisionsAndLimits(t *testing.T) {
	l := newKVLog(t)
	l.must(KVPut([]byte("/r/a"), []byte("a1"), 0)) // 2
	l.must(KVPut([]byte("/r/b"), []byte("b1"), 0)) // 3
	l.must(KVPut([]byte("/r/a"), []byte("a2"), 0)) // 4
	l.must(KVDelete([]byte("/r/b"), 0))            // 5
	l.must(KVPut([]byte("/r/c"), []byte("c1"), 0)) // 6
	l.must(KVPut([]byte("/s"), []byte("x"), 0))    // 7
	for _, tc := range []struct {
		rev  int64
		want []string
	}{
		{1, []string{}}, {2, []string{"/r/a=a1"}}, {3, []string{"/r/a=a1", "/r/b=b1"}},
		{4, []string{"/r/a=a2", "/r/b=b1"}}, {5, []string{"/r/a=a2"}}, {0, []string{"/r/a=a2", "/r/c=c1"}},
	} {
		_, kvs, err := l.s.KVRange([]byte("/r/"), []byte("/r0"), tc.rev, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, kv := range kvs {
			got = append(got, string(kv.Key)+"="+string(kv.Value))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("at %d: %v, want %v", tc.rev, got, tc.want)
		}
	}
	cur, kvs, _ := l.s.KVRange([]byte("/r/"), []byte("/r0"), 0, 1, true)
	if cur != 7 || len(kvs) != 1 || kvs[0].Value != nil {
		t.Fatalf("limit 1 keys only: %d %+v", cur, kvs)
	}
	_, kvs, _ = l.s.KVRange([]byte("/r/b"), []byte{0}, 0, 0, false)
	if got := keysOf(kvs); !reflect.DeepEqual(got, []string{"/r/c", "/s"}) {
		t.Fatalf("from key: %v", got)
	}
	_, kvs, _ = l.s.KVRange(nil, []byte{0}, 0, 0, false)
	if len(kvs) != 3 {
		t.Fatalf("whole space: %v", keysOf(kvs))
	}
	if _, n, _ := l.s.KVCount([]byte("/r/"), []byte("/r0"), 4); n != 2 {
		t.Fatalf("count at 4: %d", n)
	}
	if _, _, err := l.s.KVRange([]byte("/r/a"), nil, 8, 0, false); !errors.Is(err, ErrFutureRev) {
		t.Fatalf("read at a future revision: %v", err)
	}
}

func TestDeleteRangeTakesARevisionPerKey(t *testing.T) {
	l := newKVLog(t)
	for _, k := range []string{"/p/1", "/p/2", "/p/3", "/q"} {
		l.must(KVPut([]byte(k), []byte("v"), 0))
	}
	r := l.must(KVDeleteRange([]byte("/p/"), []byte("/p0")))
	if r.Deleted != 3 || r.Revision != 8 || !reflect.DeepEqual(keysOf(r.KVs), []string{"/p/1", "/p/2", "/p/3"}) {
		t.Fatalf("delete range: %+v", r)
	}
	if r := l.must(KVDeleteRange([]byte("/q"), nil)); r.Deleted != 1 {
		t.Fatalf("delete range of one key: %+v", r)
	}
	if r := l.must(KVDeleteRange([]byte("/nothing/"), []byte("/nothing0"))); r.Deleted != 0 || r.Revision != 9 {
		t.Fatalf("empty delete range: %+v", r)
	}
}

func TestCompactionKeepsTheFloorOfEachKey(t *testing.T) {
	l := newKVLog(t)
	l.must(KVPut([]byte("/a"), []byte("v1"), 0)) // 2
	l.must(KVPut([]byte("/b"), []byte("v1"), 0)) // 3
	l.must(KVPut([]byte("/a"), []byte("v2"), 0)) // 4
	l.must(KVDelete([]byte("/b"), 0))            // 5
	l.must(KVPut([]byte("/c"), []byte("v1"), 0)) // 6
	l.must(KVPut([]byte("/a"), []byte("v3"), 0)) // 7
	l.must(KVCompact(5))
	if _, _, err := l.s.KVRange([]byte("/a"), nil, 4, 0, false); !errors.Is(err, ErrCompacted) {
		t.Fatalf("read below the compaction: %v", err)
	}
	if kv := l.get("/a", 5); kv == nil || string(kv.Value) != "v2" {
		t.Fatalf("/a at the compaction point: %+v", kv)
	}
	if kv := l.get("/a", 6); kv == nil || string(kv.Value) != "v2" {
		t.Fatalf("/a at 6: %+v", kv)
	}
	if kv := l.get("/b", 5); kv != nil {
		t.Fatalf("/b at 5 is deleted: %+v", kv)
	}
	if _, err := l.apply(KVCompact(5)); !errors.Is(err, ErrCompacted) {
		t.Fatalf("compacting again at 5: %v", err)
	}
	if _, err := l.apply(KVCompact(99)); !errors.Is(err, ErrFutureRev) {
		t.Fatalf("compacting a future revision: %v", err)
	}
	// Only what a read at 5 or later can reach is left.
	l.must(KVCompact(7))
	var revs []int64
	l.s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketKVHistory).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			revs = append(revs, int64(getRev(k)))
		}
		return nil
	})
	if !reflect.DeepEqual(revs, []int64{6, 7}) {
		t.Fatalf("history after compacting to 7: %v, want [6 7]", revs)
	}
	if _, n, _ := l.s.KVCount(nil, []byte{0}, 0); n != 2 {
		t.Fatalf("keys left: %d", n)
	}
	if _, kvs, _ := l.s.KVRange([]byte("/b"), nil, 0, 0, false); len(kvs) != 0 {
		t.Fatal("the tombstone's key came back")
	}
}

func TestEventsFollowTheApplyLoopInOrder(t *testing.T) {
	l := newKVLog(t)
	l.must(KVPut([]byte("/e"), []byte("1"), 0))
	l.must(KVPut([]byte("/e"), []byte("2"), 0))
	l.must(KVCreate([]byte("/e"), []byte("x"), 0)) // refused: no event
	l.must(KVDelete([]byte("/e"), 0))
	if len(l.events) != 3 {
		t.Fatalf("%d events, want 3", len(l.events))
	}
	e0, e1, e2 := l.events[0], l.events[1], l.events[2]
	if !e0.Create || e0.KV.ModRevision != 2 || e0.Prev != nil {
		t.Fatalf("create event: %+v", e0)
	}
	if e1.Create || e1.KV.ModRevision != 3 || e1.Prev == nil || string(e1.Prev.Value) != "1" {
		t.Fatalf("update event: %+v", e1)
	}
	if !e2.Delete || e2.KV.ModRevision != 4 || e2.Prev == nil || string(e2.Prev.Value) != "2" {
		t.Fatalf("delete event: %+v", e2)
	}
	// The history gives the same events to a watcher that starts late.
	evs, cur, _, err := l.s.KVEvents(1, 100)
	if err != nil || cur != 4 {
		t.Fatal(cur, err)
	}
	if !reflect.DeepEqual(evs, l.events) {
		t.Fatalf("history events differ from the apply loop's:\n%+v\n%+v", evs, l.events)
	}
	l.must(KVCompact(3))
	if _, _, _, err := l.s.KVEvents(1, 100); !errors.Is(err, ErrCompacted) {
		t.Fatalf("events from before the compaction: %v", err)
	}
	if evs, _, _, err := l.s.KVEvents(2, 100); err != nil || len(evs) != 2 {
		t.Fatalf("events from the compaction point: %d %v", len(evs), err)
	}
}

func TestReplayedKeySpaceCommandsApplyOnce(t *testing.T) {
	l := newKVLog(t)
	e1 := &raft.Log{Index: 1, Term: 1, Type: raft.LogCommand, Data: KVPut([]byte("k"), []byte("1"), 0).Encode()}
	e2 := &raft.Log{Index: 2, Term: 1, Type: raft.LogCommand, Data: KVPut([]byte("k"), []byte("2"), 0).Encode()}
	mustApply(t, l.s, e1, e2)
	mustApply(t, l.s, e1, e2) // replay after a restart
	if kv := l.get("k", 0); kv.Version != 2 || kv.ModRevision != 3 {
		t.Fatalf("after replay: %+v, want version 2 at revision 3", kv)
	}
	if len(l.events) != 2 {
		t.Fatalf("replay published %d events, want 2", len(l.events))
	}
}

func TestLeasesExpireFromTheLeadersAppendTime(t *testing.T) {
	l := newKVLog(t)
	l.must(KVPut([]byte("/l/1"), []byte("v"), 10))
	l.must(KVPut([]byte("/l/2"), []byte("v"), 30))
	l.must(KVPut([]byte("/l/3"), []byte("v"), 0))
	exp, err := l.s.KVExpired(l.now.Add(11*time.Second), 10)
	if err != nil || len(exp) != 1 || string(exp[0].Key) != "/l/1" || exp[0].ModRevision != 2 {
		t.Fatalf("expired after 11 s: %+v %v", exp, err)
	}
	// Written again without a lease, it no longer expires.
	l.must(KVPut([]byte("/l/1"), []byte("v2"), 0))
	if exp, _ := l.s.KVExpired(l.now.Add(time.Hour), 10); len(exp) != 1 || string(exp[0].Key) != "/l/2" {
		t.Fatalf("expired after an hour: %+v", exp)
	}
	at, ok, _ := l.s.NextLeaseExpiry()
	if !ok || !at.Equal(l.now.Add(30*time.Second)) {
		t.Fatalf("next expiry %v %v", at, ok)
	}
	l.must(KVDelete([]byte("/l/2"), 3))
	if _, ok, _ := l.s.NextLeaseExpiry(); ok {
		t.Fatal("a deleted key's lease is still held")
	}
}

func TestMalformedKeySpaceCommandsAreRefused(t *testing.T) {
	l := newKVLog(t)
	for _, c := range []Command{
		KVPut(nil, []byte("v"), 0),
		KVPut(bytes.Repeat([]byte("k"), MaxKVKeySize+1), nil, 0),
		KVPut([]byte("k"), make([]byte, MaxValueSize+1), 0),
		KVCompact(0),
	} {
		if _, err := l.apply(c); !errors.Is(err, ErrBadCommand) {
			t.Fatalf("%s: %v, want a refusal", c.Op, err)
		}
	}
	if rev, _, _ := l.s.KVRevision(); rev != 1 {
		t.Fatalf("refused commands moved the revision to %d", rev)
	}
}

func TestKVResultRoundTrip(t *testing.T) {
	r := KVResult{Revision: 9, Succeeded: true, Deleted: 2, KVs: []KeyValue{{Key: []byte("a"), Value: []byte("b"), CreateRevision: 1, ModRevision: 2, Version: 3, Lease: 4}}}
	got, err := DecodeKVResult(EncodeKVResult(r))
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := DecodeKVResult([]byte{1, 1, 0, 200}); err == nil {
		t.Fatal("a truncated result decoded")
	}
}

// FuzzDecodeKVCommand: a key-space command decodes without panicking, and
// what decodes encodes back to the same command.
func FuzzDecodeKVCommand(f *testing.F) {
	for _, c := range []Command{
		KVPut([]byte("/k"), []byte("v"), 5), KVCreate([]byte("/k"), nil, 0), KVUpdate([]byte("/k"), []byte("v"), 7, 0),
		KVDelete([]byte("/k"), 3), KVDeleteRange([]byte("/p/"), []byte("/p0")), KVCompact(100),
	} {
		f.Add(c.Encode())
	}
	f.Add(KVMulti(KVPut([]byte("/a"), []byte("1"), 0), KVUpdate([]byte("/b"), nil, 4, 0), KVCompact(2)).Encode())
	f.Add([]byte{1, byte(OpKVPut), 255, 255, 255, 255, 255, 255, 255, 255, 255, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCommand(data)
		if err != nil {
			return
		}
		again, err := DecodeCommand(c.Encode())
		if err != nil {
			t.Fatalf("re-encoded command does not decode: %v", err)
		}
		if kvString(c) != kvString(again) {
			t.Fatalf("round trip changed the command: %+v -> %+v", c, again)
		}
	})
}

// kvString shows what a key-space command carries, sub-commands included.
func kvString(c Command) string {
	s := fmt.Sprintf("%d %q %q %q %d %d [", c.Op, c.Key, c.End, c.Value, c.Expect, c.Lease)
	for _, op := range c.Ops {
		s += kvString(op) + " "
	}
	return s + "]"
}

func TestMultiAnswersEachCommandOnItsOwn(t *testing.T) {
	l := newKVLog(t)
	l.must(KVPut([]byte("/m/a"), []byte("1"), 0)) // 2
	l.index++
	res := mustApply(t, l.s, &raft.Log{Index: l.index, Term: 1, Type: raft.LogCommand, AppendedAt: l.now, Data: KVMulti(
		KVUpdate([]byte("/m/a"), []byte("2"), 2, 0), // 3
		KVUpdate([]byte("/m/a"), []byte("x"), 2, 0), // stale: fails
		KVPut(nil, []byte("v"), 0),                  // refused
		KVCreate([]byte("/m/b"), []byte("1"), 0),    // 4
		KVCompact(99),                               // refused: future
	).Encode()})[0]
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	answers, err := DecodeKVAnswers(res.Data)
	if err != nil || len(answers) != 5 {
		t.Fatalf("%d answers, %v", len(answers), err)
	}
	if a := answers[0]; a.Err != nil || !a.Result.Succeeded || a.Result.Revision != 3 {
		t.Fatalf("update: %+v", a)
	}
	if a := answers[1]; a.Err != nil || a.Result.Succeeded || a.Result.KVs[0].ModRevision != 3 {
		t.Fatalf("stale update: %+v", a)
	}
	if a := answers[2]; !errors.Is(a.Err, ErrBadCommand) {
		t.Fatalf("empty key: %+v", a)
	}
	if a := answers[3]; a.Err != nil || a.Result.Revision != 4 {
		t.Fatalf("create: %+v", a)
	}
	if a := answers[4]; !errors.Is(a.Err, ErrFutureRev) {
		t.Fatalf("compaction to the future: %+v", a)
	}
	if rev, _, _ := l.s.KVRevision(); rev != 4 {
		t.Fatalf("revision %d after the multi, want 4", rev)
	}
	if n := len(l.events); n != 3 || l.events[1].KV.ModRevision != 3 || l.events[2].KV.ModRevision != 4 {
		t.Fatalf("events: %+v", l.events)
	}
	if _, err := DecodeCommand(append([]byte{1, byte(OpKVMulti), 1}, KVMulti().Encode()[1:]...)); err == nil {
		t.Fatal("a multi inside a multi decoded")
	}
}

// A snapshot installed under the key space tells its follower to read the
// history again (nil events), since no batch carried what changed.
func TestRestoreTellsTheEventHookToResync(t *testing.T) {
	src := newKVLog(t)
	src.must(KVPut([]byte("/r"), []byte("1"), 0))
	var snap bytes.Buffer
	if _, err := src.s.Backup(&snap); err != nil {
		t.Fatal(err)
	}
	dst := newKVLog(t)
	var got [][]KVEvent
	dst.s.OnKVEvents(func(evs []KVEvent) { got = append(got, evs) })
	if err := dst.s.Restore(io.NopCloser(&snap)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != nil {
		t.Fatalf("hook calls after a restore: %+v", got)
	}
	if kv := dst.get("/r", 0); kv == nil || string(kv.Value) != "1" {
		t.Fatalf("restored key: %+v", kv)
	}
}
