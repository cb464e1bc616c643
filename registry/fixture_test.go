package registry

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/openova-io/sovereign/bundle"
)

// The tests serve a layout the way a node does: a bundle is made from an
// OCI layout (built here with go-containerregistry) and a chart folder,
// installed into a prefix with `sovereign install`'s code, and its
// <data-dir>/oci served over TLS with a certificate from a cluster CA, on a
// loopback port.

const bundleVersion = "1.2.3"

// Names of what the test bundle carries, as published.
const (
	appRepo     = "ghcr.io/openova-io/app" // OCI image
	appTag      = "1.0.0"
	busyboxRef  = "busybox:1.36" // Docker schema2, Docker Hub
	busyboxRepo = "docker.io/library/busybox"
	multiRepo   = "ghcr.io/openova-io/multi" // multi-arch OCI index
	multiTag    = "2.0.0"
	chartRepo   = bundle.ChartRepository + "/bp-demo" // Helm chart artifact
	chartTag    = "0.1.0"

	sigType  = "application/vnd.example.signature.v1+json"
	sbomType = "application/spdx+json"
)

// installed is one bundle made and installed for the whole test run.
type installed struct {
	prefix  string
	dataDir string
	ociDir  string
	// digests of the published names, and of the referrers of app.
	app, busybox, multi, chart, sig, sbom v1.Hash
}

var (
	installOnce sync.Once
	inst        installed
	instErr     error
	instDir     string
)

func TestMain(m *testing.M) {
	if os.Getenv(serveDirEnv) != "" {
		serveFromEnv()
		return
	}
	code := m.Run()
	if instDir != "" {
		os.RemoveAll(instDir)
	}
	os.Exit(code)
}

// installedBundle makes and installs the test bundle once.
func installedBundle(t testing.TB) installed {
	t.Helper()
	installOnce.Do(func() {
		instDir, instErr = os.MkdirTemp("", "sovereign-registry-*")
		if instErr == nil {
			inst, instErr = makeInstalled(instDir)
		}
	})
	if instErr != nil {
		t.Fatalf("make and install the test bundle: %v", instErr)
	}
	return inst
}

func makeInstalled(dir string) (installed, error) {
	var in installed
	src := filepath.Join(dir, "src-layout")
	l, err := layout.Write(src, empty.Index)
	if err != nil {
		return in, err
	}
	named := func(ref string) layout.Option {
		return layout.WithAnnotations(map[string]string{bundle.AnnotationRefName: ref})
	}

	app, err := ociImage("amd64", 3)
	if err != nil {
		return in, err
	}
	if err := l.AppendImage(app, named(appRepo+":"+appTag)); err != nil {
		return in, err
	}
	if in.app, err = app.Digest(); err != nil {
		return in, err
	}
	appDesc, err := descriptorOf(app)
	if err != nil {
		return in, err
	}

	busybox, err := random.Image(4096, 2) // Docker media types
	if err != nil {
		return in, err
	}
	if err := l.AppendImage(busybox, named(busyboxRef)); err != nil {
		return in, err
	}
	if in.busybox, err = busybox.Digest(); err != nil {
		return in, err
	}

	// The index is written by hand, as a multi-arch image from upstream is:
	// its entries carry a platform and no artifactType.
	multi := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := ociImage(arch, 2)
		if err != nil {
			return in, err
		}
		if err := l.WriteImage(img); err != nil {
			return in, err
		}
		d, err := descriptorOf(img)
		if err != nil {
			return in, err
		}
		d.Platform = &v1.Platform{OS: "linux", Architecture: arch}
		multi.Manifests = append(multi.Manifests, d)
	}
	multiJSON, err := json.Marshal(multi)
	if err != nil {
		return in, err
	}
	in.multi, _, err = v1.SHA256(bytes.NewReader(multiJSON))
	if err != nil {
		return in, err
	}
	if err := l.WriteBlob(in.multi, io.NopCloser(bytes.NewReader(multiJSON))); err != nil {
		return in, err
	}
	if err := l.AppendDescriptor(v1.Descriptor{
		MediaType: types.OCIImageIndex, Size: int64(len(multiJSON)), Digest: in.multi,
		Annotations: map[string]string{bundle.AnnotationRefName: multiRepo + ":" + multiTag},
	}); err != nil {
		return in, err
	}

	// A signature and an SBOM of app, unnamed: reachable as referrers.
	for _, at := range []struct {
		mt  types.MediaType
		out *v1.Hash
	}{{sigType, &in.sig}, {sbomType, &in.sbom}} {
		layer, err := random.Layer(256, types.OCILayer)
		if err != nil {
			return in, err
		}
		a, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), at.mt), layer)
		if err != nil {
			return in, err
		}
		ref := mutate.Subject(a, appDesc).(v1.Image)
		if err := l.AppendImage(ref); err != nil {
			return in, err
		}
		if *at.out, err = ref.Digest(); err != nil {
			return in, err
		}
	}

	chart := filepath.Join(dir, "chart")
	for p, content := range map[string]string{
		"Chart.yaml":                "apiVersion: v2\nname: bp-demo\nversion: " + chartTag + "\n",
		"values.yaml":               "replicas: 1\n",
		"templates/deployment.yaml": "kind: Deployment\n",
	} {
		full := filepath.Join(chart, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return in, err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return in, err
		}
	}

	pub, err := bundle.Keygen(filepath.Join(dir, "key"), nil, false)
	if err != nil {
		return in, err
	}
	priv, err := bundle.LoadPrivateKey(filepath.Join(dir, "key"), nil)
	if err != nil {
		return in, err
	}
	out := filepath.Join(dir, "sovereign.bundle")
	_, err = bundle.Create(context.Background(), bundle.CreateOptions{
		Out:     out,
		Key:     priv,
		Binary:  os.Args[0],
		Version: bundleVersion,
		Catalog: fstest.MapFS{
			"demo/blueprint.yaml": {Data: []byte("apiVersion: catalyst.openova.io/v1alpha1\nkind: Blueprint\nmetadata:\n  name: bp-demo\nspec:\n  version: 0.1.0\n  card:\n    title: Demo\n")},
		},
		OCILayouts: []string{src},
		Charts:     []string{chart},
		Created:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	if err != nil {
		return in, err
	}
	in.prefix = filepath.Join(dir, "root")
	res, err := bundle.Install(context.Background(), bundle.InstallOptions{Bundle: out, Key: pub, Prefix: in.prefix})
	if err != nil {
		return in, err
	}
	in.dataDir, in.ociDir = res.Layout.DataDir, res.Layout.OCIDir
	p, err := layout.FromPath(in.ociDir)
	if err != nil {
		return in, err
	}
	ii, err := p.ImageIndex()
	if err != nil {
		return in, err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return in, err
	}
	for _, d := range im.Manifests {
		if d.Annotations[bundle.AnnotationRefName] == "charts/bp-demo:"+chartTag {
			in.chart = d.Digest
		}
	}
	return in, nil
}

// ociImage is a random image with OCI media types for linux/arch.
func ociImage(arch string, layers int) (v1.Image, error) {
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for i := 0; i < layers; i++ {
		layer, err := random.Layer(8192, types.OCILayer)
		if err != nil {
			return nil, err
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	return mutate.ConfigFile(img, cf)
}

func descriptorOf(img v1.Image) (v1.Descriptor, error) {
	d := v1.Descriptor{}
	var err error
	if d.Digest, err = img.Digest(); err != nil {
		return d, err
	}
	if d.Size, err = img.Size(); err != nil {
		return d, err
	}
	d.MediaType, err = img.MediaType()
	return d, err
}

// server is a Registry serving over TLS on a loopback port.
type server struct {
	reg    *Registry
	host   string // 127.0.0.1:PORT
	url    string // https://127.0.0.1:PORT
	caPEM  []byte
	caDir  string // holds ca.crt, for skopeo's --cert-dir
	client *http.Client
	tls    *tls.Config // a client's
}

// serve starts a Registry over opts on a loopback port with a node
// certificate from a new CA, configured as a node's HTTPS listener is.
func serve(t testing.TB, opts Options) *server {
	t.Helper()
	reg, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, serverTLS := testPKI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// As node/registry.go serves it.
	srv := reg.Server()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(Listen(ln, serverTLS)) }()
	t.Cleanup(func() {
		// net/http counts a connection a client opened but never used as
		// busy for its first 5 s (a push through a library's own transport
		// leaves such ones): allow for that, then close what is left.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Logf("shutdown: %v; closing the connections left", err)
			srv.Close()
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	s := clientFor(t, ln.Addr().String(), caPEM)
	s.reg = reg
	return s
}

// clientFor is a client of the registry at addr whose certificate caPEM
// signed.
func clientFor(t testing.TB, addr string, caPEM []byte) *server {
	t.Helper()
	caDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(caDir, "ca.crt"), caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	clientTLS := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr := &http.Transport{TLSClientConfig: clientTLS, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &server{
		host: addr, url: "https://" + addr,
		caPEM: caPEM, caDir: caDir, tls: clientTLS,
		client: &http.Client{Transport: tr, Timeout: 5 * time.Minute},
	}
}

// serveInstalled serves the installed test bundle.
func serveInstalled(t testing.TB) (*server, installed) {
	t.Helper()
	in := installedBundle(t)
	return serve(t, Options{Dir: in.ociDir, InstalledFile: filepath.Join(in.dataDir, "installed.json")}), in
}

// get sends method to path (with headers as pairs) and returns the answer
// with its body read.
func (s *server) do(t testing.TB, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := readAllLimit(resp)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, body
}

// testPKI makes a CA and a certificate for 127.0.0.1 signed by it, and the
// server side of TLS as a node's HTTPS listener has it.
func testPKI(t testing.TB) ([]byte, *tls.Config) {
	t.Helper()
	caPEM, cfg, err := newTestPKI()
	if err != nil {
		t.Fatal(err)
	}
	return caPEM, cfg
}

func newTestPKI() ([]byte, *tls.Config, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sovereign test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "node-1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return caPEM, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}
