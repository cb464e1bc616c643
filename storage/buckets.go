package storage

// The schema of the state file: every bucket, the package that owns it
// (the only one that writes it) and what its keys hold. A bucket or a key
// layout is added here, with its owner, and nowhere else; a change to an
// existing layout is a schema version and a migration (schema.go,
// migrate.go). Every bucket exists from the first open on; commands may
// write the data buckets (dataBuckets below), never meta, which only the
// apply loop writes.
var (
	// bucketMeta (storage): the apply loop's own records, keys below.
	bucketMeta = []byte("meta")

	// BucketUsers (app/identity): user id → the user (JSON).
	BucketUsers = []byte("users")
	// BucketEmails (app/identity): normalised email → user id.
	BucketEmails = []byte("users_by_email")
	// BucketSettings (app): "console" → the console's settings (JSON);
	// "catalog-publish" → which Blueprints are published (JSON). The key
	// "cluster" stays unused: schema 1's ops on it are renamed on apply
	// (migrate.go).
	BucketSettings = []byte("settings")
	// BucketTopology (app): "pattern" → the deployment pattern;
	// "<kind>/<id>" → one topology entity (JSON), kind one of regions,
	// clusters, nodepools, nodes, vclusters, networks, loadbalancers.
	BucketTopology = []byte("topology")
	// BucketSessionKeys (app): "keyring" → the keys that sign sessions,
	// current and retired (JSON).
	BucketSessionKeys = []byte("session_keys")
	// BucketHandoverReplay (app): handover token id (jti) → its expiry;
	// a used token is refused until it expires.
	BucketHandoverReplay = []byte("replay")
	// BucketRevokedSessions (app): session id (jti) → its expiry; an
	// ended session is refused until it expires.
	BucketRevokedSessions = []byte("revoked_sessions")
	// BucketAudit (storage, audit.go; app reads it): "head" → the last
	// entry's number and hash; "entry/<number, 20 digits>" → one entry.
	BucketAudit = []byte("audit")
	// BucketClusterIdentity (raftnode): "info" → the cluster's region,
	// creation time and CA hash (JSON); "ca.crt" and "ca.key" → the
	// cluster CA (PEM), which signs the certificates of joining nodes.
	BucketClusterIdentity = []byte("cluster_identity")
	// BucketJoinTokens (raftnode): token id → the join token without its
	// secret, only the secret's SHA-256 (JSON).
	BucketJoinTokens = []byte("join_tokens")
	// BucketMemberCerts (raftnode): node id → the serial (hex) of the
	// certificate the member holds.
	BucketMemberCerts = []byte("member_certs")
	// BucketRevokedCerts (raftnode): certificate serial (hex) → the id of
	// the removed node that held it; every handshake refuses it.
	BucketRevokedCerts = []byte("revoked_certs")
	// BucketIssuedCerts (raftnode): certificate serial (hex) → every
	// certificate the cluster CA signed through a member: whom for, the
	// SHA-256 of its DER form, when and how (JSON); never deleted.
	BucketIssuedCerts = []byte("issued_certs")
)

// Keys in the meta bucket, all written by the apply loop (fsm.go) in the
// transaction of the entries they describe.
var (
	// metaAppliedIndex, metaAppliedTerm: the last Raft entry applied (8-byte
	// big-endian each); a replayed entry at or below it is skipped.
	metaAppliedIndex = []byte("applied_index")
	metaAppliedTerm  = []byte("applied_term")
	// metaSchema: the layout this file is in (SchemaVersion, schema.go).
	metaSchema = []byte("schema_version")
	// metaConfig, metaConfigIndex: the last Raft configuration applied
	// (raft's encoding) and the index of its entry.
	metaConfig      = []byte("raft_configuration")
	metaConfigIndex = []byte("raft_configuration_index")
)

// The revisioned key space behind the etcd API (storage, mvcc*.go; app/etcd
// reads it). Only the key-space commands (OpKVPut and the rest) write these,
// never a plain put; they exist from the first open on, beside dataBuckets.
var (
	// bucketKVMeta: "revision" → the current revision; "compacted" → the
	// compaction point (8-byte big-endian each).
	bucketKVMeta = []byte("kv_meta")
	// bucketKVCurrent: etcd key → its latest state, a tombstone once deleted.
	bucketKVCurrent = []byte("kv_current")
	// bucketKVHistory: revision (8-byte big-endian) → the change made at it.
	bucketKVHistory = []byte("kv_history")
	// bucketKVLeases: lease expiry (unix ns, 8 bytes) ‖ etcd key → the mod
	// revision that carries the lease.
	bucketKVLeases = []byte("kv_leases")
)

var kvBuckets = [][]byte{bucketKVMeta, bucketKVCurrent, bucketKVHistory, bucketKVLeases}

// dataBuckets are the buckets commands may write.
var dataBuckets = [][]byte{
	BucketUsers, BucketEmails, BucketSettings, BucketTopology,
	BucketSessionKeys, BucketHandoverReplay, BucketRevokedSessions, BucketAudit,
	BucketClusterIdentity, BucketJoinTokens, BucketMemberCerts, BucketRevokedCerts,
	BucketIssuedCerts,
}

func isDataBucket(name []byte) bool {
	for _, b := range dataBuckets {
		if string(b) == string(name) {
			return true
		}
	}
	return false
}
