package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"
)

// kvTx applies key-space commands inside the batch's bbolt transaction.
type kvTx struct {
	meta, cur, hist, leases *bolt.Bucket
	rev                     int64
	// now is when the leader appended the entry: lease expiries count
	// from it, so every node records the same expiry.
	now    time.Time
	events *[]KVEvent
}

// applyKV applies one key-space command, or each of a multi's. A refusal
// (a malformed command, a compaction to a revision that is compacted or in
// the future) writes nothing and is returned in Result.Err (for a multi,
// in that command's answer); err is a failure of the file.
func applyKV(tx *bolt.Tx, c Command, l *raft.Log, events *[]KVEvent) (Result, error) {
	res := Result{Index: l.Index}
	t := &kvTx{
		meta: tx.Bucket(bucketKVMeta), cur: tx.Bucket(bucketKVCurrent),
		hist: tx.Bucket(bucketKVHistory), leases: tx.Bucket(bucketKVLeases),
		now: l.AppendedAt, events: events,
	}
	t.rev = kvRevision(t.meta)
	start := t.rev
	if c.Op == OpKVMulti {
		data := binary.AppendUvarint(nil, uint64(len(c.Ops)))
		for _, op := range c.Ops {
			out, refused, err := t.apply(op)
			if err != nil {
				return res, err
			}
			data = appendKVAnswer(data, out, refused)
		}
		res.Data = data
	} else {
		out, refused, err := t.apply(c)
		if err != nil || refused != nil {
			res.Err = refused
			return res, err
		}
		res.Data = EncodeKVResult(out)
	}
	if t.rev != start {
		if err := putUint(t.meta, kvMetaRevision, uint64(t.rev)); err != nil {
			return res, err
		}
	}
	return res, nil
}

// apply applies one key-space command.
func (t *kvTx) apply(c Command) (out KVResult, refused, err error) {
	if refused := checkKV(c); refused != nil {
		return KVResult{}, refused, nil
	}
	switch c.Op {
	case OpKVPut:
		out, err = t.put(c)
	case OpKVCreate:
		out, err = t.create(c)
	case OpKVUpdate:
		out, err = t.update(c)
	case OpKVDelete:
		out, err = t.delete(c)
	case OpKVDeleteRange:
		out, err = t.deleteRange(c)
	case OpKVCompact:
		if refused, err = t.compact(c.Expect); refused != nil || err != nil {
			return KVResult{}, refused, err
		}
		out = KVResult{Succeeded: true}
	default:
		return KVResult{}, fmt.Errorf("%w: %s inside a key-space multi", ErrBadCommand, c.Op), nil
	}
	out.Revision = t.rev
	return out, nil, err
}

func checkKV(c Command) error {
	switch {
	case c.Op == OpKVCompact:
		if c.Expect <= 0 {
			return fmt.Errorf("%w: compaction to revision %d; revisions start at 1", ErrBadCommand, c.Expect)
		}
		return nil
	case len(c.Key) == 0 && c.Op != OpKVDeleteRange:
		return fmt.Errorf("%w: empty key; etcd keys are 1 to %d bytes", ErrBadCommand, MaxKVKeySize)
	case len(c.Key) > MaxKVKeySize || len(c.End) > MaxKVKeySize:
		return fmt.Errorf("%w: key of %d bytes; keys are at most %d bytes", ErrBadCommand, max(len(c.Key), len(c.End)), MaxKVKeySize)
	case len(c.Value) > MaxValueSize:
		return fmt.Errorf("%w: value of %d bytes; values are at most %d bytes", ErrBadCommand, len(c.Value), MaxValueSize)
	case c.Lease < 0 || c.Expect < 0:
		return fmt.Errorf("%w: negative lease or revision", ErrBadCommand)
	}
	return nil
}

// kvRevision is the current revision; an empty key space is at 1, as etcd's is.
func kvRevision(meta *bolt.Bucket) int64 {
	return max(int64(getUint(meta, kvMetaRevision)), 1)
}

// latest returns the key's state, if it has one (it may be a tombstone).
func (t *kvTx) latest(key []byte) (currentRecord, bool, error) {
	v := t.cur.Get(key)
	if v == nil {
		return currentRecord{}, false, nil
	}
	r, err := decodeCurrent(v)
	if err != nil {
		return r, false, fmt.Errorf("%q: %w", key, err)
	}
	r.value = clone(r.value)
	return r, true, nil
}

func (t *kvTx) put(c Command) (KVResult, error) {
	prev, ok, err := t.latest(c.Key)
	if err != nil {
		return KVResult{}, err
	}
	out := KVResult{Succeeded: true}
	if ok && !prev.deleted {
		out.KVs = []KeyValue{prev.keyValue(c.Key, false)}
	}
	_, err = t.write(c.Key, c.Value, c.Lease, prev, ok)
	return out, err
}

func (t *kvTx) create(c Command) (KVResult, error) {
	prev, ok, err := t.latest(c.Key)
	if err != nil {
		return KVResult{}, err
	}
	if ok && !prev.deleted {
		return KVResult{KVs: []KeyValue{prev.keyValue(c.Key, false)}}, nil
	}
	_, err = t.write(c.Key, c.Value, c.Lease, prev, ok)
	return KVResult{Succeeded: true}, err
}

func (t *kvTx) update(c Command) (KVResult, error) {
	prev, ok, err := t.latest(c.Key)
	if err != nil || !ok || prev.deleted {
		return KVResult{}, err
	}
	if prev.mod != c.Expect {
		return KVResult{KVs: []KeyValue{prev.keyValue(c.Key, false)}}, nil
	}
	kv, err := t.write(c.Key, c.Value, c.Lease, prev, ok)
	return KVResult{Succeeded: true, KVs: []KeyValue{kv}}, err
}

func (t *kvTx) delete(c Command) (KVResult, error) {
	prev, ok, err := t.latest(c.Key)
	if err != nil || !ok || prev.deleted {
		return KVResult{}, err
	}
	if c.Expect != 0 && prev.mod != c.Expect {
		return KVResult{KVs: []KeyValue{prev.keyValue(c.Key, false)}}, nil
	}
	err = t.remove(c.Key, prev)
	return KVResult{Succeeded: true, Deleted: 1, KVs: []KeyValue{prev.keyValue(c.Key, false)}}, err
}

func (t *kvTx) deleteRange(c Command) (KVResult, error) {
	if len(c.End) == 0 {
		return t.delete(Command{Key: c.Key})
	}
	type victim struct {
		key []byte
		rec currentRecord
	}
	var victims []victim
	cur := t.cur.Cursor()
	for k, v := cur.Seek(c.Key); k != nil && inRange(k, c.End); k, v = cur.Next() {
		r, err := decodeCurrent(v)
		if err != nil {
			return KVResult{}, fmt.Errorf("%q: %w", k, err)
		}
		if !r.deleted {
			r.value = clone(r.value)
			victims = append(victims, victim{clone(k), r})
		}
	}
	out := KVResult{Succeeded: true}
	for _, v := range victims {
		if err := t.remove(v.key, v.rec); err != nil {
			return KVResult{}, err
		}
		out.KVs = append(out.KVs, v.rec.keyValue(v.key, false))
	}
	out.Deleted = int64(len(victims))
	return out, nil
}

// inRange reports whether k is below end, where end "\x00" means no bound.
func inRange(k, end []byte) bool {
	return (len(end) == 1 && end[0] == 0) || bytes.Compare(k, end) < 0
}

// write records a new state of key at the next revision.
func (t *kvTx) write(key, value []byte, lease int64, prev currentRecord, had bool) (KeyValue, error) {
	t.rev++
	live := had && !prev.deleted
	rec := currentRecord{create: t.rev, mod: t.rev, version: 1, lease: lease, value: value}
	if live {
		rec.create, rec.version = prev.create, prev.version+1
	}
	if lease > 0 {
		rec.exp = t.now.Add(time.Duration(lease) * time.Second).UnixNano()
	}
	h := historyRecord{created: !live, create: rec.create, version: rec.version, lease: lease, key: key, value: value}
	if had {
		h.prev = prev.mod
	}
	if err := t.store(key, prev, rec, h); err != nil {
		return KeyValue{}, err
	}
	kv := rec.keyValue(key, false)
	ev := KVEvent{Create: !live, KV: kv}
	if live {
		p := prev.keyValue(key, false)
		ev.Prev = &p
	}
	*t.events = append(*t.events, ev)
	return kv, nil
}

// remove leaves a tombstone for key at the next revision.
func (t *kvTx) remove(key []byte, prev currentRecord) error {
	t.rev++
	rec := currentRecord{deleted: true, mod: t.rev}
	h := historyRecord{deleted: true, prev: prev.mod, key: key}
	if err := t.store(key, prev, rec, h); err != nil {
		return err
	}
	p := prev.keyValue(key, false)
	*t.events = append(*t.events, KVEvent{Delete: true, KV: KeyValue{Key: clone(key), ModRevision: t.rev}, Prev: &p})
	return nil
}

func (t *kvTx) store(key []byte, prev, rec currentRecord, h historyRecord) error {
	if prev.exp != 0 {
		if err := t.leases.Delete(leaseKey(prev.exp, key)); err != nil {
			return err
		}
	}
	if rec.exp != 0 {
		if err := t.leases.Put(leaseKey(rec.exp, key), revKey(rec.mod)); err != nil {
			return err
		}
	}
	if err := t.cur.Put(key, rec.encode()); err != nil {
		return err
	}
	return t.hist.Put(revKey(t.rev), h.encode())
}

// compact discards the history before rev: each entry at or below rev
// replaces the entry it names, which no read at rev or later can reach;
// tombstones below rev go too, with the key when nothing came after. The
// entries at rev itself stay, so a watch from rev sees its event.
func (t *kvTx) compact(rev int64) (refused, err error) {
	compacted := int64(getUint(t.meta, kvMetaCompacted))
	if rev <= compacted {
		return fmt.Errorf("%w (compacted at %d, asked %d)", ErrCompacted, compacted, rev), nil
	}
	if rev > t.rev {
		return fmt.Errorf("%w (current %d, asked %d)", ErrFutureRev, t.rev, rev), nil
	}
	var dropHist []int64
	var dropKeys [][]byte
	c := t.hist.Cursor()
	for k, v := c.Seek(revKey(max(compacted, 1))); k != nil; k, v = c.Next() {
		r := int64(getRev(k))
		if r > rev {
			break
		}
		h, err := decodeHistory(v)
		if err != nil {
			return nil, fmt.Errorf("history at %d: %w", r, err)
		}
		if h.prev != 0 {
			dropHist = append(dropHist, h.prev)
		}
		if h.deleted && r < rev {
			dropHist = append(dropHist, r)
			if cur, ok, err := t.latest(h.key); err != nil {
				return nil, err
			} else if ok && cur.mod == r {
				dropKeys = append(dropKeys, clone(h.key))
			}
		}
	}
	for _, r := range dropHist {
		if err := t.hist.Delete(revKey(r)); err != nil {
			return nil, err
		}
	}
	for _, k := range dropKeys {
		if err := t.cur.Delete(k); err != nil {
			return nil, err
		}
	}
	return nil, putUint(t.meta, kvMetaCompacted, uint64(rev))
}

func getRev(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return uint64(k[0])<<56 | uint64(k[1])<<48 | uint64(k[2])<<40 | uint64(k[3])<<32 | uint64(k[4])<<24 | uint64(k[5])<<16 | uint64(k[6])<<8 | uint64(k[7])
}
