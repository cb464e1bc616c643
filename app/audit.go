package app

import (
	"encoding/json"
	"fmt"

	"github.com/openova-io/sovereign/storage"
)

// The audit trail is the hash chain that the state machine builds in the
// audit bucket (storage/audit.go): a write proposes storage.AuditAppend in
// the same Raft batch as the records it changes, and the apply gives the
// entry its number and its link to the entry before. The console reads the
// trail here and serves it page by page; VerifyAudit proves it.

// AuditEntry is one recorded write.
type AuditEntry = storage.AuditEntry

// AuditHead is the last entry's number and hash.
type AuditHead = storage.AuditHead

// GenesisHash is the Prev of the first entry.
var GenesisHash = storage.GenesisHash

// VerifyAudit checks a whole trail, first entry to head (storage.VerifyAudit).
func VerifyAudit(entries []AuditEntry, head AuditHead) error {
	return storage.VerifyAudit(entries, head)
}

// readAuditHead returns the head and its record version (0: no entry yet).
func readAuditHead(st Reader) (AuditHead, uint64, error) {
	rec, ok, err := st.Get(storage.BucketAudit, storage.AuditHeadKey)
	if err != nil || !ok {
		return AuditHead{Hash: GenesisHash}, 0, err
	}
	var h AuditHead
	if err := json.Unmarshal(rec.Value, &h); err != nil {
		return AuditHead{}, 0, fmt.Errorf("audit head: %w", err)
	}
	return h, rec.Version, nil
}

// readAudit returns up to limit entries after seq after, and the head.
func readAudit(st Reader, after uint64, limit int) ([]AuditEntry, AuditHead, error) {
	head, _, err := readAuditHead(st)
	if err != nil {
		return nil, AuditHead{}, err
	}
	entries := []AuditEntry{}
	var derr error
	start := string(storage.AuditKey(after + 1))
	err = st.Scan(storage.BucketAudit, []byte(storage.AuditEntryPrefix), func(key []byte, rec storage.Record) bool {
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
