package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/openova-io/sovereign/app/etcd"
	"github.com/spf13/cobra"
)

// `sovereign etcd client-cert` hands k3s the files it needs to reach the
// node's etcd endpoint.

func newEtcdCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "etcd",
		Short: "The node's etcd v3 endpoint, where k3s keeps Kubernetes",
	}
	cmd.AddCommand(newEtcdClientCertCmd())
	return cmd
}

func newEtcdClientCertCmd() *cobra.Command {
	var dataDir, out string
	cmd := &cobra.Command{
		Use:   "client-cert --out DIR",
		Short: "Write ca.crt, client.crt and client.key for k3s's --datastore-cafile, --datastore-certfile and --datastore-keyfile",
		Long: "Copies the client certificate that a node running with --etcd (without --dev) issues from the cluster CA\n" +
			"into its data directory, so that k3s on this machine can use the node's etcd endpoint:\n\n" +
			"  k3s server --datastore-endpoint https://127.0.0.1:2379 --datastore-cafile DIR/ca.crt \\\n" +
			"    --datastore-certfile DIR/client.crt --datastore-keyfile DIR/client.key",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("--out: name the folder to write ca.crt, client.crt and client.key into")
			}
			src := filepath.Join(dataDir, "etcd-client")
			var files [3][]byte
			for i, name := range []string{etcd.ClientCAFile, etcd.ClientCertFile, etcd.ClientKeyFile} {
				data, err := os.ReadFile(filepath.Join(src, name))
				if err != nil {
					return fmt.Errorf("no etcd client certificate in %s (%v): a node writes one once it runs with --etcd, without --dev, and holds the cluster CA; start it (or point --data-dir at its data directory) and run this again", src, err)
				}
				files[i] = data
			}
			if err := etcd.WriteClientFiles(out, files[0], files[1], files[2]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s, %s and %s\n", filepath.Join(out, etcd.ClientCAFile), filepath.Join(out, etcd.ClientCertFile), filepath.Join(out, etcd.ClientKeyFile))
			return nil
		},
	}
	def := "/var/lib/sovereign"
	if v := os.Getenv("SOVEREIGN_DATA_DIR"); v != "" {
		def = v
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", def, "the node's data directory (env SOVEREIGN_DATA_DIR)")
	cmd.Flags().StringVar(&out, "out", "", "folder to write ca.crt, client.crt and client.key into")
	return cmd
}
