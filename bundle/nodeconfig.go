package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"reflect"

	"sigs.k8s.io/yaml"

	"github.com/openova-io/sovereign/internal/names"
)

// The node's config file is YAML whose keys are the flag names of
// `sovereign serve`. Install owns data-dir and catalog-dir, sets region,
// fqdn and http when told to (http defaults to loopback so a fresh node is
// not exposed before an administrator decides), and keeps every other key
// an administrator wrote.
const (
	DefaultHTTP = "127.0.0.1:8080"
	maxConfig   = 1 << 20
)

// configChange is what Install asks of the config file.
type configChange struct {
	Region, FQDN, HTTP string
	// Registry is the address the node's registry listens on; install
	// also points k3s's mirrors at it (registries.go).
	Registry string
	Force    bool
}

func (c configChange) check() error {
	if c.Registry != "" {
		if err := CheckRegistryAddr(c.Registry); err != nil {
			return err
		}
	}
	if c.Region != "" {
		if err := names.Region(c.Region); err != nil {
			return fmt.Errorf("--region %q is not a region code: %v", c.Region, err)
		}
	}
	if c.FQDN != "" {
		if err := names.FQDN(c.FQDN); err != nil {
			return fmt.Errorf("--fqdn %q is not a fully qualified domain name: %v", c.FQDN, err)
		}
	}
	return nil
}

// readConfig reads the config file at path; a missing file is an empty
// config.
func readConfig(path string) (map[string]any, []byte, error) {
	data, err := readSmallFile(path, maxConfig)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]any{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	cfg := map[string]any{}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, nil, fmt.Errorf("config %s is not valid YAML (%v): fix or remove it, then install again", path, err)
	}
	if cfg == nil {
		cfg = map[string]any{}
	}
	return cfg, data, nil
}

// renderConfig returns the config file install leaves, and whether it
// differs from the current one. An unchanged config keeps its bytes, so an
// administrator's comments survive a reinstall.
func renderConfig(path string, l Layout, c configChange) ([]byte, bool, error) {
	cur, data, err := readConfig(path)
	if err != nil {
		return nil, false, err
	}
	if old, ok := cur["region"].(string); ok && c.Region != "" && old != c.Region && !c.Force {
		return nil, false, fmt.Errorf("%s sets region %q and --region asks for %q: a node's region is fixed when its cluster is bootstrapped; pass --force only if this node holds no data yet", path, old, c.Region)
	}
	next := maps.Clone(cur)
	next["data-dir"] = l.DataDir
	next["catalog-dir"] = l.CatalogDir
	if c.Region != "" {
		next["region"] = c.Region
	}
	if c.FQDN != "" {
		next["fqdn"] = c.FQDN
	}
	if c.Registry != "" {
		next["registry"] = c.Registry
	}
	if c.HTTP != "" {
		next["http"] = c.HTTP
	} else if _, ok := next["http"]; !ok {
		next["http"] = DefaultHTTP
	}
	if data != nil && reflect.DeepEqual(cur, next) {
		return data, false, nil
	}
	out, err := yaml.Marshal(next)
	if err != nil {
		return nil, false, fmt.Errorf("encode config: %w", err)
	}
	header := "# sovereign serve --config reads this file; its keys are the flags of\n# `sovereign serve --help`. sovereign install sets data-dir and catalog-dir.\n"
	return append([]byte(header), out...), true, nil
}
