// Package raftnode runs a Sovereign node's member of its region's Raft
// cluster: the raft-boltdb log and stable store, the snapshot store, the
// transport, bootstrapping a new cluster exactly once, proposing commands
// (Apply, with a timeout and a clear error when there is no leader), and
// the read barrier that makes a local read linearizable.
//
// It owns the cluster's mechanics and nothing of what the state means:
// commands are storage.Command values it carries to the log, and the state
// machine is a *storage.Store. It never speaks HTTP; the serving layer in
// package app calls it.
package raftnode
