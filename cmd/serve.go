package cmd

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/openova-io/sovereign/node"
	"github.com/spf13/cobra"
)

// `sovereign serve` runs a node until SIGINT or SIGTERM.

func newServeCmd(b Build) *cobra.Command {
	var cfg node.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a node: the console, the API and this node's member of its region's cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := loadConfig(cmd, &cfg); err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return node.Run(ctx, cfg, b.Version, cmd.OutOrStdout())
		},
	}
	bindServeFlags(cmd.Flags(), &cfg)
	return cmd
}
