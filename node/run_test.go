package node

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// welcomeWriter hands what Run prints to the test, one write at a time.
type welcomeWriter chan string

func (w welcomeWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

var readyAt = regexp.MustCompile(`ready at (http://127\.0\.0\.1:\d+)`)

// runUntilReady runs a node on cfg until it has printed its welcome and
// answers /readyz, then stops it and returns the welcome.
func runUntilReady(t *testing.T, cfg Config) string {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(welcomeWriter, 16)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, "test", out) }()
	var welcome string
	deadline := time.After(20 * time.Second)
	for ready := false; !ready; {
		select {
		case text := <-out:
			welcome += text
		case err := <-done:
			t.Fatalf("Run returned before it was ready: %v\n%s", err, welcome)
		case <-deadline:
			t.Fatalf("not ready after 20s:\n%s", welcome)
		case <-time.After(10 * time.Millisecond):
		}
		if m := readyAt.FindStringSubmatch(welcome); m != nil {
			if resp, err := http.Get(m[1] + "/readyz"); err == nil {
				resp.Body.Close()
				ready = resp.StatusCode == http.StatusOK
			}
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stop: %v", err)
		}
	case <-time.After(shutdownBudget + time.Second):
		t.Fatal("Run did not return within the shutdown budget")
	}
	return welcome
}

func testConfig(t *testing.T) Config {
	return Config{
		DataDir: filepath.Join(t.TempDir(), "data"), HTTP: "127.0.0.1:0", Raft: "127.0.0.1:0",
		Region: "hz-fsn", NodeName: "n1", AdminEmail: "admin@sovereign.local", LogLevel: "error", Dev: true,
	}
}

// TestFirstStartThenRestart runs a node's life twice on one data
// directory: the first start bootstraps the cluster and prints the
// administrator's password once, the second finds everything in place.
func TestFirstStartThenRestart(t *testing.T) {
	cfg := testConfig(t)
	first := runUntilReady(t, cfg)
	if !strings.Contains(first, "Sign in as admin@sovereign.local with this password") {
		t.Fatalf("first start:\n%s", first)
	}
	for _, f := range []string{"tls/ca.crt", "tls/ca.key", "tls/node.crt", "tls/node.key", "node-name", "region", "state.db", "raft/wal", "admin-password"} {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, f)); err != nil {
			t.Errorf("after the first start: %v", err)
		}
	}
	again := runUntilReady(t, cfg)
	if !strings.Contains(again, "the first password is in") {
		t.Fatalf("restart:\n%s", again)
	}

	// The data directory keeps its node's name and region.
	renamed := cfg
	renamed.NodeName = "n2"
	err := Run(context.Background(), renamed, "test", make(welcomeWriter, 16))
	if err == nil || !strings.Contains(err.Error(), `this data directory belongs to a node with --node-name "n1"`) {
		t.Fatalf("a renamed node started: %v", err)
	}
}

func TestRestoreOverANodesStateIsRefused(t *testing.T) {
	cfg := testConfig(t)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cfg.DataDir, "state.db"), []byte("a node's state"), 0o600)
	snapshot := filepath.Join(t.TempDir(), "region.snapshot")
	os.WriteFile(snapshot, []byte("SOVEREIGN-SNAPSHOT 1\n"), 0o600)
	_, err := Restore(cfg, snapshot)
	if err == nil || !strings.Contains(err.Error(), "is not empty; restore into a fresh directory") {
		t.Fatalf("restore over a node's state: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(cfg.DataDir, "state.db")); string(data) != "a node's state" {
		t.Fatal("a refused restore changed the directory")
	}
}
