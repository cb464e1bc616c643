package cmd

import (
	"fmt"
	"net/http"

	"github.com/openova-io/sovereign/app/client"
	"github.com/openova-io/sovereign/node"
	"github.com/openova-io/sovereign/storage"
	"github.com/spf13/cobra"
)

// `sovereign snapshot save` takes a consistent snapshot from any member;
// `sovereign snapshot restore` rebuilds a region's first node from one.

func newSnapshotCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save the cluster's state to a file, or rebuild a region from one",
	}
	cmd.AddCommand(newSnapshotSaveCmd(), newSnapshotRestoreCmd())
	return cmd
}

func newSnapshotSaveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "save FILE",
		Short: "Save a consistent snapshot, with a checksum, from any member (talks to a node's API)",
		Args:  cobra.ExactArgs(1),
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, args []string) error {
			path := args[0]
			resp, err := c.Stream(cmd.Context(), http.MethodGet, "/api/v1/cluster/snapshot", nil, "")
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			h, err := storage.SaveSnapshotFile(resp.Body, path)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved %s: region %s, index %d, %d bytes of state, from node %s\n", path, h.Region, h.Index, h.Size, h.Node)
			return nil
		}),
	}
	client.BindFlags(cmd.Flags())
	return cmd
}

func newSnapshotRestoreCmd() *cobra.Command {
	var cfg node.Config
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Rebuild a region's first node from a snapshot file, into a fresh data directory",
		Long: `Restore checks the file, writes its state into a fresh --data-dir and makes
that node the only voter of the region's cluster, carrying on from the
snapshot. Start it with 'sovereign serve' and the same flags; the other
nodes then join it again with fresh data directories and a join token
(tokens saved in the snapshot still work).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := loadConfig(cmd, &cfg); err != nil {
				return err
			}
			r, err := node.Restore(cfg, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored region %s at index %d into %s as node %s\nstart it:  sovereign serve --data-dir %s --node-name %s --region %s --raft %s\nthen join the other nodes again, each with a fresh data directory and a token\n",
				r.Region, r.Index, cfg.DataDir, cfg.NodeName, cfg.DataDir, cfg.NodeName, r.Region, cfg.Raft)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.DataDir, "data-dir", "", "the fresh data directory to restore into (required)")
	fs.StringVar(&cfg.Raft, "raft", "127.0.0.1:8300", "Raft address the restored node will listen on")
	fs.StringVar(&cfg.Advertise, "advertise", "", "Raft address peers dial, when it differs from --raft")
	fs.StringVar(&cfg.HTTPS, "https", "", "HTTPS address the restored node will listen on (for its certificate)")
	fs.StringVar(&cfg.NodeName, "node-name", "", "the restored node's name (default: the host name)")
	fs.StringVar(&cfg.Region, "region", "", "the region; must be the snapshot's (default: the snapshot's)")
	fs.StringVar(&cfg.FQDN, "fqdn", "", "the Sovereign's domain name (for the node's certificate)")
	_ = cmd.MarkFlagRequired("data-dir")
	return cmd
}
