package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// treeSum is every file's path, mode, mtime and sha256 under dir: what a
// refused request must leave as it was.
func treeSum(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v %d", p, info.Mode(), info.ModTime().UnixNano())
		if d.Type().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			line += " " + hex.EncodeToString(h.Sum(nil))
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestWritesAnswerUnsupportedAndChangeNothing(t *testing.T) {
	s, in := serveInstalled(t)
	before := treeSum(t, in.dataDir)
	blobPath, _ := blobOf(t, in)
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/v2/" + appRepo + "/blobs/uploads/"},
		{http.MethodPost, "/v2/" + appRepo + "/blobs/uploads/?mount=" + in.app.String() + "&from=" + multiRepo},
		{http.MethodPatch, "/v2/" + appRepo + "/blobs/uploads/5f1c"},
		{http.MethodPut, "/v2/" + appRepo + "/blobs/uploads/5f1c?digest=" + in.app.String()},
		{http.MethodGet, "/v2/" + appRepo + "/blobs/uploads/5f1c"},
		{http.MethodDelete, "/v2/" + appRepo + "/blobs/uploads/5f1c"},
		{http.MethodPut, "/v2/" + appRepo + "/manifests/" + appTag},
		{http.MethodPut, "/v2/" + appRepo + "/manifests/new"},
		{http.MethodDelete, "/v2/" + appRepo + "/manifests/" + in.app.String()},
		{http.MethodDelete, blobPath},
		{http.MethodPost, "/v2/" + appRepo + "/tags/list"},
		{http.MethodOptions, "/v2/"},
	} {
		req, _ := http.NewRequest(c.method, s.url+c.path, bytes.NewReader([]byte(`{"schemaVersion":2}`)))
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if code, _ := errorCode(t, body); resp.StatusCode != http.StatusMethodNotAllowed || code != codeUnsupported || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: %d %s %q", c.method, c.path, resp.StatusCode, code, resp.Header.Get("Allow"))
		}
	}
	// A real client's push fails with the registry's answer.
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(s.host + "/" + appRepo + ":pushed")
	if err := remote.Write(ref, img, s.remoteOpts()...); err == nil || !strings.Contains(err.Error(), "UNSUPPORTED") {
		t.Errorf("push: %v, want the registry's UNSUPPORTED", err)
	}
	if after := treeSum(t, in.dataDir); after != before {
		t.Errorf("the data folder changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	resp, _ := s.do(t, http.MethodGet, "/v2/"+appRepo+"/manifests/pushed")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("pushed tag: %d", resp.StatusCode)
	}
}

func TestTraversalNamesAndUnknownDigestsAreRefused(t *testing.T) {
	s, in := serveInstalled(t)
	secret := filepath.Join(in.dataDir, "installed.json")
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v2/" + appRepo + "/blobs/../../../installed.json", 400, codeNameInvalid},
		{"/v2/../../../../etc/passwd", 400, codeNameInvalid},
		{"/v2/" + appRepo + "/manifests/..", 400, codeNameInvalid},
		{"/v2/" + appRepo + "/blobs/%2e%2e%2finstalled.json", 400, codeNameInvalid},
		{"/v2/ghcr.io/openova-io%2f..%2f../app/manifests/" + appTag, 400, codeNameInvalid},
		{"/v2/ghcr.io//openova-io/app/manifests/" + appTag, 400, codeNameInvalid},
		{"/v2/./ghcr.io/openova-io/app/manifests/" + appTag, 400, codeNameInvalid},
		{"/v2/" + appRepo + "/blobs/md5:d41d8cd98f00b204e9800998ecf8427e", 400, codeDigestInvalid},
		{"/v2/" + appRepo + "/blobs/sha256:" + strings.Repeat("Z", 64), 400, codeDigestInvalid},
		{"/v2/" + appRepo + "/blobs/sha256:abc", 400, codeDigestInvalid},
		{"/v2/" + appRepo + "/blobs/" + strings.ToUpper(in.app.String()), 400, codeDigestInvalid},
		{"/v2/" + appRepo + "/manifests/foo:bar", 400, codeDigestInvalid},
		{"/v2/" + appRepo + "/referrers/blake3:" + strings.Repeat("a", 64), 400, codeDigestInvalid},
		{"/v2/" + appRepo + "/manifests/-bad-tag", 400, codeManifestInvalid},
		{"/v2/GHCR.io/openova-io/app/manifests/" + appTag, 400, codeNameInvalid},
		{"/v2/ghcr.io/openova-io/app_/manifests/" + appTag, 400, codeNameInvalid},
		{"/v2/openova-io/app/manifests/" + appTag + "?ns=evil.example/../x", 400, codeNameInvalid},
		{"/v2/" + appRepo + "/blobs/sha512:" + strings.Repeat("a", 128), 404, codeBlobUnknown},
	} {
		resp, body := s.do(t, http.MethodGet, c.path)
		code, msg := errorCode(t, body)
		if resp.StatusCode != c.status || code != c.code {
			t.Errorf("GET %s: %d %s (%s), want %d %s", c.path, resp.StatusCode, code, msg, c.status, c.code)
		}
		if bytes.Contains(body, []byte("sovereignVersion")) {
			t.Errorf("GET %s served %s", c.path, secret)
		}
	}
}

func TestWhatTheLayoutLacksAnswers404NamingTheBundleVersion(t *testing.T) {
	in := installedBundle(t)
	dir := filepath.Join(t.TempDir(), "oci")
	if err := os.CopyFS(dir, os.DirFS(in.ociDir)); err != nil {
		t.Fatal(err)
	}
	s := serve(t, Options{Dir: dir, InstalledFile: filepath.Join(in.dataDir, "installed.json")})
	blob, _ := blobOf(t, in)
	dg := blob[strings.LastIndex(blob, "/")+1:]
	if err := os.Remove(filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(dg, "sha256:"))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, code string
		says       []string
	}{
		{blob, codeBlobUnknown, []string{"bundle " + bundleVersion, "damaged", "install"}},
		{"/v2/" + appRepo + "/blobs/sha256:" + strings.Repeat("0", 64), codeBlobUnknown, []string{"bundle " + bundleVersion, "nothing is fetched"}},
		{"/v2/" + appRepo + "/manifests/9.9.9", codeManifestUnknown, []string{"bundle " + bundleVersion, "its tags: " + appTag}},
		{"/v2/" + appRepo + "/manifests/sha256:" + strings.Repeat("1", 64), codeManifestUnknown, []string{"bundle " + bundleVersion}},
		{"/v2/ghcr.io/openova-io/absent/manifests/1.0", codeNameUnknown, []string{"ghcr.io/openova-io/absent", "bundle " + bundleVersion}},
		{"/v2/" + busyboxRepo + "/blobs/" + dg, codeBlobUnknown, []string{"bundle " + bundleVersion}},
	} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, body := s.do(t, method, c.path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", method, c.path, resp.StatusCode)
			}
			if method == http.MethodHead {
				continue
			}
			code, msg := errorCode(t, body)
			if code != c.code {
				t.Errorf("GET %s: %s, want %s", c.path, code, c.code)
			}
			for _, w := range c.says {
				if !strings.Contains(msg, w) {
					t.Errorf("GET %s: %q does not say %q", c.path, msg, w)
				}
			}
		}
	}
}

func TestNodeWithoutALayoutSaysToInstallABundle(t *testing.T) {
	s := serve(t, Options{Dir: filepath.Join(t.TempDir(), "oci")})
	resp, _ := s.do(t, http.MethodGet, "/v2/")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/v2/: %d", resp.StatusCode)
	}
	resp, body := s.do(t, http.MethodGet, "/v2/"+appRepo+"/manifests/"+appTag)
	if code, msg := errorCode(t, body); resp.StatusCode != http.StatusNotFound || code != codeNameUnknown || !strings.Contains(msg, "sovereign install") {
		t.Errorf("no layout: %d %s %s", resp.StatusCode, code, msg)
	}
}

func TestABlobAskedForAsAManifestSaysSo(t *testing.T) {
	s, in := serveInstalled(t)
	blob, _ := blobOf(t, in)
	dg := blob[strings.LastIndex(blob, "/")+1:]
	resp, body := s.do(t, http.MethodGet, "/v2/"+appRepo+"/manifests/"+dg)
	if code, msg := errorCode(t, body); resp.StatusCode != http.StatusNotFound || code != codeManifestUnknown || !strings.Contains(msg, "not a manifest") {
		t.Errorf("%d %s %s", resp.StatusCode, code, msg)
	}
}
