package catalog

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadResolve48 reads OpenOva's 48 files from disk, checks each,
// resolves every dependency and precomputes the console JSON: everything a
// node does with a catalog before it serves it. Target: under 20 ms.
func BenchmarkLoadResolve48(b *testing.B) {
	needPlatform(b)
	b.ReportAllocs()
	for b.Loop() {
		c, err := LoadDir(openovaPlatform)
		if err != nil {
			b.Fatal(err)
		}
		if c.Len() != 48 {
			b.Fatalf("%d Blueprints", c.Len())
		}
	}
}

// BenchmarkRead parses the largest of OpenOva's files.
func BenchmarkRead(b *testing.B) {
	needPlatform(b)
	data, err := os.ReadFile(filepath.Join(openovaPlatform, "matrix", FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Read("matrix/blueprint.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCatalogJSON serves GET /api/v1/sovereign/catalog and a detail
// from the precomputed JSON of the 48 files.
func BenchmarkCatalogJSON(b *testing.B) {
	c := loadPlatform(b)
	overrides := map[string]bool{"librechat": false, "vllm": false, "vpa": true, "harbor": true, "matrix": false}
	b.Run("list-defaults", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.ListJSON(nil)
		}
	})
	b.Run("list-overrides", func(b *testing.B) {
		b.SetBytes(int64(len(c.ListJSON(overrides))))
		b.ReportAllocs()
		for b.Loop() {
			_ = c.ListJSON(overrides)
		}
	})
	b.Run("list-overrides-reused-buffer", func(b *testing.B) {
		buf := c.AppendListJSON(nil, overrides)
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		for b.Loop() {
			buf = c.AppendListJSON(buf[:0], overrides)
		}
	})
	b.Run("detail", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.DetailJSON("librechat", overrides); err != nil {
				b.Fatal(err)
			}
		}
	})
}
