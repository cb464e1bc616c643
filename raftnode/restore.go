package raftnode

import (
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/storage"
)

// seedFromState prepares the Raft files of a fresh node whose state file
// was restored from a snapshot file, so that it starts as the only voter of
// a cluster that carries on where the saved one stopped: a Raft snapshot
// at the state's applied index (holding the state itself) and the saved
// term. New entries follow that index, so the state file, which skips
// what it already applied, takes every one of them.
func seedFromState(dir, nodeID, raftAddr string, st *storage.Store) error {
	if HasLog(dir) {
		return errors.New("the data directory already holds Raft state; restore into a fresh one")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	index, term := st.Applied()
	if index == 0 {
		return errors.New("the restored state has applied nothing")
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, hclog.NewNullLogger())
	if err != nil {
		return err
	}
	_, trans := raft.NewInmemTransport(raft.ServerAddress(raftAddr))
	defer trans.Close()
	conf := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: raft.ServerID(nodeID), Address: raft.ServerAddress(raftAddr)}}}
	sink, err := snaps.Create(raft.SnapshotVersionMax, index, term, conf, index, trans)
	if err != nil {
		return err
	}
	if _, err := st.Backup(sink); err != nil {
		sink.Cancel()
		return fmt.Errorf("write the seed snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return err
	}
	logs, err := openLogStore(dir, hclog.NewNullLogger())
	if err != nil {
		return err
	}
	defer logs.Close()
	return logs.SetUint64([]byte("CurrentTerm"), term)
}
