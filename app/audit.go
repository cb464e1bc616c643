package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// The audit trail is a hash chain in the audit bucket: entry n is stored
// under "entry/<n, 20 digits>" and carries the SHA-256 of entry n-1, and
// "head" holds the last entry's number and hash. An entry is appended in
// the same Raft batch as the write it records, with the head's version as
// a precondition, so two writes never claim the same number and no write
// lands without its entry. Editing an entry breaks its hash; removing one
// breaks the numbering and the next entry's link; removing the last ones
// disagrees with the head.

// AuditEntry is one recorded write.
type AuditEntry struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	RequestID string    `json:"requestId"`
	// Prev is the hash of the entry before (GenesisHash for the first).
	Prev string `json:"prev"`
	// Hash is the hex SHA-256 of this entry's JSON with Hash empty.
	Hash string `json:"hash"`
}

// AuditHead is the last entry's number and hash.
type AuditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// GenesisHash is the Prev of the first entry.
var GenesisHash = strings.Repeat("0", 64)

var auditHeadKey = []byte("head")

const auditEntryPrefix = "entry/"

func auditKey(seq uint64) []byte { return fmt.Appendf(nil, "%s%020d", auditEntryPrefix, seq) }

// ComputeHash returns the hash the entry should carry.
func (e AuditEntry) ComputeHash() string {
	e.Hash = ""
	data, _ := json.Marshal(e) // a struct of strings, numbers and a time
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// readAuditHead returns the head and its record version (0: no entry yet).
func readAuditHead(st Reader) (AuditHead, uint64, error) {
	rec, ok, err := st.Get(storage.BucketAudit, auditHeadKey)
	if err != nil || !ok {
		return AuditHead{Hash: GenesisHash}, 0, err
	}
	var h AuditHead
	if err := json.Unmarshal(rec.Value, &h); err != nil {
		return AuditHead{}, 0, fmt.Errorf("audit head: %w", err)
	}
	return h, rec.Version, nil
}

// auditAppend returns the commands that append e after the current head:
// the new entry, and the head moved to it on the condition that nobody
// moved it first.
func auditAppend(st Reader, e AuditEntry) ([]storage.Command, error) {
	head, version, err := readAuditHead(st)
	if err != nil {
		return nil, err
	}
	e.Seq = head.Seq + 1
	e.Prev = head.Hash
	e.Time = e.Time.UTC()
	e.Hash = e.ComputeHash()
	entry, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	headData, _ := json.Marshal(AuditHead{Seq: e.Seq, Hash: e.Hash})
	moveHead := storage.Put(storage.BucketAudit, auditHeadKey, headData)
	moveHead.Expect = int64(version)
	return []storage.Command{storage.Create(storage.BucketAudit, auditKey(e.Seq), entry), moveHead}, nil
}

// readAudit returns up to limit entries after seq after, and the head.
func readAudit(st Reader, after uint64, limit int) ([]AuditEntry, AuditHead, error) {
	head, _, err := readAuditHead(st)
	if err != nil {
		return nil, AuditHead{}, err
	}
	entries := []AuditEntry{}
	var derr error
	start := string(auditKey(after + 1))
	err = st.Scan(storage.BucketAudit, []byte(auditEntryPrefix), func(key []byte, rec storage.Record) bool {
		if string(key) < start {
			return true
		}
		var e AuditEntry
		if err := json.Unmarshal(rec.Value, &e); err != nil {
			derr = fmt.Errorf("audit %s: %w", key, err)
			return false
		}
		entries = append(entries, e)
		return len(entries) < limit
	})
	if err == nil {
		err = derr
	}
	return entries, head, err
}

// VerifyAudit checks a whole trail, first entry to head: every entry's
// hash, its number, its link to the one before, and that the last entry
// is the head. The error names the first entry that fails and what it
// means.
func VerifyAudit(entries []AuditEntry, head AuditHead) error {
	prev := GenesisHash
	for i, e := range entries {
		want := uint64(i + 1)
		if e.Seq != want {
			return fmt.Errorf("entry %d is missing (found entry %d in its place): entries were removed", want, e.Seq)
		}
		if e.ComputeHash() != e.Hash {
			return fmt.Errorf("entry %d does not match its hash: it was edited", e.Seq)
		}
		if e.Prev != prev {
			return fmt.Errorf("entry %d does not link to entry %d: the chain was rewritten", e.Seq, e.Seq-1)
		}
		prev = e.Hash
	}
	n := uint64(len(entries))
	if head.Seq != n {
		return fmt.Errorf("the head names entry %d but the trail ends at entry %d: entries were removed", head.Seq, n)
	}
	if n > 0 && head.Hash != prev {
		return fmt.Errorf("the head's hash does not match entry %d: the trail was rewritten", n)
	}
	return nil
}
