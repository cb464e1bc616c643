package main

import "github.com/spf13/cobra"

// newBundleCmd and newInstallCmd are replaced by the bundle commands.
func newBundleCmd() *cobra.Command  { return &cobra.Command{Use: "bundle", Short: "Air-gap bundle"} }
func newInstallCmd() *cobra.Command { return &cobra.Command{Use: "install", Short: "Install from a bundle"} }
