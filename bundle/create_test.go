package bundle

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"
)

func TestCreateWritesWhatInspectReads(t *testing.T) {
	out := makeBundle(t, "1.2.3")
	in, err := Inspect(t.Context(), out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := in.Manifest
	if m.SovereignVersion != "1.2.3" || !m.Created.Equal(testCreated) || !in.Signed || in.Parts != 0 {
		t.Fatalf("inspect: %+v", in)
	}
	wantFirst := []string{SBOMName, BinaryName}
	for i, p := range wantFirst {
		if m.Files[i].Path != p {
			t.Fatalf("file %d is %s, want %s", i, m.Files[i].Path, p)
		}
	}
	a := in.Artifacts()
	if len(a.Images) != 1 || !strings.HasPrefix(a.Images[0], "registry.local/demo/app:1.0.0@sha256:") ||
		len(a.Charts) != 1 || a.Charts[0] != "demo:0.1.0" || len(a.Blueprints) != 1 || a.Blueprints[0] != "bp-demo@1.0.0" {
		t.Fatalf("artifacts: %+v", a)
	}
	if in.SBOM.SPDXVersion != "SPDX-2.3" || in.SBOM.DocumentDescribes[0] != "SPDXRef-Bundle" {
		t.Fatalf("SBOM: %+v", in.SBOM)
	}
	want, _ := CatalogFilesDigest(testCatalog())
	if m.CatalogDigest != want {
		t.Fatalf("catalog digest %s, want %s", m.CatalogDigest, want)
	}
}

func TestCreateIsDeterministicButForTheSBOMNamespace(t *testing.T) {
	layout, chart := testLayout(t), testChart(t)
	var files [2][]File
	for i := range files {
		out := makeBundle(t, "1.0.0", func(o *CreateOptions) { o.OCILayouts, o.Charts = []string{layout}, []string{chart} })
		in, err := Inspect(t.Context(), out, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		// The SBOM (first) has a fresh document namespace each time;
		// every other file, the packaged chart included, must come out
		// the same.
		files[i] = in.Manifest.Files[1:]
	}
	if !slices.Equal(files[0], files[1]) {
		t.Fatalf("two bundles of the same inputs differ:\n%v\n%v", files[0], files[1])
	}
}

// changingFS serves a catalog whose blueprint changes after it was read
// once: the second pass of Create sees other bytes.
type changingFS struct {
	fstest.MapFS
	opens atomic.Int32
}

func (c *changingFS) Open(name string) (fs.File, error) {
	if name == "demo/blueprint.yaml" && c.opens.Add(1) > 1 {
		return fstest.MapFS{name: {Data: []byte("kind: Blueprint\nchanged: yes!\n")}}.Open(name)
	}
	return c.MapFS.Open(name)
}

func TestCreateLeavesNothingOnError(t *testing.T) {
	cases := []struct {
		name string
		edit func(t *testing.T, o *CreateOptions)
		want []string
	}{
		{"damaged OCI blob", func(t *testing.T, o *CreateOptions) {
			dir := testLayout(t)
			blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
			for _, b := range blobs {
				data, _ := os.ReadFile(b)
				if len(data) > 1000 {
					data[10] ^= 1
					os.WriteFile(b, data, 0o644)
					break
				}
			}
			o.OCILayouts = []string{dir}
		}, []string{"OCI layout is damaged"}},
		{"missing OCI blob", func(t *testing.T, o *CreateOptions) {
			dir := testLayout(t)
			blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
			os.Remove(blobs[0])
			o.OCILayouts = []string{dir}
		}, []string{"missing from the layout"}},
		{"not an OCI layout", func(t *testing.T, o *CreateOptions) {
			o.OCILayouts = []string{t.TempDir()}
		}, []string{"not an OCI image layout"}},
		{"input changed between the passes", func(t *testing.T, o *CreateOptions) {
			o.Catalog = &changingFS{MapFS: testCatalog().(fstest.MapFS)}
		}, []string{"catalog/demo/blueprint.yaml", "while the bundle was made"}},
		{"input changed between the passes, split", func(t *testing.T, o *CreateOptions) {
			o.Catalog = &changingFS{MapFS: testCatalog().(fstest.MapFS)}
			o.Split = MinSplitSize
		}, []string{"while the bundle was made"}},
		{"chart without Chart.yaml", func(t *testing.T, o *CreateOptions) {
			o.Charts = []string{t.TempDir()}
		}, []string{"no Chart.yaml"}},
		{"catalog without Blueprints", func(t *testing.T, o *CreateOptions) {
			o.Catalog = fstest.MapFS{"README.md": {Data: []byte("x")}}
		}, []string{"no <name>/blueprint.yaml"}},
		{"binary that is not Go", func(t *testing.T, o *CreateOptions) {
			o.Binary = filepath.Join(t.TempDir(), "script")
			os.WriteFile(o.Binary, []byte("#!/bin/sh\n"), 0o755)
		}, []string{"no Go build information"}},
		{"version not semver", func(t *testing.T, o *CreateOptions) { o.Version = "dev" }, []string{"not a semantic version"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := createOpts(t, filepath.Join(dir, "sovereign.bundle"), "1.0.0")
			c.edit(t, &opts)
			_, err := Create(context.Background(), opts)
			wantErr(t, err, c.want...)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("a failed create left %v", entries)
			}
		})
	}
}

func TestCreateCanBeCancelled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	_, err := Create(ctx, createOpts(t, filepath.Join(dir, "b"), "1.0.0"))
	wantErr(t, err, "context deadline exceeded")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a cancelled create left %v", entries)
	}
}
