package registry

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"golang.org/x/sys/unix"

	"github.com/openova-io/sovereign/bundle"
)

// The benchmarks compare pulling a blob through the registry (HTTPS over
// loopback, the way containerd on the node pulls) with reading the same
// file from disk, in the same run; and measure the serving process's peak
// memory while 50 clients pull one 100 MiB layer at once. Run by
// scripts/bench-registry.sh.

const benchLayerSize = 100 << 20

// bigLayout writes a layout holding one image with a layer of size random
// bytes, and returns the layer's digest.
func bigLayout(tb testing.TB, dir string, size int64) v1.Hash {
	tb.Helper()
	l, err := layout.Write(dir, empty.Index)
	if err != nil {
		tb.Fatal(err)
	}
	tmp := filepath.Join(dir, "layer.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		tb.Fatal(err)
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(w, rng, size); err != nil {
		tb.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	layer := v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", h.Sum(nil))}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "blobs", "sha256", layer.Hex)); err != nil {
		tb.Fatal(err)
	}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	cfgHash, _, _ := v1.SHA256(strings.NewReader(string(config)))
	if err := l.WriteBlob(cfgHash, io.NopCloser(strings.NewReader(string(config)))); err != nil {
		tb.Fatal(err)
	}
	man := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":%q,"size":%d,"digest":%q},"layers":[{"mediaType":%q,"size":%d,"digest":%q}]}`,
		types.OCIManifestSchema1, types.OCIConfigJSON, len(config), cfgHash, types.OCILayer, size, layer)
	manHash, _, _ := v1.SHA256(strings.NewReader(man))
	if err := l.WriteBlob(manHash, io.NopCloser(strings.NewReader(man))); err != nil {
		tb.Fatal(err)
	}
	if err := l.AppendDescriptor(v1.Descriptor{MediaType: types.OCIManifestSchema1, Size: int64(len(man)), Digest: manHash,
		Annotations: map[string]string{bundle.AnnotationRefName: "ghcr.io/example/big:1.0.0"}}); err != nil {
		tb.Fatal(err)
	}
	return layer
}

// BenchmarkBlobDownload pulls the 100 MiB layer from the disk (open,
// read to the end) and through the registry (GET over loopback TLS, read
// to the end), one after the other in each iteration, so that both see the
// same load on a shared machine; it reports each one's throughput and their
// ratio. "cold" drops the file from the page cache before each read
// (posix_fadvise DONTNEED), so both read it from the disk; "warm" leaves it
// cached, so the registry's run shows the cost of TLS and loopback TCP on
// this machine's cores against a memory copy.
func BenchmarkBlobDownload(b *testing.B) {
	dir := b.TempDir()
	layer := bigLayout(b, dir, benchLayerSize)
	path := filepath.Join(dir, "blobs", "sha256", layer.Hex)
	s := serve(b, Options{Dir: dir})
	url := s.url + "/v2/ghcr.io/example/big/blobs/" + layer.String()
	buf := make([]byte, 1<<20)
	fromDisk := func(b *testing.B) {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
		f.Close()
		if err != nil || n != benchLayerSize {
			b.Fatalf("read %d bytes: %v", n, err)
		}
	}
	fromRegistry := func(b *testing.B) {
		resp, err := s.client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, resp.Body, buf)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || n != benchLayerSize {
			b.Fatalf("GET: %d, %d bytes: %v", resp.StatusCode, n, err)
		}
	}
	for _, cache := range []string{"cold", "warm"} {
		b.Run(cache, func(b *testing.B) {
			var took [2]time.Duration
			for i := 0; i < b.N; i++ {
				for k, pull := range []func(*testing.B){fromDisk, fromRegistry} {
					if cache == "cold" {
						if err := dropFromPageCache(path); err != nil {
							b.Fatal(err)
						}
					} else if _, err := os.ReadFile(path); err != nil {
						b.Fatal(err)
					}
					start := time.Now()
					pull(b)
					took[k] += time.Since(start)
				}
			}
			mbps := func(d time.Duration) float64 { return float64(b.N) * benchLayerSize / 1e6 / d.Seconds() }
			b.ReportMetric(mbps(took[0]), "disk-MB/s")
			b.ReportMetric(mbps(took[1]), "registry-MB/s")
			b.ReportMetric(mbps(took[1])/mbps(took[0]), "ratio")
		})
	}
}

// dropFromPageCache asks the kernel to forget the cached pages of path,
// so that the next read comes from the disk.
func dropFromPageCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return err
	}
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}

// BenchmarkConcurrentPulls starts the registry as a process of its own
// (this test binary, serving only) and has 50 clients pull the 100 MiB
// layer at once, then reads the server's peak resident memory (VmHWM).
func BenchmarkConcurrentPulls(b *testing.B) {
	const clients = 50
	dir := b.TempDir()
	layer := bigLayout(b, dir, benchLayerSize)
	srv := startServerProcess(b, dir)
	url := srv.url + "/v2/example/big/blobs/" + layer.String() + "?ns=ghcr.io"
	b.SetBytes(clients * benchLayerSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := srv.client.Get(url)
				if err != nil {
					errs <- err
					return
				}
				defer resp.Body.Close()
				n, err := io.Copy(io.Discard, resp.Body)
				if err == nil && (resp.StatusCode != http.StatusOK || n != benchLayerSize) {
					err = fmt.Errorf("GET: %d, %d bytes", resp.StatusCode, n)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	hwm, err := vmHWM(srv.cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(hwm)/(1<<20), "server-peak-RSS-MB")
}

// serverProcess is the registry in a child process.
type serverProcess struct {
	*server
	cmd *exec.Cmd
}

const serveDirEnv = "SOVEREIGN_REGISTRY_TEST_SERVE"

// startServerProcess runs this test binary as a registry over dir; it
// prints its address and CA, and serves until its stdin closes.
func startServerProcess(tb testing.TB, dir string) *serverProcess {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveDirEnv+"="+dir, "GOMAXPROCS=2")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	r := bufio.NewReader(out)
	addr, err := r.ReadString('\n')
	if err != nil {
		tb.Fatalf("registry process: %v", err)
	}
	caDir := strings.TrimSpace(mustReadLine(tb, r))
	caPEM, err := os.ReadFile(filepath.Join(caDir, "ca.crt"))
	if err != nil {
		tb.Fatal(err)
	}
	s := clientFor(tb, strings.TrimSpace(addr), caPEM)
	s.caDir = caDir
	return &serverProcess{server: s, cmd: cmd}
}

func mustReadLine(tb testing.TB, r *bufio.Reader) string {
	line, err := r.ReadString('\n')
	if err != nil {
		tb.Fatalf("registry process: %v", err)
	}
	return line
}

// serveFromEnv is the child's side of startServerProcess.
func serveFromEnv() {
	dir := os.Getenv(serveDirEnv)
	reg, err := New(Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	caPEM, serverTLS, err := newTestPKI()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	caDir, err := os.MkdirTemp("", "registry-ca-*")
	if err != nil {
		os.Exit(1)
	}
	defer os.RemoveAll(caDir)
	if err := os.WriteFile(filepath.Join(caDir, "ca.crt"), caPEM, 0o644); err != nil {
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	fmt.Println(caDir)
	srv := reg.Server()
	go func() { io.Copy(io.Discard, os.Stdin); srv.Close() }()
	if err := srv.Serve(Listen(ln, serverTLS)); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// vmHWM is a process's peak resident set size in bytes.
func vmHWM(pid int) (int64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
