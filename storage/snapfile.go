package storage

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/openova-io/sovereign/internal/atomicfile"
	bolt "go.etcd.io/bbolt"
)

// A snapshot file is what `sovereign snapshot save` writes and `snapshot
// restore` reads: the state file, framed so that damage is caught before
// anything is restored.
//
//	SOVEREIGN-SNAPSHOT 1\n
//	{"index":…,"size":…,…}\n      (SnapshotHeader, one line of JSON)
//	<size bytes: the bbolt file>
//	<32 bytes: SHA-256 of everything before>
const snapshotMagic = "SOVEREIGN-SNAPSHOT 1\n"

// SnapshotHeader describes a snapshot file.
type SnapshotHeader struct {
	Index   uint64    `json:"index"`
	Term    uint64    `json:"term"`
	Size    int64     `json:"size"`
	Schema  uint64    `json:"schema"`
	Created time.Time `json:"created"`
	Node    string    `json:"node,omitempty"`
	Region  string    `json:"region,omitempty"`
}

// ErrNotSnapshot: the file is not a snapshot, or not a whole one.
var ErrNotSnapshot = errors.New("not a sovereign snapshot")

// WriteSnapshotFile streams a consistent copy of the state to w in the
// snapshot file format. h's Index, Term, Size and Schema are filled in.
func (s *Store) WriteSnapshotFile(w io.Writer, h SnapshotHeader) (SnapshotHeader, error) {
	err := s.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		h.Index, h.Term = getUint(meta, metaAppliedIndex), getUint(meta, metaAppliedTerm)
		h.Schema = getUint(meta, metaSchema)
		h.Size = tx.Size()
		sum := sha256.New()
		mw := io.MultiWriter(w, sum)
		head, err := json.Marshal(h)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(mw, snapshotMagic); err != nil {
			return err
		}
		if _, err := mw.Write(append(head, '\n')); err != nil {
			return err
		}
		n, err := tx.WriteTo(mw)
		if err != nil {
			return err
		}
		if n != h.Size {
			return fmt.Errorf("wrote %d bytes of a %d-byte state", n, h.Size)
		}
		_, err = w.Write(sum.Sum(nil))
		return err
	})
	return h, err
}

// SaveSnapshotFile writes the snapshot file read from r (as a node's
// /api/v1/cluster/snapshot streams it) to path, whole or not at all: its
// frame and checksum are checked before it takes path's place.
func SaveSnapshotFile(r io.Reader, path string) (SnapshotHeader, error) {
	f, err := atomicfile.Create(path, 0o600)
	if err != nil {
		return SnapshotHeader{}, err
	}
	defer f.Abort()
	if _, err := io.Copy(f, r); err != nil {
		return SnapshotHeader{}, fmt.Errorf("receive snapshot: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return SnapshotHeader{}, err
	}
	h, err := readSnapshot(f, io.Discard)
	if err != nil {
		return SnapshotHeader{}, fmt.Errorf("the snapshot received is not whole (%w); nothing was written, try again", err)
	}
	return h, f.Commit()
}

// ReadSnapshotFile checks the snapshot file r and writes the state file it
// carries to path (under a temporary name first). A damaged, truncated or
// foreign file is refused and path is left as it was.
func ReadSnapshotFile(r io.Reader, path string) (SnapshotHeader, error) {
	tmp, err := atomicfile.Create(path, 0o600)
	if err != nil {
		return SnapshotHeader{}, err
	}
	defer tmp.Abort()
	h, err := readSnapshot(r, tmp)
	if err != nil {
		return SnapshotHeader{}, err
	}
	if err := tmp.Sync(); err != nil {
		return SnapshotHeader{}, err
	}
	if err := checkSnapshotFile(tmp.Name()); err != nil {
		return SnapshotHeader{}, err
	}
	return h, tmp.Commit()
}

// readSnapshot checks the frame of a snapshot file and copies the state
// it carries to body.
func readSnapshot(r io.Reader, body io.Writer) (SnapshotHeader, error) {
	sum := sha256.New()
	br := bufio.NewReader(r)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != snapshotMagic {
		return SnapshotHeader{}, fmt.Errorf("%w: it does not start with %q", ErrNotSnapshot, snapshotMagic[:len(snapshotMagic)-1])
	}
	line, err := br.ReadBytes('\n')
	if err != nil || len(line) > 64<<10 {
		return SnapshotHeader{}, fmt.Errorf("%w: its header is missing or damaged", ErrNotSnapshot)
	}
	sum.Write(magic)
	sum.Write(line)
	var h SnapshotHeader
	if err := json.Unmarshal(line, &h); err != nil || h.Size <= 0 {
		return SnapshotHeader{}, fmt.Errorf("%w: its header is damaged", ErrNotSnapshot)
	}
	if h.Schema == 0 || h.Schema > SchemaVersion {
		return SnapshotHeader{}, fmt.Errorf("snapshot has schema %d; this binary reads 1..%d: restore it with the version that saved it or a newer one", h.Schema, SchemaVersion)
	}
	if n, err := io.CopyN(io.MultiWriter(body, sum), br, h.Size); err != nil {
		return SnapshotHeader{}, fmt.Errorf("%w: it is truncated (%d of %d bytes of state)", ErrNotSnapshot, n, h.Size)
	}
	want := sum.Sum(nil)
	got := make([]byte, sha256.Size)
	if _, err := io.ReadFull(br, got); err != nil {
		return SnapshotHeader{}, fmt.Errorf("%w: it is truncated (no checksum)", ErrNotSnapshot)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return SnapshotHeader{}, fmt.Errorf("%w: it has bytes after its checksum", ErrNotSnapshot)
	}
	if !bytes.Equal(got, want) {
		return SnapshotHeader{}, fmt.Errorf("%w: its checksum does not match its content; the file is damaged", ErrNotSnapshot)
	}
	return h, nil
}
