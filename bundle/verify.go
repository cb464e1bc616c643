package bundle

import (
	"archive/tar"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrUnsigned reports a bundle without manifest.sig.
var ErrUnsigned = errors.New("bundle is unsigned")

// ErrDigest reports a file whose bytes do not match the signed manifest.
var ErrDigest = errors.New("sha256 mismatch")

// ErrAltered reports an archive whose content disagrees with its signed
// manifest in any other way: a file too many, too few, or of another size.
var ErrAltered = errors.New("bundle does not match its signed manifest")

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Key is the public key the installer pins. Required.
	Key *ecdsa.PublicKey
	// ExtractDir, when set, receives every file as it is verified. It must
	// exist; nothing is written outside it. On error it holds partial
	// content, which the caller removes.
	ExtractDir string
	// BeforeFiles, when set, is called with the verified manifest before
	// any file is read; its error stops verification. Install refuses a
	// downgrade there, before it reads gigabytes.
	BeforeFiles func(*Manifest) error
	Limits      Limits
	Progress    Progress
}

// Verified is what Verify proved.
type Verified struct {
	Manifest       *Manifest
	ManifestSHA256 string
	KeyFingerprint string
	// BundleSize is the size of the compressed bundle (all parts).
	BundleSize int64
}

// Verify checks the bundle at path: the manifest's signature against
// opts.Key first, then every file's size and sha256 against the manifest as
// the stream goes by, and that no file is missing or added. It reads the
// bundle once, start to end, holding no file in memory.
func Verify(ctx context.Context, path string, opts VerifyOptions) (res *Verified, err error) {
	if opts.Key == nil {
		return nil, errors.New("verify: no public key given")
	}
	lim := opts.Limits.withDefaults()
	prog := opts.Progress
	if prog == nil {
		prog = NoProgress{}
	}
	st, err := openStream(path, lim, prog)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	prog.Start("verify "+filepath.Base(path), st.src.size)
	defer func() { prog.Done(err) }()

	res, err = verifyStream(ctx, st, opts, lim)
	if err != nil {
		return nil, st.fail(err)
	}
	return res, nil
}

func verifyStream(ctx context.Context, st *stream, opts VerifyOptions, lim Limits) (*Verified, error) {
	head, err := readHead(st, lim)
	if err != nil {
		return nil, err
	}
	if head.sig == nil {
		return nil, fmt.Errorf("%w: %s is missing, so nothing in it can be trusted; ask for a signed bundle", ErrUnsigned, SignatureName)
	}
	if err := VerifySignature(opts.Key, head.manifest, head.sig); err != nil {
		return nil, err
	}
	m, err := ParseManifest(head.manifest, lim)
	if err != nil {
		return nil, err
	}
	if opts.BeforeFiles != nil {
		if err := opts.BeforeFiles(m); err != nil {
			return nil, err
		}
	}
	st.guard.expect(m)

	var root *os.Root
	if opts.ExtractDir != "" {
		root, err = os.OpenRoot(opts.ExtractDir)
		if err != nil {
			return nil, fmt.Errorf("open staging folder: %w", err)
		}
		defer root.Close()
	}
	want := m.byPath()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := st.arc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		f, ok := want[hdr.Name]
		if !ok {
			return nil, fmt.Errorf("%s: %w: the file is not listed in the signed manifest", hdr.Name, ErrAltered)
		}
		delete(want, hdr.Name)
		if hdr.Size != f.Size {
			return nil, fmt.Errorf("%s: %w: the archive says %d bytes, the signed manifest %d", hdr.Name, ErrAltered, hdr.Size, f.Size)
		}
		if err := verifyFile(ctx, st, hdr, f, root, buf); err != nil {
			return nil, err
		}
	}
	if len(want) > 0 {
		return nil, missingError(want)
	}
	if err := st.drain(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(head.manifest)
	return &Verified{
		Manifest:       m,
		ManifestSHA256: hex.EncodeToString(sum[:]),
		KeyFingerprint: Fingerprint(opts.Key),
		BundleSize:     st.src.size,
	}, nil
}

// verifyFile hashes the current entry, writing it below root when set.
func verifyFile(ctx context.Context, st *stream, hdr *tar.Header, f File, root *os.Root, buf []byte) (err error) {
	h := sha256.New()
	var w io.Writer = h
	if root != nil {
		out, err := createIn(root, f.Path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := out.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("%s: write: %w", f.Path, cerr)
			}
		}()
		w = io.MultiWriter(h, out)
		defer func() {
			if err == nil {
				if serr := out.Sync(); serr != nil {
					err = fmt.Errorf("%s: write: %w", f.Path, serr)
				}
			}
		}()
	}
	if _, err := io.CopyBuffer(w, ctxReader{ctx, st.arc}, buf); err != nil {
		return readError(f.Path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return fmt.Errorf("%s: %w: the file was changed after signing or the medium is damaged (signed %s, read %s)", f.Path, ErrDigest, f.SHA256, got)
	}
	return nil
}

// createIn creates the file p inside root, with its folders. os.Root keeps
// every step inside the folder even if something raced a link into it.
func createIn(root *os.Root, p string) (*os.File, error) {
	if dir := parentDir(p); dir != "" {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	mode := os.FileMode(0o644)
	if p == BinaryName {
		mode = 0o755
	}
	f, err := root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return f, nil
}

func missingError(want map[string]File) error {
	names := make([]string, 0, len(want))
	for p := range want {
		names = append(names, p)
	}
	sort.Strings(names)
	more := ""
	if len(names) > 3 {
		more = fmt.Sprintf(" and %d more", len(names)-3)
		names = names[:3]
	}
	return fmt.Errorf("%w: %s%s listed in the signed manifest but missing from the archive: the bundle is truncated or incomplete", ErrAltered, strings.Join(names, ", "), more)
}

// head is what a bundle starts with.
type head struct {
	manifest []byte
	sig      []byte      // nil when the bundle is unsigned
	next     *tar.Header // the entry after the head, when already read
}

// readHead reads manifest.json and manifest.sig, which open every bundle.
func readHead(st *stream, lim Limits) (*head, error) {
	hdr, err := st.arc.next()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("bundle holds no files: it is empty or truncated")
	}
	if err != nil {
		return nil, err
	}
	if hdr.Name != ManifestName {
		return nil, fmt.Errorf("bundle does not start with %s (found %s): it is not a Sovereign bundle, or was altered", ManifestName, hdr.Name)
	}
	if hdr.Size > lim.MaxManifestSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", ManifestName, hdr.Size, lim.MaxManifestSize)
	}
	h := &head{}
	if h.manifest, err = readEntry(st, ManifestName, hdr.Size); err != nil {
		return nil, err
	}
	hdr, err = st.arc.next()
	if errors.Is(err, io.EOF) {
		return h, nil
	}
	if err != nil {
		return nil, err
	}
	if hdr.Name != SignatureName {
		h.next = hdr
		return h, nil
	}
	if hdr.Size > maxSignatureSize {
		return nil, fmt.Errorf("%s is %d bytes, more than a signature needs", SignatureName, hdr.Size)
	}
	if h.sig, err = readEntry(st, SignatureName, hdr.Size); err != nil {
		return nil, err
	}
	return h, nil
}

func readEntry(st *stream, name string, size int64) ([]byte, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(st.arc, data); err != nil {
		return nil, readError(name, err)
	}
	return data, nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
