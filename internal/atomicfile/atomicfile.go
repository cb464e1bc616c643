// Package atomicfile writes files so that a reader, or the next start after
// a crash, sees either the old content or the new, never a part: the content
// goes to a temporary file in the same folder, is synced, renamed over the
// target, and the rename is synced too.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes data to path with mode perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write writes what fill produces to path with mode perm. When fill or any
// step fails, path is untouched and the temporary file is removed.
func Write(path string, perm os.FileMode, fill func(io.Writer) error) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fill(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// File is a file being written under a temporary name beside path. Commit
// puts it in place whole; Abort, or a failed Commit, removes it and leaves
// path as it was. Until then it reads, writes and seeks like any file, so a
// caller can check what it wrote before committing.
type File struct {
	*os.File
	path   string
	closed bool
	done   bool
}

// Create starts writing path with mode perm.
func Create(path string, perm os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	// The mode is set before any content lands, so a secret is never
	// readable by others, not even for a moment.
	if err := f.Chmod(perm); err != nil {
		f.Close() // the *os.File: no File exists yet
		os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Commit syncs and closes the file (unless Close did), renames it over
// path and syncs the folder.
func (f *File) Commit() (err error) {
	if f.done {
		return fmt.Errorf("write %s: already committed or aborted", f.path)
	}
	defer func() {
		if err != nil {
			f.Abort()
		}
	}()
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), f.path); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.done = true
	return SyncDir(filepath.Dir(f.path))
}

// Close ends the writing: the content is synced and the file closed, still
// under its temporary name, so that many files can wait for one Commit
// each without holding a descriptor. Closing again does nothing.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := f.File.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	return nil
}

// Abort removes the temporary file; after Commit it does nothing.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	if !f.closed {
		f.closed = true
		f.File.Close()
	}
	os.Remove(f.Name())
}

// SyncDir makes a rename or removal in dir durable. A file system that
// cannot sync a folder (os.ErrInvalid) is let be.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
