// Package identity owns Sovereign's users: their records in the replicated
// store, the unique email index, password hashing (argon2id), and the
// bootstrap administrator created at a cluster's first start.
//
// Every change is a storage command proposed through Raft; reads come from
// the local state file. It never sees HTTP.
package identity
