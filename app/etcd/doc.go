// Package etcd is the etcd v3 endpoint of a Sovereign node, so that k3s
// can keep Kubernetes in the region's Raft cluster: kine's gRPC server
// (github.com/k3s-io/kine/pkg/server) over a Backend that writes through
// the Raft log and reads the node's own revisioned key space
// (storage/mvcc*.go).
//
// It owns: the Backend (one command per write, checked by the state
// machine; linearizable reads behind a read barrier unless a client asks
// for a serializable one); watches fed by the node's own apply loop; the
// leader's lease expiry and automatic compaction, both written through the
// log; the request metrics; the mapping of errors to etcd's, word for word.
//
// It must never write the store but through the Raft member, and never
// read anything for a write outside the log: every compare-and-swap is
// decided by the state machine.
package etcd
