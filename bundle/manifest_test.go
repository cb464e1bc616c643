package bundle

import (
	"strings"
	"testing"
	"time"
)

func validManifest() *Manifest {
	m := &Manifest{
		FormatVersion:    FormatVersion,
		SovereignVersion: "1.2.3",
		Created:          testCreated,
		Platform:         Platform{OS: "linux", Arch: "amd64"},
		CatalogDigest:    "sha256:" + strings.Repeat("a", 64),
	}
	for _, p := range sortedKeys(minimalFiles()) {
		m.Files = append(m.Files, File{Path: p, Size: 1, SHA256: strings.Repeat("b", 64)})
	}
	return m
}

func TestParseManifestRoundTrip(t *testing.T) {
	data, err := validManifest().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := m.Marshal()
	if string(again) != string(data) {
		t.Fatalf("round trip changed the manifest:\n%s\n%s", data, again)
	}
}

func TestParseManifestRefuses(t *testing.T) {
	edit := func(f func(m *Manifest)) string {
		m := validManifest()
		f(m)
		data, _ := m.Marshal()
		return string(data)
	}
	addFile := func(p string) func(m *Manifest) {
		return func(m *Manifest) { m.Files = append(m.Files, File{Path: p, Size: 1, SHA256: strings.Repeat("c", 64)}) }
	}
	cases := []struct {
		name, json string
		lim        Limits
		want       string
	}{
		{"not JSON", "{", Limits{}, "not valid JSON"},
		{"newer format", `{"formatVersion": 2}`, Limits{}, "newer than this sovereign reads"},
		{"older format", `{"formatVersion": 0}`, Limits{}, "unsupported format version 0"},
		{"unknown field", strings.Replace(edit(func(*Manifest) {}), `"created"`, `"extra": 1, "created"`, 1), Limits{}, "unknown field"},
		{"trailing data", edit(func(*Manifest) {}) + "{}", Limits{}, "after top-level value"},
		{"version not semver", edit(func(m *Manifest) { m.SovereignVersion = "dev" }), Limits{}, "not a semantic version"},
		{"version with v", edit(func(m *Manifest) { m.SovereignVersion = "v1.2.3" }), Limits{}, "not a semantic version"},
		{"no creation time", edit(func(m *Manifest) { m.Created = time.Time{} }), Limits{}, "created is missing"},
		{"bad platform", edit(func(m *Manifest) { m.Platform.Arch = "../x" }), Limits{}, "not an os/arch pair"},
		{"bad catalog digest", edit(func(m *Manifest) { m.CatalogDigest = "md5:abc" }), Limits{}, "catalogDigest"},
		{"no files", edit(func(m *Manifest) { m.Files = nil }), Limits{}, "lists no files"},
		{"too many files", edit(func(*Manifest) {}), Limits{MaxFiles: 2}, "more than the limit"},
		{"too large", edit(func(*Manifest) {}), Limits{MaxManifestSize: 10}, "more than the limit"},
		{"path with ..", edit(addFile("catalog/../../etc/passwd")), Limits{}, "climbs out"},
		{"absolute path", edit(addFile("/etc/passwd")), Limits{}, "absolute"},
		{"unclean path", edit(addFile("catalog//x")), Limits{}, "not clean"},
		{"control character", edit(addFile("catalog/a\nb")), Limits{}, "control character"},
		{"duplicate", edit(addFile(BinaryName)), Limits{}, "twice"},
		{"file and folder", edit(addFile("catalog/demo/blueprint.yaml/x")), Limits{}, "both a file and a folder"},
		{"no place in a bundle", edit(addFile("etc/passwd")), Limits{}, "no place in a bundle"},
		{"lists itself", edit(addFile(ManifestName)), Limits{}, "cannot list itself"},
		{"bad blob path", edit(addFile("oci/blobs/md5/abc")), Limits{}, "not an OCI blob path"},
		{"negative size", edit(func(m *Manifest) { m.Files[0].Size = -1 }), Limits{}, "negative size"},
		{"uppercase digest", edit(func(m *Manifest) { m.Files[0].SHA256 = strings.Repeat("B", 64) }), Limits{}, "lowercase hex"},
		{"missing binary", edit(func(m *Manifest) {
			for i, f := range m.Files {
				if f.Path == BinaryName {
					m.Files = append(m.Files[:i], m.Files[i+1:]...)
					break
				}
			}
		}), Limits{}, "does not list bin/sovereign"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(c.json), c.lim)
			wantErr(t, err, c.want)
		})
	}
}

func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3": "1.2.3", "v1.2.3": "1.2.3", "1.2.3-rc.1": "1.2.3-rc.1", "dev": "0.0.0-dev",
		"": "0.0.0-unknown", "1.2": "0.0.0-1-2", "weird build!": "0.0.0-weird-build",
	} {
		if got := NormalizeVersion(in); got != want {
			t.Errorf("NormalizeVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
