package node

import (
	"fmt"
	"log/slog"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/embed/catalog"
)

// consoleOptions loads what the console API is told: the Sovereign's
// identity, the catalog (the embedded one, or --catalog-dir) and the
// handover keys.
func consoleOptions(cfg Config, logger *slog.Logger) (app.ConsoleOptions, error) {
	opts := app.ConsoleOptions{
		FQDN: cfg.FQDN, DeploymentID: cfg.DeploymentID, Region: cfg.Region, Provider: cfg.Provider,
		HandoverIssuers: cfg.HandoverIssuers,
	}
	var err error
	if cfg.CatalogDir != "" {
		opts.Catalog, err = catalog.LoadDir(cfg.CatalogDir)
	} else {
		opts.Catalog, err = catalog.Default()
	}
	if err != nil {
		return opts, fmt.Errorf("--catalog-dir: %w", err)
	}
	if cfg.HandoverPublicKey != "" {
		if opts.HandoverKeys, err = app.OpenHandoverKeyFile(cfg.HandoverPublicKey, logger); err != nil {
			return opts, fmt.Errorf("--handover-public-key: %w", err)
		}
	}
	return opts, nil
}
