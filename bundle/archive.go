package bundle

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrUnsafeEntry reports an archive entry a bundle never holds: a path that
// leaves the folder it is extracted into, a link, a device, a duplicate.
var ErrUnsafeEntry = errors.New("unsafe archive entry")

// ErrTruncated reports a bundle whose stream ends early.
var ErrTruncated = errors.New("bundle is truncated")

// archive reads a bundle's tar stream and lets through only regular files
// with safe, unique names. It decides nothing about what the files are;
// the manifest does that.
type archive struct {
	tr   *tar.Reader
	seen map[string]bool
}

func newArchive(r io.Reader) *archive {
	return &archive{tr: tar.NewReader(r), seen: map[string]bool{}}
}

// next returns the header of the next file, io.EOF at the end of the
// archive, or an error naming what is wrong with the entry.
func (a *archive) next() (*tar.Header, error) {
	hdr, err := a.tr.Next()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	// With GODEBUG=tarinsecurepath=0 the reader flags unsafe names itself
	// but still returns the header; checkHeader below refuses them with a
	// message that says why.
	if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
		return nil, readError("read archive header", err)
	}
	if err := checkHeader(hdr); err != nil {
		return nil, err
	}
	if a.seen[hdr.Name] {
		return nil, fmt.Errorf("%w %q: the name appears twice", ErrUnsafeEntry, hdr.Name)
	}
	a.seen[hdr.Name] = true
	return hdr, nil
}

// body reads the current file's bytes.
func (a *archive) Read(p []byte) (int, error) { return a.tr.Read(p) }

// checkHeader refuses every kind of entry but a regular file, then every
// name a regular file may not have.
func checkHeader(hdr *tar.Header) error {
	name := hdr.Name
	switch hdr.Typeflag {
	case tar.TypeReg:
		if err := checkPath(name); err != nil {
			return fmt.Errorf("%w: %v", ErrUnsafeEntry, err)
		}
		if hdr.Size < 0 {
			return fmt.Errorf("%w %q: negative size", ErrUnsafeEntry, name)
		}
		// A sparse file's holes are produced by the tar reader, not read
		// from the stream: its size would lie past every guard.
		for k := range hdr.PAXRecords {
			if strings.HasPrefix(k, "GNU.sparse.") {
				return fmt.Errorf("%w %q: sparse file (a bundle holds plain regular files only)", ErrUnsafeEntry, name)
			}
		}
		return nil
	case tar.TypeSymlink:
		if escapes(parentDir(name), hdr.Linkname) {
			return fmt.Errorf("%w %q: symlink to %q points outside the bundle", ErrUnsafeEntry, name, hdr.Linkname)
		}
		return fmt.Errorf("%w %q: symlink to %q (a bundle holds regular files only)", ErrUnsafeEntry, name, hdr.Linkname)
	case tar.TypeLink:
		if escapes("", hdr.Linkname) {
			return fmt.Errorf("%w %q: hard link to %q points outside the bundle", ErrUnsafeEntry, name, hdr.Linkname)
		}
		return fmt.Errorf("%w %q: hard link to %q (a bundle holds regular files only)", ErrUnsafeEntry, name, hdr.Linkname)
	case tar.TypeChar:
		return fmt.Errorf("%w %q: character device (a bundle holds regular files only)", ErrUnsafeEntry, name)
	case tar.TypeBlock:
		return fmt.Errorf("%w %q: block device (a bundle holds regular files only)", ErrUnsafeEntry, name)
	case tar.TypeFifo:
		return fmt.Errorf("%w %q: named pipe (a bundle holds regular files only)", ErrUnsafeEntry, name)
	case tar.TypeDir:
		return fmt.Errorf("%w %q: folder entry (a bundle holds regular files only; folders are implied)", ErrUnsafeEntry, name)
	default:
		return fmt.Errorf("%w %q: entry type %q (a bundle holds regular files only)", ErrUnsafeEntry, name, string(hdr.Typeflag))
	}
}

// ErrDamaged reports a stream that does not decode: the medium or the copy
// is bad.
var ErrDamaged = errors.New("bundle is damaged")

// readError names an error met while reading the stream. An early end is
// ErrTruncated whichever layer noticed it; a stream that does not decode
// (zstd or tar framing) is ErrDamaged; the guards' and the parts' own
// errors say enough already.
func readError(what string, err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: %w: copy it again", what, ErrTruncated)
	case errors.Is(err, ErrCompressionBomb), errors.Is(err, ErrOversize), errors.Is(err, ErrPart),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w (%v): copy it again", what, ErrDamaged, err)
}
