// Package chaos is the standing proof that a Sovereign cluster loses
// nothing under faults: three real `sovereign serve` processes on
// loopback, each node's Raft port behind a fault proxy this package owns,
// concurrent clients on the etcd v3 API (the real etcd Go client: get,
// put, delete and Kubernetes' compare-and-swap) and on the Console API, a
// nemesis that kills (-9) and restarts nodes, pauses them (SIGSTOP and
// SIGCONT), and cuts, delays and one-way-drops the links between them.
// Each history is checked for linearizability with porcupine against a
// key-value model, and every node's watch is checked against the others'
// and against the history. Its other tests kill all three nodes at once,
// over and over, during writes, and fill the nodes' disks.
//
// It lives at the top level, beside e2e, rather than inside it: e2e tests
// one behaviour per test against the binary, while this package is a
// harness with its own parts (the proxy, the model, the nemesis, the
// checkers) and a long mode of its own (`make chaos`, scripts/chaos.sh);
// the short mode runs inside `make test`. Both start the binary through
// internal/proctest.
//
// The proxy is the address a node advertises (--advertise) in front of its
// real Raft listener (--raft), so every peer's Raft and node-to-node
// traffic to it passes through the proxy. The proxy tells which node
// dialed each connection from the process that owns the other end of the
// socket (/proc/net/tcp and /proc/PID/fd), and so applies the rules of each
// direction of each link. Everything listens and dials on 127.0.0.1.
//
// Each history's porcupine visualisation and its fault log go to the
// artifacts folder (-chaos.out, default chaos/artifacts, ignored by git).
package chaos
