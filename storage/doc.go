// Package storage is Sovereign's state machine: one bbolt file that every
// node of a region keeps identical by applying the same Raft log.
//
// It owns the buckets, the typed and versioned commands that change them,
// the batched apply that records the applied Raft index in the same bbolt
// transaction as the change (so a command replayed after a crash is skipped,
// never applied twice), the audit trail's hash chain (each entry numbered
// and linked to the one before when its batch is applied, audit.go), the
// schema version and its migrations, and the snapshot stream (the bbolt
// file itself) with its atomic restore.
//
// It must never know about Raft's network or about HTTP: it sees raft.Log
// values and nothing else of the cluster. Every change to the file goes
// through Store.ApplyBatch; readers use the read methods, which run in bbolt
// read transactions and so never observe half of a batch.
//
// Durability: the Raft log is the record of every acknowledged write and is
// fsynced before a write is acknowledged. The state file is written without
// fsync (a batch lands in the page cache, which survives a crash of the
// process) and synced when a snapshot is taken and at a clean close. A
// marker file holding the kernel's boot id tells, at the next open, whether
// the machine restarted while the file was open; only then can the page
// cache have been lost, and Open reports the file as untrusted so that the
// node rebuilds it from the latest Raft snapshot and the log. See DESIGN.md.
package storage
