package storage

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// writeSchema1 writes a state file as schema 1 left it: one "keys" bucket
// for four things, the cluster record among the settings, ended sessions
// in "revoked", an unused "kv", applied up to index 7.
func writeSchema1(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := func(v string, version uint64) []byte {
		return Record{Value: []byte(v), CreateIndex: 2, ModIndex: 3, Version: version}.encode()
	}
	err = db.Update(func(tx *bolt.Tx) error {
		buckets := map[string]map[string][]byte{
			"meta": {"schema_version": nil, "applied_index": nil, "applied_term": nil},
			"keys": {
				"session-signing-keys": rec("ring", 4), "cluster/ca.crt": rec("crt", 1), "cluster/ca.key": rec("key", 1),
				"join-token/0123456789ab": rec("tok", 1), "member-cert/n1": rec("a1", 2), "revoked-cert/b2": rec("n2", 1),
			},
			"settings":       {"cluster": rec("info", 1), "console": rec("console", 5)},
			"revoked":        {"jti-1": rec("exp", 1)},
			"kv":             {},
			"users":          {"u1": rec("user", 1)},
			"users_by_email": {}, "topology": {}, "replay": {}, "audit": {},
		}
		for name, keys := range buckets {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			for k, v := range keys {
				if v != nil {
					if err := b.Put([]byte(k), v); err != nil {
						return err
					}
				}
			}
		}
		meta := tx.Bucket(bucketMeta)
		if err := putUint(meta, metaSchema, 1); err != nil {
			return err
		}
		if err := putUint(meta, metaAppliedTerm, 1); err != nil {
			return err
		}
		return putUint(meta, metaAppliedIndex, 7)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSchema1FileIsMigratedWithItsVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	writeSchema1(t, path)
	s := openTest(t, path)
	for _, c := range []struct {
		bucket  []byte
		key     string
		value   string
		version uint64
	}{
		{BucketSessionKeys, "keyring", "ring", 4},
		{BucketClusterIdentity, "ca.crt", "crt", 1},
		{BucketClusterIdentity, "ca.key", "key", 1},
		{BucketClusterIdentity, "info", "info", 1},
		{BucketJoinTokens, "0123456789ab", "tok", 1},
		{BucketMemberCerts, "n1", "a1", 2},
		{BucketRevokedCerts, "b2", "n2", 1},
		{BucketRevokedSessions, "jti-1", "exp", 1},
		{BucketSettings, "console", "console", 5},
		{BucketUsers, "u1", "user", 1},
	} {
		rec, ok, err := s.Get(c.bucket, []byte(c.key))
		if err != nil || !ok || string(rec.Value) != c.value || rec.Version != c.version || rec.ModIndex != 3 {
			t.Errorf("%s/%s after migration: %+v %v %v", c.bucket, c.key, rec, ok, err)
		}
	}
	if _, ok, _ := s.Get(BucketSettings, []byte("cluster")); ok {
		t.Error("the cluster record is still among the settings")
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range legacyBuckets {
			if tx.Bucket(name) != nil {
				t.Errorf("schema 1 bucket %s is still there", name)
			}
		}
		if v := getUint(tx.Bucket(bucketMeta), metaSchema); v != SchemaVersion {
			t.Errorf("schema %d after migration", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if idx, _ := s.Applied(); idx != 7 {
		t.Fatalf("applied index %d after migration, want 7", idx)
	}
}

func TestSchema1EntriesReplayedAfterTheUpgradeLandInSchema2Buckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	writeSchema1(t, path)
	s := openTest(t, path)
	res := mustApply(t, s,
		entry(8, Create([]byte("keys"), []byte("join-token/ba9876543210"), []byte("new"))),
		entry(9, Batch(
			Put([]byte("keys"), []byte("session-signing-keys"), []byte("ring2")),
			Put([]byte("revoked"), []byte("jti-2"), []byte("exp")),
			Delete([]byte("keys"), []byte("member-cert/n1")),
		)),
	)
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("replayed schema 1 entry refused: %v", r.Err)
		}
	}
	if rec, ok, _ := s.Get(BucketJoinTokens, []byte("ba9876543210")); !ok || string(rec.Value) != "new" {
		t.Error("replayed join token not in join_tokens")
	}
	if rec, _, _ := s.Get(BucketSessionKeys, []byte("keyring")); string(rec.Value) != "ring2" || rec.Version != 5 {
		t.Errorf("replayed keyring: %+v", rec)
	}
	if _, ok, _ := s.Get(BucketRevokedSessions, []byte("jti-2")); !ok {
		t.Error("replayed session revocation not in revoked_sessions")
	}
	if _, ok, _ := s.Get(BucketMemberCerts, []byte("n1")); ok {
		t.Error("replayed delete of a member certificate did not land")
	}
}

func TestSchema1FileWithAnUnknownKeyIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	writeSchema1(t, path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("keys")).Put([]byte("mystery"), []byte("x")) })
	db.Close()
	if s, err := Open(path, Options{}); err == nil {
		s.Close()
		t.Fatal("a schema 1 file with a key no version wrote was migrated, and the key dropped")
	}
}

func TestSchema1SnapshotIsMigratedOnRestore(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.db")
	writeSchema1(t, old)
	data, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}
	s := openTest(t, filepath.Join(dir, "state.db"))
	if err := s.Restore(io.NopCloser(bytes.NewReader(data))); err != nil {
		t.Fatal(err)
	}
	if rec, ok, _ := s.Get(BucketJoinTokens, []byte("0123456789ab")); !ok || string(rec.Value) != "tok" {
		t.Fatal("a schema 1 snapshot restored into a schema 2 node lost its join token")
	}
	if idx, _ := s.Applied(); idx != 7 {
		t.Fatalf("applied index %d after restore, want 7", idx)
	}
}
