package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// benchPayload is the size of the random OCI layer the benchmarks bundle.
const benchPayload = 128 << 20

// syntheticLayout writes an OCI layout holding one image whose one layer is
// size random bytes, streamed (never held in memory).
func syntheticLayout(b *testing.B, size int64) string {
	b.Helper()
	dir := b.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		b.Fatal(err)
	}
	writeBlob := func(r io.Reader) v1.Descriptor {
		tmp := filepath.Join(dir, "blob.tmp")
		f, err := os.Create(tmp)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(f, h), r)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
		sum := hex.EncodeToString(h.Sum(nil))
		if err := os.Rename(tmp, filepath.Join(blobs, sum)); err != nil {
			b.Fatal(err)
		}
		return v1.Descriptor{Size: n, Digest: v1.Hash{Algorithm: "sha256", Hex: sum}}
	}
	rng := rand.NewChaCha8([32]byte{1})
	layer := writeBlob(io.LimitReader(rng, size))
	layer.MediaType = types.OCILayer
	config := writeBlob(jsonReader(b, map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": []string{layer.Digest.String()}}}))
	config.MediaType = types.OCIConfigJSON
	man := writeBlob(jsonReader(b, v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: config, Layers: []v1.Descriptor{layer}}))
	man.MediaType = types.OCIManifestSchema1
	writeJSON(b, filepath.Join(dir, "index.json"), v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{man}})
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(ociLayoutFile), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func jsonReader(b *testing.B, v any) io.Reader {
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return bytesReader(data)
}

func writeJSON(b *testing.B, path string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
}

// benchBundle makes a bundle of benchPayload random bytes.
func benchBundle(b *testing.B) (string, int64) {
	b.Helper()
	out := makeBundle(b, "1.0.0", func(o *CreateOptions) {
		o.OCILayouts = []string{syntheticLayout(b, benchPayload)}
		o.Charts = nil
	})
	st, err := os.Stat(out)
	if err != nil {
		b.Fatal(err)
	}
	return out, st.Size()
}

// BenchmarkVerify reports Verify's throughput over the compressed bundle;
// compare with BenchmarkSHA256SameBytes, which hashes the same file.
func BenchmarkVerify(b *testing.B) {
	path, size := benchBundle(b)
	pub := mainPub(b)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Verify(b.Context(), path, VerifyOptions{Key: pub}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256SameBytes hashes the bundle file BenchmarkVerify reads:
// the floor Verify is measured against.
func BenchmarkSHA256SameBytes(b *testing.B) {
	path, size := benchBundle(b)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := hashFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySplit is BenchmarkVerify on the same bundle in 64 MiB
// parts, whose digests are checked as they are read.
func BenchmarkVerifySplit(b *testing.B) {
	layout := syntheticLayout(b, benchPayload)
	out := makeBundle(b, "1.0.0", func(o *CreateOptions) {
		o.OCILayouts = []string{layout}
		o.Charts = nil
		o.Split = 64 << 20
	})
	pub := mainPub(b)
	b.SetBytes(readIndexB(b, out).Size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Verify(b.Context(), out, VerifyOptions{Key: pub}); err != nil {
			b.Fatal(err)
		}
	}
}

func readIndexB(b *testing.B, out string) *partIndex {
	data, err := os.ReadFile(IndexPath(out))
	if err != nil {
		b.Fatal(err)
	}
	idx, err := parsePartIndex(data)
	if err != nil {
		b.Fatal(err)
	}
	return idx
}
