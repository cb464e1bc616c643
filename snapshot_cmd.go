package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/openova-io/sovereign/app/client"
	"github.com/openova-io/sovereign/raftnode"
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
			tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			if _, err := io.Copy(tmp, resp.Body); err != nil {
				return fmt.Errorf("receive snapshot: %w", err)
			}
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				return err
			}
			h, err := storage.VerifySnapshotFile(tmp)
			if err != nil {
				return fmt.Errorf("the snapshot received is not whole (%v); nothing was written, try again", err)
			}
			if err := tmp.Sync(); err != nil {
				return err
			}
			if err := tmp.Close(); err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), path); err != nil {
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
	var cfg Config
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
			if err := cfg.load(cmd); err != nil {
				return err
			}
			return restoreSnapshot(cmd, cfg, args[0])
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

func restoreSnapshot(cmd *cobra.Command, cfg Config, file string) (err error) {
	if cfg.NodeName == "" {
		cfg.NodeName = defaultNodeName()
	}
	if !nodeName.MatchString(cfg.NodeName) {
		return fmt.Errorf("--node-name %q: use lower-case letters, digits and '-'", cfg.NodeName)
	}
	if err := checkAddr("--raft", cfg.Raft); err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if entries, err := os.ReadDir(cfg.DataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("--data-dir %s is not empty; restore into a fresh directory, so no node's state is overwritten", cfg.DataDir)
	}
	if err := checkDataDir(cfg.DataDir); err != nil {
		return err
	}
	unlock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer unlock()
	defer func() {
		if err != nil { // leave the directory as empty as it was found
			entries, _ := os.ReadDir(cfg.DataDir)
			for _, e := range entries {
				os.RemoveAll(filepath.Join(cfg.DataDir, e.Name()))
			}
		}
	}()

	h, err := storage.ReadSnapshotFile(f, cfg.statePath())
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	st, err := storage.Open(cfg.statePath(), storage.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	info, ok, err := raftnode.ReadCluster(st)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the snapshot holds no cluster record; it was saved before its cluster finished starting")
	}
	if cfg.Region != "" && cfg.Region != info.Region {
		return fmt.Errorf("--region %q: the snapshot is of region %q; a cluster never changes region", cfg.Region, info.Region)
	}
	cfg.Region = info.Region
	caCert, caKey, err := raftnode.ReadClusterCA(st)
	if err != nil {
		return err
	}
	key, csr, err := raftnode.NewNodeKey(cfg.NodeName)
	if err != nil {
		return err
	}
	cert, err := raftnode.IssueNodeCert(caCert, caKey, csr, cfg.NodeName, raftnode.NamesFor(certHosts(cfg)...))
	if err != nil {
		return err
	}
	if err := raftnode.SavePKI(cfg.tlsDir(), caCert, cert, key); err != nil {
		return err
	}
	raftAddr := cfg.Advertise
	if raftAddr == "" {
		raftAddr = cfg.Raft
	}
	if err := raftnode.SeedFromState(cfg.raftDir(), cfg.NodeName, raftAddr, st); err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	if err := recordIdentity(cfg); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "restored region %s at index %d into %s as node %s\nstart it:  sovereign serve --data-dir %s --node-name %s --region %s --raft %s\nthen join the other nodes again, each with a fresh data directory and a token\n",
		info.Region, h.Index, cfg.DataDir, cfg.NodeName, cfg.DataDir, cfg.NodeName, info.Region, cfg.Raft)
	return nil
}
