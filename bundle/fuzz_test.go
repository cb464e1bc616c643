package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzKeyPEM signs the committed fuzz seeds. It is a test fixture and
// signs nothing else.
const fuzzKeyPEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxFHUvfjG9BJSZggU
eJ+nVyhyYk5WQEP38EjtSmC9jJChRANCAAQUX2P6T7a2FHF8Pw3uEPUF/xGvE3y3
BMaYYlQRDb3lEV3owzYuiZk+aPC6J3Bt8m4cEpP50RQFU5iniYRv21tW
-----END PRIVATE KEY-----
`

func fuzzKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ParsePrivateKey([]byte(fuzzKeyPEM), nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// archiveSeeds are tar streams (before compression) worth mutating: a
// valid bundle and hostile ones, all with a manifest signed by fuzzKey.
func archiveSeeds(t testing.TB) map[string][]byte {
	key := fuzzKey(t)
	files := minimalFiles()
	with := func(extra ...rawEntry) []byte {
		entries := append(signedHead(t, key, files), extra...)
		return rawTar(t, append(entries, fileEntries(files)...))
	}
	return map[string][]byte{
		"valid":          with(),
		"dotdot":         with(regular("../evil", []byte("x"))),
		"absolute":       with(regular("/etc/evil", []byte("x"))),
		"symlink":        with(rawEntry{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: "catalog/l", Linkname: "../../x"}}),
		"hardlink":       with(rawEntry{hdr: tar.Header{Typeflag: tar.TypeLink, Name: "catalog/h", Linkname: "../x"}}),
		"device":         with(rawEntry{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "catalog/d", Devmajor: 1, Devminor: 3}}),
		"duplicate":      with(regular(BinaryName, files[BinaryName])),
		"size-lie":       with(regular(BinaryName, []byte("bin"))),
		"pax-long-name":  with(regular("catalog/"+strings.Repeat("n", 200)+"/blueprint.yaml", []byte("x"))),
		"unsigned":       rawTar(t, append([]rawEntry{signedHead(t, key, files)[0]}, fileEntries(files)...)),
		"garbage-header": append(with()[:1024], bytes.Repeat([]byte{0xff}, 512)...),
		"sparse": bytes.ReplaceAll(with(rawEntry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: BinaryName, Format: tar.FormatPAX,
			PAXRecords: map[string]string{"GNU.sparsX.numblocks": "1", "GNU.sparsX.map": "0,0", "GNU.sparsX.size": "6"}}}),
			[]byte("GNU.sparsX."), []byte("GNU.sparse.")),
	}
}

func manifestSeeds(t testing.TB) map[string][]byte {
	valid, _ := validManifest().Marshal()
	return map[string][]byte{
		"valid":     valid,
		"dotdot":    bytes.Replace(valid, []byte(`"bin/sovereign"`), []byte(`"../sovereign"`), 1),
		"newer":     []byte(`{"formatVersion": 2}`),
		"unknown":   bytes.Replace(valid, []byte(`"created"`), []byte(`"x": 1, "created"`), 1),
		"duplicate": bytes.Replace(valid, []byte(`"sbom.spdx.json"`), []byte(`"bin/sovereign"`), 1),
	}
}

// FuzzManifest: whatever the bytes, ParseManifest does not panic, and a
// manifest it accepts holds only safe paths and survives a round trip.
func FuzzManifest(f *testing.F) {
	for _, seed := range manifestSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data, Limits{})
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if err := checkPath(file.Path); err != nil {
				t.Fatalf("accepted an unsafe path: %v", err)
			}
		}
		again, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseManifest(again, Limits{}); err != nil {
			t.Fatalf("re-encoded manifest refused: %v", err)
		}
	})
}

// FuzzArchive: whatever the tar stream, the archive reader hands out only
// regular files with safe, unique names, and Verify writes nothing outside
// the folder it extracts into, and only the files the signed manifest
// lists with their signed bytes when it succeeds.
func FuzzArchive(f *testing.F) {
	for _, seed := range archiveSeeds(f) {
		f.Add(seed)
	}
	pub := &fuzzKey(f).PublicKey
	f.Fuzz(func(t *testing.T, data []byte) {
		arc := newArchive(bytes.NewReader(data))
		for n := 0; n < 1000; n++ {
			hdr, err := arc.next()
			if err != nil {
				break
			}
			if hdr.Typeflag != tar.TypeReg || checkPath(hdr.Name) != nil {
				t.Fatalf("archive reader let through %q (type %q)", hdr.Name, hdr.Typeflag)
			}
			io.Copy(io.Discard, arc)
		}

		dir := t.TempDir()
		path := filepath.Join(dir, "bundle")
		compressTo(t, path, data)
		out := filepath.Join(dir, "out")
		if err := os.Mkdir(out, 0o700); err != nil {
			t.Fatal(err)
		}
		v, err := Verify(t.Context(), path, VerifyOptions{Key: pub, ExtractDir: out, Limits: Limits{RatioGrace: 1 << 20, MaxRatio: 50}})
		if entries, _ := os.ReadDir(dir); len(entries) != 2 {
			t.Fatalf("verify wrote beside its folder: %v", entries)
		}
		walkErr := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Type().IsRegular() {
				return err
			}
			return fmt.Errorf("extracted %s of type %v", p, d.Type())
		})
		if walkErr != nil {
			t.Fatal(walkErr)
		}
		if err != nil {
			return
		}
		for _, file := range v.Manifest.Files {
			got, err := hashFile(filepath.Join(out, file.Path))
			if err != nil || got.sum != file.SHA256 {
				t.Fatalf("verified %s does not hold its signed bytes: %v", file.Path, err)
			}
		}
	})
}

// TestWriteFuzzCorpus writes the seeds above into testdata/fuzz, where
// `go test` replays them; run with SOVEREIGN_WRITE_FUZZ_CORPUS=1 after
// changing them.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("SOVEREIGN_WRITE_FUZZ_CORPUS") == "" {
		t.Skip("set SOVEREIGN_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz")
	}
	for target, seeds := range map[string]map[string][]byte{"FuzzArchive": archiveSeeds(t), "FuzzManifest": manifestSeeds(t)} {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range seeds {
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
			if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestFuzzSeedsReachTheirCheck makes sure the valid archive seed verifies,
// so the fuzzer starts from a stream that gets past the signature.
func TestFuzzSeedsReachTheirCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle")
	compressTo(t, path, archiveSeeds(t)["valid"])
	if _, err := Verify(t.Context(), path, VerifyOptions{Key: &fuzzKey(t).PublicKey}); err != nil {
		t.Fatalf("the valid seed does not verify: %v", err)
	}
}
