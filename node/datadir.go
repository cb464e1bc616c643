package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/openova-io/sovereign/internal/atomicfile"
)

// The data directory: one process at a time, and a node that keeps its
// name and region for life.

// lockDataDir takes an exclusive lock on the data directory itself, so a
// second process on the same directory stops before it touches any file.
func lockDataDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("--data-dir %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("--data-dir %s is in use by another sovereign process; stop that process or choose another --data-dir", dir)
		}
		return nil, fmt.Errorf("--data-dir %s: lock: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// Files in which the data directory records, at its first start, the
// name and region of its node.
const (
	nodeNameFile = "node-name"
	regionFile   = "region"
)

// checkRecorded refuses a start whose value differs from the one the data
// directory recorded at its first start: a node keeps its name and region.
func checkRecorded(dir, file, value, flag string) error {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--data-dir %s: %w", dir, err)
	}
	if have := strings.TrimSpace(string(data)); have != value {
		return fmt.Errorf("%s %q: this data directory belongs to a node with %s %q, which never changes; start it with %s %s, or use another --data-dir", flag, value, flag, have, flag, have)
	}
	return nil
}

// recordIdentity records the node's name and region, once.
func recordIdentity(cfg Config) error {
	for file, value := range map[string]string{nodeNameFile: cfg.NodeName, regionFile: cfg.Region} {
		path := filepath.Join(cfg.DataDir, file)
		if fileExists(path) {
			continue
		}
		if err := atomicfile.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
			return fmt.Errorf("--data-dir %s: %w", cfg.DataDir, err)
		}
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
