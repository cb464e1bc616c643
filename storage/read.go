package storage

import (
	"bytes"
	"fmt"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"
)

// Get returns the record under key in bucket, and whether it exists.
func (s *Store) Get(bucket, key []byte) (Record, bool, error) {
	var rec Record
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return fmt.Errorf("%w %q", ErrUnknownBucket, bucket)
		}
		v := b.Get(key)
		if v == nil {
			return nil
		}
		var err error
		rec, err = decodeRecord(v)
		ok = err == nil
		return err
	})
	return rec, ok, err
}

// Scan calls fn for every record in bucket whose key starts with prefix, in
// key order, until fn returns false. The key and record are copies.
func (s *Store) Scan(bucket, prefix []byte, fn func(key []byte, rec Record) bool) error {
	return s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return fmt.Errorf("%w %q", ErrUnknownBucket, bucket)
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			rec, err := decodeRecord(v)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", bucket, k, err)
			}
			if !fn(append([]byte(nil), k...), rec) {
				return nil
			}
		}
		return nil
	})
}

// Empty reports whether bucket holds no key; unlike Count it reads one page.
func (s *Store) Empty(bucket []byte) (bool, error) {
	empty := true
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return fmt.Errorf("%w %q", ErrUnknownBucket, bucket)
		}
		k, _ := b.Cursor().First()
		empty = k == nil
		return nil
	})
	return empty, err
}

// Count returns the number of keys in bucket; it walks the whole bucket.
func (s *Store) Count(bucket []byte) (int, error) {
	var n int
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return fmt.Errorf("%w %q", ErrUnknownBucket, bucket)
		}
		n = b.Stats().KeyN
		return nil
	})
	return n, err
}

// Applied returns the index and term of the last entry applied to the file.
func (s *Store) Applied() (index, term uint64) {
	_ = s.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		index, term = getUint(meta, metaAppliedIndex), getUint(meta, metaAppliedTerm)
		return nil
	})
	return index, term
}

// Configuration returns the last Raft configuration applied to the file and
// its index; index 0 means none yet.
func (s *Store) Configuration() (raft.Configuration, uint64, error) {
	var conf raft.Configuration
	var index uint64
	err := s.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		index = getUint(meta, metaConfigIndex)
		if data := meta.Get(metaConfig); data != nil {
			conf = raft.DecodeConfiguration(append([]byte(nil), data...))
		}
		return nil
	})
	return conf, index, err
}
