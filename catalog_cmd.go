package main

import "github.com/spf13/cobra"

// newCatalogCmd is replaced by the catalog commands.
func newCatalogCmd() *cobra.Command { return &cobra.Command{Use: "catalog", Short: "Blueprint catalog"} }
