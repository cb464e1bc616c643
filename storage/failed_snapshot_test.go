package storage

import (
	"errors"
	"path/filepath"
	"testing"
)

// Raft counts the entries a failed apply loop could not write as applied;
// a snapshot of the file at that point would miss them for good once the
// log is compacted, so the store refuses to take one.
func TestAStoreWhoseApplyFailedRefusesASnapshot(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "state.db"))
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatalf("snapshot of a sound store: %v", err)
	}
	snap.Release()
	s.fail(errors.New("write state.db: no space left on device"))
	snap, err = s.Snapshot()
	if !errors.Is(err, ErrStoreFailed) || snap != nil {
		t.Fatalf("snapshot after a failed apply: %v, %v; want ErrStoreFailed", snap, err)
	}
}
