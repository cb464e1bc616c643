package bundle

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// ErrPart reports a part of a split bundle that is missing, truncated,
// damaged or out of order.
var ErrPart = errors.New("bundle part")

// source is the compressed byte stream of a bundle: one file, or the parts
// of a split one read back to back. It counts what it hands out (for the
// compression-ratio guard and the progress bar) and, for parts, checks each
// part's size and sha256 against the index as the part ends.
type source struct {
	path  string
	size  int64
	read  atomic.Int64
	onAdd func(int64)

	file *os.File // one-file bundle

	dir   string // split bundle
	index *partIndex
	part  int
	cur   *os.File
	h     hash.Hash
	curN  int64

	mu  sync.Mutex
	err error // the first error the parts produced

	// A split bundle is read ahead by a goroutine of its own, so that
	// hashing the parts overlaps with decompressing and hashing the files.
	chunks  chan chunk
	free    chan []byte
	stop    chan struct{}
	done    sync.WaitGroup
	pending chunk
	off     int
}

// chunk is a piece of a split bundle read ahead.
type chunk struct {
	buf []byte
	n   int
	err error
}

const (
	prefetchChunk  = 1 << 20
	prefetchChunks = 4
)

// openSource opens the bundle at path: a one-file bundle, the index of a
// split bundle, or the PATH a split bundle was written to.
func openSource(path string) (*source, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, ierr := os.Stat(IndexPath(path)); ierr == nil {
			return openSplit(IndexPath(path))
		}
		return nil, fmt.Errorf("bundle %s not found (nor a split bundle's %s)", path, filepath.Base(IndexPath(path)))
	}
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("bundle %s is not a regular file", path)
	}
	head := make([]byte, len(zstdMagic))
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if bytes.Equal(head, zstdMagic) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		return &source{path: path, size: st.Size(), file: f}, nil
	}
	f.Close()
	if len(bytes.TrimLeft(head, " \t\r\n")) > 0 && bytes.TrimLeft(head, " \t\r\n")[0] == '{' {
		return openSplit(path)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("bundle %s is empty: it was truncated, copy it again", path)
	}
	return nil, fmt.Errorf("%s is not a Sovereign bundle (neither zstd data nor a part index)", path)
}

func openSplit(indexPath string) (*source, error) {
	data, err := readSmallFile(indexPath, maxIndexSize)
	if err != nil {
		return nil, fmt.Errorf("read part index: %w", err)
	}
	idx, err := parsePartIndex(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", indexPath, err)
	}
	s := &source{path: indexPath, size: idx.Size, dir: filepath.Dir(indexPath), index: idx}
	// Presence and size are cheap to check before reading a byte; a
	// mismatch is diagnosed in full (hashing every part) to say which
	// part is where.
	for i, p := range idx.Parts {
		st, err := os.Stat(filepath.Join(s.dir, p.Name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w %s is missing: the index lists %d parts and this is part %d; copy every part next to %s", ErrPart, p.Name, len(idx.Parts), i+1, filepath.Base(indexPath))
		}
		if err != nil {
			return nil, fmt.Errorf("%w %s: %v", ErrPart, p.Name, err)
		}
		if st.Size() != p.Size {
			if derr := s.diagnose(); derr != nil {
				return nil, derr
			}
			return nil, fmt.Errorf("%w %s is %d bytes, the index says %d", ErrPart, p.Name, st.Size(), p.Size)
		}
	}
	s.prefetch()
	return s, nil
}

// prefetch starts the goroutine that reads the parts ahead.
func (s *source) prefetch() {
	s.chunks = make(chan chunk, prefetchChunks)
	s.free = make(chan []byte, prefetchChunks+2)
	s.stop = make(chan struct{})
	for range prefetchChunks + 2 {
		s.free <- make([]byte, prefetchChunk)
	}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		defer close(s.chunks)
		for {
			var buf []byte
			select {
			case buf = <-s.free:
			case <-s.stop:
				return
			}
			n, err := s.readParts(buf)
			select {
			case s.chunks <- chunk{buf: buf, n: n, err: err}:
			case <-s.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
}

// readAhead hands out what the prefetching goroutine read.
func (s *source) readAhead(p []byte) (int, error) {
	for s.pending.buf == nil || s.off == s.pending.n {
		if s.pending.buf != nil {
			if s.pending.err != nil {
				return 0, s.pending.err
			}
			s.free <- s.pending.buf
			s.pending = chunk{}
		}
		c, ok := <-s.chunks
		if !ok {
			return 0, io.EOF
		}
		s.pending, s.off = c, 0
	}
	n := copy(p, s.pending.buf[s.off:s.pending.n])
	s.off += n
	return n, nil
}

// Read hands out the compressed stream.
func (s *source) Read(p []byte) (int, error) {
	var n int
	var err error
	if s.file != nil {
		n, err = s.file.Read(p)
	} else {
		n, err = s.readAhead(p)
	}
	if n > 0 {
		s.read.Add(int64(n))
		if s.onAdd != nil {
			s.onAdd(int64(n))
		}
	}
	return n, err
}

// readParts reads the parts back to back, checking each as it ends. Only
// the prefetching goroutine calls it.
func (s *source) readParts(p []byte) (int, error) {
	for {
		if s.part == len(s.index.Parts) {
			return 0, io.EOF
		}
		if s.cur == nil {
			f, err := os.Open(filepath.Join(s.dir, s.index.Parts[s.part].Name))
			if err != nil {
				return 0, s.setErr(fmt.Errorf("%w %s: %v", ErrPart, s.index.Parts[s.part].Name, err))
			}
			s.cur, s.h, s.curN = f, sha256.New(), 0
		}
		n, err := s.cur.Read(p)
		s.h.Write(p[:n])
		s.curN += int64(n)
		if errors.Is(err, io.EOF) {
			if cerr := s.endPart(); cerr != nil {
				return n, cerr
			}
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// endPart checks the part just read against the index.
func (s *source) endPart() error {
	want := s.index.Parts[s.part]
	s.cur.Close()
	s.cur = nil
	if s.curN != want.Size || hex.EncodeToString(s.h.Sum(nil)) != want.SHA256 {
		if derr := s.diagnose(); derr != nil {
			return s.setErr(derr)
		}
		return s.setErr(fmt.Errorf("%w %s changed while it was read", ErrPart, want.Name))
	}
	s.part++
	return nil
}

func (s *source) setErr(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	return err
}

// explain turns an error met while decoding into the most precise one: a
// bad part of a split bundle explains any error the bytes after it caused.
// Errors no byte of the bundle causes (a wrong key, a refused downgrade, a
// cancel) are returned as they are, without reading the parts again.
func (s *source) explain(err error) error {
	if err == nil || s.index == nil {
		return err
	}
	s.mu.Lock()
	perr := s.err
	s.mu.Unlock()
	if perr != nil {
		return perr
	}
	for _, notBytes := range []error{ErrPart, ErrSignature, ErrUnsigned, ErrDowngrade, ErrPlatform, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, notBytes) {
			return err
		}
	}
	if derr := s.diagnose(); derr != nil {
		return derr
	}
	return err
}

// diagnose hashes every part of a split bundle and names the first that
// does not match the index: missing, truncated, damaged, or the bytes of
// another part (the parts were renamed or copied in the wrong order). It
// returns nil when every part matches.
func (s *source) diagnose() error {
	byDigest := map[string]int{}
	for i, p := range s.index.Parts {
		byDigest[p.SHA256] = i
	}
	n := len(s.index.Parts)
	for i, want := range s.index.Parts {
		got, err := hashFile(filepath.Join(s.dir, want.Name))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w %s is missing: the index lists %d parts and this is part %d", ErrPart, want.Name, n, i+1)
		}
		if err != nil {
			return fmt.Errorf("%w %s: %v", ErrPart, want.Name, err)
		}
		if got.sum == want.SHA256 {
			continue
		}
		if j, ok := byDigest[got.sum]; ok {
			return fmt.Errorf("%w %s holds part %d of %d, not part %d: the parts are in the wrong order (this one should be named %s)", ErrPart, want.Name, j+1, n, i+1, s.index.Parts[j].Name)
		}
		if got.size < want.Size {
			return fmt.Errorf("%w %s is truncated: %d of %d bytes; copy it again", ErrPart, want.Name, got.size, want.Size)
		}
		return fmt.Errorf("%w %s is damaged: its sha256 does not match the index; copy it again", ErrPart, want.Name)
	}
	return nil
}

type fileDigest struct {
	size int64
	sum  string
}

func hashFile(path string) (fileDigest, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileDigest{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fileDigest{}, err
	}
	return fileDigest{size: n, sum: hex.EncodeToString(h.Sum(nil))}, nil
}

func (s *source) Close() error {
	if s.file != nil {
		return s.file.Close()
	}
	if s.stop != nil {
		close(s.stop)
		s.done.Wait()
	}
	if s.cur != nil {
		return s.cur.Close()
	}
	return nil
}
