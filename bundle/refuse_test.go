package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// refusal is a bundle that must be refused, by Verify and by Install, with
// an error that names the problem.
type refusal struct {
	name string
	// make writes the bad bundle at path.
	make func(t *testing.T, path string)
	// key verifies the bundle; nil means the key that signed it.
	key func(t *testing.T) *ecdsa.PublicKey
	lim Limits
	is  error
	// oneOf, when set, holds errors of which err must be one.
	oneOf []error
	want  []string
}

func (c refusal) check(t *testing.T, err error) {
	t.Helper()
	wantErr(t, err, c.want...)
	if c.is != nil && !errors.Is(err, c.is) {
		t.Fatalf("error %q is not %v", err, c.is)
	}
	if len(c.oneOf) > 0 {
		for _, target := range c.oneOf {
			if errors.Is(err, target) {
				return
			}
		}
		t.Fatalf("error %q is none of %v", err, c.oneOf)
	}
}

// tampered are refusals made by changing a good bundle.
func tampered(t *testing.T) []refusal {
	good := goodBundle(t)
	in, err := Inspect(t.Context(), good, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var cases []refusal
	// A byte flipped in any file: the error names the file.
	for _, f := range in.Manifest.Files {
		if f.Size == 0 {
			continue
		}
		cases = append(cases, refusal{
			name: "byte flipped in " + f.Path,
			make: func(t *testing.T, path string) {
				rewrite(t, good, path, func(hdr *tar.Header, data []byte) ([]byte, bool) {
					if hdr.Name == f.Path {
						data[len(data)/2] ^= 0x01
					}
					return data, true
				})
			},
			is:   ErrDigest,
			want: []string{f.Path, "sha256 mismatch"},
		})
	}
	cases = append(cases,
		refusal{
			name: "byte flipped in manifest.json",
			make: func(t *testing.T, path string) {
				rewrite(t, good, path, func(hdr *tar.Header, data []byte) ([]byte, bool) {
					if hdr.Name == ManifestName {
						data = bytes.Replace(data, []byte(`"sovereignVersion": "1.0.0"`), []byte(`"sovereignVersion": "9.0.0"`), 1)
					}
					return data, true
				})
			},
			is:   ErrSignature,
			want: []string{ManifestName, "signature does not verify"},
		},
		refusal{
			name: "wrong key",
			make: func(t *testing.T, path string) { copyFile(t, good, path) },
			key:  func(t *testing.T) *ecdsa.PublicKey { return &otherKey(t).PublicKey },
			is:   ErrSignature,
			want: []string{"signature does not verify", "signed with another key"},
		},
		refusal{
			name: "unsigned manifest",
			make: func(t *testing.T, path string) {
				rewrite(t, good, path, func(hdr *tar.Header, data []byte) ([]byte, bool) {
					return data, hdr.Name != SignatureName
				})
			},
			is:   ErrUnsigned,
			want: []string{"unsigned", SignatureName},
		},
		refusal{
			name: "signature is not base64",
			make: func(t *testing.T, path string) {
				rewrite(t, good, path, func(hdr *tar.Header, data []byte) ([]byte, bool) {
					if hdr.Name == SignatureName {
						data = bytes.Repeat([]byte("!"), len(data))
					}
					return data, true
				})
			},
			want: []string{SignatureName, "not base64"},
		},
		refusal{
			name: "a file left out",
			make: func(t *testing.T, path string) {
				rewrite(t, good, path, func(hdr *tar.Header, data []byte) ([]byte, bool) {
					return data, hdr.Name != BinaryName
				})
			},
			is:   ErrAltered,
			want: []string{BinaryName, "missing from the archive"},
		},
		refusal{
			name: "a file added",
			make: func(t *testing.T, path string) {
				rewrite(t, good, path, func(hdr *tar.Header, data []byte) ([]byte, bool) {
					if hdr.Name == BinaryName {
						hdr.Name = "catalog/extra/blueprint.yaml"
					}
					return data, true
				})
			},
			is:   ErrAltered,
			want: []string{"catalog/extra/blueprint.yaml", "not listed in the signed manifest"},
		},
		refusal{
			name: "byte flipped in the compressed stream",
			make: func(t *testing.T, path string) {
				data, _ := os.ReadFile(good)
				data[len(data)*2/3] ^= 0x40
				writeFile(t, path, data)
			},
			// Where the byte lands decides which layer notices:
			// zstd's block decoding or the file's sha256.
			oneOf: []error{ErrDamaged, ErrDigest},
		},
		refusal{
			name: "not a bundle",
			make: func(t *testing.T, path string) { writeFile(t, path, []byte("hello, this is text")) },
			want: []string{"not a Sovereign bundle"},
		},
		refusal{
			name: "empty file",
			make: func(t *testing.T, path string) { writeFile(t, path, nil) },
			want: []string{"empty"},
		},
	)
	// A truncated archive, cut anywhere.
	for _, frac := range []float64{0.001, 0.25, 0.5, 0.9, 0.999} {
		cases = append(cases, refusal{
			name: "truncated archive at " + strings.TrimRight(strings.TrimRight(ftoa(frac), "0"), "."),
			make: func(t *testing.T, path string) {
				data, _ := os.ReadFile(good)
				writeFile(t, path, data[:int(float64(len(data))*frac)])
			},
			is:   ErrTruncated,
			want: []string{"truncated"},
		})
	}
	return cases
}

// hostile are refusals of archives crafted entry by entry, each with a
// manifest signed by the right key, so that only the archive reader's own
// checks stand between them and the disk.
func hostile() []refusal {
	files := minimalFiles()
	withEntry := func(bad ...rawEntry) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			entries := signedHead(t, mainKey(t).priv, files)
			entries = append(entries, bad...)
			writeRaw(t, path, append(entries, fileEntries(files)...))
		}
	}
	link := func(kind byte, name, target string) rawEntry {
		return rawEntry{hdr: tar.Header{Typeflag: kind, Name: name, Linkname: target, Mode: 0o777}}
	}
	special := func(kind byte, name string) rawEntry {
		return rawEntry{hdr: tar.Header{Typeflag: kind, Name: name, Mode: 0o644, Devmajor: 1, Devminor: 3}}
	}
	return []refusal{
		{name: "entry with ..", make: withEntry(regular("../evil", []byte("x"))), is: ErrUnsafeEntry, want: []string{"../evil", "climbs out"}},
		{name: "entry with .. inside", make: withEntry(regular("catalog/../../evil", []byte("x"))), is: ErrUnsafeEntry, want: []string{"climbs out"}},
		{name: "absolute path", make: withEntry(regular("/etc/evil", []byte("x"))), is: ErrUnsafeEntry, want: []string{"/etc/evil", "absolute"}},
		{name: "unclean path", make: withEntry(regular("./catalog/x", []byte("x"))), is: ErrUnsafeEntry, want: []string{"not clean"}},
		{name: "symlink pointing outside", make: withEntry(link(tar.TypeSymlink, "catalog/demo/link", "../../../../etc/passwd")), is: ErrUnsafeEntry, want: []string{"symlink", "points outside"}},
		{name: "absolute symlink", make: withEntry(link(tar.TypeSymlink, "catalog/link", "/etc/passwd")), is: ErrUnsafeEntry, want: []string{"symlink", "points outside"}},
		{name: "symlink inside", make: withEntry(link(tar.TypeSymlink, "catalog/link", "demo/blueprint.yaml")), is: ErrUnsafeEntry, want: []string{"symlink", "regular files only"}},
		{name: "hard link pointing outside", make: withEntry(link(tar.TypeLink, "catalog/hl", "../etc/passwd")), is: ErrUnsafeEntry, want: []string{"hard link", "points outside"}},
		{name: "hard link inside", make: withEntry(link(tar.TypeLink, "catalog/hl", BinaryName)), is: ErrUnsafeEntry, want: []string{"hard link", "regular files only"}},
		{name: "character device", make: withEntry(special(tar.TypeChar, "catalog/null")), is: ErrUnsafeEntry, want: []string{"character device"}},
		{name: "block device", make: withEntry(special(tar.TypeBlock, "catalog/sda")), is: ErrUnsafeEntry, want: []string{"block device"}},
		{name: "named pipe", make: withEntry(special(tar.TypeFifo, "catalog/fifo")), is: ErrUnsafeEntry, want: []string{"named pipe"}},
		{name: "folder entry", make: withEntry(rawEntry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: "catalog/", Mode: 0o755}}), is: ErrUnsafeEntry, want: []string{"folder entry"}},
		{name: "duplicate names", make: withEntry(regular(BinaryName, files[BinaryName]), regular(BinaryName, files[BinaryName])), is: ErrUnsafeEntry, want: []string{BinaryName, "twice"}},
		{name: "size that lies to the manifest", make: withEntry(regular(BinaryName, []byte("bin"))), is: ErrAltered, want: []string{BinaryName, "archive says 3 bytes", "manifest 6"}},
		{
			name: "size that lies about the data",
			make: func(t *testing.T, path string) {
				short := bytes.Repeat([]byte("s"), 100)
				// The manifest and the header agree on 1000 bytes; the
				// stream ends after 100.
				entries := signedHead(t, mainKey(t).priv, files, File{Path: "catalog/short/blueprint.yaml", Size: 1000, SHA256: sha(bytes.Repeat([]byte("s"), 1000))})
				entries = append(entries, fileEntries(files)...)
				bad := regular("catalog/short/blueprint.yaml", short)
				bad.hdr.Size = 1000
				writeRaw(t, path, append(entries, bad))
			},
			is:   ErrTruncated,
			want: []string{"catalog/short/blueprint.yaml", "truncated"},
		},
		{
			name: "compression bomb",
			make: func(t *testing.T, path string) {
				const size = 256 << 20
				hh := newSHA()
				io.Copy(hh, io.LimitReader(zeros{}, size))
				h := hexSum(hh)
				blob := ociBlobsDir + "/sha256/" + h
				entries := signedHead(t, mainKey(t).priv, files, File{Path: blob, Size: size, SHA256: h})
				entries = append(entries, rawEntry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: blob, Size: size, Mode: 0o644}, body: io.LimitReader(zeros{}, size)})
				writeRaw(t, path, append(entries, fileEntries(files)...))
			},
			is:   ErrCompressionBomb,
			want: []string{"compression"},
		},
		{
			name: "entry before the manifest",
			make: func(t *testing.T, path string) {
				entries := append([]rawEntry{regular(BinaryName, files[BinaryName])}, signedHead(t, mainKey(t).priv, files)...)
				writeRaw(t, path, append(entries, fileEntries(files)...))
			},
			want: []string{"does not start with manifest.json"},
		},
		{
			name: "manifest over the size limit",
			make: withEntry(),
			lim:  Limits{MaxManifestSize: 100},
			want: []string{ManifestName, "more than the limit"},
		},
		{
			name: "sparse file",
			make: func(t *testing.T, path string) {
				// tar.Writer will not write GNU sparse records; write
				// look-alike keys and patch them in place.
				entries := signedHead(t, mainKey(t).priv, files)
				entries = append(entries, rawEntry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: "catalog/sparse", Format: tar.FormatPAX,
					PAXRecords: map[string]string{"GNU.sparsX.numblocks": "1", "GNU.sparsX.map": "0,0", "GNU.sparsX.size": "1099511627776"}}})
				data := rawTar(t, append(entries, fileEntries(files)...))
				compressTo(t, path, bytes.ReplaceAll(data, []byte("GNU.sparsX."), []byte("GNU.sparse.")))
			},
			is: ErrUnsafeEntry, want: []string{"catalog/sparse", "sparse file"},
		},
		{name: "pax global header", make: withEntry(rawEntry{hdr: tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "global", PAXRecords: map[string]string{"comment": "x"}}}), is: ErrUnsafeEntry, want: []string{"entry type"}},
		{name: "entry not in the manifest", make: withEntry(regular("catalog/other/blueprint.yaml", []byte("x"))), is: ErrAltered, want: []string{"catalog/other/blueprint.yaml", "not listed"}},
		{
			name: "data after the archive",
			make: func(t *testing.T, path string) {
				entries := signedHead(t, mainKey(t).priv, files)
				writeRaw(t, path, append(entries, fileEntries(files)...))
				data, _ := os.ReadFile(path)
				// A second zstd frame holding non-zero bytes after the
				// end-of-archive marker.
				writeFile(t, path, append(data, zstdFrame(t, []byte("trailing garbage"))...))
			},
			want: []string{"data follows the end of the archive"},
		},
	}
}

func allRefusals(t *testing.T) []refusal {
	return append(tampered(t), hostile()...)
}

func TestVerifyRefuses(t *testing.T) {
	for _, c := range allRefusals(t) {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.bundle")
			c.make(t, path)
			key := mainPub(t)
			if c.key != nil {
				key = c.key(t)
			}
			before := snapshot(t, filepath.Dir(path))
			_, err := Verify(t.Context(), path, VerifyOptions{Key: key, Limits: c.lim})
			t.Log(err)
			c.check(t, err)
			if d := diffSnapshots(before, snapshot(t, filepath.Dir(path))); len(d) > 0 {
				t.Fatalf("verify changed files: %v", d)
			}
		})
	}
}

// TestInstallRefusesAndTouchesNothing installs every refused bundle over a
// working installation and into an empty prefix: each is refused with the
// error Verify gives, and neither prefix changes in any way.
func TestInstallRefusesAndTouchesNothing(t *testing.T) {
	installed := t.TempDir()
	if _, err := installInto(t, goodBundle(t), installed); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	for _, c := range allRefusals(t) {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.bundle")
			c.make(t, path)
			for _, prefix := range []string{installed, empty} {
				before := snapshot(t, prefix)
				_, err := installInto(t, path, prefix, func(o *InstallOptions) {
					o.Limits = c.lim
					if c.key != nil {
						o.Key = c.key(t)
					}
				})
				c.check(t, err)
				if d := diffSnapshots(before, snapshot(t, prefix)); len(d) > 0 {
					t.Fatalf("refused install changed %s: %v", prefix, d)
				}
			}
		})
	}
}
