package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"sigs.k8s.io/yaml"
)

// A Blueprint chart goes into the bundle's OCI layout the way `helm push`
// stores a chart in a registry: an OCI manifest whose config is the chart's
// metadata as JSON and whose one layer is the packaged chart (.tgz). Helm,
// oras and any OCI registry read it so.
const (
	HelmConfigMediaType  types.MediaType = "application/vnd.cncf.helm.config.v1+json"
	HelmContentMediaType types.MediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

	// chartRefPrefix prefixes the ref.name of a chart in the layout:
	// charts/<name>:<version>.
	chartRefPrefix = "charts/"
	maxChartYAML   = 1 << 20
)

var chartName = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$`)

// chartMeta is what a chart's Chart.yaml says, kept as JSON for the config
// blob.
type chartMeta struct {
	Name    string
	Version string
	JSON    []byte
}

// writeCharts packages each chart in srcs (a folder with Chart.yaml, or a
// packaged .tgz) into a new OCI layout at dir, for planOCI to merge.
func writeCharts(dir string, srcs []string, tmp string) error {
	l, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("write chart layout: %w", err)
	}
	for _, src := range srcs {
		if err := writeChart(l, src, tmp); err != nil {
			return fmt.Errorf("chart %s: %w", src, err)
		}
	}
	return nil
}

func writeChart(l layout.Path, src, tmp string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	tgz := src
	var meta *chartMeta
	if st.IsDir() {
		if meta, err = readChartYAML(os.DirFS(src), "Chart.yaml"); err != nil {
			return err
		}
		f, err := os.CreateTemp(tmp, "chart-*.tgz")
		if err != nil {
			return err
		}
		tgz = f.Name()
		err = packageChart(f, os.DirFS(src), meta.Name)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("package: %w", err)
		}
	} else if meta, err = chartMetaFromTGZ(src); err != nil {
		return err
	}

	layer, err := hashFile(tgz)
	if err != nil {
		return err
	}
	layerHash := v1.Hash{Algorithm: "sha256", Hex: layer.sum}
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	if err := l.WriteBlob(layerHash, f); err != nil {
		return fmt.Errorf("write chart blob: %w", err)
	}
	config, err := writeJSONBlob(l, meta.JSON)
	if err != nil {
		return err
	}
	man := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: HelmConfigMediaType, Size: int64(len(meta.JSON)), Digest: config},
		Layers:        []v1.Descriptor{{MediaType: HelmContentMediaType, Size: layer.size, Digest: layerHash}},
		Annotations: map[string]string{
			"org.opencontainers.image.title":   meta.Name,
			"org.opencontainers.image.version": meta.Version,
		},
	}
	manJSON, err := json.Marshal(man)
	if err != nil {
		return err
	}
	manHash, err := writeJSONBlob(l, manJSON)
	if err != nil {
		return err
	}
	return l.AppendDescriptor(v1.Descriptor{
		MediaType:   types.OCIManifestSchema1,
		Size:        int64(len(manJSON)),
		Digest:      manHash,
		Annotations: map[string]string{AnnotationRefName: chartRefPrefix + meta.Name + ":" + meta.Version},
	})
}

func writeJSONBlob(l layout.Path, data []byte) (v1.Hash, error) {
	sum := sha256.Sum256(data)
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
	if err := l.WriteBlob(h, io.NopCloser(bytes.NewReader(data))); err != nil {
		return v1.Hash{}, fmt.Errorf("write chart blob: %w", err)
	}
	return h, nil
}

// readChartYAML reads and checks the Chart.yaml at p.
func readChartYAML(fsys fs.FS, p string) (*chartMeta, error) {
	f, err := fsys.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("no Chart.yaml: --chart takes a chart folder or a packaged .tgz")
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseChartYAML(f)
}

func parseChartYAML(r io.Reader) (*chartMeta, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxChartYAML+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxChartYAML {
		return nil, errors.New("the chart's Chart.yaml is larger than 1 MiB")
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("the chart's Chart.yaml: %w", err)
	}
	var meta struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(js, &meta); err != nil {
		return nil, fmt.Errorf("the chart's Chart.yaml: %w", err)
	}
	if !chartName.MatchString(meta.Name) {
		return nil, fmt.Errorf("the chart's Chart.yaml: name %q is not a chart name", meta.Name)
	}
	if _, err := semver.StrictNewVersion(strings.TrimPrefix(meta.Version, "v")); err != nil {
		return nil, fmt.Errorf("the chart's Chart.yaml: version %q is not a semantic version", meta.Version)
	}
	return &chartMeta{Name: meta.Name, Version: meta.Version, JSON: js}, nil
}

// chartMetaFromTGZ finds <name>/Chart.yaml inside a packaged chart.
func chartMetaFromTGZ(p string) (*chartMeta, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("not a packaged chart (.tgz): %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no <name>/Chart.yaml inside: not a packaged chart")
		}
		if err != nil {
			return nil, fmt.Errorf("read packaged chart: %w", err)
		}
		if hdr.Typeflag == tar.TypeReg && strings.Count(hdr.Name, "/") == 1 && path.Base(hdr.Name) == "Chart.yaml" {
			return parseChartYAML(tr)
		}
	}
}

// packageChart writes the chart in fsys as `helm package` lays it out (every
// file under <name>/), with fixed times and owners so the same chart always
// packages to the same bytes and digest.
func packageChart(w io.Writer, fsys fs.FS, name string) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	epoch := time.Unix(0, 0).UTC()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     filepath.ToSlash(path.Join(name, p)),
			Size:     info.Size(),
			Mode:     0o644,
			ModTime:  epoch,
			Format:   tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := io.Copy(tw, f)
		if err == nil && n != info.Size() {
			err = fmt.Errorf("%s changed while it was packaged", p)
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}
