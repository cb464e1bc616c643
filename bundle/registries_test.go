package bundle

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestPublishedNames(t *testing.T) {
	for _, c := range []struct {
		ann  map[string]string
		want Published
		ok   bool
	}{
		{map[string]string{AnnotationRefName: "charts/bp-cilium:1.2.0"}, Published{"ghcr.io/openova-io/bp-cilium", "1.2.0"}, true},
		{map[string]string{AnnotationRefName: "ghcr.io/openova-io/app:1.0"}, Published{"ghcr.io/openova-io/app", "1.0"}, true},
		{map[string]string{AnnotationRefName: "registry.local/demo/app:1.0.0"}, Published{"registry.local/demo/app", "1.0.0"}, true},
		{map[string]string{AnnotationRefName: "nginx:1.25"}, Published{"docker.io/library/nginx", "1.25"}, true},
		{map[string]string{AnnotationRefName: "bitnami/redis:7"}, Published{"docker.io/bitnami/redis", "7"}, true},
		{map[string]string{AnnotationRefName: "index.docker.io/library/nginx"}, Published{"docker.io/library/nginx", "latest"}, true},
		{map[string]string{AnnotationRefName: "localhost:5000/x/y:z"}, Published{"localhost:5000/x/y", "z"}, true},
		{map[string]string{AnnotationRefName: "quay.io/x/y@sha256:" + strings.Repeat("a", 64)}, Published{"quay.io/x/y", ""}, true},
		{map[string]string{AnnotationRefName: "1.25", AnnotationContainerdName: "docker.io/library/nginx:1.25"}, Published{"docker.io/library/nginx", "1.25"}, true},
		{map[string]string{AnnotationRefName: "1.25"}, Published{}, false},
		{map[string]string{}, Published{}, false},
		{map[string]string{AnnotationRefName: "ghcr.io/Upper/app:1"}, Published{}, false},
		{map[string]string{AnnotationRefName: "ghcr.io/../app:1"}, Published{}, false},
		{map[string]string{AnnotationRefName: "charts/../x:1.0"}, Published{}, false},
		{map[string]string{AnnotationRefName: "ghcr.io/app:bad tag"}, Published{}, false},
	} {
		got, ok := PublishedName(c.ann)
		if ok != c.ok || got != c.want {
			t.Errorf("PublishedName(%v) = %+v %v, want %+v %v", c.ann, got, ok, c.want, c.ok)
		}
	}
}

func FuzzPublishedName(f *testing.F) {
	for _, s := range []string{"charts/bp-x:1.0.0", "nginx", "ghcr.io/a/b:c", "a@sha256:" + strings.Repeat("0", 64), "localhost:5000/a", "../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		p, ok := PublishedName(map[string]string{AnnotationRefName: ref})
		if !ok {
			return
		}
		if len(p.Repository) > maxRepoNameLen || !strings.Contains(p.Repository, "/") {
			t.Fatalf("%q: repository %q", ref, p.Repository)
		}
		for _, seg := range strings.Split(p.Repository, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("%q: repository %q", ref, p.Repository)
			}
		}
		if p.Tag != "" && !tagName.MatchString(p.Tag) {
			t.Fatalf("%q: tag %q", ref, p.Tag)
		}
	})
}

func TestMirrorEndpointReachesAWildcardListenerOverLoopback(t *testing.T) {
	for addr, want := range map[string]string{
		":5443":            "https://127.0.0.1:5443",
		"0.0.0.0:5443":     "https://127.0.0.1:5443",
		"[::]:5443":        "https://127.0.0.1:5443",
		"10.0.0.5:5443":    "https://10.0.0.5:5443",
		"node1.local:5443": "https://node1.local:5443",
	} {
		if got, err := MirrorEndpoint(addr); err != nil || got != want {
			t.Errorf("MirrorEndpoint(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	for _, bad := range []string{"", "5443", "host:", "host:99999", "bad host:1", "a/b:1"} {
		if err := CheckRegistryAddr(bad); err == nil || !strings.Contains(err.Error(), "--registry") {
			t.Errorf("CheckRegistryAddr(%q) = %v", bad, err)
		}
	}
}

func TestInstallWithARegistryWritesTheK3sMirrors(t *testing.T) {
	prefix := t.TempDir()
	res, err := installInto(t, goodBundle(t), prefix, func(o *InstallOptions) { o.Registry = ":5443" })
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(prefix, K3sRegistriesFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := yaml.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(res.Layout.DataDir, "tls", "ca.crt")
	want := map[string]any{
		"mirrors": map[string]any{
			"ghcr.io":        map[string]any{"endpoint": []any{"https://127.0.0.1:5443"}},
			"registry.local": map[string]any{"endpoint": []any{"https://127.0.0.1:5443"}},
		},
		"configs": map[string]any{"127.0.0.1:5443": map[string]any{"tls": map[string]any{"ca_file": ca}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("registries.yaml:\n%s\nwant %v", data, want)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("registries.yaml mode %v", st.Mode())
	}
	cfg, _ := os.ReadFile(res.Layout.ConfigFile)
	if !strings.Contains(string(cfg), "registry: :5443") {
		t.Errorf("config does not set the registry:\n%s", cfg)
	}

	// Installing again changes nothing; the file is not rewritten.
	before, _ := os.Stat(path)
	res, err = installInto(t, goodBundle(t), prefix, func(o *InstallOptions) { o.Registry = ":5443" })
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if len(res.Changed) != 0 || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("second install changed %v", res.Changed)
	}
}

func TestK3sRegistriesKeepWhatAnAdministratorWrote(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "registries.yaml")
	admin := "mirrors:\n  quay.io:\n    endpoint: [\"https://harbor.example.org\"]\nconfigs:\n  harbor.example.org:\n    auth: {username: u, password: p}\n  10.0.0.5:5443:\n    auth: {username: sovereign, password: t}\n"
	if err := os.WriteFile(path, []byte(admin), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := WriteK3sRegistries(path, testLayout(t), "10.0.0.5:5443", "/var/lib/sovereign/tls/ca.crt", "")
	if err != nil || !changed {
		t.Fatalf("write: %v %v", changed, err)
	}
	var got map[string]any
	data, _ := os.ReadFile(path)
	if err := yaml.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	mirrors := got["mirrors"].(map[string]any)
	configs := got["configs"].(map[string]any)
	if mirrors["quay.io"] == nil || configs["harbor.example.org"] == nil {
		t.Errorf("an administrator's entries were dropped:\n%s", data)
	}
	node := configs["10.0.0.5:5443"].(map[string]any)
	if node["auth"] == nil || node["tls"].(map[string]any)["ca_file"] != "/var/lib/sovereign/tls/ca.crt" {
		t.Errorf("the node's config entry: %v", node)
	}
	if !reflect.DeepEqual(mirrors["registry.local"], map[string]any{"endpoint": []any{"https://10.0.0.5:5443"}}) {
		t.Errorf("mirror: %v", mirrors["registry.local"])
	}
	if changed, err := WriteK3sRegistries(path, testLayout(t), "10.0.0.5:5443", "/var/lib/sovereign/tls/ca.crt", ""); err != nil || changed {
		t.Errorf("second write: %v %v", changed, err)
	}

	if err := os.WriteFile(path, []byte("mirrors: [1, 2]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteK3sRegistries(path, testLayout(t), "10.0.0.5:5443", "/ca.crt", ""); err == nil || !strings.Contains(err.Error(), "mirrors is not a map") {
		t.Errorf("a malformed file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "mirrors: [1, 2]\n" {
		t.Errorf("a malformed file was changed: %q", data)
	}
}
