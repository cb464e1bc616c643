// Package proctest runs the sovereign binary as a process, for the tests
// that drive it from outside (e2e, chaos): it builds the binary once per
// test run unless SOVEREIGN_BIN names one, finds free loopback ports, and
// starts, waits for and kills `sovereign` processes. Its functions return
// errors instead of failing a test, so that they may be called from the
// goroutines a test starts.
package proctest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Binary returns the sovereign binary to run: $SOVEREIGN_BIN (set by
// `make test`), or one built from the module at root into a temporary
// folder; cleanup removes that folder.
func Binary(root string) (path string, cleanup func(), err error) {
	if bin := os.Getenv("SOVEREIGN_BIN"); bin != "" {
		return bin, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "sovereign-bin-")
	if err != nil {
		return "", nil, err
	}
	os.Chmod(dir, 0o755) // a test may run it as another user
	path = filepath.Join(dir, "sovereign")
	build := exec.Command("go", "build", "-o", path, root)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build sovereign: %w", err)
	}
	return path, func() { os.RemoveAll(dir) }, nil
}

// Buffer is a bytes.Buffer that a process's output and a test may use at
// the same time.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Proc is a started sovereign process.
type Proc struct {
	Cmd    *exec.Cmd
	HTTP   string // where it serves plain HTTP
	Stdout *Buffer
	Stderr *Buffer
	// Done receives the process's exit once.
	Done chan error
	exit chan struct{}
}

// Launch starts bin with args; httpAddr is where it will serve plain
// HTTP. Its output goes to the process's buffers.
func Launch(bin, httpAddr string, args ...string) (*Proc, error) {
	p := &Proc{HTTP: httpAddr, Stdout: &Buffer{}, Stderr: &Buffer{}, Done: make(chan error, 1), exit: make(chan struct{})}
	p.Cmd = exec.Command(bin, args...)
	p.Cmd.Stdout, p.Cmd.Stderr = p.Stdout, p.Stderr
	if err := p.Cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		err := p.Cmd.Wait()
		close(p.exit)
		p.Done <- err
	}()
	return p, nil
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.exit:
		return true
	default:
		return false
	}
}

// WaitExit waits up to limit for the process to end.
func (p *Proc) WaitExit(limit time.Duration) error {
	select {
	case <-p.exit:
		return nil
	case <-time.After(limit):
		return fmt.Errorf("pid %d still running after %s", p.Cmd.Process.Pid, limit)
	}
}

// Kill sends SIGKILL (and SIGCONT, in case it was stopped) and waits for
// the end.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	p.Cmd.Process.Signal(syscall.SIGKILL)
	p.Cmd.Process.Signal(syscall.SIGCONT)
	<-p.exit
}

// ErrExited is returned by WaitReady when the process ended first.
var ErrExited = errors.New("sovereign exited")

// WaitReady polls /readyz until it answers 200, for at most limit.
func (p *Proc) WaitReady(limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if p.Exited() {
			return fmt.Errorf("%w: %s", ErrExited, p.Stderr.String())
		}
		resp, err := client.Get("http://" + p.HTTP + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return fmt.Errorf("not ready after %s\n%s", limit, p.Stderr.String())
}
