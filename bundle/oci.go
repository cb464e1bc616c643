package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The bundle's OCI image layout merges the layouts given to Create (and the
// one its charts are written to) into one: the union of their index.json
// entries and every blob those entries reach. It is read and written with
// go-containerregistry, so crane, skopeo, oras or helm read it as well.
const (
	// AnnotationRefName names an image or chart in an OCI layout index.
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// ociLayoutFile is the content go-containerregistry writes.
	ociLayoutFile = `{"imageLayoutVersion": "1.0.0"}`
	// maxManifestBlob caps an OCI manifest or index read whole.
	maxManifestBlob = 4 << 20
)

// ociBlob is one blob of the merged layout, found in the layout at from.
type ociBlob struct {
	digest v1.Hash
	size   int64
	from   layout.Path
}

// ociArtifact is a top-level entry of the merged index, for the SBOM.
type ociArtifact struct {
	Name       string // the ref.name annotation, or the digest
	Digest     v1.Hash
	MediaType  types.MediaType
	ConfigType types.MediaType // of an image manifest; tells charts from images
}

// ociPlan is what Create writes under oci/.
type ociPlan struct {
	index     []byte
	blobs     []ociBlob
	artifacts []ociArtifact
}

// planOCI merges the layouts at dirs.
func planOCI(dirs []string) (*ociPlan, error) {
	m := &ociMerge{seen: map[v1.Hash]bool{}, top: map[string]bool{}}
	for _, dir := range dirs {
		if err := m.addLayout(dir); err != nil {
			return nil, fmt.Errorf("oci layout %s: %w", dir, err)
		}
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: m.descs}
	if idx.Manifests == nil {
		idx.Manifests = []v1.Descriptor{}
	}
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode oci index: %w", err)
	}
	sort.Slice(m.blobs, func(i, j int) bool { return m.blobs[i].digest.Hex < m.blobs[j].digest.Hex })
	return &ociPlan{index: append(data, '\n'), blobs: m.blobs, artifacts: m.artifacts}, nil
}

type ociMerge struct {
	descs     []v1.Descriptor
	top       map[string]bool
	blobs     []ociBlob
	seen      map[v1.Hash]bool
	artifacts []ociArtifact
}

func (m *ociMerge) addLayout(dir string) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no index.json: not an OCI image layout (make one with `crane pull --format=oci` or `skopeo copy ... oci:DIR`)")
		}
		return err
	}
	ii, err := p.ImageIndex()
	if err != nil {
		return err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return fmt.Errorf("index.json: %w", err)
	}
	for _, d := range im.Manifests {
		configType, err := m.walk(p, d)
		if err != nil {
			return err
		}
		key := d.Digest.String() + " " + d.Annotations[AnnotationRefName]
		if m.top[key] {
			continue
		}
		m.top[key] = true
		m.descs = append(m.descs, d)
		name := d.Annotations[AnnotationRefName]
		if name == "" {
			name = d.Digest.String()
		}
		m.artifacts = append(m.artifacts, ociArtifact{Name: name, Digest: d.Digest, MediaType: d.MediaType, ConfigType: configType})
	}
	return nil
}

// walk adds the blob d names and every blob it reaches; for an image
// manifest it returns the media type of its config.
func (m *ociMerge) walk(p layout.Path, d v1.Descriptor) (types.MediaType, error) {
	present, err := m.addBlob(p, d)
	if err != nil || !present {
		return "", err
	}
	switch {
	case d.MediaType.IsIndex():
		rc, err := openManifestBlob(p, d)
		if err != nil {
			return "", err
		}
		idx, err := v1.ParseIndexManifest(rc)
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("index %s: %w", d.Digest, err)
		}
		for _, child := range idx.Manifests {
			if _, err := m.walk(p, child); err != nil {
				return "", err
			}
		}
		return "", nil
	case d.MediaType.IsImage():
		rc, err := openManifestBlob(p, d)
		if err != nil {
			return "", err
		}
		man, err := v1.ParseManifest(rc)
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("manifest %s: %w", d.Digest, err)
		}
		if _, err := m.addBlob(p, man.Config); err != nil {
			return "", err
		}
		for _, l := range man.Layers {
			if _, err := m.addBlob(p, l); err != nil {
				return "", err
			}
		}
		return man.Config.MediaType, nil
	}
	return "", nil
}

func openManifestBlob(p layout.Path, d v1.Descriptor) (io.ReadCloser, error) {
	if d.Size > maxManifestBlob {
		return nil, fmt.Errorf("manifest %s is %d bytes, more than %d", d.Digest, d.Size, maxManifestBlob)
	}
	return p.Blob(d.Digest)
}

// addBlob records the blob d names after checking it is in the layout with
// the size d gives. A layer that is not distributable (a foreign layer
// with URLs) may be absent; it reports false then.
func (m *ociMerge) addBlob(p layout.Path, d v1.Descriptor) (bool, error) {
	if d.Digest.Algorithm != "sha256" || !sha256Hex.MatchString(d.Digest.Hex) {
		return false, fmt.Errorf("blob %s: only sha256 digests are supported", d.Digest)
	}
	if m.seen[d.Digest] {
		return true, nil
	}
	rc, err := p.Blob(d.Digest)
	if errors.Is(err, fs.ErrNotExist) && !d.MediaType.IsDistributable() && len(d.URLs) > 0 {
		return false, nil
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("blob %s (%s) is referenced but missing from the layout", d.Digest, d.MediaType)
		}
		return false, fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	size, err := blobSize(rc)
	rc.Close()
	if err != nil {
		return false, fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	if size != d.Size {
		return false, fmt.Errorf("blob %s is %d bytes, its descriptor says %d: the layout is damaged", d.Digest, size, d.Size)
	}
	m.seen[d.Digest] = true
	m.blobs = append(m.blobs, ociBlob{digest: d.Digest, size: d.Size, from: p})
	return true, nil
}

// blobSize is the size of an opened layout blob (a file).
func blobSize(rc io.ReadCloser) (int64, error) {
	f, ok := rc.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return 0, errors.New("layout blob is not a file")
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
