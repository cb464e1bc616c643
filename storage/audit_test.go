package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// trailOf reads the whole audit trail and its head from s.
func trailOf(t *testing.T, s *Store) ([]AuditEntry, AuditHead) {
	t.Helper()
	var entries []AuditEntry
	err := s.Scan(BucketAudit, []byte(AuditEntryPrefix), func(_ []byte, rec Record) bool {
		var e AuditEntry
		if err := json.Unmarshal(rec.Value, &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	head := AuditHead{Hash: GenesisHash}
	if rec, ok, err := s.Get(BucketAudit, AuditHeadKey); err != nil {
		t.Fatal(err)
	} else if ok {
		if err := json.Unmarshal(rec.Value, &head); err != nil {
			t.Fatal(err)
		}
	}
	return entries, head
}

func auditOf(action, target string) Command {
	return AuditAppend(AuditEntry{Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)), Actor: "ops@example.org", Action: action, Target: target, RequestID: "r-" + target})
}

func TestAuditEntriesAreNumberedAndChainedAtApply(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, filepath.Join(dir, "a.db"))
	b := openTest(t, filepath.Join(dir, "b.db"))
	// Writes of unrelated records, each with its entry, none of them
	// knowing the head; some in one batch, some in one command.
	var logs []*raft.Log
	for i := 1; i <= 20; i++ {
		key := fmt.Appendf(nil, "region-%d", i)
		logs = append(logs, entry(uint64(i), Batch(Create(BucketTopology, key, []byte("{}")), auditOf("topology.create", string(key)))))
	}
	logs = append(logs, entry(21, Batch(auditOf("a", "1"), auditOf("b", "2"))), entry(22, auditOf("alone", "3")))
	for _, s := range []*Store{a, b} {
		for _, r := range mustApply(t, s, logs[:7]...) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		for _, r := range mustApply(t, s, logs[7:]...) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
	entries, head := trailOf(t, a)
	if len(entries) != 23 || head.Seq != 23 {
		t.Fatalf("%d entries, head %d; want 23 and 23", len(entries), head.Seq)
	}
	if err := VerifyAudit(entries, head); err != nil {
		t.Fatal(err)
	}
	if entries[0].Target != "region-1" || entries[21].Action != "b" || entries[22].Action != "alone" {
		t.Fatalf("entries out of log order: %+v", entries)
	}
	if !entries[0].Time.Equal(time.Date(2026, 1, 2, 2, 4, 5, 6, time.UTC)) || entries[0].Time.Location() != time.UTC {
		t.Fatalf("time %v, want the proposer's time in UTC", entries[0].Time)
	}
	if !bytes.Equal(dumpOf(t, a), dumpOf(t, b)) {
		t.Fatal("two files applying the same log in different batches hold different states")
	}
}

func TestRefusedWriteLeavesNoAuditEntry(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "state.db"))
	mustApply(t, s, entry(1, Batch(Create(BucketUsers, []byte("u1"), []byte("x")), auditOf("user.create", "u1"))))
	before := dumpOf(t, s)
	index := uint64(2)
	for name, c := range map[string]Command{
		"conflicting write":       Batch(Create(BucketUsers, []byte("u1"), []byte("y")), auditOf("user.create", "u1")),
		"entry that is not JSON":  Batch(Put(BucketUsers, []byte("u2"), []byte("y")), Command{Op: OpAuditAppend, Bucket: BucketAudit, Value: []byte("{")}),
		"entry without an action": {Op: OpAuditAppend, Bucket: BucketAudit, Value: []byte(`{"actor":"x"}`)},
	} {
		res := mustApply(t, s, entry(index, c))[0]
		index++
		if res.Err == nil {
			t.Errorf("%s: accepted", name)
		}
		if name != "conflicting write" && !errors.Is(res.Err, ErrBadCommand) {
			t.Errorf("%s: %v, want a malformed command", name, res.Err)
		}
		if after := dumpOf(t, s); !bytes.Equal(before, after) {
			t.Errorf("%s changed the state", name)
		}
	}
	entries, head := trailOf(t, s)
	if len(entries) != 1 || head.Seq != 1 {
		t.Fatalf("%d entries, head %d after refused writes; want 1 and 1", len(entries), head.Seq)
	}
	if err := VerifyAudit(entries, head); err != nil {
		t.Fatal(err)
	}
}

// A trail written by earlier versions (entries and head put by the
// proposer, head version as the precondition) goes on at apply.
func TestAuditAppendContinuesATrailWrittenByProposers(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "state.db"))
	prev := GenesisHash
	for i := uint64(1); i <= 3; i++ {
		e := AuditEntry{Seq: i, Time: time.Unix(int64(i), 0).UTC(), Actor: "a", Action: "old", Target: "t", Prev: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		data, _ := json.Marshal(e)
		head, _ := json.Marshal(AuditHead{Seq: i, Hash: e.Hash})
		moveHead := Put(BucketAudit, AuditHeadKey, head)
		moveHead.Expect = int64(i - 1)
		if r := mustApply(t, s, entry(i, Batch(Create(BucketAudit, AuditKey(i), data), moveHead)))[0]; r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	mustApply(t, s, entry(4, auditOf("new", "t")))
	entries, head := trailOf(t, s)
	if len(entries) != 4 || head.Seq != 4 || entries[3].Prev != entries[2].Hash {
		t.Fatalf("trail: %+v head %+v", entries, head)
	}
	if err := VerifyAudit(entries, head); err != nil {
		t.Fatal(err)
	}
	if rec, _, _ := s.Get(BucketAudit, AuditHeadKey); rec.Version != 4 {
		t.Fatalf("head at version %d, want 4", rec.Version)
	}
}

func TestVerifyAuditNamesWhatWasChanged(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "state.db"))
	for i := uint64(1); i <= 4; i++ {
		mustApply(t, s, entry(i, auditOf("x", fmt.Sprint(i))))
	}
	entries, head := trailOf(t, s)
	edited := append([]AuditEntry(nil), entries...)
	edited[1].Actor = "someone else"
	relinked := append([]AuditEntry(nil), entries...)
	relinked[2].Prev = GenesisHash
	relinked[2].Hash = relinked[2].ComputeHash()
	for name, c := range map[string]struct {
		entries []AuditEntry
		head    AuditHead
		want    string
	}{
		"edited":         {edited, head, "entry 2 does not match its hash"},
		"removed inside": {append(append([]AuditEntry(nil), entries[:1]...), entries[2:]...), head, "entry 2 is missing"},
		"removed at end": {entries[:3], head, "the head names entry 4 but the trail ends at entry 3"},
		"relinked":       {relinked, head, "entry 3 does not link to entry 2"},
	} {
		err := VerifyAudit(c.entries, c.head)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// The apply loop writes an entry and the head without encoding them twice;
// the bytes are what json.Marshal writes, so readers and VerifyAudit see
// the same entry.
func TestSealedEntryIsItsJSONEncoding(t *testing.T) {
	for _, e := range []AuditEntry{
		{Seq: 1, Prev: GenesisHash, Action: "x"},
		{Seq: 1 << 40, Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Actor: "a\"<b>&\u2028", Action: "user.update", Target: "user/1 (name)", RequestID: "r", Prev: GenesisHash},
	} {
		sealed, data, err := sealEntry(e)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(sealed)
		if !bytes.Equal(data, want) || sealed.Hash != sealed.ComputeHash() {
			t.Fatalf("sealed %s\nwant   %s", data, want)
		}
		head, _ := json.Marshal(AuditHead{Seq: sealed.Seq, Hash: sealed.Hash})
		if got := appendHead(nil, sealed.Seq, sealed.Hash); !bytes.Equal(got, head) {
			t.Fatalf("head %s, want %s", got, head)
		}
	}
}
