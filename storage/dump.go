package storage

import (
	"bufio"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Dump writes the logical content of every data bucket to w, one record a
// line in bucket and key order: bucket, key, create index, mod index,
// version, value (keys and values Go-quoted). Two nodes, or one node
// before and after a restart, hold the same state exactly when their dumps
// are equal byte for byte.
func (s *Store) Dump(w io.Writer) error {
	bw := bufio.NewWriter(w)
	err := s.view(func(tx *bolt.Tx) error {
		for _, name := range dataBuckets {
			c := tx.Bucket(name).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				rec, err := decodeRecord(v)
				if err != nil {
					return fmt.Errorf("%s/%q: %w", name, k, err)
				}
				if _, err := fmt.Fprintf(bw, "%s\t%q\t%d\t%d\t%d\t%q\n", name, k, rec.CreateIndex, rec.ModIndex, rec.Version, rec.Value); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}
