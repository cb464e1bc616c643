package bundle

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/Masterminds/semver/v3"
)

// ErrDowngrade reports a bundle older than what is installed.
var ErrDowngrade = errors.New("bundle is older than the installed Sovereign")

// ErrPlatform reports a bundle built for another OS or architecture.
var ErrPlatform = errors.New("bundle is for another platform")

// InstallOptions say what to install from where, and into which prefix.
type InstallOptions struct {
	Bundle string
	// Key is the public key the installer pins. Required.
	Key *ecdsa.PublicKey
	// Prefix is the root to install under; "" is "/".
	Prefix string
	// Region, FQDN and HTTP go into the config when set.
	Region, FQDN, HTTP string
	// Registry, when set, is the address the node's registry listens on:
	// it goes into the config, and k3s's registries.yaml mirrors every
	// upstream registry of the bundle to it.
	Registry string
	// Force allows a downgrade, a bundle for another platform, and a
	// change of region.
	Force    bool
	Limits   Limits
	Progress Progress
	// Now stamps installed.json; zero means the current time.
	Now time.Time
}

// InstallResult tells what Install did.
type InstallResult struct {
	Layout   Layout
	Verified *Verified
	// Previous is the version installed before, "" on a first install.
	Previous string
	// Changed lists the targets replaced; empty when the install found
	// everything as the bundle has it.
	Changed []string
}

// Install verifies the bundle (signature first, then every file's sha256)
// while extracting it into a staging folder, and only when all of it is
// verified moves each part into place: the binary, the config, the systemd
// unit, the data folder with the OCI layout and catalog, and installed.json
// last, as the record that the install completed. A target whose content is
// already right is not touched, so installing the same bundle twice changes
// nothing; a newer bundle replaces the binary, catalog and images and keeps
// the node's data; an older one is refused unless Force.
func Install(ctx context.Context, opts InstallOptions) (res *InstallResult, err error) {
	if opts.Key == nil {
		return nil, errors.New("install: no public key given (--key)")
	}
	change := configChange{Region: opts.Region, FQDN: opts.FQDN, HTTP: opts.HTTP, Registry: opts.Registry, Force: opts.Force}
	if err := change.check(); err != nil {
		return nil, err
	}
	l, err := NewLayout(opts.Prefix)
	if err != nil {
		return nil, err
	}
	prev, err := ReadInstalled(l.StateFile)
	if err != nil && !opts.Force {
		return nil, err
	}
	// Refuse a config the install could not merge into before reading
	// gigabytes.
	if _, _, err := renderConfig(l.ConfigFile, l, change); err != nil {
		return nil, err
	}

	stage, err := newStaging(l)
	if err != nil {
		return nil, permissionHint(err)
	}
	defer func() { stage.cleanup(err != nil) }()

	extracted := filepath.Join(stage.dir, "bundle")
	if err := os.Mkdir(extracted, 0o700); err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	v, err := Verify(ctx, opts.Bundle, VerifyOptions{
		Key:         opts.Key,
		ExtractDir:  extracted,
		BeforeFiles: func(m *Manifest) error { return checkUpgrade(prev, m, opts.Force) },
		Limits:      opts.Limits,
		Progress:    opts.Progress,
	})
	if err != nil {
		return nil, err
	}

	res = &InstallResult{Layout: l, Verified: v}
	if prev != nil {
		res.Previous = prev.SovereignVersion
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := place(stage, extracted, l, change, prev, v, opts.Now, res); err != nil {
		err = permissionHint(err)
		if len(res.Changed) > 0 {
			return nil, fmt.Errorf("%w; install stopped after replacing %v: run the same install again to finish", err, res.Changed)
		}
		return nil, err
	}
	return res, nil
}

// permissionHint says what to do about a folder install may not write.
func permissionHint(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%w: run install as root, or install under --prefix DIR", err)
	}
	return err
}

// place moves the verified content into place: data first, the binary
// after what it reads, the state file last.
func place(stage *staging, extracted string, l Layout, change configChange, prev *InstalledState, v *Verified, now time.Time, res *InstallResult) error {
	if err := ensureDataDir(l.DataDir); err != nil {
		return err
	}
	step := func(target string, do func() (bool, error)) error {
		changed, err := do()
		if changed {
			res.Changed = append(res.Changed, target)
		}
		return err
	}
	if err := step(l.CatalogDir, func() (bool, error) {
		return placeDirOrEmpty(filepath.Join(extracted, CatalogDir), l.CatalogDir)
	}); err != nil {
		return err
	}
	if err := step(l.OCIDir, func() (bool, error) {
		return placeDir(filepath.Join(extracted, OCIDir), l.OCIDir)
	}); err != nil {
		return err
	}
	config, changed, err := renderConfig(l.ConfigFile, l, change)
	if err != nil {
		return err
	}
	if changed {
		if err := step(l.ConfigFile, func() (bool, error) {
			return stage.placeBytes(config, l.ConfigFile, 0o640)
		}); err != nil {
			return err
		}
	}
	if err := step(l.Unit, func() (bool, error) {
		return stage.placeBytes(systemdUnit(l), l.Unit, 0o644)
	}); err != nil {
		return err
	}
	if change.Registry != "" {
		if err := step(filepath.Join(l.Prefix, K3sRegistriesFile), func() (bool, error) {
			return stage.placeK3sRegistries(l, change.Registry)
		}); err != nil {
			return err
		}
	}
	if err := step(l.Binary, func() (bool, error) {
		return placeFile(filepath.Join(extracted, BinaryName), l.Binary, 0o755)
	}); err != nil {
		return err
	}
	if prev.sameBundle(v) {
		return nil
	}
	if now.IsZero() {
		now = time.Now()
	}
	state, err := newInstalledState(v, now)
	if err != nil {
		return err
	}
	return step(l.StateFile, func() (bool, error) {
		return stage.placeBytes(state, l.StateFile, 0o600)
	})
}

// placeDirOrEmpty is placeDir for a folder the bundle may hold no file of.
func placeDirOrEmpty(src, dst string) (bool, error) {
	if !fileExists(src) {
		if err := os.MkdirAll(src, 0o755); err != nil {
			return false, err
		}
	}
	return placeDir(src, dst)
}

func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("data folder %s: %w", dir, err)
		}
	}
	return nil
}

// checkUpgrade refuses a bundle older than what is installed, or built for
// another platform, unless force.
func checkUpgrade(prev *InstalledState, m *Manifest, force bool) error {
	if force {
		return nil
	}
	if m.Platform.OS != runtime.GOOS || m.Platform.Arch != runtime.GOARCH {
		return fmt.Errorf("%w: it holds a sovereign for %s and this machine is %s/%s; bring the bundle for this platform, or pass --force to install into a prefix for another machine", ErrPlatform, m.Platform, runtime.GOOS, runtime.GOARCH)
	}
	if prev == nil {
		return nil
	}
	installed, err := semver.NewVersion(prev.SovereignVersion)
	if err != nil {
		return fmt.Errorf("installed.json records version %q, which is not a semantic version: pass --force to install over it", prev.SovereignVersion)
	}
	next, err := m.Version()
	if err != nil {
		return err
	}
	if next.LessThan(installed) {
		return fmt.Errorf("%w: the bundle holds Sovereign %s and %s is installed; pass --force to downgrade", ErrDowngrade, next, installed)
	}
	return nil
}

// staging is the folder Install extracts into. It sits beside or inside the
// data folder, so that moving its content into place is a rename. If
// making it meant creating folders, a failed install removes them again:
// a refused bundle leaves the prefix exactly as it was.
type staging struct {
	dir     string
	created []string // folders made for it, outermost first
}

func newStaging(l Layout) (*staging, error) {
	parent := l.DataDir
	if st, err := os.Stat(parent); err != nil || !st.IsDir() {
		parent = filepath.Dir(l.DataDir)
	}
	created, err := mkdirAllTracked(parent)
	if err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	dir, err := os.MkdirTemp(parent, ".sovereign-install-*")
	if err != nil {
		removeCreated(created)
		return nil, fmt.Errorf("staging: %w", err)
	}
	return &staging{dir: dir, created: created}, nil
}

// cleanup removes the staging folder and, after a failure, the folders
// made for it.
func (s *staging) cleanup(failed bool) {
	os.RemoveAll(s.dir)
	if failed {
		removeCreated(s.created)
	}
}

// placeBytes writes data into the staging folder and places it at dst.
func (s *staging) placeBytes(data []byte, dst string, mode os.FileMode) (bool, error) {
	f, err := os.CreateTemp(s.dir, "gen-*")
	if err != nil {
		return false, err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("staging: %w", err)
	}
	return placeFile(f.Name(), dst, mode)
}

// mkdirAllTracked is os.MkdirAll that returns the folders it made.
func mkdirAllTracked(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append([]string{d}, missing...)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			removeCreated(missing[:i])
			return nil, err
		}
	}
	return missing, nil
}

// removeCreated removes the folders mkdirAllTracked made, innermost first,
// each only if still empty.
func removeCreated(dirs []string) {
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(dirs[i])
	}
}
