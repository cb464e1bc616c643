package node

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/openova-io/sovereign/internal/names"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

// Restored is what Restore rebuilt.
type Restored struct {
	// Region is the restored cluster's; Index the Raft index its state
	// carries on from.
	Region string
	Index  uint64
}

// Restore rebuilds a region's first node from the snapshot file at path,
// into cfg.DataDir, which must be empty: the state file, the node's
// certificate from the cluster's CA, and Raft files that make it the only
// voter of its cluster. Started with `sovereign serve`, the node carries
// on from the snapshot. A refused restore leaves the directory empty.
// cfg.Region, when set, must be the snapshot's; the data directory
// records the snapshot's region, as a first start records its own.
func Restore(cfg Config, path string) (r Restored, err error) {
	if err := names.NodeName(cfg.NodeName); err != nil {
		return r, fmt.Errorf("--node-name %q: %v", cfg.NodeName, err)
	}
	if err := checkAddr("--raft", cfg.Raft); err != nil {
		return r, err
	}
	f, err := os.Open(path)
	if err != nil {
		return r, err
	}
	defer f.Close()
	if entries, err := os.ReadDir(cfg.DataDir); err == nil && len(entries) > 0 {
		return r, fmt.Errorf("--data-dir %s is not empty; restore into a fresh directory, so no node's state is overwritten", cfg.DataDir)
	}
	if err := checkDataDir(cfg.DataDir); err != nil {
		return r, err
	}
	unlock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return r, err
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
		return r, fmt.Errorf("%s: %w", path, err)
	}
	st, err := storage.Open(cfg.statePath(), storage.Options{})
	if err != nil {
		return r, err
	}
	defer st.Close()
	info, err := raftnode.Restore(st, cfg.tlsDir(), cfg.raftDir(), member(cfg))
	if err != nil {
		return r, err
	}
	if err := st.Close(); err != nil {
		return r, err
	}
	cfg.Region = info.Region
	if err := recordIdentity(cfg); err != nil {
		return r, err
	}
	return Restored{Region: info.Region, Index: h.Index}, nil
}
