// Package raftnode runs a Sovereign node's member of its region's Raft
// cluster: the log and stable store (raft-wal's segment files, with a
// raft.db of an earlier version copied in: logstore.go), the snapshot
// store, the mutual-TLS transport and the cluster's CA, a node's first
// start as one call each way (Bootstrap a new cluster, Join one with a
// token, Restore one from a snapshot: firststart.go), bootstrapping Raft
// exactly once, forwarding writes to the leader, the read barrier that makes a local
// read linearizable on any node, membership changes, and the region
// guard. DESIGN.md beside this file states its invariants. InmemNetwork
// (inmem.go) opens the same member over raft's in-memory log, snapshot
// store and transport, with no socket, TLS or fsync, for the tests of the
// packages above it.
//
// It owns the cluster's mechanics and the cluster's identity (region, CA,
// join tokens), and nothing of what the rest of the state means: commands
// are storage.Command values it carries to the log, and the state machine
// is a *storage.Store. It speaks HTTP only to its peers, over the mutual-TLS
// port, and to a member's HTTPS endpoint when joining; the console and API
// are package app's.
package raftnode
