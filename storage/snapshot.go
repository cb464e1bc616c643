package storage

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/internal/atomicfile"
	bolt "go.etcd.io/bbolt"
)

// Snapshot captures the state as it is now: it opens a read transaction,
// which bbolt keeps consistent while later batches are applied, and the
// file is streamed from it in Persist. Raft does not apply entries while
// Snapshot runs, so the snapshot holds exactly the entries applied so far.
//
// A store whose apply loop failed (ErrStoreFailed) refuses: Raft counts
// the entries it could not write as applied, so a snapshot of its file
// taken at Raft's index would miss them, and the log that holds them would
// be compacted away.
func (s *Store) Snapshot() (raft.FSMSnapshot, error) {
	if err := s.Failed(); err != nil {
		return nil, fmt.Errorf("%w, so no snapshot is taken: %v; free disk space or fix the disk, then restart the node", ErrStoreFailed, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return nil, errors.New("state file is closed")
	}
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, fmt.Errorf("begin snapshot: %w", err)
	}
	return &fileSnapshot{tx: tx}, nil
}

type fileSnapshot struct{ tx *bolt.Tx }

// Persist streams the bbolt file to the sink.
func (f *fileSnapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := f.tx.WriteTo(sink); err != nil {
		sink.Cancel()
		return fmt.Errorf("write snapshot: %w", err)
	}
	return sink.Close()
}

// Release ends the read transaction.
func (f *fileSnapshot) Release() { _ = f.tx.Rollback() }

// Backup streams a consistent copy of the state file to w and returns the
// index it holds, for snapshots taken outside Raft's own schedule.
func (s *Store) Backup(w io.Writer) (index uint64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		index = getUint(tx.Bucket(bucketMeta), metaAppliedIndex)
		_, err := tx.WriteTo(w)
		return err
	})
	return index, err
}

// Restore replaces the state with the bbolt file read from rc. The file is
// written beside the current one, checked, and renamed over it; until the
// rename the current state is untouched, so a bad snapshot changes nothing.
func (s *Store) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	tmp := s.path + ".restore"
	if err := receiveFile(tmp, rc); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := checkSnapshotFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		if err := s.db.Close(); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("restore: close current state: %w", err)
		}
		s.db = nil
	}
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := atomicfile.SyncDir(parentDir(s.path)); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	db, err := openBolt(s.path, s.opts.SyncEachBatch)
	if err != nil {
		return fmt.Errorf("restore: reopen: %w", err)
	}
	s.db = db
	if err := s.initSchema(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	idx, _ := s.appliedLocked()
	s.applied.Store(idx)
	s.logger.Info("restored state from snapshot", "applied_index", idx)
	s.restoredKV()
	return nil
}

func (s *Store) appliedLocked() (index, term uint64) {
	_ = s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		index, term = getUint(meta, metaAppliedIndex), getUint(meta, metaAppliedTerm)
		return nil
	})
	return index, term
}

func receiveFile(name string, r io.Reader) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkSnapshotFile verifies that path is a sound state file this binary
// can read: a bbolt file with the meta bucket and a schema it knows.
func checkSnapshotFile(path string) error {
	if err := CheckFile(path); err != nil {
		return fmt.Errorf("not a sound state file: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return classifyOpenError(path, err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("not a sovereign state file: it has no meta bucket")
		}
		if v := getUint(meta, metaSchema); v == 0 || v > SchemaVersion {
			return fmt.Errorf("state file schema %d is not one this binary reads (1..%d)", v, SchemaVersion)
		}
		return nil
	})
}
