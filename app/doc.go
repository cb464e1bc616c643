// Package app holds Sovereign's serving surfaces: the HTTP server (Fiber)
// with its health, readiness and metrics endpoints; the Sovereign Console
// API (sessions, the OpenOva handover, users, catalog, settings, topology,
// audit; see DESIGN.md beside this file); and the cluster's endpoints (the
// join a new node calls, tokens, membership, snapshots).
//
// It sees the node's Raft member and its local state only through the small
// interfaces of member.go (Member, State), which *raftnode.Node and
// *storage.Store satisfy; its tests run on raftnode's in-memory twin. It
// never imports hashicorp/raft.
//
// It turns requests into reads of the local state, after the read barrier
// that makes them linearizable (or without it, when a caller asks for a
// stale read with ?stale=true), and into commands proposed through the
// node's Raft member, which forwards them to the leader. Who may do what is
// decided in one place, authz.go. It never writes the state file itself
// and never opens a connection to anything but the node's configured peers.
package app
