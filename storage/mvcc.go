package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The revisioned key space behind the etcd API, with etcd's semantics: one
// global revision that every change raises by one; per key a create
// revision, a mod revision and a version; deletions leave tombstones; a
// range can be read at a past revision until compaction discards it.
//
// Layout (buckets.go):
//
//	kv_meta     "revision" and "compacted", 8-byte big-endian
//	kv_current  key → the key's latest state (a tombstone when deleted)
//	kv_history  revision → the change made at that revision
//	kv_leases   expiry ‖ key → mod revision, for keys written with a lease
//
// Every change takes exactly one revision and leaves exactly one history
// entry, so the history is dense: a watcher that saw revision r and then
// sees r+2 knows it missed one. A read at revision R walks a key's chain of
// history entries back (each entry names the revision it replaced) until it
// reaches one at or below R. Compaction to C drops every entry that a newer
// one at or below C replaces, and tombstones below C; each key keeps its
// floor entry, so reads at C and later still resolve.

// Errors of the key space, with etcd's meaning: a revision below the
// compaction point, and one that does not exist yet.
var (
	ErrCompacted = errors.New("mvcc: required revision has been compacted")
	ErrFutureRev = errors.New("mvcc: required revision is a future revision")
)

// KeyValue is a key's state at one revision.
type KeyValue struct {
	Key            []byte
	Value          []byte
	CreateRevision int64
	ModRevision    int64
	Version        int64
	Lease          int64
}

// KVEvent is one change of the key space. A delete's KV holds only the key
// and the revision of the deletion, as etcd's do; Prev is the state it
// replaced, when there was one and it is still known.
type KVEvent struct {
	Create bool
	Delete bool
	KV     KeyValue
	Prev   *KeyValue
}

// KVResult is what a key-space command returns to its proposer, in
// Result.Data (EncodeKVResult).
type KVResult struct {
	// Revision is the revision after the command: the new one when it
	// changed something, the current one otherwise.
	Revision int64
	// Succeeded is false when a create found the key, or an update or a
	// delete found another mod revision (or no key); nothing changed then.
	Succeeded bool
	// KVs: put, delete and delete-range the states they replaced; update
	// the new state on success; create, update and delete the current
	// state when they failed.
	KVs []KeyValue
	// Deleted counts the keys a delete or delete-range removed.
	Deleted int64
}

// MaxKVKeySize bounds a key of the key space (bbolt's limit, less the
// lease index's prefix).
const MaxKVKeySize = 32768 - 8

var (
	kvMetaRevision  = []byte("revision")
	kvMetaCompacted = []byte("compacted")
)

const (
	flagDeleted = 1 << iota
	flagCreated
)

// currentRecord is a key's latest state in kv_current:
// flags(1) create(8) mod(8) version(8) lease(8) expiry(8) value.
type currentRecord struct {
	deleted                          bool
	create, mod, version, lease, exp int64
	value                            []byte
}

const currentHeader = 41

func (r currentRecord) encode() []byte {
	b := make([]byte, currentHeader+len(r.value))
	if r.deleted {
		b[0] = flagDeleted
	}
	for i, v := range []int64{r.create, r.mod, r.version, r.lease, r.exp} {
		binary.BigEndian.PutUint64(b[1+8*i:], uint64(v))
	}
	copy(b[currentHeader:], r.value)
	return b
}

// decodeCurrent copies nothing: the value aliases b.
func decodeCurrent(b []byte) (currentRecord, error) {
	if len(b) < currentHeader {
		return currentRecord{}, fmt.Errorf("key-space record of %d bytes is shorter than its header", len(b))
	}
	u := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[1+8*i:])) }
	return currentRecord{deleted: b[0]&flagDeleted != 0, create: u(0), mod: u(1), version: u(2), lease: u(3), exp: u(4), value: b[currentHeader:]}, nil
}

func (r currentRecord) keyValue(key []byte, keysOnly bool) KeyValue {
	kv := KeyValue{Key: clone(key), CreateRevision: r.create, ModRevision: r.mod, Version: r.version, Lease: r.lease}
	if !keysOnly {
		kv.Value = clone(r.value)
	}
	return kv
}

// historyRecord is the change made at one revision, in kv_history:
// flags(1) create(8) version(8) lease(8) prev(8) bytes(key) value.
type historyRecord struct {
	deleted, created             bool
	create, version, lease, prev int64
	key, value                   []byte
}

func (h historyRecord) encode() []byte {
	b := make([]byte, 33, 33+binary.MaxVarintLen64+len(h.key)+len(h.value))
	if h.deleted {
		b[0] |= flagDeleted
	}
	if h.created {
		b[0] |= flagCreated
	}
	for i, v := range []int64{h.create, h.version, h.lease, h.prev} {
		binary.BigEndian.PutUint64(b[1+8*i:], uint64(v))
	}
	b = appendBytes(b, h.key)
	return append(b, h.value...)
}

func decodeHistory(b []byte) (historyRecord, error) {
	if len(b) < 34 {
		return historyRecord{}, fmt.Errorf("key-space history record of %d bytes is too short", len(b))
	}
	u := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[1+8*i:])) }
	h := historyRecord{deleted: b[0]&flagDeleted != 0, created: b[0]&flagCreated != 0, create: u(0), version: u(1), lease: u(2), prev: u(3)}
	n, w := binary.Uvarint(b[33:])
	if w <= 0 || n > uint64(len(b)-33-w) {
		return historyRecord{}, errors.New("key-space history record: bad key length")
	}
	h.key = b[33+w : 33+w+int(n)]
	h.value = b[33+w+int(n):]
	return h, nil
}

func (h historyRecord) keyValue(rev int64, keysOnly bool) KeyValue {
	if h.deleted {
		return KeyValue{Key: clone(h.key), ModRevision: rev}
	}
	kv := KeyValue{Key: clone(h.key), CreateRevision: h.create, ModRevision: rev, Version: h.version, Lease: h.lease}
	if !keysOnly {
		kv.Value = clone(h.value)
	}
	return kv
}

func revKey(rev int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(rev))
	return b[:]
}

func leaseKey(exp int64, key []byte) []byte {
	b := make([]byte, 8+len(key))
	binary.BigEndian.PutUint64(b, uint64(exp))
	copy(b[8:], key)
	return b
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// EncodeKVResult returns r's binary form, carried in Result.Data.
func EncodeKVResult(r KVResult) []byte {
	b := binary.AppendUvarint(nil, uint64(r.Revision))
	ok := byte(0)
	if r.Succeeded {
		ok = 1
	}
	b = append(b, ok)
	b = binary.AppendUvarint(b, uint64(r.Deleted))
	b = binary.AppendUvarint(b, uint64(len(r.KVs)))
	for _, kv := range r.KVs {
		b = appendBytes(b, kv.Key)
		b = appendBytes(b, kv.Value)
		for _, v := range []int64{kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease} {
			b = binary.AppendUvarint(b, uint64(v))
		}
	}
	return b
}

// DecodeKVResult reads what EncodeKVResult wrote.
func DecodeKVResult(b []byte) (KVResult, error) {
	d := decoder{b: b}
	var r KVResult
	r.Revision = int64(d.uvarint())
	r.Succeeded = d.byte() == 1
	r.Deleted = int64(d.uvarint())
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("%d key-values exceed the result", n)
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		kv := KeyValue{Key: d.bytes(), Value: d.bytes()}
		kv.CreateRevision, kv.ModRevision = int64(d.uvarint()), int64(d.uvarint())
		kv.Version, kv.Lease = int64(d.uvarint()), int64(d.uvarint())
		r.KVs = append(r.KVs, kv)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return KVResult{}, fmt.Errorf("key-space result: %v", d.err)
	}
	return r, nil
}

// KVAnswer is one command's answer within a multi: its result, or why it
// was refused.
type KVAnswer struct {
	Result KVResult
	Err    error
}

func appendKVAnswer(b []byte, r KVResult, refused error) []byte {
	if refused != nil {
		b = append(b, 1)
		b = appendBytes(b, []byte(ErrorCode(refused)))
		return appendBytes(b, []byte(refused.Error()))
	}
	b = append(b, 0)
	return appendBytes(b, EncodeKVResult(r))
}

// DecodeKVAnswers reads a multi's answers (Result.Data), one per command.
func DecodeKVAnswers(b []byte) ([]KVAnswer, error) {
	d := decoder{b: b}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("%d answers exceed the result", n)
	}
	var out []KVAnswer
	for i := uint64(0); i < n && d.err == nil; i++ {
		refused := d.byte() == 1
		if refused {
			code, msg := d.bytes(), d.bytes()
			out = append(out, KVAnswer{Err: ErrorFromCode(string(code), string(msg))})
			continue
		}
		r, err := DecodeKVResult(d.bytes())
		if err != nil {
			d.fail("answer %d: %v", i, err)
		}
		out = append(out, KVAnswer{Result: r})
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("key-space answers: %v", d.err)
	}
	return out, nil
}
