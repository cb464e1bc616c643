package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
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

// shutdownBudget is what a node allows itself for an orderly stop
// (node/shutdown.go); a stop that takes longer is a failure.
const shutdownBudget = 10 * time.Second

// binary is the sovereign binary the process tests run: $SOVEREIGN_BIN
// (set by `make test`), or one built for this test run.
var binary string

// TestMain builds the binary once for every test of this package, unless
// SOVEREIGN_BIN names one (`make test` passes bin/sovereign).
func TestMain(m *testing.M) {
	// Nodes of one test run side by side: each takes a free etcd port
	// instead of 2379 (a test that wants one passes --etcd).
	os.Setenv("SOVEREIGN_ETCD", "127.0.0.1:0")
	bin, cleanup, err := proctest.Binary("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}

func freePort(t testing.TB) string {
	t.Helper()
	addr, err := proctest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// proc is a running `sovereign serve`.
type proc struct {
	cmd    *exec.Cmd
	http   string
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan error
}

// syncBuffer holds a process's output while the test reads it.
type syncBuffer = proctest.Buffer

// startServe starts `sovereign serve --dev` on dataDir, on free ports.
func startServe(t testing.TB, dataDir string, extra ...string) *proc {
	t.Helper()
	httpAddr := freePort(t)
	args := append([]string{"serve", "--dev", "--data-dir", dataDir, "--http", httpAddr, "--raft", freePort(t), "--node-name", "n1"}, extra...)
	return launch(t, httpAddr, args...)
}

// launch starts the binary with args; httpAddr is where it serves plain
// HTTP. The process is killed when the test ends, if still running.
func launch(t testing.TB, httpAddr string, args ...string) *proc {
	t.Helper()
	p := &proc{http: httpAddr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitReady polls /readyz until it answers 200.
func (p *proc) waitReady(t testing.TB) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 15*time.Second {
		select {
		case err := <-p.done:
			t.Fatalf("sovereign exited: %v\n%s", err, p.stderr.String())
		default:
		}
		resp, err := http.Get("http://" + p.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(start)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("not ready after 15s\n%s", p.stderr.String())
	return 0
}

// waitOutput waits until the process's standard output holds text: what
// the process wrote before it answered may still be in the pipe.
func (p *proc) waitOutput(t testing.TB, text string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(p.stdout.String(), text) {
			return
		}
	}
	t.Fatalf("standard output lacks %q:\n%s", text, p.stdout.String())
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t testing.TB) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(12 * time.Second):
		t.Fatal("did not stop within 12s of SIGTERM")
	}
	return time.Since(start)
}

// run runs the binary to completion and returns its exit code and output.
func run(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() {
		<-ctx.Done()
		if cmd.Process != nil && cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), o.String(), e.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, o.String(), e.String()
}

// tree maps every file under dir to the hash of its content and its mode.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out[rel] = "dir " + info.Mode().String()
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		out[rel] = fmt.Sprintf("%x %s", h.Sum(nil), info.Mode())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed: %q -> %q", k, v, after[k])
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("%s appeared", k)
		}
	}
}

func readLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
