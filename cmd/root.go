// Package cmd is the sovereign command line, in cobra's layout: one file
// per command group. Each command turns its flags and environment into a
// configuration and makes one call into the package that does the work
// (node, bundle, embed/catalog, or a node's API through app/client); it
// holds nothing else but how results are printed.
package cmd

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Build is what the binary knows of its own build (set by main from
// -ldflags).
type Build struct {
	Version, Commit, Date string
}

// Main runs the command line with args and returns the exit code: 0, or 1
// after printing "error: ..." to stderr.
func Main(b Build, args []string, stdout, stderr io.Writer) int {
	root := NewRoot(b)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	return 0
}

// NewRoot is the `sovereign` command and every subcommand.
func NewRoot(b Build) *cobra.Command {
	root := &cobra.Command{
		Use:           "sovereign",
		Short:         "Control plane of an air-gapped OpenOva Sovereign",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newServeCmd(b),
		newVersionCmd(b),
		newCatalogCmd(),
		newBundleCmd(b),
		newInstallCmd(),
		newUserCmd(),
		newSessionKeysCmd(),
		newAuditCmd(),
		newClusterCmd(),
		newTokenCmd(),
		newSnapshotCmd(),
		newEtcdCmd(),
		newRegistryCmd(),
	)
	return root
}
