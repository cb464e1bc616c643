package storage

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Schema 1 kept four unrelated things in one "keys" bucket (the session
// signing keys, the cluster CA, join tokens, member certificate serials)
// and the cluster's record among the console's settings, named the ended
// sessions' bucket "revoked" beside the revoked certificates, and created
// an unused "kv" bucket. Schema 2 gives each its own bucket (buckets.go).
//
// Two things carry schema-1 names into a schema-2 file: the file itself,
// which migrateSplitKeys moves over once at open (and at a snapshot's
// restore), and the Raft log, whose entries proposed before the upgrade
// are replayed after it. legacyOp renames the ops of those entries as they
// are applied, so a replayed entry lands where the migrated file keeps it.

// legacyKey is one schema-1 place and where schema 2 keeps it.
type legacyKey struct {
	bucket, key string // schema 1: bucket, and key (or key prefix)
	prefix      bool   // key is a prefix; the rest of the key is kept
	to          []byte // schema 2 bucket
	toKey       string // schema 2 key (prefix: unused)
}

var legacyKeys = []legacyKey{
	{bucket: "keys", key: "session-signing-keys", to: BucketSessionKeys, toKey: "keyring"},
	{bucket: "keys", key: "cluster/ca.crt", to: BucketClusterIdentity, toKey: "ca.crt"},
	{bucket: "keys", key: "cluster/ca.key", to: BucketClusterIdentity, toKey: "ca.key"},
	{bucket: "keys", key: "join-token/", prefix: true, to: BucketJoinTokens},
	{bucket: "keys", key: "member-cert/", prefix: true, to: BucketMemberCerts},
	{bucket: "keys", key: "revoked-cert/", prefix: true, to: BucketRevokedCerts},
	{bucket: "settings", key: "cluster", to: BucketClusterIdentity, toKey: "info"},
	{bucket: "revoked", key: "", prefix: true, to: BucketRevokedSessions},
}

// legacyBuckets are schema-1 buckets that schema 2 no longer has.
var legacyBuckets = [][]byte{[]byte("keys"), []byte("revoked"), []byte("kv")}

// renameLegacy returns where schema 2 keeps a schema-1 bucket and key.
func renameLegacy(bucket, key []byte) ([]byte, []byte, bool) {
	for _, l := range legacyKeys {
		if string(bucket) != l.bucket {
			continue
		}
		if l.prefix {
			if rest, ok := bytes.CutPrefix(key, []byte(l.key)); ok && len(rest) > 0 {
				return l.to, rest, true
			}
			continue
		}
		if string(key) == l.key {
			return l.to, []byte(l.toKey), true
		}
	}
	return bucket, key, false
}

// legacyOp renames an op of an entry proposed under schema 1.
func legacyOp(op Command) Command {
	if b, k, ok := renameLegacy(op.Bucket, op.Key); ok {
		op.Bucket, op.Key = b, k
	}
	return op
}

// migrateSplitKeys moves schema 1's records to their schema-2 buckets,
// versions and all, and drops the schema-1 buckets.
func migrateSplitKeys(tx *bolt.Tx) error {
	for _, name := range [][]byte{[]byte("keys"), []byte("settings"), []byte("revoked")} {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		var moved [][]byte
		err := b.ForEach(func(k, v []byte) error {
			to, toKey, ok := renameLegacy(name, k)
			if !ok && string(name) != "settings" {
				return fmt.Errorf("key %q is not one this version knows; run the version that wrote it", k)
			}
			if !ok {
				return nil
			}
			if err := tx.Bucket(to).Put(toKey, v); err != nil {
				return err
			}
			moved = append(moved, k)
			return nil
		})
		if err != nil {
			return fmt.Errorf("move %s: %w", name, err)
		}
		for _, k := range moved {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, name := range legacyBuckets {
		if tx.Bucket(name) == nil {
			continue
		}
		if err := tx.DeleteBucket(name); err != nil {
			return fmt.Errorf("drop bucket %s: %w", name, err)
		}
	}
	return nil
}
