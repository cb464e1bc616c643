package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/openova-io/sovereign/internal/atomicfile"
)

// The open marker sits beside the state file while it is open and holds the
// kernel's boot id. The file is written without fsync, so its pages may
// live only in the page cache: a crash of the process loses none of them,
// a restart of the machine may. Finding a marker from another boot is the
// one case in which the file cannot be trusted.

const bootIDPath = "/proc/sys/kernel/random/boot_id"

func markerPath(path string) string { return path + ".open" }

func bootID() ([]byte, error) {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return nil, fmt.Errorf("read boot id: %w", err)
	}
	return bytes.TrimSpace(b), nil
}

// markerTrusted reports whether the state file can be used as it is: no
// marker (clean close, or a new file), or a marker from this boot (the
// process crashed but the kernel, and its page cache, did not).
func markerTrusted(path string) (bool, error) {
	m, err := os.ReadFile(markerPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", markerPath(path), err)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	id, err := bootID()
	if err != nil {
		return false, err
	}
	return bytes.Equal(bytes.TrimSpace(m), id), nil
}

func writeMarker(path string) error {
	id, err := bootID()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(markerPath(path), append(id, '\n'), 0o600); err != nil {
		return fmt.Errorf("write open marker: %w", err)
	}
	return nil
}

func removeMarker(path string) error {
	if err := os.Remove(markerPath(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return atomicfile.SyncDir(parentDir(path))
}
