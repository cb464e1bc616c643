package registry

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{"sha256:" + strings.Repeat("a", 64), "sha512:" + strings.Repeat("0", 128), "md5:abc", "sha256:../../x", "sha256:", ":", "sha256+b64:abc="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dg, err := parseDigest(s)
		if err != nil {
			return
		}
		alg, enc, _ := strings.Cut(dg, ":")
		if digestLen[alg] != len(enc) || !lowerHex.MatchString(enc) {
			t.Fatalf("accepted %q", s)
		}
		if p := blobPath("/layout", dg); filepath.Dir(filepath.Dir(p)) != "/layout/blobs" {
			t.Fatalf("%q maps outside the blobs: %s", s, p)
		}
	})
}

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"latest", "1.0.0", "sha256:" + strings.Repeat("a", 64), "..", "-x", "a:b", strings.Repeat("t", 129)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := parseReference(s)
		if err != nil {
			return
		}
		if ref.tag != "" && (strings.ContainsAny(ref.tag, "/:") || ref.tag == "." || ref.tag == ".." || len(ref.tag) > 128) {
			t.Fatalf("accepted tag %q", ref.tag)
		}
		if (ref.tag == "") == (ref.digest == "") {
			t.Fatalf("%q is both or neither: %+v", s, ref)
		}
	})
}

func FuzzCandidates(f *testing.F) {
	for _, c := range [][2]string{{"openova-io/bp-cilium", "ghcr.io"}, {"library/nginx", ""}, {"nginx", "docker.io"}, {"a/../b", ""}, {"x", "localhost:5000"}, {"x", "evil/.."}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, name, ns string) {
		cands, err := candidates(name, ns)
		if err != nil {
			return
		}
		for _, c := range cands {
			for _, seg := range strings.Split(c, "/") {
				if seg == "" || seg == "." || seg == ".." {
					t.Fatalf("candidates(%q, %q) gave %q", name, ns, c)
				}
			}
			if len(c) > maxNameLen {
				t.Fatalf("candidates(%q, %q) gave %d characters", name, ns, len(c))
			}
		}
	})
}

// FuzzRequest sends any path and query to a registry over a small layout:
// no panic, an answer of the API's statuses, and nothing but a blob or
// manifest of the layout for a 200.
func FuzzRequest(f *testing.F) {
	dir := f.TempDir()
	dg := writeLayout(f, dir, "ghcr.io/example/app", "1.0.0")
	reg, err := New(Options{Dir: dir})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"/v2/", "/v2/ghcr.io/example/app/manifests/1.0.0", "/v2/example/app/tags/list?ns=ghcr.io&n=1",
		"/v2/ghcr.io/example/app/blobs/" + dg.String(), "/v2/ghcr.io/example/app/blobs/../../../../etc/passwd",
		"/v2/ghcr.io/example/app/referrers/" + dg.String() + "?artifactType=x", "/v2/_catalog?n=1&last=a",
		"/v2/ghcr.io/example/app/blobs/uploads/", "/v2/%2e%2e/x/manifests/1",
	} {
		f.Add("GET", s)
	}
	f.Fuzz(func(t *testing.T, method, target string) {
		if method != "GET" && method != "HEAD" && method != "PUT" && method != "DELETE" {
			method = "GET"
		}
		u, err := url.ParseRequestURI(target)
		if err != nil || u.Host != "" || u.Scheme != "" {
			return
		}
		req := &http.Request{Method: method, URL: u, Header: http.Header{}, RequestURI: target}
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 206, 304, 400, 401, 404, 405, 416:
		default:
			t.Fatalf("%s %s: status %d", method, target, rec.Code)
		}
		if method != "GET" && method != "HEAD" && rec.Code != 405 && rec.Code != 400 {
			t.Fatalf("%s %s: %d, a write must be refused", method, target, rec.Code)
		}
		if rec.Code == 200 && strings.Contains(u.Path, "..") {
			t.Fatalf("%s %s: 200 for a path with ..", method, target)
		}
	})
}
