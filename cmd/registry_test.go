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
}
