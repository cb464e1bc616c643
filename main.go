// Command sovereign runs the control plane of an air-gapped OpenOva
// Sovereign: one binary holding the console, the Blueprint catalog, a
// Raft-replicated bbolt store and the installer for its own bundle. The
// commands live in package cmd.
package main

import (
	"os"

	"github.com/openova-io/sovereign/cmd"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=... -X main.buildDate=...".
var (
	version   = "dev"
	commit    = "unknown"
	buildDate = "unknown"
)

func main() {
	os.Exit(cmd.Main(cmd.Build{Version: version, Commit: commit, Date: buildDate}, os.Args[1:], os.Stdout, os.Stderr))
}
