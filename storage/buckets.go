package storage

// Bucket names. Every bucket exists from the first open on; commands may
// write to any of them except meta, which only the apply loop writes.
var (
	bucketMeta     = []byte("meta")
	BucketUsers    = []byte("users")
	BucketEmails   = []byte("users_by_email")
	BucketSettings = []byte("settings")
	BucketTopology = []byte("topology")
	BucketKeys     = []byte("keys")
	BucketReplay   = []byte("replay")
	BucketRevoked  = []byte("revoked")
	BucketAudit    = []byte("audit")
	BucketKV       = []byte("kv")
)

// Keys in the meta bucket.
var (
	metaAppliedIndex = []byte("applied_index")
	metaAppliedTerm  = []byte("applied_term")
	metaSchema       = []byte("schema_version")
	metaConfig       = []byte("raft_configuration")
	metaConfigIndex  = []byte("raft_configuration_index")
)

// dataBuckets are the buckets commands may write.
var dataBuckets = [][]byte{
	BucketUsers, BucketEmails, BucketSettings, BucketTopology, BucketKeys,
	BucketReplay, BucketRevoked, BucketAudit, BucketKV,
}

func isDataBucket(name []byte) bool {
	for _, b := range dataBuckets {
		if string(b) == string(name) {
			return true
		}
	}
	return false
}
