package registry

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/openova-io/sovereign/bundle"
)

// remoteOpts makes go-containerregistry trust the test CA.
func (s *server) remoteOpts() []remote.Option {
	return []remote.Option{remote.WithTransport(&http.Transport{TLSClientConfig: s.tls})}
}

func TestEveryImageOfAnInstalledBundlePullsWithItsLayoutDigest(t *testing.T) {
	s, in := serveInstalled(t)
	_, im := layoutIndex(t, in.ociDir)
	pulled := 0
	for _, d := range im.Manifests {
		pub, ok := bundle.PublishedName(d.Annotations)
		if !ok {
			continue // a referrer, checked below
		}
		ref, err := name.ParseReference(s.host + "/" + pub.Repository + ":" + pub.Tag)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Get(ref, s.remoteOpts()...)
		if err != nil {
			t.Fatalf("pull %s: %v", ref, err)
		}
		if desc.Digest != d.Digest || desc.MediaType != d.MediaType {
			t.Errorf("%s: got %s %s, the layout has %s %s", ref, desc.Digest, desc.MediaType, d.Digest, d.MediaType)
		}
		if d.MediaType.IsIndex() {
			idx, err := desc.ImageIndex()
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Index(idx); err != nil {
				t.Errorf("%s: %v", ref, err)
			}
		} else {
			img, err := desc.Image()
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Image(img); err != nil {
				t.Errorf("%s: %v", ref, err)
			}
		}
		pulled++
	}
	if pulled != 4 {
		t.Fatalf("pulled %d named entries, the test bundle has 4", pulled)
	}

	// A chart pulls as Helm stores it.
	ref, _ := name.ParseReference(s.host + "/" + chartRepo + ":" + chartTag)
	img, err := remote.Image(ref, s.remoteOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != bundle.HelmConfigMediaType || len(m.Layers) != 1 || m.Layers[0].MediaType != bundle.HelmContentMediaType {
		t.Errorf("chart manifest: config %s, layers %v", m.Config.MediaType, m.Layers)
	}
}

func TestMirrorRequestsNameTheRepositoryUnderNS(t *testing.T) {
	s, in := serveInstalled(t)
	for _, c := range []struct {
		path string
		want v1.Hash
	}{
		{"/v2/openova-io/app/manifests/" + appTag + "?ns=ghcr.io", in.app},
		{"/v2/ghcr.io/openova-io/app/manifests/" + appTag, in.app},
		{"/v2/library/busybox/manifests/1.36?ns=docker.io", in.busybox},
		{"/v2/busybox/manifests/1.36?ns=docker.io", in.busybox},
		{"/v2/library/busybox/manifests/1.36", in.busybox},
		{"/v2/docker.io/library/busybox/manifests/1.36", in.busybox},
		{"/v2/openova-io/bp-demo/manifests/" + chartTag + "?ns=ghcr.io", in.chart},
		{"/v2/openova-io/bp-demo/manifests/" + chartTag, in.chart}, // helm pull oci://NODE/openova-io/bp-demo
		{"/v2/openova-io/app/manifests/" + appTag, in.app},
	} {
		resp, body := s.do(t, http.MethodGet, c.path, "Accept", "*/*")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") != c.want.String() {
			t.Errorf("GET %s: %d %s %s, want %s", c.path, resp.StatusCode, resp.Header.Get("Docker-Content-Digest"), body, c.want)
		}
	}
	resp, body := s.do(t, http.MethodGet, "/v2/openova-io/app/manifests/"+appTag+"?ns=docker.io")
	if code, msg := errorCode(t, body); resp.StatusCode != http.StatusNotFound || code != codeNameUnknown || !strings.Contains(msg, bundleVersion) {
		t.Errorf("app under docker.io: %d %s %s", resp.StatusCode, code, msg)
	}
}

func TestReferrersListSignaturesAndSBOMsOfAnImage(t *testing.T) {
	s, in := serveInstalled(t)
	d, _ := name.NewDigest(s.host + "/" + appRepo + "@" + in.app.String())
	idx, err := remote.Referrers(d, s.remoteOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	got := map[v1.Hash]string{}
	for _, m := range im.Manifests {
		got[m.Digest] = m.ArtifactType
	}
	if len(got) != 2 || got[in.sig] != sigType || got[in.sbom] != sbomType {
		t.Fatalf("referrers: %v; want the signature %s and the SBOM %s", got, in.sig, in.sbom)
	}

	resp, body := s.do(t, http.MethodGet, "/v2/"+appRepo+"/referrers/"+in.app.String()+"?artifactType="+url.QueryEscape(sbomType))
	if resp.Header.Get("OCI-Filters-Applied") != "artifactType" || resp.Header.Get("Content-Type") != "application/vnd.oci.image.index.v1+json" {
		t.Errorf("filtered referrers headers: %v", resp.Header)
	}
	if !strings.Contains(string(body), in.sbom.String()) || strings.Contains(string(body), in.sig.String()) {
		t.Errorf("filtered referrers: %s", body)
	}
	// The referrer itself pulls from the image's repository.
	sig, _ := name.NewDigest(s.host + "/" + appRepo + "@" + in.sig.String())
	img, err := remote.Image(sig, s.remoteOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := img.Digest(); err != nil || got != in.sig {
		t.Errorf("signature digest %s (%v), want %s", got, err, in.sig)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("signature layers: %d, %v", len(layers), err)
	}
	rc, err := layers[0].Compressed() // checks the digest as it reads
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Errorf("signature layer: %v", err)
	}
	rc.Close()
	// Nothing refers to the busybox image: an empty list, not an error.
	resp, body = s.do(t, http.MethodGet, "/v2/"+busyboxRepo+"/referrers/"+in.busybox.String())
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"manifests":[]`) {
		t.Errorf("no referrers: %d %s", resp.StatusCode, body)
	}
}
