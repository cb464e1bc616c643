package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The audit trail is a hash chain in the audit bucket: entry n is stored
// under "entry/<n, 20 digits>" and carries the SHA-256 of entry n-1, and
// "head" holds the last entry's number and hash.
//
// The state machine builds the chain. A proposer sends an AuditAppend
// command that says who did what (time, actor, action, target, request
// id); the apply loop, inside the transaction that applies the batch,
// reads the head, gives the entry the next number and the head's hash,
// hashes it, and moves the head. Every node applies the same log in the
// same order, so every node assigns the same numbers and hashes. Nobody
// reads the head to write: two writes of unrelated records never conflict
// over it, and a write and its entry land together or not at all.
//
// Editing an entry breaks its hash; removing one breaks the numbering and
// the next entry's link; removing the last ones disagrees with the head.

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

// AuditHeadKey is the key of the head in the audit bucket.
var AuditHeadKey = []byte("head")

// AuditEntryPrefix starts the key of every entry (AuditKey).
const AuditEntryPrefix = "entry/"

// AuditKey is the key of entry seq.
func AuditKey(seq uint64) []byte { return fmt.Appendf(nil, "%s%020d", AuditEntryPrefix, seq) }

// ComputeHash returns the hash the entry should carry.
func (e AuditEntry) ComputeHash() string {
	e.Hash = ""
	data, _ := json.Marshal(e) // a struct of strings, numbers and a time
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// AuditAppend returns a command that appends e to the audit trail, after
// whatever entry is last when the command is applied. Seq, Prev and Hash
// are the state machine's to fill; Time is the proposer's clock, carried
// in the command so that every node records the same. Put it in the same
// Batch as the write it records.
func AuditAppend(e AuditEntry) Command {
	e.Seq, e.Prev, e.Hash = 0, "", ""
	e.Time = e.Time.UTC()
	data, _ := json.Marshal(e)
	return Command{Op: OpAuditAppend, Bucket: BucketAudit, Value: data}
}

// auditEntryOf reads the entry an AuditAppend carries.
func auditEntryOf(op Command) (AuditEntry, error) {
	var e AuditEntry
	if err := json.Unmarshal(op.Value, &e); err != nil {
		return e, fmt.Errorf("%w: audit entry: %v", ErrBadCommand, err)
	}
	if e.Action == "" {
		return e, fmt.Errorf("%w: audit entry without an action", ErrBadCommand)
	}
	return e, nil
}

// checkAuditAppend refuses an AuditAppend the apply could not carry out.
func checkAuditAppend(op Command) error {
	if len(op.Value) > MaxValueSize {
		return fmt.Errorf("%w: audit entry of %d bytes; at most %d", ErrBadCommand, len(op.Value), MaxValueSize)
	}
	_, err := auditEntryOf(op)
	return err
}

// applyAuditAppend appends the entry op carries after the head as this
// transaction sees it (earlier entries of the same batch included), and
// moves the head.
func applyAuditAppend(tx *bolt.Tx, op Command, index uint64) error {
	e, err := auditEntryOf(op)
	if err != nil {
		return err // checked before; cannot happen
	}
	b := tx.Bucket(BucketAudit)
	head := AuditHead{Hash: GenesisHash}
	headRec := Record{CreateIndex: index}
	if v := b.Get(AuditHeadKey); v != nil {
		if headRec, err = decodeRecord(v); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		if err := json.Unmarshal(headRec.Value, &head); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
	}
	e.Seq, e.Prev, e.Time = head.Seq+1, head.Hash, e.Time.UTC()
	e, entry, err := sealEntry(e)
	if err != nil {
		return err
	}
	if err := b.Put(AuditKey(e.Seq), Record{Value: entry, CreateIndex: index, ModIndex: index, Version: 1}.encode()); err != nil {
		return err
	}
	headRec.Value = appendHead(nil, e.Seq, e.Hash)
	headRec.ModIndex = index
	headRec.Version++
	return b.Put(AuditHeadKey, headRec.encode())
}

// sealEntry fills in e's hash (ComputeHash) and returns its stored form,
// the JSON encoding of the sealed entry. The hash covers the encoding with
// an empty hash, and Hash is the last field, so the stored form is those
// same bytes with the hash written between the empty quotes: one encoding
// per entry instead of two, on the apply loop's path.
func sealEntry(e AuditEntry) (AuditEntry, []byte, error) {
	e.Hash = ""
	data, err := json.Marshal(e)
	if err != nil {
		return e, nil, err
	}
	sum := sha256.Sum256(data)
	e.Hash = hex.EncodeToString(sum[:])
	const empty = `"hash":""}`
	if !bytes.HasSuffix(data, []byte(empty)) {
		return e, nil, fmt.Errorf("audit entry %d: encoding does not end with the hash", e.Seq)
	}
	data = append(data[:len(data)-len(`""}`)], '"')
	data = append(data, e.Hash...)
	return e, append(data, `"}`...), nil
}

// appendHead appends the head's JSON form, {"seq":n,"hash":"<hex>"}, as
// json.Marshal(AuditHead) writes it.
func appendHead(b []byte, seq uint64, hash string) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"hash":"`...)
	b = append(b, hash...)
	return append(b, `"}`...)
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
