package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/openova-io/sovereign/internal/atomicfile"
	"sigs.k8s.io/yaml"
)

// Every node serves its OCI layout as a read-only registry (package
// registry), under the names the images and charts were published as, so
// that k3s's containerd can mirror each upstream registry to it without
// rewriting a name. This file holds the one rule that turns an index.json
// entry into that published name, and the k3s registries.yaml that points
// each upstream registry of the layout at the node.
const (
	// ChartRepository is where Blueprint charts are published: the chart
	// stored as charts/bp-cilium:1.2.0 is served as
	// ghcr.io/openova-io/bp-cilium:1.2.0.
	ChartRepository = "ghcr.io/openova-io"
	// AnnotationContainerdName is the full image name containerd's export
	// writes beside a ref.name that holds only the tag.
	AnnotationContainerdName = "io.containerd.image.name"

	// K3sRegistriesFile is where k3s reads its mirrors, under the prefix.
	K3sRegistriesFile = "etc/rancher/k3s/registries.yaml"
	// CAFileInDataDir is where a node keeps the cluster CA's certificate
	// (written at its first start, by raftnode.Bootstrap, Join or Restore); k3s trusts the
	// registry's certificate through it.
	CAFileInDataDir = "tls/ca.crt"

	dockerHub      = "docker.io"
	maxIndexJSON   = 64 << 20
	maxRepoNameLen = 255
)

// repositoryName is the distribution spec's rule for a repository name.
var repositoryName = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)

// tagName is the distribution spec's rule for a tag.
var tagName = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// registryHost is a registry's host, with an optional port.
var registryHost = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)

// Published is the name an image or chart of the layout was published as.
type Published struct {
	// Repository includes the upstream registry host:
	// ghcr.io/openova-io/bp-cilium, docker.io/library/nginx.
	Repository string
	// Tag is "" for an entry named by digest only.
	Tag string
}

// Host is the upstream registry of the repository.
func (p Published) Host() string {
	host, _, _ := strings.Cut(p.Repository, "/")
	return host
}

// PublishedName reads the name an index.json entry was published as from
// its annotations: a chart (charts/<name>:<version>) is under
// ChartRepository; an image's ref.name is a reference
// (ghcr.io/org/app:1.0, nginx:1.25 for Docker Hub); a ref.name holding only
// a tag takes its repository from containerd's image-name annotation. An
// entry with no usable name answers false: it is reachable only as a
// referrer of a named one.
func PublishedName(annotations map[string]string) (Published, bool) {
	ref := annotations[AnnotationRefName]
	if rest, ok := strings.CutPrefix(ref, chartRefPrefix); ok {
		name, version, ok := strings.Cut(rest, ":")
		if !ok || !chartName.MatchString(name) || !tagName.MatchString(version) {
			return Published{}, false
		}
		return Published{Repository: ChartRepository + "/" + name, Tag: version}, true
	}
	if !strings.ContainsAny(ref, "/:@") {
		full := annotations[AnnotationContainerdName]
		if full == "" {
			return Published{}, false
		}
		p, ok := ParseReference(full)
		if ok && ref != "" && tagName.MatchString(ref) {
			p.Tag = ref
		}
		return p, ok
	}
	return ParseReference(ref)
}

// ParseReference reads an image reference the way docker and containerd
// do: [host[:port]/]path[:tag][@digest], where a first element without a
// dot, a colon or "localhost" is a Docker Hub path, and a one-element Docker
// Hub path is under library/. No tag and no digest means latest.
func ParseReference(ref string) (Published, bool) {
	name, digest, hasDigest := strings.Cut(ref, "@")
	if hasDigest {
		if _, err := v1.NewHash(digest); err != nil {
			return Published{}, false
		}
	}
	tag := ""
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
		if !tagName.MatchString(tag) {
			return Published{}, false
		}
	} else if !hasDigest {
		tag = "latest"
	}
	repo, ok := NormalizeRepository(name)
	if !ok {
		return Published{}, false
	}
	return Published{Repository: repo, Tag: tag}, true
}

// NormalizeRepository gives a repository name its registry host the way
// docker does (nginx is docker.io/library/nginx, index.docker.io is
// docker.io) and checks it against the distribution spec's rule. A host
// with a port is kept as it is, though such a name can only be asked for
// with the ns parameter of a mirror request.
func NormalizeRepository(name string) (string, bool) {
	host, path, ok := strings.Cut(name, "/")
	if !ok || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		host, path = dockerHub, name
	}
	if host == "index.docker.io" || host == "registry-1.docker.io" {
		host = dockerHub
	}
	if host == dockerHub && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	full := host + "/" + path
	if len(full) > maxRepoNameLen || !registryHost.MatchString(host) || !repositoryName.MatchString(path) {
		return "", false
	}
	return full, true
}

// LayoutRegistries lists the upstream registries (ghcr.io, docker.io, ...)
// whose images or charts the OCI layout at dir holds, sorted. A missing
// layout holds none.
func LayoutRegistries(dir string) ([]string, error) {
	data, err := readSmallFile(filepath.Join(dir, "index.json"), maxIndexJSON)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("oci layout %s: %w", dir, err)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("oci layout %s: index.json: %w", dir, err)
	}
	seen := map[string]bool{}
	for _, d := range idx.Manifests {
		if p, ok := PublishedName(d.Annotations); ok {
			seen[p.Host()] = true
		}
	}
	hosts := make([]string, 0, len(seen))
	for h := range seen {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	return hosts, nil
}

// CheckRegistryAddr checks the address a node's registry listens on
// (HOST:PORT, or :PORT for every interface).
func CheckRegistryAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		var n int
		n, err = strconv.Atoi(port)
		if err == nil && (n < 1 || n > 65535) {
			err = errors.New("port out of range")
		}
	}
	if err == nil && host != "" && net.ParseIP(host) == nil && !registryHost.MatchString(host) {
		err = errors.New("not a host name or IP address")
	}
	if err != nil {
		return fmt.Errorf("--registry %q: %v; give HOST:PORT, for example 10.0.0.5:5443 or :5443", addr, err)
	}
	return nil
}

// MirrorEndpoint is the https:// address k3s on this node reaches the
// registry listening on addr at: an address on every interface is reached
// over loopback, which every node certificate carries.
func MirrorEndpoint(addr string) (string, error) {
	if err := CheckRegistryAddr(addr); err != nil {
		return "", err
	}
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "https://" + net.JoinHostPort(host, port), nil
}

// K3sRegistries says what registries.yaml should point at the node.
type K3sRegistries struct {
	// Hosts are the upstream registries to mirror (LayoutRegistries).
	Hosts []string
	// Endpoint is the node registry's https:// address (MirrorEndpoint).
	Endpoint string
	// CAFile is the cluster CA certificate k3s checks the registry with.
	CAFile string
	// Token, when the registry requires one (serve --registry-token-file),
	// is the basic-auth password k3s pulls with.
	Token string
}

// RenderK3sRegistries returns the registries.yaml at path with a mirror
// for each of r.Hosts pointing at r.Endpoint and the CA for that endpoint,
// keeping every other mirror and config an administrator wrote, and
// whether it differs from the current file. An unchanged file keeps its
// bytes.
func RenderK3sRegistries(path string, r K3sRegistries) ([]byte, bool, error) {
	cur, data, err := readConfig(path)
	if err != nil {
		return nil, false, fmt.Errorf("k3s registries: %w", err)
	}
	next := maps.Clone(cur)
	mirrors, err := yamlMap(next, "mirrors", path)
	if err != nil {
		return nil, false, err
	}
	for _, h := range r.Hosts {
		mirrors[h] = map[string]any{"endpoint": []any{r.Endpoint}}
	}
	configs, err := yamlMap(next, "configs", path)
	if err != nil {
		return nil, false, err
	}
	endpointHost := strings.TrimPrefix(r.Endpoint, "https://")
	entry, _ := configs[endpointHost].(map[string]any)
	entry = maps.Clone(entry)
	if entry == nil {
		entry = map[string]any{}
	}
	tls, _ := entry["tls"].(map[string]any)
	tls = maps.Clone(tls)
	if tls == nil {
		tls = map[string]any{}
	}
	tls["ca_file"] = r.CAFile
	entry["tls"] = tls
	if r.Token != "" {
		entry["auth"] = map[string]any{"username": registryUser, "password": r.Token}
	}
	configs[endpointHost] = entry
	if data != nil && reflect.DeepEqual(cur, next) {
		return data, false, nil
	}
	out, err := yaml.Marshal(next)
	if err != nil {
		return nil, false, fmt.Errorf("encode k3s registries: %w", err)
	}
	header := "# k3s pulls the images and Blueprint charts of the Sovereign bundle from this\n# node's registry (sovereign serve --registry). sovereign install and\n# `sovereign registry k3s-config` write the mirrors below; other entries are kept.\n"
	return append([]byte(header), out...), true, nil
}

// yamlMap is the map under key of m, cloned so that m's reader still holds
// the original, made when absent.
func yamlMap(m map[string]any, key, path string) (map[string]any, error) {
	v, ok := m[key]
	if !ok || v == nil {
		out := map[string]any{}
		m[key] = out
		return out, nil
	}
	cur, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a map: fix or remove the file, then run again", path, key)
	}
	out := maps.Clone(cur)
	m[key] = out
	return out, nil
}

// registryUser is the user name written beside the token: the registry
// checks only the password.
const registryUser = "sovereign"

// WriteK3sRegistries writes the registries.yaml at path (atomically, mode
// 0600, and only when its content changes) that mirrors every upstream
// registry of the layout at ociDir to the node registry listening on addr,
// trusted through caFile, with token as the password when the registry
// requires one. It reports whether it wrote.
func WriteK3sRegistries(path, ociDir, addr, caFile, token string) (bool, error) {
	data, changed, err := renderK3sRegistriesFor(path, ociDir, addr, caFile, token)
	if err != nil || !changed {
		return false, err
	}
	if err := mkdirParent(path); err != nil {
		return false, err
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return false, err
	}
	return true, nil
}

func renderK3sRegistriesFor(path, ociDir, addr, caFile, token string) ([]byte, bool, error) {
	endpoint, err := MirrorEndpoint(addr)
	if err != nil {
		return nil, false, err
	}
	hosts, err := LayoutRegistries(ociDir)
	if err != nil {
		return nil, false, err
	}
	return RenderK3sRegistries(path, K3sRegistries{Hosts: hosts, Endpoint: endpoint, CAFile: caFile, Token: token})
}

func mkdirParent(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	return nil
}

// placeK3sRegistries is install's step: the registries.yaml of the layout
// just placed, under the prefix.
func (s *staging) placeK3sRegistries(l Layout, addr string) (bool, error) {
	path := filepath.Join(l.Prefix, K3sRegistriesFile)
	data, changed, err := renderK3sRegistriesFor(path, l.OCIDir, addr, filepath.Join(l.DataDir, CAFileInDataDir), "")
	if err != nil || !changed {
		return false, err
	}
	return s.placeBytes(data, path, 0o600)
}
