package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/klauspost/compress/zstd"
)

// CreateOptions say what goes into a bundle and where it is written.
type CreateOptions struct {
	// Out is the bundle's path; with Split, the parts are Out.001, ...
	// and the index Out.index.json.
	Out string
	// Split, when not 0, is the most bytes a part may hold.
	Split int64
	// Key signs the manifest.
	Key *ecdsa.PrivateKey
	// Binary is the sovereign binary to bundle.
	Binary string
	// Version is the Sovereign version the manifest records (semver).
	Version string
	// Catalog is a folder of <name>/blueprint.yaml.
	Catalog fs.FS
	// CatalogDigest is the catalog's digest as the catalog reader computes
	// it ("sha256:<hex>"); when empty, CatalogFilesDigest is used.
	CatalogDigest string
	// OCILayouts are OCI image layouts whose images go into the bundle.
	OCILayouts []string
	// Charts are chart folders or packaged charts (.tgz).
	Charts []string
	// Created is the creation time recorded; zero means now.
	Created  time.Time
	Progress Progress
}

// CreateResult tells what Create wrote.
type CreateResult struct {
	Manifest *Manifest
	// Paths are the files written: the bundle, or its parts and index.
	Paths []string
	// Size is the compressed size of the bundle.
	Size int64
}

// entry is one file to put into the bundle.
type entry struct {
	path   string
	size   int64
	sha256 string
	data   []byte                        // small generated content
	open   func() (io.ReadCloser, error) // everything else, streamed
}

func (e *entry) reader() (io.ReadCloser, error) {
	if e.open == nil {
		return io.NopCloser(bytes.NewReader(e.data)), nil
	}
	return e.open()
}

// Create writes a signed bundle. It reads every input twice, streaming:
// once to hash it for the manifest, which the archive opens with, and once
// to write it, checking it did not change in between. The bundle appears
// under its name only when it is complete.
func Create(ctx context.Context, opts CreateOptions) (res *CreateResult, err error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	prog := opts.Progress
	if prog == nil {
		prog = NoProgress{}
	}
	created := opts.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.UTC().Truncate(time.Second)

	work, err := os.MkdirTemp(filepath.Dir(opts.Out), ".sovereign-bundle-*")
	if err != nil {
		return nil, fmt.Errorf("create work folder: %w", err)
	}
	defer os.RemoveAll(work)

	bin, err := readBinaryInfo(opts.Binary)
	if err != nil {
		return nil, err
	}
	catFiles, err := catalogFiles(opts.Catalog)
	if err != nil {
		return nil, err
	}
	catDigest := opts.CatalogDigest
	if catDigest == "" {
		if catDigest, err = CatalogFilesDigest(opts.Catalog); err != nil {
			return nil, err
		}
	}
	layouts := opts.OCILayouts
	if len(opts.Charts) > 0 {
		chartLayout := filepath.Join(work, "charts")
		if err := writeCharts(chartLayout, opts.Charts, work); err != nil {
			return nil, err
		}
		layouts = append(append([]string(nil), layouts...), chartLayout)
	}
	oci, err := planOCI(layouts)
	if err != nil {
		return nil, err
	}

	entries, err := planEntries(opts, catFiles, oci)
	if err != nil {
		return nil, err
	}
	if err := hashEntries(ctx, entries, prog); err != nil {
		return nil, err
	}
	bin.SHA256 = entries[0].sha256

	var blueprints []blueprintInfo
	for _, e := range entries {
		rel, ok := strings.CutPrefix(e.path, CatalogDir+"/")
		if ok && path.Base(rel) == "blueprint.yaml" && strings.Count(rel, "/") == 1 {
			b := readBlueprintInfo(opts.Catalog, rel)
			b.SHA256 = e.sha256
			blueprints = append(blueprints, b)
		}
	}
	sbom, err := buildSBOM(sbomInput{Version: opts.Version, Created: created, Binary: bin, Artifacts: oci.artifacts, Blueprints: blueprints})
	if err != nil {
		return nil, err
	}
	sbomSum := sha256.Sum256(sbom)
	entries = append([]*entry{{path: SBOMName, size: int64(len(sbom)), sha256: hex.EncodeToString(sbomSum[:]), data: sbom}}, entries...)

	m := &Manifest{
		FormatVersion:    FormatVersion,
		SovereignVersion: opts.Version,
		Created:          created,
		Platform:         bin.Platform,
		CatalogDigest:    catDigest,
	}
	for _, e := range entries {
		m.Files = append(m.Files, File{Path: e.path, Size: e.size, SHA256: e.sha256})
	}
	mdata, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	// Create checks its own work with the reader's rules: a manifest
	// Verify would refuse never goes on a stick.
	if _, err := ParseManifest(mdata, Limits{}); err != nil {
		return nil, fmt.Errorf("bundle would not verify: %w", err)
	}
	sig, err := Sign(opts.Key, mdata)
	if err != nil {
		return nil, err
	}
	head := []*entry{
		{path: ManifestName, size: int64(len(mdata)), data: mdata},
		{path: SignatureName, size: int64(len(sig)), data: sig},
	}
	paths, size, err := writeBundle(ctx, opts, append(head, entries...), created, prog)
	if err != nil {
		return nil, err
	}
	return &CreateResult{Manifest: m, Paths: paths, Size: size}, nil
}

func (o *CreateOptions) check() error {
	switch {
	case o.Out == "":
		return errors.New("create: no output path (--out)")
	case o.Key == nil:
		return errors.New("create: no signing key (--key)")
	case o.Binary == "":
		return errors.New("create: no sovereign binary (--binary)")
	case o.Catalog == nil:
		return errors.New("create: no catalog")
	case o.Split != 0 && o.Split < MinSplitSize:
		return fmt.Errorf("create: --split %d is below the smallest part size of %d bytes", o.Split, MinSplitSize)
	}
	if _, err := semver.StrictNewVersion(o.Version); err != nil {
		return fmt.Errorf("create: Sovereign version %q is not a semantic version (MAJOR.MINOR.PATCH)", o.Version)
	}
	if st, err := os.Stat(o.Out); err == nil && st.IsDir() {
		return fmt.Errorf("create: %s is a folder; --out takes a file path", o.Out)
	}
	return nil
}

// planEntries lists the files in archive order, after the manifest, its
// signature and the SBOM: the binary, the catalog, the OCI layout's
// metadata, then its blobs.
func planEntries(opts CreateOptions, catFiles []string, oci *ociPlan) ([]*entry, error) {
	st, err := os.Stat(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("binary: %w", err)
	}
	entries := []*entry{{path: BinaryName, size: st.Size(), open: openFile(opts.Binary)}}
	for _, p := range catFiles {
		info, err := fs.Stat(opts.Catalog, p)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		entries = append(entries, &entry{path: CatalogDir + "/" + p, size: info.Size(), open: openFS(opts.Catalog, p)})
	}
	entries = append(entries,
		&entry{path: ociLayoutName, size: int64(len(ociLayoutFile)), data: []byte(ociLayoutFile)},
		&entry{path: ociIndexName, size: int64(len(oci.index)), data: oci.index},
	)
	for _, b := range oci.blobs {
		entries = append(entries, &entry{
			path:   ociBlobsDir + "/sha256/" + b.digest.Hex,
			size:   b.size,
			sha256: b.digest.Hex, // checked against the bytes by hashEntries
			open:   func() (io.ReadCloser, error) { return b.from.Blob(b.digest) },
		})
	}
	return entries, nil
}

func openFile(p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(p) }
}

func openFS(fsys fs.FS, p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return fsys.Open(p) }
}

// hashEntries fills in each entry's sha256, checking sizes and, for OCI
// blobs, that the bytes match the digest they are named by.
func hashEntries(ctx context.Context, entries []*entry, prog Progress) (err error) {
	var total int64
	for _, e := range entries {
		total += e.size
	}
	prog.Start("read inputs", total)
	defer func() { prog.Done(err) }()
	buf := make([]byte, 1<<20)
	for _, e := range entries {
		sum, n, err := hashStream(ctx, e, buf, prog)
		if err != nil {
			return err
		}
		if n != e.size {
			return fmt.Errorf("%s: read %d bytes, expected %d: the input changed while the bundle was made", e.path, n, e.size)
		}
		if e.sha256 != "" && e.sha256 != sum {
			return fmt.Errorf("%s: the blob's bytes hash to sha256:%s: the OCI layout is damaged", e.path, sum)
		}
		e.sha256 = sum
	}
	return nil
}

func hashStream(ctx context.Context, e *entry, buf []byte, prog Progress) (string, int64, error) {
	rc, err := e.reader()
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", e.path, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, progressReader{ctxReader{ctx, rc}, prog}, buf)
	if err != nil {
		return "", n, fmt.Errorf("%s: %w", e.path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// output is where the compressed bundle goes: one file or parts.
type output interface {
	io.Writer
	commit() ([]string, error)
	abort()
}

// writeBundle writes entries as a zstd-compressed tar.
func writeBundle(ctx context.Context, opts CreateOptions, entries []*entry, created time.Time, prog Progress) (paths []string, size int64, err error) {
	var out output
	if opts.Split > 0 {
		out = newPartWriter(opts.Out, opts.Split)
	} else if out, err = newFileWriter(opts.Out); err != nil {
		return nil, 0, err
	}
	defer func() {
		if err != nil {
			out.abort()
		}
	}()
	var total int64
	for _, e := range entries {
		total += e.size
	}
	prog.Start("write "+filepath.Base(opts.Out), total)
	defer func() { prog.Done(err) }()

	counted := &countingWriter{w: out}
	enc, err := zstd.NewWriter(counted,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(min(2, runtime.GOMAXPROCS(0))),
		zstd.WithEncoderCRC(true),
	)
	if err != nil {
		return nil, 0, err
	}
	defer enc.Close()
	tw := tar.NewWriter(enc)
	buf := make([]byte, 1<<20)
	for _, e := range entries {
		if err := writeEntry(ctx, tw, e, created, buf, prog); err != nil {
			return nil, 0, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, 0, fmt.Errorf("write bundle: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, 0, fmt.Errorf("write bundle: %w", err)
	}
	paths, err = out.commit()
	if err != nil {
		return nil, 0, err
	}
	return paths, counted.n, nil
}

func writeEntry(ctx context.Context, tw *tar.Writer, e *entry, created time.Time, buf []byte, prog Progress) error {
	mode := int64(0o644)
	if e.path == BinaryName {
		mode = 0o755
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: e.path, Size: e.size, Mode: mode, ModTime: created}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write bundle: %s: %w", e.path, err)
	}
	rc, err := e.reader()
	if err != nil {
		return fmt.Errorf("%s: %w", e.path, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(tw, h), progressReader{ctxReader{ctx, io.LimitReader(rc, e.size+1)}, prog}, buf)
	if err != nil {
		if errors.Is(err, tar.ErrWriteTooLong) {
			return fmt.Errorf("%s: it grew while the bundle was made", e.path)
		}
		return fmt.Errorf("write bundle: %s: %w", e.path, err)
	}
	if n != e.size {
		return fmt.Errorf("%s: it shrank while the bundle was made (%d of %d bytes)", e.path, n, e.size)
	}
	if e.sha256 != "" && hex.EncodeToString(h.Sum(nil)) != e.sha256 {
		return fmt.Errorf("%s: it changed while the bundle was made", e.path)
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type progressReader struct {
	r    io.Reader
	prog Progress
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.prog.Add(int64(n))
	}
	return n, err
}
