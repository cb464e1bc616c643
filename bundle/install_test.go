package bundle

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"sigs.k8s.io/yaml"
)

func TestInstallLaysOutANode(t *testing.T) {
	prefix := t.TempDir()
	res, err := installInto(t, goodBundle(t), prefix, func(o *InstallOptions) {
		o.Region, o.FQDN = "hz-fsn", "sovereign.example.org"
	})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Layout
	if res.Previous != "" || len(res.Changed) != 6 {
		t.Fatalf("first install: previous %q, changed %v", res.Previous, res.Changed)
	}

	wantMode := map[string]fs.FileMode{l.Binary: 0o755, l.ConfigFile: 0o640, l.Unit: 0o644, l.StateFile: 0o600, l.DataDir: fs.ModeDir | 0o700}
	for p, mode := range wantMode {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != mode {
			t.Errorf("%s has mode %v, want %v", p, st.Mode(), mode)
		}
	}
	self, _ := os.ReadFile(os.Args[0])
	if got, _ := os.ReadFile(l.Binary); !bytes.Equal(got, self) {
		t.Errorf("installed binary differs from the bundled one")
	}

	var cfg map[string]any
	data, _ := os.ReadFile(l.ConfigFile)
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"data-dir": filepath.Join(prefix, "var/lib/sovereign"), "catalog-dir": filepath.Join(prefix, "var/lib/sovereign/catalog"),
		"http": DefaultHTTP, "region": "hz-fsn", "fqdn": "sovereign.example.org",
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("config %s = %v, want %v", k, cfg[k], v)
		}
	}
	if len(cfg) != len(want) {
		t.Errorf("config holds %v, want exactly %v", cfg, want)
	}

	unit, _ := os.ReadFile(l.Unit)
	for _, line := range []string{
		"ExecStart=" + l.Binary + " serve --config " + l.ConfigFile,
		"ReadWritePaths=" + l.DataDir,
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
		"CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "WantedBy=multi-user.target",
	} {
		if !strings.Contains(string(unit), line+"\n") {
			t.Errorf("unit lacks %q", line)
		}
	}

	if _, err := os.Stat(filepath.Join(l.CatalogDir, "demo", "blueprint.yaml")); err != nil {
		t.Errorf("catalog not installed: %v", err)
	}
	p, err := layout.FromPath(l.OCIDir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("installed OCI layout does not validate: %v", err)
	}
	im, _ := idx.IndexManifest()
	var refs []string
	for _, d := range im.Manifests {
		refs = append(refs, d.Annotations[AnnotationRefName])
	}
	slices.Sort(refs)
	if !slices.Equal(refs, []string{"charts/demo:0.1.0", "registry.local/demo/app:1.0.0"}) {
		t.Errorf("installed layout holds %v", refs)
	}

	state, err := ReadInstalled(l.StateFile)
	if err != nil || state.SovereignVersion != "1.0.0" || state.ManifestSHA256 != res.Verified.ManifestSHA256 {
		t.Fatalf("installed.json: %+v, %v", state, err)
	}
	assertNoStaging(t, prefix)
}

// assertNoStaging fails if a staging folder or temporary file is left.
func assertNoStaging(t *testing.T, prefix string) {
	t.Helper()
	filepath.WalkDir(prefix, func(p string, d fs.DirEntry, err error) error {
		if strings.HasPrefix(d.Name(), ".sovereign-install-") || strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

func TestInstallSameBundleTwiceChangesNothing(t *testing.T) {
	prefix := t.TempDir()
	b := goodBundle(t)
	if _, err := installInto(t, b, prefix); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, prefix)
	res, err := installInto(t, b, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 0 {
		t.Errorf("second install changed %v", res.Changed)
	}
	if d := diffSnapshots(before, snapshot(t, prefix)); len(d) > 0 {
		t.Fatalf("second install touched: %v", d)
	}
	assertNoStaging(t, prefix)
}

func TestInstallRepairsAChangedFile(t *testing.T) {
	prefix := t.TempDir()
	b := goodBundle(t)
	res, err := installInto(t, b, prefix)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(res.Layout.Binary, []byte("tampered"), 0o755)
	os.Remove(filepath.Join(res.Layout.CatalogDir, "demo", "README.md"))
	res, err = installInto(t, b, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Changed, []string{res.Layout.CatalogDir, res.Layout.Binary}) {
		t.Fatalf("repair changed %v", res.Changed)
	}
}

func TestInstallNewerBundleUpgradesAndKeepsData(t *testing.T) {
	prefix := t.TempDir()
	res, err := installInto(t, goodBundle(t), prefix, func(o *InstallOptions) { o.Region = "hz-fsn" })
	if err != nil {
		t.Fatal(err)
	}
	l := res.Layout
	// What a running node and its administrator add.
	nodeData := filepath.Join(l.DataDir, "raft", "raft.db")
	os.MkdirAll(filepath.Dir(nodeData), 0o700)
	os.WriteFile(nodeData, []byte("state"), 0o600)
	cfg, _ := os.ReadFile(l.ConfigFile)
	os.WriteFile(l.ConfigFile, append(cfg, "node-name: node-1\n"...), 0o640)

	newer := makeBundle(t, "1.1.0", func(o *CreateOptions) {
		o.Catalog = fstest.MapFS{"demo/blueprint.yaml": {Data: []byte("kind: Blueprint\nmetadata:\n  name: bp-demo\nspec:\n  version: 1.1.0\n")}}
	})
	res, err = installInto(t, newer, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if res.Previous != "1.0.0" || res.Verified.Manifest.SovereignVersion != "1.1.0" {
		t.Fatalf("upgrade from %q to %q", res.Previous, res.Verified.Manifest.SovereignVersion)
	}
	if !slices.Contains(res.Changed, l.CatalogDir) || !slices.Contains(res.Changed, l.StateFile) {
		t.Errorf("upgrade changed %v", res.Changed)
	}
	if got, err := os.ReadFile(nodeData); err != nil || string(got) != "state" {
		t.Fatalf("upgrade lost the node's data: %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(l.CatalogDir, "demo", "README.md")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the old catalog's file outlived the upgrade: %v", err)
	}
	cfg, _ = os.ReadFile(l.ConfigFile)
	if !strings.Contains(string(cfg), "node-name: node-1") || !strings.Contains(string(cfg), "region: hz-fsn") {
		t.Errorf("upgrade lost the administrator's config:\n%s", cfg)
	}
	state, _ := ReadInstalled(l.StateFile)
	if state.SovereignVersion != "1.1.0" {
		t.Errorf("installed.json records %s", state.SovereignVersion)
	}
	assertNoStaging(t, prefix)
}

func TestInstallOlderBundleRefusedUnlessForced(t *testing.T) {
	prefix := t.TempDir()
	if _, err := installInto(t, makeBundle(t, "1.1.0"), prefix); err != nil {
		t.Fatal(err)
	}
	older := goodBundle(t)
	before := snapshot(t, prefix)
	_, err := installInto(t, older, prefix)
	wantErr(t, err, "1.0.0", "1.1.0", "--force")
	if !errors.Is(err, ErrDowngrade) {
		t.Fatalf("error %q is not ErrDowngrade", err)
	}
	if d := diffSnapshots(before, snapshot(t, prefix)); len(d) > 0 {
		t.Fatalf("refused downgrade changed: %v", d)
	}
	res, err := installInto(t, older, prefix, func(o *InstallOptions) { o.Force = true })
	if err != nil {
		t.Fatal(err)
	}
	if res.Previous != "1.1.0" || res.Verified.Manifest.SovereignVersion != "1.0.0" {
		t.Fatalf("forced downgrade from %q to %q", res.Previous, res.Verified.Manifest.SovereignVersion)
	}
}

func TestInstallRefusesAnotherRegion(t *testing.T) {
	prefix := t.TempDir()
	b := goodBundle(t)
	if _, err := installInto(t, b, prefix, func(o *InstallOptions) { o.Region = "hz-fsn" }); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, prefix)
	_, err := installInto(t, b, prefix, func(o *InstallOptions) { o.Region = "hz-nbg" })
	wantErr(t, err, "hz-fsn", "hz-nbg", "region")
	if d := diffSnapshots(before, snapshot(t, prefix)); len(d) > 0 {
		t.Fatalf("refused install changed: %v", d)
	}
	for _, bad := range []InstallOptions{{Region: "Not A Label"}, {FQDN: "nodots"}, {FQDN: "bad_label.example.org"}} {
		_, err := installInto(t, b, prefix, func(o *InstallOptions) { o.Region, o.FQDN = bad.Region, bad.FQDN })
		wantErr(t, err, "is not")
	}
}

func TestInstallRefusesAnotherPlatform(t *testing.T) {
	files := minimalFiles()
	path := filepath.Join(t.TempDir(), "b")
	head := signedHeadFor(t, mainKey(t).priv, files, Platform{OS: runtime.GOOS, Arch: "riscv64x"})
	writeRaw(t, path, append(head, fileEntries(files)...))
	prefix := t.TempDir()
	_, err := installInto(t, path, prefix)
	wantErr(t, err, "riscv64x", runtime.GOARCH)
	if !errors.Is(err, ErrPlatform) {
		t.Fatalf("error %q is not ErrPlatform", err)
	}
	if _, err := installInto(t, path, prefix, func(o *InstallOptions) { o.Force = true }); err != nil {
		t.Fatalf("forced install for another platform: %v", err)
	}
}

func TestInstallRefusesABrokenConfigBeforeReading(t *testing.T) {
	prefix := t.TempDir()
	l, _ := NewLayout(prefix)
	os.MkdirAll(filepath.Dir(l.ConfigFile), 0o755)
	os.WriteFile(l.ConfigFile, []byte("data-dir: [unclosed\n"), 0o640)
	before := snapshot(t, prefix)
	_, err := installInto(t, goodBundle(t), prefix)
	wantErr(t, err, l.ConfigFile, "not valid YAML")
	if d := diffSnapshots(before, snapshot(t, prefix)); len(d) > 0 {
		t.Fatalf("refused install changed: %v", d)
	}
}
