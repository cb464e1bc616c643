package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/openova-io/sovereign/bundle"
)

func TestRegistryK3sConfigMirrorsTheInstalledRegistries(t *testing.T) {
	data := t.TempDir()
	l, err := layout.Write(filepath.Join(data, "oci"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"ghcr.io/openova-io/app:1.0.0", "nginx:1.25"} {
		if err := l.AppendImage(img, layout.WithAnnotations(map[string]string{bundle.AnnotationRefName: ref})); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "k3s", "registries.yaml")
	code, stdout, stderr := run(t, "registry", "k3s-config", "--data-dir", data, "--registry", ":5443", "--out", out)
	if code != 0 || !strings.HasPrefix(stdout, "wrote "+out+": docker.io, ghcr.io mirrored to https://127.0.0.1:5443") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"docker.io:", "ghcr.io:", "- https://127.0.0.1:5443", "127.0.0.1:5443:", "ca_file: " + filepath.Join(data, "tls/ca.crt")} {
		if !strings.Contains(string(written), want) {
			t.Errorf("registries.yaml lacks %q:\n%s", want, written)
		}
	}
	if code, stdout, _ := run(t, "registry", "k3s-config", "--data-dir", data, "--registry", ":5443", "--out", out); code != 0 || !strings.HasPrefix(stdout, "unchanged: ") {
		t.Errorf("second run: exit %d: %s", code, stdout)
	}

	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--data-dir", data, "--out", out}, "--registry: give the address"},
		{[]string{"--data-dir", data, "--registry", "5443", "--out", out}, "--registry \"5443\""},
		{[]string{"--data-dir", t.TempDir(), "--registry", ":5443", "--out", out}, "install a bundle first"},
	} {
		code, _, stderr := run(t, append([]string{"registry", "k3s-config"}, c.args...)...)
		if code == 0 || !strings.Contains(stderr, c.says) {
			t.Errorf("%v: exit %d, %q does not say %q", c.args, code, stderr, c.says)
		}
	}
	if after, _ := os.ReadFile(out); string(after) != string(written) {
		t.Errorf("a refused run changed the file")
	}

	// A registry that requires its token: k3s pulls with it as the password.
	tokenFile := filepath.Join(t.TempDir(), "registry-token")
	os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600)
	code, stdout, stderr = run(t, "registry", "k3s-config", "--data-dir", data, "--registry", ":5443", "--out", out, "--token-file", tokenFile)
	if code != 0 || !strings.Contains(stdout, "with the registry's token") {
		t.Fatalf("with a token: exit %d: %s%s", code, stdout, stderr)
	}
	withToken, _ := os.ReadFile(out)
	for _, want := range []string{"username: sovereign", "password: s3cret-token", "ca_file: "} {
		if !strings.Contains(string(withToken), want) {
			t.Errorf("registries.yaml lacks %q:\n%s", want, withToken)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("registries.yaml holding the token: %v %v, want mode 600", fi.Mode(), err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, f := range []string{empty, filepath.Join(t.TempDir(), "missing")} {
		code, _, stderr := run(t, "registry", "k3s-config", "--data-dir", data, "--registry", ":5443", "--out", out, "--token-file", f)
		if code == 0 || !strings.Contains(stderr, "--token-file") {
			t.Errorf("token file %s: exit %d: %s", f, code, stderr)
		}
	}
	if after, _ := os.ReadFile(out); string(after) != string(withToken) {
		t.Errorf("a refused run changed the file")
	}
}
