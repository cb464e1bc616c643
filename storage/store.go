package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Options tune Open.
type Options struct {
	// Logger receives the store's few log lines; nil discards them.
	Logger *slog.Logger
	// SyncEachBatch fsyncs the file after every applied batch instead of
	// relying on the Raft log and the boot-id marker (see the package doc).
	SyncEachBatch bool
}

// Store is the bbolt state machine. It implements raft.BatchingFSM and
// raft.ConfigurationStore; everything else reads through its read methods.
type Store struct {
	path   string
	opts   Options
	logger *slog.Logger

	// mu guards db: Restore swaps the file under the write lock, every
	// reader and the apply loop hold the read lock.
	mu sync.RWMutex
	db *bolt.DB

	// rebuilt is set when Open set an untrusted file aside: the state must
	// then come from the latest Raft snapshot and the log.
	rebuilt bool

	// applied mirrors meta/applied_index for readers that poll it.
	applied atomic.Uint64

	// onKV receives the key-space events of each applied batch (OnKVEvents).
	onKV atomic.Pointer[func([]KVEvent)]

	failMu sync.Mutex
	failed error

	// stalled is set while the apply loop waits for disk space; interrupt
	// ends that wait when the node stops (fsm.go).
	stalled       atomic.Bool
	interrupt     chan struct{}
	interruptOnce sync.Once
}

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("state file is in use by another process")

// ErrCorrupt is returned by Open when the file is not a sound bbolt file.
var ErrCorrupt = errors.New("state file is damaged")

const (
	lockTimeout = 200 * time.Millisecond
	// initialMmap is reserved address space, not memory: a large map means
	// the file rarely has to be remapped, which would wait for every open
	// read transaction (a snapshot in progress among them).
	initialMmap = 1 << 30
)

// Open opens (or creates) the state file at path. A damaged file, a file
// held by another process or an unwritable directory give an error that
// says what to do, and leave the file as it was.
func Open(path string, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{path: path, opts: opts, logger: logger, interrupt: make(chan struct{})}

	if err := CheckFile(path); err != nil {
		return nil, err
	}
	trusted, err := markerTrusted(path)
	if err != nil {
		return nil, err
	}
	if !trusted {
		aside := fmt.Sprintf("%s.unclean-%d", path, time.Now().Unix())
		logger.Warn("the machine restarted while the state file was open; setting it aside and rebuilding it from the Raft snapshot and log",
			"file", path, "moved_to", aside)
		if err := os.Rename(path, aside); err != nil {
			return nil, fmt.Errorf("set aside untrusted state file: %w", err)
		}
		s.rebuilt = true
	}

	db, err := openBolt(path, opts.SyncEachBatch)
	if err != nil {
		return nil, err
	}
	s.db = db
	if err := s.initSchema(); err != nil {
		db.Close()
		return nil, err
	}
	if err := writeMarker(path); err != nil {
		db.Close()
		return nil, err
	}
	idx, _ := s.appliedLocked()
	s.applied.Store(idx)
	return s, nil
}

func openBolt(path string, syncEachBatch bool) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         lockTimeout,
		NoSync:          !syncEachBatch,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: initialMmap,
	})
	if err != nil {
		return nil, classifyOpenError(path, err)
	}
	return db, nil
}

// AppliedIndex returns the index of the last entry applied to the state
// file, without a transaction.
func (s *Store) AppliedIndex() uint64 { return s.applied.Load() }

// Rebuilt reports whether Open set an untrusted file aside and started an
// empty one, which the caller fills from the latest Raft snapshot.
func (s *Store) Rebuilt() bool { return s.rebuilt }

// Path returns the state file's path.
func (s *Store) Path() string { return s.path }

// Close syncs and closes the file and removes the open marker, so the next
// Open trusts it without question.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Sync()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	s.db = nil
	if err == nil {
		err = removeMarker(s.path)
	}
	return err
}

// Failed returns the write error that stopped the apply loop, if any.
func (s *Store) Failed() error {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	return s.failed
}

func (s *Store) fail(err error) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	if s.failed == nil {
		s.failed = err
	}
}

// view runs fn in a read transaction on the current file.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return errors.New("state file is closed")
	}
	return s.db.View(fn)
}

// Size returns the size in bytes of the state file's used pages.
func (s *Store) Size() int64 {
	var n int64
	_ = s.view(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n
}

func parentDir(path string) string { return filepath.Dir(path) }
