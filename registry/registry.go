package registry

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Options say what a Registry serves.
type Options struct {
	// Dir is the OCI image layout (<data-dir>/oci). It may be absent: the
	// registry then answers every pull with 404 and says to install a
	// bundle.
	Dir string
	// InstalledFile is install's record (<data-dir>/installed.json), read
	// for the bundle version that 404 answers name. Optional.
	InstalledFile string
	// Token, when set, is required to read: as a bearer token, or as the
	// password of HTTP basic authentication (which is what k3s's
	// registries.yaml can carry). Empty: open to anyone who can connect.
	Token  string
	Logger *slog.Logger
}

// Registry is the read-only distribution API over one OCI layout; it is an
// http.Handler.
type Registry struct {
	dir, installed string
	token          []byte
	logger         *slog.Logger

	cur     atomic.Pointer[snapshot]
	rebuild sync.Mutex
}

// snapshot is an index and the state of the files it was built from.
type snapshot struct {
	*index
	stamp stamp
}

// stamp identifies a version of index.json and installed.json without
// reading them: install replaces the layout folder whole, so a new layout
// is a new inode; an edit in place changes size or mtime.
type stamp [2]fileStamp

type fileStamp struct {
	dev, ino uint64
	size     int64
	mtime    time.Time
	ok       bool
}

// New opens the layout at opts.Dir and indexes it.
func New(opts Options) (*Registry, error) {
	if opts.Dir == "" {
		return nil, errors.New("registry: no OCI layout folder given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	r := &Registry{dir: dir, installed: opts.InstalledFile, logger: opts.Logger}
	if opts.Token != "" {
		r.token = []byte(opts.Token)
	}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	s := r.current()
	if s.problem != "" {
		r.logger.Warn("registry: nothing to serve yet", "reason", s.problem)
	}
	return r, nil
}

// current is the index of the layout as it is now, rebuilt when
// index.json or installed.json changed since the last build (two stat
// calls per request).
func (r *Registry) current() *snapshot {
	st := r.stamp()
	if s := r.cur.Load(); s != nil && s.stamp == st {
		return s
	}
	r.rebuild.Lock()
	defer r.rebuild.Unlock()
	if s := r.cur.Load(); s != nil && s.stamp == st {
		return s
	}
	start := time.Now()
	s := &snapshot{index: buildIndex(r.dir, r.installed), stamp: st}
	r.cur.Store(s)
	r.logger.Info("registry: indexed OCI layout", "dir", r.dir, "repositories", len(s.repos),
		"manifests", len(s.manifests), "bundle", s.version, "took", time.Since(start).Round(time.Millisecond).String())
	return s
}

func (r *Registry) stamp() stamp {
	st := stamp{statFile(filepath.Join(r.dir, "index.json"))}
	if r.installed != "" {
		st[1] = statFile(r.installed)
	}
	return st
}

func statFile(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	fs := fileStamp{size: fi.Size(), mtime: fi.ModTime(), ok: true}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		fs.dev, fs.ino = uint64(sys.Dev), sys.Ino
	}
	return fs
}
