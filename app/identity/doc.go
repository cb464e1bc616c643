// Package identity owns Sovereign's users: their records in the replicated
// store, the unique email index, roles and statuses, password hashing
// (argon2id), and the bootstrap administrator created at a cluster's first
// start.
//
// Every change is a storage command proposed through Raft: Directory.Create
// proposes one itself, and CreateOps, UpdateOps and DeleteOps return the
// commands so that a caller can propose them in one batch with other
// records (the audit trail). Reads come from the local state file; the
// caller decides whether to pass a read barrier first. It never sees HTTP.
package identity
