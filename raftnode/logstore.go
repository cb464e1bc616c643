package raftnode

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
	"github.com/hashicorp/raft-wal/migrate"
	bolt "go.etcd.io/bbolt"

	"github.com/openova-io/sovereign/internal/atomicfile"
	"github.com/openova-io/sovereign/storage"
)

// The Raft log and stable store is hashicorp/raft-wal in <raft dir>/wal:
// append-only segment files, one fdatasync per appended batch, where
// raft-boltdb's B+tree needed two and rewrote pages (a write waits for the
// leader's log and then a follower's, so each fsync saved is saved twice).
// A data directory from before keeps its log in raft.db: the first start
// copies it into wal.migrating, renames that to wal, and puts a fence in
// raft.db's place: a few lines of text, which an earlier version finds
// where it expects its log, takes for a damaged file and refuses to start
// on, instead of finding no log and starting a new cluster.
const (
	walDir       = "wal"
	walMigrating = "wal.migrating"
	legacyLog    = "raft.db"
	// segmentSize is a segment file's size, reserved when it is created.
	segmentSize = 8 << 20
)

// fence is raft.db's content once the log is in wal/.
const fence = "Sovereign keeps this node's Raft log in wal/ (raft-wal segment files).\n" +
	"This file stands where earlier versions kept it, so that they refuse to\n" +
	"start on this directory instead of starting a new cluster.\n"

// isFence reports whether the file at path is the fence.
func isFence(path string) bool {
	data, err := os.ReadFile(path)
	return err == nil && string(data) == fence
}

// putFence writes the fence over path, atomically.
func putFence(path string) error {
	if err := atomicfile.WriteFile(path, []byte(fence), 0o600); err != nil {
		return fmt.Errorf("raft log: write %s: %w", path, err)
	}
	return nil
}

// HasLog reports whether dir holds a Raft log (either layout).
func HasLog(dir string) bool {
	for _, name := range []string{walDir, legacyLog} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// openLogStore opens the log in dir, moving a raft.db log into the
// segment layout first.
func openLogStore(dir string, logger hclog.Logger) (logStore, error) {
	walPath, legacy := filepath.Join(dir, walDir), filepath.Join(dir, legacyLog)
	switch {
	case exists(legacy) && isFence(legacy) && !exists(walPath):
		return nil, fmt.Errorf("%w: %s says the raft log moved to %s, which is missing; restore the node from a snapshot (sovereign snapshot restore) or move its data directory aside and join it to its cluster again",
			storage.ErrCorrupt, legacy, walPath)
	case exists(legacy) && !isFence(legacy) && !exists(walPath):
		if err := migrateLog(dir, logger); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(walPath, 0o700); err != nil {
		return nil, fmt.Errorf("raft log: %w", err)
	}
	// A new log, or a copy that finished before the fence was put.
	if !isFence(legacy) {
		if err := putFence(legacy); err != nil {
			return nil, err
		}
	}
	s := &walStore{dir: walPath, logger: logger}
	if err := s.open(); err != nil {
		return nil, fmt.Errorf("raft log %s: %w", walPath, err)
	}
	return s, nil
}

// migrateLog copies raft.db's entries and terms into a new segment log
// and swaps it in; a crash at any point leaves either raft.db alone or a
// complete wal beside it.
func migrateLog(dir string, logger hclog.Logger) error {
	legacy, tmp := filepath.Join(dir, legacyLog), filepath.Join(dir, walMigrating)
	start := time.Now()
	if err := storage.CheckFile(legacy); err != nil {
		return fmt.Errorf("raft log: %w", err)
	}
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	src, err := raftboltdb.New(raftboltdb.Options{Path: legacy, BoltOptions: &bolt.Options{Timeout: 200 * time.Millisecond}})
	if err != nil {
		return fmt.Errorf("raft log %s: %w", legacy, err)
	}
	defer src.Close()
	dst := &walStore{dir: tmp, logger: logger}
	if err := dst.open(); err != nil {
		return fmt.Errorf("raft log %s: %w", tmp, err)
	}
	err = copyLog(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy the raft log from %s: %w", legacy, err)
	}
	if err := atomicfile.SyncDir(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, walDir)); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return err
	}
	src.Close()
	if err := putFence(legacy); err != nil {
		return err
	}
	logger.Info("moved the raft log into segment files", "from", legacy, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func copyLog(dst *walStore, src *raftboltdb.BoltStore) error {
	ctx := context.Background()
	if err := migrate.CopyStable(ctx, dst, src, nil, nil, nil); err != nil {
		return err
	}
	last, err := src.LastIndex()
	if err != nil || last == 0 {
		return err
	}
	return migrate.CopyLogs(ctx, dst, src, 1<<20, nil)
}

// walStore is raft-wal's log, reopened after a failed write. raft-wal
// rolls a refused append back (ENOSPC), but a segment rotation that fails
// (the next segment cannot be created on a full disk) leaves the tail
// sealed with no segment after it, and every later append answers
// ErrSealed until the files are read again, which opening does. Until it
// opens again every call answers the error.
type walStore struct {
	dir    string
	logger hclog.Logger

	mu     sync.RWMutex
	w      *wal.WAL // nil while it could not be reopened
	meta   *metadb.BoltMetaDB
	closed bool
}

var errLogClosed = errors.New("raft log is closed")

// open opens the log in s.dir. raft-wal's Close leaves the metadata file
// it opened itself open (and locked), so s opens that file and closes it.
func (s *walStore) open() error {
	meta := &metadb.BoltMetaDB{}
	w, err := wal.Open(s.dir, wal.WithSegmentSize(segmentSize), wal.WithLogger(s.logger), wal.WithMetaStore(meta))
	if err != nil {
		meta.Close()
		return err
	}
	s.w, s.meta = w, meta
	return nil
}

// closeLocked closes the open log and its metadata file.
func (s *walStore) closeLocked() error {
	if s.w == nil {
		return nil
	}
	err := s.w.Close()
	if merr := s.meta.Close(); err == nil {
		err = merr
	}
	s.w, s.meta = nil, nil
	return err
}

// current is the open log, reopened first when an append failed before.
func (s *walStore) current() (*wal.WAL, func(), error) {
	s.mu.RLock()
	if s.w != nil {
		return s.w, s.mu.RUnlock, nil
	}
	s.mu.RUnlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, nil, errLogClosed
	}
	if s.w == nil {
		if err := s.open(); err != nil {
			s.mu.Unlock()
			return nil, nil, fmt.Errorf("reopen the raft log: %w", err)
		}
		s.logger.Info("raft log reopened after a failed write")
	}
	s.mu.Unlock()
	return s.current()
}

// failed drops w after a failed write; the next call opens the log again.
func (s *walStore) failed(w *wal.WAL) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == w {
		s.closeLocked()
	}
}

// write runs a mutation of the log and drops the log when it fails.
func (s *walStore) write(fn func(w *wal.WAL) error) error {
	w, done, err := s.current()
	if err != nil {
		return err
	}
	err = fn(w)
	done()
	if err != nil {
		s.failed(w)
	}
	return err
}

func (s *walStore) StoreLogs(logs []*raft.Log) error {
	return s.write(func(w *wal.WAL) error { return w.StoreLogs(logs) })
}

func (s *walStore) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

func (s *walStore) DeleteRange(min, max uint64) error {
	return s.write(func(w *wal.WAL) error { return w.DeleteRange(min, max) })
}

func (s *walStore) Set(k, v []byte) error {
	return s.write(func(w *wal.WAL) error { return w.Set(k, v) })
}

func (s *walStore) SetUint64(k []byte, v uint64) error {
	return s.write(func(w *wal.WAL) error { return w.SetUint64(k, v) })
}

func (s *walStore) FirstIndex() (uint64, error) {
	w, done, err := s.current()
	if err != nil {
		return 0, err
	}
	defer done()
	return w.FirstIndex()
}

func (s *walStore) LastIndex() (uint64, error) {
	w, done, err := s.current()
	if err != nil {
		return 0, err
	}
	defer done()
	return w.LastIndex()
}

func (s *walStore) GetLog(index uint64, l *raft.Log) error {
	w, done, err := s.current()
	if err != nil {
		return err
	}
	defer done()
	return w.GetLog(index, l)
}

func (s *walStore) Get(k []byte) ([]byte, error) {
	w, done, err := s.current()
	if err != nil {
		return nil, err
	}
	defer done()
	return w.Get(k)
}

func (s *walStore) GetUint64(k []byte) (uint64, error) {
	w, done, err := s.current()
	if err != nil {
		return 0, err
	}
	defer done()
	return w.GetUint64(k)
}

// IsMonotonic tells raft that the log cannot hold gaps, so that after
// installing a snapshot it empties the log instead of leaving a hole.
func (s *walStore) IsMonotonic() bool { return true }

func (s *walStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.closeLocked()
}

// checkLogFiles verifies, without writing, the files of the log in dir:
// the segment layout's metadata, or a raft.db still to be copied.
func checkLogFiles(dir string) error {
	if err := storage.CheckFile(filepath.Join(dir, walDir, metadb.FileName)); err != nil {
		return fmt.Errorf("raft log: %w", err)
	}
	if legacy := filepath.Join(dir, legacyLog); !exists(filepath.Join(dir, walDir)) && !isFence(legacy) {
		if err := storage.CheckFile(legacy); err != nil {
			return fmt.Errorf("raft log: %w", err)
		}
	}
	return nil
}

// CheckLog reads every entry of the log in dir (a stopped node's), so
// that a test can prove the log whole after a crash: opening it cuts a
// torn last batch as a start would, and each entry must then decode.
func CheckLog(dir string) error {
	if err := CheckFiles(dir); err != nil {
		return err
	}
	logs, err := openLogStore(dir, hclog.NewNullLogger())
	if err != nil {
		return err
	}
	defer logs.Close()
	first, err := logs.FirstIndex()
	if err != nil {
		return err
	}
	last, err := logs.LastIndex()
	if err != nil {
		return err
	}
	for i := first; i > 0 && i <= last; i++ {
		var l raft.Log
		if err := logs.GetLog(i, &l); err != nil {
			return fmt.Errorf("raft log entry %d of %d..%d: %w", i, first, last, err)
		}
	}
	return nil
}

// logCoversState refuses a log that ends before what the state file
// applied: entries it acknowledged are gone from it (a damaged or
// replaced file), and new entries at those indexes would be skipped by
// the state file as already applied.
func logCoversState(dir string, logs logStore, snaps raft.SnapshotStore, st *storage.Store) error {
	last, err := logs.LastIndex()
	if err != nil {
		return fmt.Errorf("raft log: %w", err)
	}
	if metas, err := snaps.List(); err == nil && len(metas) > 0 {
		last = max(last, metas[0].Index)
	}
	if applied := st.AppliedIndex(); applied > last {
		return fmt.Errorf("%w: the raft log in %s ends at index %d, but the state file applied entries up to %d; restore the node from a snapshot (sovereign snapshot restore) or move its data directory aside and join it to its cluster again",
			storage.ErrCorrupt, dir, last, applied)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
