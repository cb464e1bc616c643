package bundle

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// splitBundle makes a bundle split into parts of 1 MiB and returns the
// path it was written to.
func splitBundle(t *testing.T) string {
	t.Helper()
	return makeBundle(t, "1.0.0", func(o *CreateOptions) { o.Split = 1 << 20 })
}

func readIndex(t *testing.T, out string) *partIndex {
	t.Helper()
	data, err := os.ReadFile(IndexPath(out))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := parsePartIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestSplitBundleVerifiesFromIndexOrBasePath(t *testing.T) {
	out := splitBundle(t)
	idx := readIndex(t, out)
	if len(idx.Parts) < 3 {
		t.Fatalf("want at least 3 parts of 1 MiB, got %d", len(idx.Parts))
	}
	for i, p := range idx.Parts {
		st, err := os.Stat(filepath.Join(filepath.Dir(out), p.Name))
		if err != nil {
			t.Fatal(err)
		}
		if i < len(idx.Parts)-1 && st.Size() != 1<<20 {
			t.Fatalf("part %s is %d bytes, want %d", p.Name, st.Size(), 1<<20)
		}
	}
	if fileExists(out) {
		t.Fatalf("a split bundle wrote the one-file bundle %s too", out)
	}
	for _, path := range []string{out, IndexPath(out)} {
		if _, err := verifyWith(t, path, mainPub(t)); err != nil {
			t.Fatalf("verify %s: %v", path, err)
		}
	}
	in, err := Inspect(t.Context(), out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if in.Parts != len(idx.Parts) || in.BundleSize != idx.Size {
		t.Fatalf("inspect: %d parts of %d bytes, index: %d parts of %d", in.Parts, in.BundleSize, len(idx.Parts), idx.Size)
	}
	// No temporary file is left beside the parts.
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != len(idx.Parts)+1 {
		t.Fatalf("folder holds %d files, want %d parts and the index", len(entries), len(idx.Parts))
	}
}

func TestSplitBundleRefusals(t *testing.T) {
	swap := func(a, b string) {
		tmp := a + ".swap"
		os.Rename(a, tmp)
		os.Rename(b, a)
		os.Rename(tmp, b)
	}
	cases := []struct {
		name   string
		break_ func(t *testing.T, out string, idx *partIndex)
		want   []string
	}{
		{"missing part", func(t *testing.T, out string, idx *partIndex) {
			os.Remove(partPath(out, 1))
		}, []string{idx2name(1), "missing", "part 2"}},
		{"missing last part", func(t *testing.T, out string, idx *partIndex) {
			os.Remove(partPath(out, len(idx.Parts)-1))
		}, []string{"missing"}},
		{"parts in the wrong order", func(t *testing.T, out string, idx *partIndex) {
			swap(partPath(out, 1), partPath(out, 2))
		}, []string{idx2name(1), "holds part 3", "wrong order"}},
		{"first and last part swapped", func(t *testing.T, out string, idx *partIndex) {
			swap(partPath(out, 0), partPath(out, len(idx.Parts)-1))
		}, []string{idx2name(0), "wrong order"}},
		{"truncated part", func(t *testing.T, out string, idx *partIndex) {
			os.Truncate(partPath(out, 1), 1000)
		}, []string{idx2name(1), "truncated", "1000 of"}},
		{"damaged part", func(t *testing.T, out string, idx *partIndex) {
			p := partPath(out, 1)
			data, _ := os.ReadFile(p)
			data[len(data)/2] ^= 0xff
			os.WriteFile(p, data, 0o644)
		}, []string{idx2name(1), "damaged"}},
		{"index pointing outside", func(t *testing.T, out string, idx *partIndex) {
			idx.Parts[0].Name = "../" + idx.Parts[0].Name
			data, _ := json.Marshal(idx)
			os.WriteFile(IndexPath(out), data, 0o644)
		}, []string{"not a plain file name"}},
		{"index missing", func(t *testing.T, out string, idx *partIndex) {
			os.Remove(IndexPath(out))
		}, []string{"not found"}},
	}
	installed := t.TempDir()
	if _, err := installInto(t, goodBundle(t), installed); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := splitBundle(t)
			c.break_(t, out, readIndex(t, out))
			_, err := verifyWith(t, out, mainPub(t))
			t.Log(err)
			wantErr(t, err, c.want...)
			if c.name != "index pointing outside" && c.name != "index missing" && !errors.Is(err, ErrPart) {
				t.Fatalf("error %q is not ErrPart", err)
			}
			before := snapshot(t, installed)
			_, err = installInto(t, out, installed)
			wantErr(t, err, c.want...)
			if d := diffSnapshots(before, snapshot(t, installed)); len(d) > 0 {
				t.Fatalf("refused install changed the prefix: %v", d)
			}
		})
	}
}

func idx2name(i int) string { return filepath.Base(partPath("sovereign.bundle", i)) }

func TestParseSize(t *testing.T) {
	cases := map[string]int64{
		"4096": 4096, "4000M": 4000 << 20, "4000MiB": 4000 << 20, "4000MB": 4000e6,
		"2G": 2 << 30, "2GiB": 2 << 30, "2gb": 2e9, "1T": 1 << 40, "10K": 10 << 10, "7 B": 7,
	}
	for in, want := range cases {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1M", "1.5G", "4X", "M", "99999999999T"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestSplitTooSmallRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b")
	opts := createOpts(t, out, "1.0.0")
	opts.Split = 100
	_, err := Create(t.Context(), opts)
	wantErr(t, err, "split", "smallest part size")
}
