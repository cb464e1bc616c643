package storage

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout of the state file this version writes.
const SchemaVersion = 2

// migrations[v] upgrades a file from schema v to v+1 inside one
// transaction. Every node runs the same migrations on the same file
// content, so the files stay identical across the cluster.
var migrations = map[uint64]func(tx *bolt.Tx) error{
	1: migrateSplitKeys, // migrate.go
}

// initSchema creates the buckets of a new file and migrates an older one.
// A file written by a newer version is refused rather than misread. A file
// already at this schema is only read.
func (s *Store) initSchema() error {
	current := false
	err := s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil
		}
		v := getUint(meta, metaSchema)
		if v > SchemaVersion {
			return fmt.Errorf("state file %s has schema %d, newer than this binary's %d; run the newer sovereign binary", s.path, v, SchemaVersion)
		}
		current = v == SchemaVersion
		for _, b := range append(kvBuckets, dataBuckets...) {
			current = current && tx.Bucket(b) != nil
		}
		return nil
	})
	if err != nil || current {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		for _, b := range append(kvBuckets, dataBuckets...) {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		v := getUint(meta, metaSchema)
		if v == 0 { // a new file
			return putUint(meta, metaSchema, SchemaVersion)
		}
		if v > SchemaVersion {
			return fmt.Errorf("state file %s has schema %d, newer than this binary's %d; run the newer sovereign binary", s.path, v, SchemaVersion)
		}
		for ; v < SchemaVersion; v++ {
			m, ok := migrations[v]
			if !ok {
				return fmt.Errorf("no migration from schema %d", v)
			}
			if err := m(tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
			s.logger.Info("migrated state file", "from", v, "to", v+1)
		}
		return putUint(meta, metaSchema, SchemaVersion)
	})
}

func getUint(b *bolt.Bucket, key []byte) uint64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint(b *bolt.Bucket, key []byte, v uint64) error {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	return b.Put(key, buf[:])
}
