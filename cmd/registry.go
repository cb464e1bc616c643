package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/openova-io/sovereign/bundle"
	"github.com/openova-io/sovereign/registry"
	"github.com/spf13/cobra"
)

// `sovereign registry k3s-config` points k3s at the node's registry
// (package registry serves it; package bundle writes the file).

func newRegistryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "The node's read-only OCI registry, serving the installed bundle's images and charts",
	}
	cmd.AddCommand(newRegistryK3sConfigCmd())
	return cmd
}

func newRegistryK3sConfigCmd() *cobra.Command {
	var dataDir, addr, out, ca, tokenFile string
	cmd := &cobra.Command{
		Use:   "k3s-config --registry ADDR",
		Short: "Write k3s's registries.yaml mirroring every upstream registry of the installed bundle to this node's registry",
		Long: "Reads the installed OCI layout (DATA-DIR/oci), and writes registries.yaml with a mirror for each upstream\n" +
			"registry its images and charts were published on (ghcr.io, docker.io, ...) pointing at the node's registry\n" +
			"(sovereign serve --registry ADDR; an address on every interface is reached over 127.0.0.1), trusted\n" +
			"through the cluster CA, and, with --token-file, the token the registry requires (serve --registry-token-file)\n" +
			"as the password k3s pulls with. Other mirrors and configs in the file are kept; an unchanged file is not rewritten.\n" +
			"Restart k3s to read it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if addr == "" {
				return errors.New("--registry: give the address the node's registry listens on (its --registry), for example :5443")
			}
			dataDir, err := filepath.Abs(dataDir)
			if err != nil {
				return err
			}
			if ca == "" {
				ca = filepath.Join(dataDir, bundle.CAFileInDataDir)
			}
			if ca, err = filepath.Abs(ca); err != nil {
				return err
			}
			var token string
			if tokenFile != "" {
				if token, err = registry.ReadTokenFile(tokenFile); err != nil {
					return fmt.Errorf("--token-file: %w", err)
				}
			}
			ociDir := bundle.OCIDirOf(dataDir)
			hosts, err := bundle.LayoutRegistries(ociDir)
			if err != nil {
				return err
			}
			if len(hosts) == 0 {
				return fmt.Errorf("no images or charts in %s: install a bundle first (sovereign install), or point --data-dir at the node's data directory", ociDir)
			}
			changed, err := bundle.WriteK3sRegistries(out, ociDir, addr, ca, token)
			if err != nil {
				return err
			}
			endpoint, _ := bundle.MirrorEndpoint(addr)
			verb := "wrote"
			if !changed {
				verb = "unchanged:"
			}
			withToken := ""
			if token != "" {
				withToken = ", with the registry's token"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: %s mirrored to %s (CA %s%s)\n", verb, out, strings.Join(hosts, ", "), endpoint, ca, withToken)
			return nil
		},
	}
	def := "/var/lib/sovereign"
	if v := os.Getenv("SOVEREIGN_DATA_DIR"); v != "" {
		def = v
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", def, "the node's data directory (env SOVEREIGN_DATA_DIR)")
	f.StringVar(&addr, "registry", "", "the address the node's registry listens on (its serve --registry)")
	f.StringVar(&out, "out", "/"+bundle.K3sRegistriesFile, "the registries.yaml to write")
	f.StringVar(&tokenFile, "token-file", "", "the file holding the token the registry requires (the node's serve --registry-token-file); k3s pulls with it")
	f.StringVar(&ca, "ca", "", "the cluster CA certificate k3s checks the registry with (default DATA-DIR/"+bundle.CAFileInDataDir+")")
	return cmd
}
