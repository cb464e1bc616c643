package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/openova-io/sovereign/internal/atomicfile"
)

// writeFileAtomic and writeAtomic write a file whole or not at all.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.WriteFile(path, data, perm)
}

func writeAtomic(path string, perm os.FileMode, fill func(io.Writer) error) error {
	return atomicfile.Write(path, perm, fill)
}

// syncDir makes a rename in dir durable; a file system that cannot sync a
// folder (os.ErrInvalid) is let be.
func syncDir(dir string) error {
	if err := atomicfile.SyncDir(dir); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// readSmallFile reads a file that is expected to be small, refusing one
// larger than max.
func readSmallFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return data, nil
}

// fileExists reports whether path names something.
func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
