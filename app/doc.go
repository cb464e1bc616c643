// Package app holds Sovereign's serving surfaces: the HTTP server (Fiber)
// with its health, readiness and metrics endpoints, and, as they arrive, the
// console API, sessions and the etcd v3 endpoint.
//
// It turns requests into reads of the local state (after the read barrier
// that makes them linearizable) and into commands proposed through the
// node's Raft member. It never writes the state file itself and never
// opens a connection to anything but the node's configured peers.
package app
