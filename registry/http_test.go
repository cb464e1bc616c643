package registry

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestBaseAnswersWithTheAPIVersion(t *testing.T) {
	s, _ := serveInstalled(t)
	for _, p := range []string{"/v2/", "/v2"} {
		resp, body := s.do(t, http.MethodGet, p)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Distribution-API-Version") != "registry/2.0" || string(body) != "{}" {
			t.Errorf("GET %s: %d %v %q", p, resp.StatusCode, resp.Header, body)
		}
	}
}

func TestManifestHeadAndGetCarryTypeDigestAndLength(t *testing.T) {
	s, in := serveInstalled(t)
	for _, c := range []struct {
		path, mediaType, digest string
	}{
		{"/v2/" + appRepo + "/manifests/" + appTag, "application/vnd.oci.image.manifest.v1+json", in.app.String()},
		{"/v2/" + appRepo + "/manifests/" + in.app.String(), "application/vnd.oci.image.manifest.v1+json", in.app.String()},
		{"/v2/" + busyboxRepo + "/manifests/1.36", "application/vnd.docker.distribution.manifest.v2+json", in.busybox.String()},
		{"/v2/" + multiRepo + "/manifests/" + multiTag, "application/vnd.oci.image.index.v1+json", in.multi.String()},
		{"/v2/" + chartRepo + "/manifests/" + chartTag, "application/vnd.oci.image.manifest.v1+json", in.chart.String()},
	} {
		get, body := s.do(t, http.MethodGet, c.path)
		head, headBody := s.do(t, http.MethodHead, c.path)
		for _, resp := range []*http.Response{get, head} {
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != c.mediaType ||
				resp.Header.Get("Docker-Content-Digest") != c.digest || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("%s %s: %d %v", resp.Request.Method, c.path, resp.StatusCode, resp.Header)
			}
		}
		if "sha256:"+sha256Hex(body) != c.digest || len(headBody) != 0 {
			t.Errorf("%s: body digest sha256:%s, HEAD body %d bytes", c.path, sha256Hex(body), len(headBody))
		}
	}
}

func TestAcceptNegotiation(t *testing.T) {
	s, in := serveInstalled(t)
	const (
		ociManifest = "application/vnd.oci.image.manifest.v1+json"
		ociIndex    = "application/vnd.oci.image.index.v1+json"
		docker2     = "application/vnd.docker.distribution.manifest.v2+json"
	)
	multiPath := "/v2/" + multiRepo + "/manifests/" + multiTag
	// An index for a client that accepts indexes, in any of the ways
	// clients list types.
	for _, accept := range [][]string{
		{"Accept", ociIndex},
		{"Accept", docker2 + ", " + ociIndex + ";q=0.5"},
		{"Accept", docker2, "Accept", ociIndex},
		{"Accept", "*/*"},
		{},
	} {
		resp, _ := s.do(t, http.MethodGet, multiPath, accept...)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") != in.multi.String() {
			t.Errorf("Accept %v: %d %s", accept, resp.StatusCode, resp.Header.Get("Docker-Content-Digest"))
		}
	}
	// A client that accepts only image manifests gets this platform's.
	resp, body := s.do(t, http.MethodGet, multiPath, "Accept", ociManifest)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ociManifest || resp.Header.Get("Docker-Content-Digest") == in.multi.String() {
		t.Errorf("index for a client without index support: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	// One that accepts neither gets the spec's error.
	resp, body = s.do(t, http.MethodGet, multiPath, "Accept", docker2)
	if code, msg := errorCode(t, body); resp.StatusCode != http.StatusNotFound || code != codeManifestUnknown || !strings.Contains(msg, "Accept") {
		t.Errorf("index for a Docker-only client: %d %s %s", resp.StatusCode, code, msg)
	}
	// q=0 refuses a type.
	resp, _ = s.do(t, http.MethodGet, "/v2/"+appRepo+"/manifests/"+appTag, "Accept", ociManifest+";q=0, "+docker2)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("q=0: %d", resp.StatusCode)
	}
}

// blobOf is the path and content of the app image's first layer.
func blobOf(t *testing.T, in installed) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(in.ociDir, "blobs", "sha256", in.app.Hex))
	if err != nil {
		t.Fatal(err)
	}
	var m manifestFields
	if err := jsonUnmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	d := m.Layers[0].Digest
	content, err := os.ReadFile(filepath.Join(in.ociDir, "blobs", d.Algorithm, d.Hex))
	if err != nil {
		t.Fatal(err)
	}
	return "/v2/" + appRepo + "/blobs/" + d.String(), content
}

func TestBlobRangeAndHeadFollowRFC9110(t *testing.T) {
	s, in := serveInstalled(t)
	path, content := blobOf(t, in)
	size := len(content)
	dg := path[strings.LastIndex(path, "/")+1:]

	resp, body := s.do(t, http.MethodGet, path)
	if resp.StatusCode != http.StatusOK || string(body) != string(content) || resp.Header.Get("Docker-Content-Digest") != dg ||
		resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("Content-Length") != strconv.Itoa(size) {
		t.Fatalf("GET blob: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body = s.do(t, http.MethodHead, path)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("Content-Length") != strconv.Itoa(size) || resp.Header.Get("Docker-Content-Digest") != dg {
		t.Errorf("HEAD blob: %d %v %d bytes", resp.StatusCode, resp.Header, len(body))
	}
	for _, c := range []struct {
		rng        string
		from, to   int // inclusive
		contentRng string
	}{
		{"bytes=10-19", 10, 19, fmt.Sprintf("bytes 10-19/%d", size)},
		{"bytes=0-0", 0, 0, fmt.Sprintf("bytes 0-0/%d", size)},
		{fmt.Sprintf("bytes=%d-", size-7), size - 7, size - 1, fmt.Sprintf("bytes %d-%d/%d", size-7, size-1, size)},
		{"bytes=-5", size - 5, size - 1, fmt.Sprintf("bytes %d-%d/%d", size-5, size-1, size)},
		{fmt.Sprintf("bytes=%d-%d", size-3, size+100), size - 3, size - 1, fmt.Sprintf("bytes %d-%d/%d", size-3, size-1, size)},
	} {
		resp, body := s.do(t, http.MethodGet, path, "Range", c.rng)
		if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != c.contentRng || string(body) != string(content[c.from:c.to+1]) {
			t.Errorf("Range %s: %d %q %d bytes", c.rng, resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
		}
	}
	for _, rng := range []string{fmt.Sprintf("bytes=%d-", size), fmt.Sprintf("bytes=%d-%d", size+10, size+20)} {
		resp, _ := s.do(t, http.MethodGet, path, "Range", rng)
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
			t.Errorf("Range %s: %d %q, want 416 with bytes */%d", rng, resp.StatusCode, resp.Header.Get("Content-Range"), size)
		}
	}
	// If-None-Match with the digest: nothing to send.
	resp, _ = s.do(t, http.MethodGet, path, "If-None-Match", `"`+dg+`"`)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
}

func TestTagListPaginates(t *testing.T) {
	dir := t.TempDir()
	tags := []string{"1.0.0", "1.1.0", "2.0.0", "latest", "v3"}
	writeLayout(t, dir, "ghcr.io/example/many", tags...)
	s := serve(t, Options{Dir: dir})
	resp, body := s.do(t, http.MethodGet, "/v2/ghcr.io/example/many/tags/list")
	if resp.StatusCode != http.StatusOK || string(body) != `{"name":"ghcr.io/example/many","tags":["1.0.0","1.1.0","2.0.0","latest","v3"]}` {
		t.Fatalf("tags: %d %s", resp.StatusCode, body)
	}
	var got []string
	next := "/v2/ghcr.io/example/many/tags/list?n=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		resp, body := s.do(t, http.MethodGet, next)
		var page tagList
		if err := jsonUnmarshal(body, &page); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
		}
		got = append(got, page.Tags...)
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			next = strings.TrimPrefix(link[:strings.Index(link, ">")], "<")
		}
	}
	if strings.Join(got, ",") != strings.Join(tags, ",") {
		t.Errorf("pages gave %v, want %v", got, tags)
	}
	resp, body = s.do(t, http.MethodGet, "/v2/ghcr.io/example/many/tags/list?n=0")
	if string(body) != `{"name":"ghcr.io/example/many","tags":[]}` || resp.Header.Get("Link") != "" {
		t.Errorf("n=0: %s %q", body, resp.Header.Get("Link"))
	}
	resp, body = s.do(t, http.MethodGet, "/v2/example/many/tags/list?ns=ghcr.io&last=2.0.0")
	if string(body) != `{"name":"example/many","tags":["latest","v3"]}` {
		t.Errorf("last under ns: %d %s", resp.StatusCode, body)
	}
	resp, body = s.do(t, http.MethodGet, "/v2/ghcr.io/example/many/tags/list?n=-1")
	if code, _ := errorCode(t, body); resp.StatusCode != http.StatusBadRequest || code != codePaginationBad {
		t.Errorf("n=-1: %d %s", resp.StatusCode, code)
	}
}
