package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openova-io/sovereign/internal/proctest"
)

// TestRoundTripFromKeygenToReadyz walks the whole air-gap path with the real
// sovereign binary, as an installer would: keygen, create (with an OCI
// layout and a chart, split into parts), verify, inspect, install into a
// prefix, then start the installed binary from there and reach /readyz.
func TestRoundTripFromKeygenToReadyz(t *testing.T) {
	bin := buildSovereign(t, "1.0.0")
	if err := exec.Command(bin, "serve", "--help").Run(); err != nil {
		t.Skipf("this sovereign build has no serve command yet (%v)", err)
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "release")
	out := filepath.Join(dir, "stick", "sovereign.bundle")
	prefix := filepath.Join(dir, "root")
	os.MkdirAll(filepath.Dir(out), 0o755)
	env := []string{PassphraseEnv + "=round trip passphrase"}

	run(t, env, bin, "bundle", "keygen", "--out", key)
	run(t, env, bin, "bundle", "create", "--key", key, "--out", out, "--split", "4M",
		"--oci-layout", testLayout(t), "--chart", testChart(t), "--binary", bin)
	idx := readIndex(t, out)
	if len(idx.Parts) < 2 {
		t.Fatalf("want a bundle in several parts of 4 MiB, got %d", len(idx.Parts))
	}
	run(t, nil, bin, "bundle", "verify", "--key", key+".pub", out)

	var inspected struct {
		Inspection struct{ Manifest Manifest }
		Artifacts  Artifacts
	}
	if err := json.Unmarshal(run(t, nil, bin, "bundle", "inspect", IndexPath(out), "-o", "json"), &inspected); err != nil {
		t.Fatal(err)
	}
	a := inspected.Artifacts
	if inspected.Inspection.Manifest.SovereignVersion != "1.0.0" || len(a.Images) != 1 || len(a.Charts) != 1 ||
		a.Charts[0] != "demo:0.1.0" || len(a.Blueprints) == 0 || a.GoModules == 0 {
		t.Fatalf("inspect: %+v", inspected)
	}

	run(t, nil, bin, "install", "--bundle", IndexPath(out), "--key", key+".pub", "--prefix", prefix,
		"--region", "hz-fsn", "--fqdn", "sovereign.example.org")
	again := run(t, nil, bin, "install", "--bundle", out, "--key", key+".pub", "--prefix", prefix)
	if !strings.Contains(string(again), "nothing changed") {
		t.Fatalf("second install: %s", again)
	}

	l, _ := NewLayout(prefix)
	// Outside --dev a node also serves HTTPS (default :8443) and the etcd
	// API (default 127.0.0.1:2379): give them free loopback ports, so the
	// test neither needs nor takes those.
	httpAddr, httpsAddr, raftAddr, etcdAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve := exec.CommandContext(ctx, l.Binary, "serve", "--config", l.ConfigFile, "--http", httpAddr, "--https", httpsAddr, "--raft", raftAddr, "--etcd", etcdAddr)
	serve.Cancel = func() error { return serve.Process.Signal(syscall.SIGTERM) }
	serve.WaitDelay = 10 * time.Second
	var logs bytes.Buffer
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		serve.Wait()
		if t.Failed() {
			t.Logf("serve output:\n%s", logs.String())
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the installed binary never answered /readyz with 200 (last: %v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// buildSovereign builds the module's sovereign command, statically, with
// version stamped in.
func buildSovereign(t *testing.T, version string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sovereign")
	cmd := exec.Command("go", "build", "-o", bin, "-ldflags", "-X main.version="+version, ".")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// run runs a command and returns its stdout, failing the test on error.
func run(t *testing.T, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := proctest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
