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
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/klauspost/compress/zstd"
)

// Fixtures shared by the tests of this package. Bundles are made with the
// test binary itself as "the sovereign binary": it is a Go binary with
// build information, which is all Create asks of it.

var testCreated = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testKeys is one key pair for the whole test run, written to files.
type testKeys struct {
	priv    *ecdsa.PrivateKey
	pubPath string
}

var (
	keysOnce sync.Once
	keys     testKeys
	keysDir  string
)

func mainKey(t testing.TB) testKeys {
	t.Helper()
	keysOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sovereign-bundle-keys-*")
		if err != nil {
			panic(err)
		}
		keysDir = dir
		pub, err := Keygen(filepath.Join(dir, "key"), nil, false)
		if err != nil {
			panic(err)
		}
		priv, err := LoadPrivateKey(filepath.Join(dir, "key"), nil)
		if err != nil {
			panic(err)
		}
		if !priv.PublicKey.Equal(pub) {
			panic("key pair mismatch")
		}
		keys = testKeys{priv: priv, pubPath: filepath.Join(dir, "key.pub")}
	})
	return keys
}

func TestMain(m *testing.M) {
	code := m.Run()
	if keysDir != "" {
		os.RemoveAll(keysDir)
	}
	os.Exit(code)
}

func otherKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testCatalog is a one-Blueprint catalog.
func testCatalog() fs.FS {
	return fstest.MapFS{
		"demo/blueprint.yaml": {Data: []byte("apiVersion: catalyst.openova.io/v1alpha1\nkind: Blueprint\nmetadata:\n  name: bp-demo\nspec:\n  version: 1.0.0\n  card:\n    title: Demo\n")},
		"demo/README.md":      {Data: []byte("# Demo\n")},
	}
}

// testLayout writes an OCI layout with one random image.
func testLayout(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	l, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AppendImage(img, layout.WithAnnotations(map[string]string{AnnotationRefName: "registry.local/demo/app:1.0.0"})); err != nil {
		t.Fatal(err)
	}
	return dir
}

// testChart writes a chart folder.
func testChart(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Chart.yaml":                "apiVersion: v2\nname: demo\nversion: 0.1.0\ndescription: A demo chart\n",
		"values.yaml":               "replicas: 1\n",
		"templates/deployment.yaml": "kind: Deployment\n",
	}
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// createOpts are options for a small bundle of version at out.
func createOpts(t testing.TB, out, version string) CreateOptions {
	return CreateOptions{
		Out:        out,
		Key:        mainKey(t).priv,
		Binary:     os.Args[0],
		Version:    version,
		Catalog:    testCatalog(),
		OCILayouts: []string{testLayout(t)},
		Charts:     []string{testChart(t)},
		Created:    testCreated,
	}
}

// makeBundle creates a bundle of version in a fresh folder.
func makeBundle(t testing.TB, version string, edit ...func(*CreateOptions)) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "sovereign.bundle")
	opts := createOpts(t, out, version)
	for _, e := range edit {
		e(&opts)
	}
	if _, err := Create(context.Background(), opts); err != nil {
		t.Fatalf("create: %v", err)
	}
	return out
}

var (
	baseOnce   sync.Once
	baseBundle []byte
	baseErr    error
)

// goodBundle is a copy of one valid bundle (version 1.0.0), made once.
func goodBundle(t testing.TB) string {
	t.Helper()
	baseOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sovereign-bundle-base-*")
		if err != nil {
			baseErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "b")
		opts := createOpts(t, out, "1.0.0")
		if _, baseErr = Create(context.Background(), opts); baseErr == nil {
			baseBundle, baseErr = os.ReadFile(out)
		}
	})
	if baseErr != nil {
		t.Fatalf("create base bundle: %v", baseErr)
	}
	p := filepath.Join(t.TempDir(), "sovereign.bundle")
	if err := os.WriteFile(p, baseBundle, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rawEntry is an archive entry written as is, however wrong.
type rawEntry struct {
	hdr  tar.Header
	body io.Reader
}

func regular(name string, data []byte) rawEntry {
	return rawEntry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644}, body: bytes.NewReader(data)}
}

// writeRaw writes entries as a zstd-compressed tar, without any check,
// streaming (a compression bomb is hundreds of MiB).
func writeRaw(t testing.TB, path string, entries []rawEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc, err := zstd.NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	writeTar(t, enc, entries)
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
}

// rawTar is the tar stream of entries.
func rawTar(t testing.TB, entries []rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	writeTar(t, &buf, entries)
	return buf.Bytes()
}

// writeTar writes entries as a tar stream, however wrong they are.
func writeTar(t testing.TB, w io.Writer, entries []rawEntry) {
	t.Helper()
	tw := tar.NewWriter(w)
	for _, e := range entries {
		hdr := e.hdr
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatalf("write header %q: %v", hdr.Name, err)
		}
		if e.body != nil {
			if _, err := io.Copy(tw, e.body); err != nil && !errors.Is(err, tar.ErrWriteTooLong) {
				t.Fatal(err)
			}
		}
	}
	// When the last entry lied about its size, tar.Writer refuses to
	// close: the stream then simply ends there.
	if err := tw.Close(); err != nil && !strings.Contains(err.Error(), "missed writing") {
		t.Fatal(err)
	}
}

// compressTo writes data zstd-compressed to path.
func compressTo(t testing.TB, path string, data []byte) {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	writeFile(t, path, enc.EncodeAll(data, nil))
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// minimalFiles are the smallest set of files a manifest must list.
func minimalFiles() map[string][]byte {
	return map[string][]byte{
		SBOMName:                      []byte("{}\n"),
		BinaryName:                    []byte("binary"),
		ociLayoutName:                 []byte(ociLayoutFile),
		ociIndexName:                  []byte(`{"schemaVersion":2,"manifests":[]}`),
		"catalog/demo/blueprint.yaml": []byte("kind: Blueprint\n"),
	}
}

// signedHead returns manifest.json and manifest.sig entries for files (in
// sorted order) plus extra manifest entries, signed with key.
func signedHead(t testing.TB, key *ecdsa.PrivateKey, files map[string][]byte, extra ...File) []rawEntry {
	t.Helper()
	return signedHeadFor(t, key, files, Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}, extra...)
}

// signedHeadFor is signedHead for a bundle of another platform.
func signedHeadFor(t testing.TB, key *ecdsa.PrivateKey, files map[string][]byte, platform Platform, extra ...File) []rawEntry {
	t.Helper()
	m := &Manifest{
		FormatVersion:    FormatVersion,
		SovereignVersion: "1.0.0",
		Created:          testCreated,
		Platform:         platform,
		CatalogDigest:    "sha256:" + strings.Repeat("0", 64),
	}
	for _, p := range sortedKeys(files) {
		m.Files = append(m.Files, File{Path: p, Size: int64(len(files[p])), SHA256: sha(files[p])})
	}
	m.Files = append(m.Files, extra...)
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := Sign(key, data)
	if err != nil {
		t.Fatal(err)
	}
	return []rawEntry{regular(ManifestName, data), regular(SignatureName, sig)}
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fileEntries are regular entries for files, sorted.
func fileEntries(files map[string][]byte) []rawEntry {
	var out []rawEntry
	for _, p := range sortedKeys(files) {
		out = append(out, regular(p, files[p]))
	}
	return out
}

// rewrite copies the bundle at src to dst, letting edit change each entry
// (and its bytes) on the way; edit returning false drops the entry.
func rewrite(t testing.TB, src, dst string, edit func(hdr *tar.Header, data []byte) ([]byte, bool)) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	tr := tar.NewReader(dec)
	var entries []rawEntry
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		data, keep := edit(hdr, data)
		if keep {
			entries = append(entries, rawEntry{hdr: *hdr, body: bytes.NewReader(data)})
		}
	}
	writeRaw(t, dst, entries)
}

// snapshot describes every entry under root: kind, mode, and for files
// size, content and modification time. Two equal snapshots mean nothing
// under root was written, added or removed. Folder times are left out:
// making and removing the staging folder touches its parent's.
func snapshot(t testing.TB, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.IsDir():
			snap[rel] = fmt.Sprintf("dir %v", info.Mode())
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			snap[rel] = fmt.Sprintf("file %v %d %s %d", info.Mode(), info.Size(), sha(data), info.ModTime().UnixNano())
		default:
			target, _ := os.Readlink(p)
			snap[rel] = fmt.Sprintf("other %v %s", info.Mode(), target)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func diffSnapshots(before, after map[string]string) []string {
	var diffs []string
	for p, b := range before {
		if a, ok := after[p]; !ok {
			diffs = append(diffs, "removed "+p)
		} else if a != b {
			diffs = append(diffs, fmt.Sprintf("changed %s: %s -> %s", p, b, a))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "added "+p)
		}
	}
	sort.Strings(diffs)
	return diffs
}

// installInto installs bundle into prefix with the main key.
func installInto(t testing.TB, bundle, prefix string, edit ...func(*InstallOptions)) (*InstallResult, error) {
	t.Helper()
	pub, err := LoadPublicKey(mainKey(t).pubPath)
	if err != nil {
		t.Fatal(err)
	}
	opts := InstallOptions{Bundle: bundle, Key: pub, Prefix: prefix}
	for _, e := range edit {
		e(&opts)
	}
	return Install(context.Background(), opts)
}

func verifyWith(t testing.TB, bundle string, pub *ecdsa.PublicKey) (*Verified, error) {
	t.Helper()
	return Verify(context.Background(), bundle, VerifyOptions{Key: pub})
}

func mainPub(t testing.TB) *ecdsa.PublicKey {
	return &mainKey(t).priv.PublicKey
}

// wantErr fails unless err is set and its message holds every one of subs.
func wantErr(t testing.TB, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one mentioning %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not mention %q", err, s)
		}
	}
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, data)
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func newSHA() hash.Hash { return sha256.New() }

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// zstdFrame compresses data into one zstd frame.
func zstdFrame(t testing.TB, data []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

func bytesReader(data []byte) io.Reader { return bytes.NewReader(data) }
