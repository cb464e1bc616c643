package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Inspection is what a bundle says about itself. Nothing in it is verified:
// Inspect needs no key and reads only the head of the bundle. Verify says
// whether it can be trusted.
type Inspection struct {
	Manifest       *Manifest
	ManifestSHA256 string
	// Signed tells that manifest.sig is present, not that it verifies.
	Signed bool
	SBOM   *SBOM
	// BundleSize is the compressed size (all parts).
	BundleSize int64
	// Parts is the number of parts of a split bundle, 0 for one file.
	Parts int
}

// Artifacts sorts what the SBOM lists.
type Artifacts struct {
	Binary     string   // name@version
	GoModules  int      // compiled into the binary
	Images     []string // name@digest
	Charts     []string // name:version
	Blueprints []string // name@version
}

// Inspect reads the manifest and SBOM at the head of the bundle at path.
func Inspect(ctx context.Context, path string, lim Limits) (*Inspection, error) {
	lim = lim.withDefaults()
	st, err := openStream(path, lim, nil)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	in, err := inspectStream(ctx, st, lim)
	if err != nil {
		return nil, st.fail(err)
	}
	in.BundleSize = st.src.size
	if st.src.index != nil {
		in.Parts = len(st.src.index.Parts)
	}
	return in, nil
}

func inspectStream(ctx context.Context, st *stream, lim Limits) (*Inspection, error) {
	head, err := readHead(st, lim)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(head.manifest, lim)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(head.manifest)
	in := &Inspection{Manifest: m, ManifestSHA256: hex.EncodeToString(sum[:]), Signed: head.sig != nil}

	hdr := head.next
	if hdr == nil {
		if hdr, err = st.arc.next(); errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s is missing: the bundle is truncated", SBOMName)
		} else if err != nil {
			return nil, err
		}
	}
	if hdr.Name != SBOMName {
		return nil, fmt.Errorf("expected %s after the manifest, found %s: the bundle was altered", SBOMName, hdr.Name)
	}
	want := m.byPath()[SBOMName]
	if hdr.Size != want.Size {
		return nil, fmt.Errorf("%s: %w: the archive says %d bytes, the manifest %d", SBOMName, ErrAltered, hdr.Size, want.Size)
	}
	if hdr.Size > lim.MaxSBOMSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", SBOMName, hdr.Size, lim.MaxSBOMSize)
	}
	h := sha256.New()
	var doc SBOM
	if err := json.NewDecoder(io.TeeReader(ctxReader{ctx, io.LimitReader(st.arc, hdr.Size)}, h)).Decode(&doc); err != nil {
		return nil, readError(SBOMName, err)
	}
	// The decoder may stop before the last bytes (a trailing newline).
	if _, err := io.Copy(h, io.LimitReader(st.arc, hdr.Size)); err != nil {
		return nil, readError(SBOMName, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
		return nil, fmt.Errorf("%s: %w (manifest %s, read %s)", SBOMName, ErrDigest, want.SHA256, got)
	}
	in.SBOM = &doc
	return in, nil
}

// Artifacts sorts the SBOM's packages by kind.
func (in *Inspection) Artifacts() Artifacts {
	var a Artifacts
	if in.SBOM == nil {
		return a
	}
	for _, p := range in.SBOM.Packages {
		switch {
		case p.SPDXID == "SPDXRef-Binary":
			a.Binary = p.Name + "@" + p.VersionInfo
		case p.PrimaryPackagePurpose == purposeLibrary:
			a.GoModules++
		case p.PrimaryPackagePurpose == purposeContainer:
			a.Images = append(a.Images, p.Name+"@"+p.VersionInfo)
		case p.Comment == commentChart:
			a.Charts = append(a.Charts, p.Name+":"+p.VersionInfo)
		case strings.HasPrefix(p.Comment, commentBlueprint):
			a.Blueprints = append(a.Blueprints, p.Name+"@"+p.VersionInfo)
		}
	}
	return a
}
