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
//
// Passwords: argon2id under DefaultParams (OWASP's m=19 MiB, t=2, p=1;
// password.go says why), stored as PHC strings that carry their
// parameters, so a hash made under other parameters still verifies and is
// replaced at the next successful sign-in (NeedsRehash). Memory is bounded
// by a Hasher: a few hashes at a time, a short queue, ErrBusy beyond it
// before anything is hashed, and the memory given back to the operating
// system after a burst. Nothing is hashed at start except the bootstrap
// administrator's password on a cluster's very first start; the sign-in
// timing equaliser is a constant (EqualiserHash).
package identity
