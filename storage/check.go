package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// CheckFile verifies, without writing a byte, that the file at path is a
// whole, sound bbolt file: its meta pages are valid, it is as long as its
// meta says, and every page is reachable exactly once. A missing file is
// fine (it is created). A truncated file would otherwise crash the process
// when a page past its end is touched through the memory map.
func CheckFile(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if info.Size() == 0 {
		return fmt.Errorf("%w: %s is empty; remove it if no node ever ran here, or restore it from a snapshot", ErrCorrupt, path)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return classifyOpenError(path, err)
	}
	defer db.Close()
	return checkDB(db, path, info.Size())
}

func checkDB(db *bolt.DB, path string, fileSize int64) (err error) {
	defer func() {
		// bbolt panics on some damaged pages; that is a damaged file, not a bug.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v; restore it from a snapshot (sovereign snapshot restore) or rejoin the node to its cluster", ErrCorrupt, path, r)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		if tx.Size() > fileSize {
			return fmt.Errorf("%w: %s is %d bytes but its meta page says %d; the file was truncated; restore it from a snapshot (sovereign snapshot restore) or rejoin the node to its cluster",
				ErrCorrupt, path, fileSize, tx.Size())
		}
		for cerr := range tx.Check() {
			if cerr != nil {
				return fmt.Errorf("%w: %s: %v; restore it from a snapshot (sovereign snapshot restore) or rejoin the node to its cluster", ErrCorrupt, path, cerr)
			}
		}
		return nil
	})
}

// classifyOpenError turns a bbolt open error into one that says what to do.
func classifyOpenError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("%w: %s; stop the other sovereign process using this data directory, or choose another --data-dir", ErrLocked, path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("open %s: %w; make the data directory writable by this user, or choose another --data-dir", path, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return fmt.Errorf("%w: %s: %v; restore it from a snapshot (sovereign snapshot restore) or rejoin the node to its cluster", ErrCorrupt, path, err)
	default:
		return fmt.Errorf("open state file %s: %w", path, err)
	}
}
