package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// welcome waits for the node to be ready, records or checks its cluster,
// creates the bootstrap administrator on a new cluster, and tells the
// operator how to sign in.
func welcome(ctx context.Context, cfg Config, id nodeIdentity, node *raftnode.Node, store *storage.Store, url string, out io.Writer, logger *slog.Logger) error {
	for {
		if ok, _ := node.Ready(); ok {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Millisecond):
		}
	}
	if _, err := node.EnsureCluster(ctx, cfg.Region, id.pki.CAPEM, id.pki.CAKey()); err != nil {
		return err
	}
	if id.join {
		fmt.Fprintf(out, "\nSovereign node %s joined the cluster of region %s; console at %s\n\n", cfg.NodeName, cfg.Region, url)
		return nil
	}
	pwFile := filepath.Join(cfg.DataDir, identity.PasswordFile)
	dir := identity.NewDirectory(node, store)
	password, err := identity.EnsureBootstrapAdmin(ctx, dir, cfg.AdminEmail, cfg.DataDir)
	if err != nil {
		return err
	}
	if password != "" {
		logger.Info("created the bootstrap administrator", "email", cfg.AdminEmail, "password_file", pwFile)
		fmt.Fprintf(out, "\nSovereign is ready at %s\n\n  Sign in as %s with this password (shown once; also stored in %s):\n\n      %s\n\n",
			url, cfg.AdminEmail, pwFile, password)
		return nil
	}
	fmt.Fprintf(out, "\nSovereign is ready at %s\n  Sign in as %s; the first password is in %s\n\n", url, cfg.AdminEmail, pwFile)
	return nil
}
