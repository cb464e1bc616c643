package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
)

// Manifest lists every file of a bundle with its size and sha256. It is the
// one thing the signature covers; every other byte of a bundle is trusted
// only because its digest matches an entry here.
type Manifest struct {
	FormatVersion    int       `json:"formatVersion"`
	SovereignVersion string    `json:"sovereignVersion"`
	Created          time.Time `json:"created"`
	Platform         Platform  `json:"platform"`
	// CatalogDigest is "sha256:<hex>" of the catalog under catalog/: the
	// digest the catalog reader (embed/catalog) gives it when the sovereign
	// command makes the bundle, CatalogFilesDigest when a caller of Create
	// brings none.
	CatalogDigest string `json:"catalogDigest"`
	// Files appear in the order they appear in the archive.
	Files []File `json:"files"`
}

// Platform is the operating system and architecture the bundled binary was
// built for, from its Go build information.
type Platform struct {
	OS   string `json:"os"`
	Arch string `json:"arch"`
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// File is one file of a bundle.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// TotalSize is the sum of the sizes of the files the manifest lists.
func (m *Manifest) TotalSize() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// byPath indexes the files by path.
func (m *Manifest) byPath() map[string]File {
	idx := make(map[string]File, len(m.Files))
	for _, f := range m.Files {
		idx[f.Path] = f
	}
	return idx
}

// Version is the Sovereign version the bundle carries, parsed.
func (m *Manifest) Version() (*semver.Version, error) {
	v, err := semver.StrictNewVersion(m.SovereignVersion)
	if err != nil {
		return nil, fmt.Errorf("sovereignVersion %q is not a semantic version: %w", m.SovereignVersion, err)
	}
	return v, nil
}

// Marshal encodes the manifest the way Create signs it: indented JSON with a
// trailing newline, so a person can read it on the stick.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}

var (
	sha256Hex   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	platformTok = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
)

// ParseManifest decodes and checks a manifest. It is strict: an unknown
// field, trailing data, a path a bundle can never hold or a file listed
// twice is an error, so what it returns can be used without more checks.
func ParseManifest(data []byte, lim Limits) (*Manifest, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxManifestSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", ManifestName, len(data), lim.MaxManifestSize)
	}
	// Look at the format version alone first: a newer format deserves
	// "upgrade the installer", not "unknown field". This also refuses
	// anything but one JSON value.
	var head struct {
		FormatVersion int `json:"formatVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", ManifestName, err)
	}
	if head.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("bundle format %d is newer than this sovereign reads (%d): use the sovereign binary of the same release as the bundle", head.FormatVersion, FormatVersion)
	}
	if head.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: unsupported format version %d (want %d)", ManifestName, head.FormatVersion, FormatVersion)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if err := m.validate(lim); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	return &m, nil
}

func (m *Manifest) validate(lim Limits) error {
	if _, err := m.Version(); err != nil {
		return err
	}
	if m.Created.IsZero() {
		return errors.New("created is missing")
	}
	if !platformTok.MatchString(m.Platform.OS) || !platformTok.MatchString(m.Platform.Arch) {
		return fmt.Errorf("platform %q is not an os/arch pair", m.Platform.String())
	}
	if hex, ok := strings.CutPrefix(m.CatalogDigest, "sha256:"); !ok || !sha256Hex.MatchString(hex) {
		return fmt.Errorf("catalogDigest %q is not sha256:<64 hex digits>", m.CatalogDigest)
	}
	if len(m.Files) == 0 {
		return errors.New("lists no files")
	}
	if len(m.Files) > lim.MaxFiles {
		return fmt.Errorf("lists %d files, more than the limit of %d", len(m.Files), lim.MaxFiles)
	}
	files := make(map[string]bool, len(m.Files))
	dirs := make(map[string]bool)
	for _, f := range m.Files {
		if err := checkPath(f.Path); err != nil {
			return err
		}
		if err := checkRole(f.Path); err != nil {
			return err
		}
		if files[f.Path] {
			return fmt.Errorf("lists %s twice", f.Path)
		}
		files[f.Path] = true
		for d := parentDir(f.Path); d != ""; d = parentDir(d) {
			dirs[d] = true
		}
		if f.Size < 0 {
			return fmt.Errorf("%s: negative size %d", f.Path, f.Size)
		}
		if !sha256Hex.MatchString(f.SHA256) {
			return fmt.Errorf("%s: sha256 %q is not 64 lowercase hex digits", f.Path, f.SHA256)
		}
	}
	for p := range files {
		if dirs[p] {
			return fmt.Errorf("%s is both a file and a folder", p)
		}
	}
	for _, required := range []string{BinaryName, SBOMName, ociLayoutName, ociIndexName} {
		if !files[required] {
			return fmt.Errorf("does not list %s", required)
		}
	}
	return nil
}

// checkRole accepts only the paths a bundle has a use for, so nothing
// unexpected can ride along under a trusted signature.
func checkRole(p string) error {
	switch {
	case p == BinaryName, p == SBOMName, p == ociLayoutName, p == ociIndexName:
		return nil
	case strings.HasPrefix(p, CatalogDir+"/"):
		return nil
	case strings.HasPrefix(p, ociBlobsDir+"/"):
		parts := strings.Split(strings.TrimPrefix(p, ociBlobsDir+"/"), "/")
		if len(parts) == 2 && parts[0] == "sha256" && sha256Hex.MatchString(parts[1]) {
			return nil
		}
		return fmt.Errorf("%s is not an OCI blob path (%s/sha256/<hex>)", p, ociBlobsDir)
	case p == ManifestName || p == SignatureName:
		return fmt.Errorf("lists %s, which cannot list itself", p)
	}
	return fmt.Errorf("%s has no place in a bundle", p)
}

func parentDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}
