package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/openova-io/sovereign/bundle"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/registry"
)

// openRegistry opens the read-only OCI registry (--registry) that serves
// the images and Blueprint charts of the bundle this node was installed
// from (<data-dir>/oci, where `sovereign install` lays them out) to k3s,
// Flux and Helm, over TLS with the node's certificate from the cluster CA.
func openRegistry(cfg Config, pki *raftnode.PKI, logger *slog.Logger) (service, error) {
	token, err := cfg.registryToken()
	if err != nil {
		return service{}, err
	}
	reg, err := registry.New(registry.Options{
		Dir:           bundle.OCIDirOf(cfg.DataDir),
		InstalledFile: bundle.StateFileOf(cfg.DataDir),
		Token:         token,
		Logger:        logger.With("service", "registry"),
	})
	if err != nil {
		return service{}, err
	}
	ln, err := net.Listen("tcp", cfg.Registry)
	if err != nil {
		return service{}, fmt.Errorf("--registry %s: %w; choose a free address, or leave --registry empty to turn the registry off", cfg.Registry, err)
	}
	srv := reg.Server()
	return service{
		name:      "registry",
		listeners: []net.Listener{registry.Listen(ln, pki.HTTPSConfig())},
		serve:     srv.Serve,
		shutdown:  srv.Shutdown,
	}, nil
}

// registryToken reads --registry-token-file: the token every pull must
// show, or "" for a registry open to whoever reaches its address.
func (c *Config) registryToken() (string, error) {
	if c.RegistryTokenFile == "" {
		return "", nil
	}
	token, err := registry.ReadTokenFile(c.RegistryTokenFile)
	if err != nil {
		return "", fmt.Errorf("--registry-token-file: %w", err)
	}
	return token, nil
}

// validateRegistry checks --registry and --registry-token-file.
func (c *Config) validateRegistry() error {
	if c.Registry == "" {
		if c.RegistryTokenFile != "" {
			return errors.New("--registry-token-file without --registry: set --registry ADDR (for example :5443) to serve the registry")
		}
		return nil
	}
	if err := checkAddr("--registry", c.Registry); err != nil {
		return err
	}
	_, err := c.registryToken()
	return err
}
