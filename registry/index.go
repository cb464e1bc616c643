package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/openova-io/sovereign/bundle"
)

const (
	maxIndexJSON = 64 << 20
	// maxManifest caps a manifest or index read whole; the bundle refuses
	// larger ones when it is made.
	maxManifest = 4 << 20
)

// index is what the registry knows of the layout, built once from
// index.json and the manifests it reaches, and replaced whole when
// index.json changes. It is never modified after build, so requests read
// it without a lock.
type index struct {
	// repos by full name (ghcr.io/openova-io/bp-cilium).
	repos map[string]*repository
	// byPath lists the full names of each repository path without its
	// registry host (openova-io/bp-cilium -> ghcr.io/openova-io/bp-cilium).
	byPath map[string][]string
	// manifests by digest: every manifest and index the layout reaches.
	manifests map[string]*manifest
	// referrers by the digest of their subject.
	referrers map[string][]v1.Descriptor
	// usedBy names, for a digest a manifest refers to, what refers to it:
	// a missing file is then a damaged layout, not an image never bundled.
	usedBy map[string]string
	// dir is the layout folder the index was built from.
	dir string
	// version is the bundle the layout was installed from ("" unknown).
	version string
	// problem says why the layout could not be read ("" when it could).
	problem string
}

// repository is one published name: its tags and every digest (manifests
// and blobs) its tagged manifests and their referrers reach.
type repository struct {
	tags    map[string]string // tag -> digest
	sorted  []string
	content map[string]bool
}

// manifest is one manifest or index of the layout.
type manifest struct {
	mediaType    string
	size         int64
	artifactType string // manifest's artifactType, else its config's media type
	annotations  map[string]string
	subject      string
	children     []v1.Descriptor // of an index
	blobs        []string        // config and layers of an image manifest
}

// manifestFields is what the registry reads of a manifest or an index.
type manifestFields struct {
	MediaType    string            `json:"mediaType"`
	ArtifactType string            `json:"artifactType"`
	Config       *v1.Descriptor    `json:"config"`
	Layers       []v1.Descriptor   `json:"layers"`
	Manifests    []v1.Descriptor   `json:"manifests"`
	Subject      *v1.Descriptor    `json:"subject"`
	Annotations  map[string]string `json:"annotations"`
}

// buildIndex reads the layout at dir and the version in installedFile.
func buildIndex(dir, installedFile string) *index {
	ix := &index{
		repos:     map[string]*repository{},
		manifests: map[string]*manifest{},
		referrers: map[string][]v1.Descriptor{},
		usedBy:    map[string]string{},
		byPath:    map[string][]string{},
		dir:       dir,
	}
	if installedFile != "" {
		if st, err := bundle.ReadInstalled(installedFile); err == nil && st != nil {
			ix.version = st.SovereignVersion
		}
	}
	top, err := readIndexJSON(dir)
	if err != nil {
		ix.problem = err.Error()
		return ix
	}
	for _, d := range top.Manifests {
		ix.walk(dir, d, "index.json")
	}
	for _, d := range top.Manifests {
		p, ok := bundle.PublishedName(d.Annotations)
		if !ok || !isManifestType(d.MediaType) {
			continue
		}
		r := ix.repos[p.Repository]
		if r == nil {
			r = &repository{tags: map[string]string{}, content: map[string]bool{}}
			ix.repos[p.Repository] = r
		}
		if p.Tag != "" {
			r.tags[p.Tag] = d.Digest.String()
		}
		ix.reach(r, d.Digest.String())
	}
	for full, r := range ix.repos {
		_, path, _ := strings.Cut(full, "/")
		ix.byPath[path] = append(ix.byPath[path], full)
		for t := range r.tags {
			r.sorted = append(r.sorted, t)
		}
		sort.Strings(r.sorted)
	}
	for subject := range ix.referrers {
		sort.Slice(ix.referrers[subject], func(i, j int) bool {
			return ix.referrers[subject][i].Digest.String() < ix.referrers[subject][j].Digest.String()
		})
	}
	return ix
}

func readIndexJSON(dir string) (*v1.IndexManifest, error) {
	f, err := os.Open(filepath.Join(dir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("this node has no OCI image layout at %s: install a bundle with images (sovereign install --bundle ...)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("OCI image layout %s: %w", dir, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxIndexJSON+1))
	if err != nil {
		return nil, fmt.Errorf("OCI image layout %s: %w", dir, err)
	}
	if len(data) > maxIndexJSON {
		return nil, fmt.Errorf("OCI image layout %s: index.json is larger than %d bytes", dir, maxIndexJSON)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("OCI image layout %s: index.json is damaged (%v): install the bundle again", dir, err)
	}
	return &idx, nil
}

// walk records the manifest d names and everything it reaches. A manifest
// that cannot be read is left out (a request for it says the layout is
// damaged), and so is what only it reaches.
func (ix *index) walk(dir string, d v1.Descriptor, from string) {
	dg := d.Digest.String()
	if _, ok := ix.usedBy[dg]; !ok {
		ix.usedBy[dg] = from
	}
	if _, done := ix.manifests[dg]; done || !isManifestType(d.MediaType) {
		return
	}
	data, err := readManifest(dir, dg)
	if err != nil {
		return
	}
	var f manifestFields
	if json.Unmarshal(data, &f) != nil {
		return
	}
	m := &manifest{
		mediaType:    f.MediaType,
		size:         int64(len(data)),
		artifactType: f.ArtifactType,
		annotations:  f.Annotations,
	}
	if m.mediaType == "" {
		m.mediaType = string(d.MediaType)
	}
	if m.artifactType == "" && f.Config != nil {
		m.artifactType = string(f.Config.MediaType)
	}
	ix.manifests[dg] = m
	what := "manifest " + dg
	if f.Config != nil {
		m.blobs = append(m.blobs, f.Config.Digest.String())
	}
	for _, l := range f.Layers {
		m.blobs = append(m.blobs, l.Digest.String())
	}
	for _, b := range m.blobs {
		if _, ok := ix.usedBy[b]; !ok {
			ix.usedBy[b] = what
		}
	}
	for _, c := range f.Manifests {
		m.children = append(m.children, c)
		ix.walk(dir, c, what)
	}
	if f.Subject != nil {
		m.subject = f.Subject.Digest.String()
		ix.referrers[m.subject] = append(ix.referrers[m.subject], v1.Descriptor{
			MediaType:    types.MediaType(m.mediaType),
			Size:         m.size,
			Digest:       d.Digest,
			ArtifactType: m.artifactType,
			Annotations:  m.annotations,
		})
	}
}

// reach adds to r the manifest dg and all it reaches, and the referrers
// of each of those: a signature or SBOM is pulled from the repository of
// the image it is about.
func (ix *index) reach(r *repository, dg string) {
	if r.content[dg] {
		return
	}
	r.content[dg] = true
	m := ix.manifests[dg]
	if m == nil {
		return
	}
	for _, b := range m.blobs {
		r.content[b] = true
	}
	for _, c := range m.children {
		ix.reach(r, c.Digest.String())
	}
	for _, ref := range ix.referrers[dg] {
		ix.reach(r, ref.Digest.String())
	}
}

// readManifest reads the blob dg whole, at most maxManifest bytes.
func readManifest(dir, dg string) ([]byte, error) {
	f, err := os.Open(blobPath(dir, dg))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("manifest %s is larger than %d bytes", dg, maxManifest)
	}
	return data, nil
}

// blobPath is where the layout keeps the blob of a digest that
// parseDigest accepted (so it holds no path separator).
func blobPath(dir, dg string) string {
	alg, enc, _ := strings.Cut(dg, ":")
	return filepath.Join(dir, "blobs", alg, enc)
}

// isManifestType tells the media types of manifests and indexes, OCI and
// Docker's.
func isManifestType(mt types.MediaType) bool {
	switch mt {
	case types.OCIManifestSchema1, types.OCIImageIndex, types.DockerManifestSchema2, types.DockerManifestList:
		return true
	}
	return false
}

// where says which bundle this node's layout came from, for messages.
func (ix *index) where() string {
	if ix.version == "" {
		return "the bundle installed on this node"
	}
	return "bundle " + ix.version + ", installed on this node"
}
