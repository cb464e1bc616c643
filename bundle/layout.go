package bundle

import (
	"fmt"
	"path/filepath"
)

// Layout is where an installed Sovereign lives under a prefix ("/" on a
// real node; a temporary folder in tests, where install runs without root).
type Layout struct {
	Prefix     string
	Binary     string // PREFIX/usr/local/bin/sovereign
	ConfigFile string // PREFIX/etc/sovereign/config.yaml
	Unit       string // PREFIX/etc/systemd/system/sovereign.service
	DataDir    string // PREFIX/var/lib/sovereign, mode 0700
	OCIDir     string // DATA/oci: the bundle's OCI image layout
	CatalogDir string // DATA/catalog: the bundle's Blueprint catalog
	StateFile  string // DATA/installed.json: what was installed from which bundle
}

// NewLayout lays out an installation under prefix, made absolute.
func NewLayout(prefix string) (Layout, error) {
	if prefix == "" {
		prefix = "/"
	}
	abs, err := filepath.Abs(prefix)
	if err != nil {
		return Layout{}, fmt.Errorf("prefix %s: %w", prefix, err)
	}
	data := filepath.Join(abs, "var/lib/sovereign")
	return Layout{
		Prefix:     abs,
		Binary:     filepath.Join(abs, "usr/local/bin/sovereign"),
		ConfigFile: filepath.Join(abs, "etc/sovereign/config.yaml"),
		Unit:       filepath.Join(abs, "etc/systemd/system/sovereign.service"),
		DataDir:    data,
		OCIDir:     OCIDirOf(data),
		CatalogDir: filepath.Join(data, "catalog"),
		StateFile:  StateFileOf(data),
	}, nil
}

// OCIDirOf is where install lays out the bundle's images and charts in a
// node's data directory, and where the node's registry serves them from.
func OCIDirOf(dataDir string) string { return filepath.Join(dataDir, "oci") }

// StateFileOf is the record, in a node's data directory, of what was
// installed from which bundle.
func StateFileOf(dataDir string) string { return filepath.Join(dataDir, "installed.json") }
