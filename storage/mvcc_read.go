package storage

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Reads of the key space. Each runs in one bbolt read transaction, so it
// sees the state after some whole batch, never half of one. A key range is
// [key, end): an empty end names the single key, end "\x00" every key from
// key on, and an empty key with end "\x00" the whole space. A revision of
// 0 or less reads the current state.

type kvView struct {
	cur, hist      *bolt.Bucket
	rev, compacted int64
}

func (s *Store) kvView(fn func(v *kvView) error) error {
	return s.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketKVMeta)
		return fn(&kvView{
			cur: tx.Bucket(bucketKVCurrent), hist: tx.Bucket(bucketKVHistory),
			rev: kvRevision(meta), compacted: int64(getUint(meta, kvMetaCompacted)),
		})
	})
}

// check refuses a revision below the compaction point or above the current one.
func (v *kvView) check(rev int64) error {
	switch {
	case rev <= 0:
		return nil
	case rev > v.rev:
		return ErrFutureRev
	case rev < v.compacted:
		return ErrCompacted
	}
	return nil
}

// at returns key's state at rev (0: now), given its latest record.
func (v *kvView) at(key []byte, cur currentRecord, rev int64, keysOnly bool) (KeyValue, bool, error) {
	if rev <= 0 || cur.mod <= rev {
		if cur.deleted {
			return KeyValue{}, false, nil
		}
		return cur.keyValue(key, keysOnly), true, nil
	}
	r := cur.mod
	for {
		b := v.hist.Get(revKey(r))
		if b == nil {
			return KeyValue{}, false, nil // compacted away: absent at rev
		}
		h, err := decodeHistory(b)
		if err != nil {
			return KeyValue{}, false, fmt.Errorf("history at %d: %w", r, err)
		}
		if r <= rev {
			if h.deleted {
				return KeyValue{}, false, nil
			}
			return h.keyValue(r, keysOnly), true, nil
		}
		if h.prev == 0 {
			return KeyValue{}, false, nil // created after rev
		}
		r = h.prev
	}
}

// scan calls fn with each key in range that exists at rev, in key order,
// until fn returns false.
func (v *kvView) scan(key, end []byte, rev int64, keysOnly bool, fn func(KeyValue) bool) error {
	if len(end) == 0 {
		b := v.cur.Get(key)
		if b == nil || len(key) == 0 {
			return nil
		}
		cur, err := decodeCurrent(b)
		if err != nil {
			return err
		}
		kv, ok, err := v.at(key, cur, rev, keysOnly)
		if ok {
			fn(kv)
		}
		return err
	}
	c := v.cur.Cursor()
	for k, b := c.Seek(key); k != nil && inRange(k, end); k, b = c.Next() {
		cur, err := decodeCurrent(b)
		if err != nil {
			return fmt.Errorf("%q: %w", k, err)
		}
		kv, ok, err := v.at(k, cur, rev, keysOnly)
		if err != nil {
			return err
		}
		if ok && !fn(kv) {
			return nil
		}
	}
	return nil
}

// KVRevision returns the current revision and the compaction point.
func (s *Store) KVRevision() (current, compacted int64, err error) {
	err = s.kvView(func(v *kvView) error {
		current, compacted = v.rev, v.compacted
		return nil
	})
	return current, compacted, err
}

// KVRange returns up to limit (0: all) keys of the range as they were at
// rev, and the current revision.
func (s *Store) KVRange(key, end []byte, rev, limit int64, keysOnly bool) (current int64, kvs []KeyValue, err error) {
	err = s.kvView(func(v *kvView) error {
		current = v.rev
		if err := v.check(rev); err != nil {
			return err
		}
		return v.scan(key, end, rev, keysOnly, func(kv KeyValue) bool {
			kvs = append(kvs, kv)
			return limit <= 0 || int64(len(kvs)) < limit
		})
	})
	return current, kvs, err
}

// KVCount counts the keys of the range at rev.
func (s *Store) KVCount(key, end []byte, rev int64) (current, n int64, err error) {
	err = s.kvView(func(v *kvView) error {
		current = v.rev
		if err := v.check(rev); err != nil {
			return err
		}
		return v.scan(key, end, rev, true, func(KeyValue) bool { n++; return true })
	})
	return current, n, err
}

// KVEvents returns up to limit changes made after revision after, in
// revision order, and the current revision. Changes after a revision below
// the compaction point are gone: ErrCompacted, with the compaction point.
func (s *Store) KVEvents(after int64, limit int) (events []KVEvent, current, compacted int64, err error) {
	err = s.kvView(func(v *kvView) error {
		current, compacted = v.rev, v.compacted
		if after+1 < v.compacted {
			return ErrCompacted
		}
		c := v.hist.Cursor()
		for k, b := c.Seek(revKey(after + 1)); k != nil && len(events) < limit; k, b = c.Next() {
			h, err := decodeHistory(b)
			if err != nil {
				return fmt.Errorf("history at %x: %w", k, err)
			}
			r := int64(getRev(k))
			ev := KVEvent{Create: h.created, Delete: h.deleted, KV: h.keyValue(r, false)}
			if h.prev != 0 && h.prev >= v.compacted {
				if pb := v.hist.Get(revKey(h.prev)); pb != nil {
					if ph, err := decodeHistory(pb); err == nil && !ph.deleted {
						p := ph.keyValue(h.prev, false)
						ev.Prev = &p
					}
				}
			}
			events = append(events, ev)
		}
		return nil
	})
	return events, current, compacted, err
}

// KVExpired returns up to limit keys whose lease expired at or before now,
// with the mod revision that carries the lease (a delete conditional on it
// never removes a key written again since) and the lease (its TTL).
func (s *Store) KVExpired(now time.Time, limit int) ([]KeyValue, error) {
	var out []KeyValue
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketKVLeases).Cursor()
		cur := tx.Bucket(bucketKVCurrent)
		until := revKey(now.UnixNano())
		for k, b := c.First(); len(k) > 8 && bytes.Compare(k[:8], until) <= 0 && len(out) < limit; k, b = c.Next() {
			kv := KeyValue{Key: clone(k[8:]), ModRevision: int64(getRev(b))}
			if rec, err := decodeCurrent(cur.Get(kv.Key)); err == nil && rec.mod == kv.ModRevision {
				kv.Lease = rec.lease
			}
			out = append(out, kv)
		}
		return nil
	})
	return out, err
}

// NextLeaseExpiry returns when the next lease expires, if one is held.
func (s *Store) NextLeaseExpiry() (time.Time, bool, error) {
	var at time.Time
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketKVLeases).Cursor().First(); len(k) > 8 {
			at, ok = time.Unix(0, int64(getRev(k[:8]))), true
		}
		return nil
	})
	return at, ok, err
}

// OnKVEvents sets the function the apply loop calls after each batch that
// changed the key space, with that batch's events in revision order, and
// with nil after a snapshot replaced the state. It runs on the apply loop:
// it must not block. Every node calls it for its
// own applies, so a follower learns of changes without asking the leader.
func (s *Store) OnKVEvents(fn func([]KVEvent)) { s.onKV.Store(&fn) }

// restoredKV tells the OnKVEvents function, with no events, that the key
// space was replaced by a snapshot: whoever follows it must read the
// history again from where it was.
func (s *Store) restoredKV() {
	if fn := s.onKV.Load(); fn != nil && *fn != nil {
		(*fn)(nil)
	}
}

func (s *Store) publishKV(events []KVEvent) {
	if len(events) == 0 {
		return
	}
	if fn := s.onKV.Load(); fn != nil && *fn != nil {
		(*fn)(events)
	}
}
