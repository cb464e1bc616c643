// Command sovereign runs the control plane of an air-gapped OpenOva
// Sovereign: one binary holding the console, the Blueprint catalog, a
// Raft-replicated bbolt store and the installer for its own bundle.
//
// This file only wires the subcommands together; each lives in a file of its
// own beside it.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "sovereign",
		Short:         "Control plane of an air-gapped OpenOva Sovereign",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newServeCmd(),
		newVersionCmd(),
		newCatalogCmd(),
		newBundleCmd(),
		newInstallCmd(),
		newUserCmd(),
		newKeysCmd(),
		newAuditCmd(),
		newClusterCmd(),
		newTokenCmd(),
		newSnapshotCmd(),
	)
	return root
}
