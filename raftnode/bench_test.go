package raftnode

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkDurableWrite measures acknowledged writes through Raft on one
// node (log fsynced before the acknowledgement) with 1 and 64 concurrent
// writers, beside the floor no durable write can beat: a raw bbolt Update
// with fsync on the same disk, one at a time.
func BenchmarkDurableWrite(b *testing.B) {
	b.Run("floor=bbolt-update-fsync", func(b *testing.B) {
		db, err := bolt.Open(filepath.Join(b.TempDir(), "floor.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		value := make([]byte, 100)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			err := db.Update(func(tx *bolt.Tx) error {
				bk, err := tx.CreateBucketIfNotExists([]byte("kv"))
				if err != nil {
					return err
				}
				return bk.Put(binary.BigEndian.AppendUint64(nil, uint64(i)), value)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("raft-writers=%d", writers), func(b *testing.B) {
			n := openTestNode(b, b.TempDir(), freeAddr(b), nil)
			defer n.close(b)
			waitReady(b, n.Node)
			b.ResetTimer()
			writeLoad(b, []*testNode{n}, writers, b.N, 0)
		})
	}
}
