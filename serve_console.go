package main

import (
	"fmt"
	"net/url"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/embed/catalog"
)

// This file turns the configuration into the console API's options: the
// catalog (the embedded default, or --catalog-dir) and the handover key.

// validateHandover checks --handover-public-key and --handover-issuers.
func (c *Config) validateHandover() error {
	if c.HandoverPublicKey != "" {
		if _, err := app.ReadHandoverKeys(c.HandoverPublicKey); err != nil {
			return fmt.Errorf("--handover-public-key (or CATALYST_HANDOVER_JWT_PUBLIC_KEY_PATH): %v", err)
		}
	}
	for _, iss := range c.HandoverIssuers {
		u, err := url.Parse(iss)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("--handover-issuers: %q is not an https URL (for example %s)", iss, app.DefaultHandoverIssuer)
		}
	}
	return nil
}

// consoleOptions loads the catalog and the handover key for the console API.
func consoleOptions(cfg Config) (app.ConsoleOptions, error) {
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
		if opts.HandoverKeys, err = app.ReadHandoverKeys(cfg.HandoverPublicKey); err != nil {
			return opts, fmt.Errorf("--handover-public-key: %w", err)
		}
	}
	return opts, nil
}

// defaultHandoverIssuer is --handover-issuers' default.
const defaultHandoverIssuer = app.DefaultHandoverIssuer
