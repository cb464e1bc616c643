package catalog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sovereignembed "github.com/openova-io/sovereign/embed"
)

// FuzzRead feeds the reader arbitrary bytes. Whatever they hold, it must
// not panic, and its answer must be coherent: a Blueprint with a canonical
// name and a version, or a *FileError whose every problem names the file.
// A file that reads is then loaded as a one-Blueprint catalog, so the
// graph, the digest and the JSON are exercised too.
//
// The committed corpus is in testdata/fuzz/FuzzRead; the embedded catalog
// and, when present, OpenOva's files are added as seeds at run time.
func FuzzRead(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add([]byte(aliasBomb()))
	_ = fs.WalkDir(sovereignembed.Blueprints(), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(sovereignembed.Blueprints(), path)
			f.Add(data)
		}
		return nil
	})
	if files, _ := filepath.Glob(filepath.Join(openovaPlatform, "*", FileName)); len(files) > 0 {
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	const file = "fuzz/blueprint.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		bp, warnings, err := Read(file, data)
		for _, w := range warnings {
			if w.File != file {
				t.Fatalf("warning names %q", w.File)
			}
		}
		if err != nil {
			var fileErr *FileError
			if !errors.As(err, &fileErr) || len(fileErr.Problems) == 0 || bp != nil {
				t.Fatalf("incoherent error %T %v (bp %v)", err, err, bp)
			}
			for _, p := range fileErr.Problems {
				if p.File != file || p.Expected == "" || !strings.HasPrefix(p.Error(), file) {
					t.Fatalf("problem does not name the file or what was expected: %#v", p)
				}
			}
			return
		}
		if bp == nil || bp.Version == nil || !strings.HasPrefix(bp.Name, NamePrefix) || bp.Visibility == "" {
			t.Fatalf("incoherent Blueprint %+v", bp)
		}
		c, err := Load(catalogFS(map[string]string{bp.Slug(): string(data)}), "fuzz")
		if err != nil {
			// Only the graph can fail now: a dependency outside this
			// one-file catalog, or on itself.
			if !errors.Is(err, ErrMissingDependency) && !errors.Is(err, ErrCycle) && !errors.Is(err, ErrUnsatisfiedRange) {
				t.Fatalf("file reads but does not load: %v", err)
			}
			return
		}
		if _, err := c.DetailJSON(bp.Slug(), map[string]bool{bp.Slug(): true}); err != nil {
			t.Fatal(err)
		}
		_ = c.ListJSON(map[string]bool{bp.Slug(): false})
	})
}
