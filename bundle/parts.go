package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"path/filepath"
	"strings"

	"github.com/openova-io/sovereign/internal/atomicfile"
)

// A split bundle is the compressed stream of a one-file bundle cut into
// numbered parts (PATH.001, PATH.002, ...) so that each fits on a FAT32
// stick, plus PATH.index.json listing the parts in order with their sizes and
// sha256. The index is not signed and needs not be: the signed manifest at
// the head of the stream covers every file inside it, so a forged index can
// at worst make a bundle fail. What the index buys is a precise error: a
// part that is missing, truncated, damaged or swapped with another is named
// as such, instead of surfacing as a decompression error somewhere inside.
const (
	partIndexFormat = "sovereign-bundle-parts/v1"
	partIndexSuffix = ".index.json"
	maxIndexSize    = 1 << 20
	// MinSplitSize keeps a split from making a part per kilobyte.
	MinSplitSize = 4 << 10
)

type partIndex struct {
	Format string      `json:"format"`
	Size   int64       `json:"size"`
	Parts  []partEntry `json:"parts"`
}

type partEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// IndexPath is where the index of a bundle split at out lives.
func IndexPath(out string) string { return out + partIndexSuffix }

func partPath(out string, i int) string { return fmt.Sprintf("%s.%03d", out, i+1) }

func parsePartIndex(data []byte) (*partIndex, error) {
	var idx partIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("part index is not valid JSON: %w", err)
	}
	if idx.Format != partIndexFormat {
		return nil, fmt.Errorf("part index format %q is not %q", idx.Format, partIndexFormat)
	}
	if len(idx.Parts) == 0 {
		return nil, errors.New("part index lists no parts")
	}
	seen := map[string]bool{}
	var total int64
	for i, p := range idx.Parts {
		// A part is a plain file name beside the index: the index must
		// not be able to point the reader anywhere else.
		if p.Name == "" || p.Name == "." || p.Name == ".." || strings.ContainsAny(p.Name, `/\`) || strings.ContainsRune(p.Name, 0) {
			return nil, fmt.Errorf("part %d: name %q is not a plain file name", i+1, p.Name)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("part index lists %s twice", p.Name)
		}
		seen[p.Name] = true
		if p.Size <= 0 {
			return nil, fmt.Errorf("part %s: size %d is not positive", p.Name, p.Size)
		}
		if !sha256Hex.MatchString(p.SHA256) {
			return nil, fmt.Errorf("part %s: sha256 %q is not 64 lowercase hex digits", p.Name, p.SHA256)
		}
		total += p.Size
	}
	if total != idx.Size {
		return nil, fmt.Errorf("part index: parts add up to %d bytes, the index says %d", total, idx.Size)
	}
	return &idx, nil
}

// partWriter cuts what is written to it into parts of at most limit bytes,
// each written under a temporary name until commit puts them all in place
// and writes the index.
type partWriter struct {
	out   string
	limit int64

	cur   *atomicfile.File
	curN  int64
	h     hash.Hash
	files []*atomicfile.File
	parts []partEntry
}

func newPartWriter(out string, limit int64) *partWriter {
	return &partWriter{out: out, limit: limit}
}

func (w *partWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if w.cur == nil {
			if err := w.openPart(); err != nil {
				return written, err
			}
		}
		chunk := p
		if room := w.limit - w.curN; int64(len(chunk)) > room {
			chunk = chunk[:room]
		}
		n, err := w.cur.Write(chunk)
		w.h.Write(chunk[:n])
		w.curN += int64(n)
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
		if w.curN == w.limit {
			if err := w.closePart(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func (w *partWriter) openPart() error {
	f, err := atomicfile.Create(partPath(w.out, len(w.parts)), 0o644)
	if err != nil {
		return fmt.Errorf("write part: %w", err)
	}
	w.cur, w.curN, w.h = f, 0, sha256.New()
	w.files = append(w.files, f)
	return nil
}

// closePart ends the current part; it stays under its temporary name
// until commit.
func (w *partWriter) closePart() error {
	f := w.cur
	w.cur = nil
	name := filepath.Base(partPath(w.out, len(w.parts)))
	w.parts = append(w.parts, partEntry{Name: name, Size: w.curN, SHA256: hex.EncodeToString(w.h.Sum(nil))})
	if err := f.Close(); err != nil {
		return fmt.Errorf("write part %s: %w", name, err)
	}
	return nil
}

// commit puts the parts in place and writes the index; it returns the
// paths written, index last.
func (w *partWriter) commit() ([]string, error) {
	if w.cur != nil {
		if err := w.closePart(); err != nil {
			return nil, err
		}
	}
	idx := partIndex{Format: partIndexFormat, Parts: w.parts}
	for _, p := range w.parts {
		idx.Size += p.Size
	}
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, err
	}
	var paths []string
	for i, f := range w.files {
		if err := f.Commit(); err != nil {
			return nil, fmt.Errorf("write part: %w", err)
		}
		paths = append(paths, partPath(w.out, i))
	}
	w.files = nil
	if err := atomicfile.WriteFile(IndexPath(w.out), append(data, '\n'), 0o644); err != nil {
		return nil, err
	}
	return append(paths, IndexPath(w.out)), nil
}

// abort removes whatever the writer left, committed parts aside.
func (w *partWriter) abort() {
	for _, f := range w.files {
		f.Abort()
	}
}

// fileWriter writes a one-file bundle under a temporary name until commit.
type fileWriter struct {
	out string
	f   *atomicfile.File
}

func newFileWriter(out string) (*fileWriter, error) {
	f, err := atomicfile.Create(out, 0o644)
	if err != nil {
		return nil, err
	}
	return &fileWriter{out: out, f: f}, nil
}

func (w *fileWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *fileWriter) commit() ([]string, error) {
	if err := w.f.Commit(); err != nil {
		return nil, err
	}
	return []string{w.out}, nil
}

func (w *fileWriter) abort() { w.f.Abort() }
