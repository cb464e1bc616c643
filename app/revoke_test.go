package app

import (
	"context"
	"testing"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// An ended session's record outlives the session's expiry by a day, so a
// node whose wall clock jumped hours ahead cannot sweep it away while the
// other nodes still need it (the session would live again there).
func TestAClockJumpSweepsNoRecordTheOthersStillNeed(t *testing.T) {
	tn := startNode(t)
	exp := time.Now().Add(8 * time.Hour)
	res, err := tn.node.Apply(context.Background(), storage.Put(storage.BucketRevokedSessions, []byte("jti-1"), expiryValue(exp)))
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	for _, tc := range []struct {
		name  string
		now   time.Time
		swept bool
	}{
		{"clock as it is", time.Now(), false},
		{"clock jumped 12 h ahead", time.Now().Add(12 * time.Hour), false},
		{"session ended a day ago", exp.Add(sweepGrace + time.Minute), true},
	} {
		if got := len(expiredOps(tn.store, storage.BucketRevokedSessions, tc.now)) == 1; got != tc.swept {
			t.Errorf("%s: swept %v, want %v", tc.name, got, tc.swept)
		}
	}
}
