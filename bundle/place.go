package bundle

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/openova-io/sovereign/internal/atomicfile"
)

// Placing is the last step of Install: each target (a file or a folder) is
// replaced in one rename, and only when its content differs, so running the
// same install twice writes nothing the second time. Where staging and
// target are on different file systems, the staged content is first copied
// beside the target under a temporary name.

var errUnsupported = errors.New("not supported by this file system")

// placeFile puts the staged file src at dst with mode, unless dst already
// holds the same bytes and mode. It reports whether it changed dst.
func placeFile(src, dst string, mode os.FileMode) (bool, error) {
	same, err := sameFile(src, dst, mode)
	if err != nil || same {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, err
	}
	if err := os.Chmod(src, mode); err != nil {
		return false, err
	}
	if err := renameOrCopy(src, dst); err != nil {
		return false, fmt.Errorf("place %s: %w", dst, err)
	}
	return true, atomicfile.SyncDir(filepath.Dir(dst))
}

// placeDir puts the staged folder src at dst, unless dst holds the same
// files. It reports whether it changed dst.
func placeDir(src, dst string) (bool, error) {
	same, err := sameTree(src, dst)
	if err != nil || same {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, err
	}
	if err := sameFS(src, filepath.Dir(dst)); err != nil {
		// Copy beside the target first, so the swap below is a rename.
		near, err := os.MkdirTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
		if err != nil {
			return false, err
		}
		if err := copyTree(src, near); err != nil {
			os.RemoveAll(near)
			return false, fmt.Errorf("place %s: %w", dst, err)
		}
		src = near
		defer os.RemoveAll(near)
	}
	if !fileExists(dst) {
		if err := os.Rename(src, dst); err != nil {
			return false, fmt.Errorf("place %s: %w", dst, err)
		}
		return true, atomicfile.SyncDir(filepath.Dir(dst))
	}
	switch err := exchange(src, dst); {
	case err == nil:
		// src now holds the old content.
		if err := os.RemoveAll(src); err != nil {
			return true, fmt.Errorf("remove the previous %s: %w", dst, err)
		}
		return true, atomicfile.SyncDir(filepath.Dir(dst))
	case !errors.Is(err, errUnsupported):
		return false, fmt.Errorf("place %s: %w", dst, err)
	}
	// Two renames: dst is missing for an instant, never half-written.
	old := dst + ".old"
	os.RemoveAll(old)
	if err := os.Rename(dst, old); err != nil {
		return false, fmt.Errorf("place %s: %w", dst, err)
	}
	if err := os.Rename(src, dst); err != nil {
		os.Rename(old, dst)
		return false, fmt.Errorf("place %s: %w", dst, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return true, fmt.Errorf("remove the previous %s: %w", dst, err)
	}
	return true, atomicfile.SyncDir(filepath.Dir(dst))
}

// renameOrCopy renames src to dst; across file systems it copies to a
// temporary file beside dst and renames that.
func renameOrCopy(src, dst string) error {
	err := os.Rename(src, dst)
	var lerr *os.LinkError
	if err == nil || !errors.As(err, &lerr) || !errors.Is(lerr.Err, syscall.EXDEV) {
		return err
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	return atomicfile.Write(dst, st.Mode().Perm(), func(w io.Writer) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
}

func sameFS(a, b string) error {
	sa, err := os.Stat(a)
	if err != nil {
		return err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return err
	}
	if devOf(sa) != devOf(sb) {
		return syscall.EXDEV
	}
	return nil
}

func devOf(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev)
	}
	return 0
}

// copyTree copies the regular files and folders under src into dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return atomicfile.Write(target, info.Mode().Perm(), func(w io.Writer) error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		})
	})
}

// sameFile tells whether dst is a regular file with src's bytes and mode.
func sameFile(src, dst string, mode os.FileMode) (bool, error) {
	ds, err := os.Lstat(dst)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ss, err := os.Stat(src)
	if err != nil {
		return false, err
	}
	if !ds.Mode().IsRegular() || ds.Mode().Perm() != mode || ds.Size() != ss.Size() {
		return false, nil
	}
	return sameContent(src, dst)
}

func sameContent(a, b string) (bool, error) {
	ha, err := hashFile(a)
	if err != nil {
		return false, err
	}
	hb, err := hashFile(b)
	if err != nil {
		return false, err
	}
	return ha == hb, nil
}

// sameTree tells whether the folders a and b hold the same regular files
// with the same bytes.
func sameTree(a, b string) (bool, error) {
	if st, err := os.Lstat(b); errors.Is(err, fs.ErrNotExist) || (err == nil && !st.IsDir()) {
		return false, nil
	}
	fa, err := listTree(a)
	if err != nil {
		return false, err
	}
	fb, err := listTree(b)
	if err != nil {
		return false, err
	}
	if len(fa) != len(fb) {
		return false, nil
	}
	for p, size := range fa {
		if other, ok := fb[p]; !ok || other != size || size < 0 {
			return false, nil
		}
	}
	for p := range fa {
		same, err := sameContent(filepath.Join(a, p), filepath.Join(b, p))
		if err != nil || !same {
			return false, err
		}
	}
	return true, nil
}

// listTree maps each entry under dir to its size; anything but a regular
// file or folder maps to -1 so it never matches.
func listTree(dir string) (map[string]int64, error) {
	files := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.IsDir():
			return nil
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			files[rel] = info.Size()
		default:
			files[rel] = -1
		}
		return nil
	})
	return files, err
}
