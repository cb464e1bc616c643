package registry

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/openova-io/sovereign/bundle"
)

func readAllLimit(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}

// errorCode reads the code of a distribution API error answer.
func errorCode(t testing.TB, body []byte) (string, string) {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) != 1 {
		t.Fatalf("not a distribution API error answer: %q", body)
	}
	return e.Errors[0].Code, e.Errors[0].Message
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// writeLayout writes an OCI layout at dir holding one random image, named
// repo:tag for each tag, and returns its digest.
func writeLayout(t testing.TB, dir, repo string, tags ...string) v1.Hash {
	t.Helper()
	l, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	img, err := ociImage("amd64", 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		if err := l.AppendImage(img, layout.WithAnnotations(map[string]string{bundle.AnnotationRefName: repo + ":" + tag})); err != nil {
			t.Fatal(err)
		}
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// layoutIndex reads the index of the OCI layout in dir.
func layoutIndex(t *testing.T, dir string) (v1.ImageIndex, *v1.IndexManifest) {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	ii, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return ii, im
}
