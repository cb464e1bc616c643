package registry

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func TestANewLayoutIsServedWithoutARestart(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "oci")
	first := writeLayout(t, dir, "ghcr.io/example/app", "1.0.0")
	s := serve(t, Options{Dir: dir})
	resp, _ := s.do(t, http.MethodGet, "/v2/ghcr.io/example/app/manifests/1.0.0")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") != first.String() {
		t.Fatalf("first layout: %d", resp.StatusCode)
	}
	// Install swaps the whole folder: a new inode for index.json.
	next := filepath.Join(root, "oci-next")
	second := writeLayout(t, next, "ghcr.io/example/app", "2.0.0")
	if err := os.Rename(dir, filepath.Join(root, "oci-old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, dir); err != nil {
		t.Fatal(err)
	}
	resp, _ = s.do(t, http.MethodGet, "/v2/ghcr.io/example/app/manifests/2.0.0")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") != second.String() {
		t.Errorf("after the swap: %d %s", resp.StatusCode, resp.Header.Get("Docker-Content-Digest"))
	}
	resp, _ = s.do(t, http.MethodGet, "/v2/ghcr.io/example/app/manifests/1.0.0")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("the old tag after the swap: %d", resp.StatusCode)
	}
}

func TestReadTokenWhenSet(t *testing.T) {
	dir := t.TempDir()
	writeLayout(t, dir, "ghcr.io/example/app", "1.0.0")
	s := serve(t, Options{Dir: dir, Token: "s3cret-read-token"})
	const path = "/v2/ghcr.io/example/app/manifests/1.0.0"
	for _, c := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"none", nil, http.StatusUnauthorized},
		{"wrong bearer", []string{"Authorization", "Bearer s3cret-read-tokeN"}, http.StatusUnauthorized},
		{"prefix of it", []string{"Authorization", "Bearer s3cret"}, http.StatusUnauthorized},
		{"bearer", []string{"Authorization", "Bearer s3cret-read-token"}, http.StatusOK},
		{"basic", []string{"Authorization", "Basic " + basic("sovereign", "s3cret-read-token")}, http.StatusOK},
		{"basic wrong", []string{"Authorization", "Basic " + basic("s3cret-read-token", "x")}, http.StatusUnauthorized},
	} {
		resp, body := s.do(t, http.MethodGet, path, c.headers...)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.status)
		}
		if c.status == http.StatusUnauthorized {
			if code, _ := errorCode(t, body); code != codeUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: %s %q", c.name, code, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	// /v2/ too: it is how a client learns that it must authenticate.
	if resp, _ := s.do(t, http.MethodGet, "/v2/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/v2/ without the token: %d", resp.StatusCode)
	}
}
