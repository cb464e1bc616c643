package app

import (
	"strconv"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// Ended sessions (bucket revoked) and used handover token ids (bucket
// replay) are kept until the token they name expires: after that the token
// is refused for its expiry anyway. Each record's value is that expiry in
// Unix seconds. Writes that add such a record also remove a bounded number
// of expired ones, so the buckets stay small without a sweeper of their own.

// sweepLimit bounds the deletions one write carries.
const sweepLimit = 128

// sweepGrace is how long past its expiry a record is kept. The expiry is
// compared with the clock of the node that proposes the deletion, for
// every node: a node whose wall clock jumped ahead would otherwise remove
// records that the others still need, and bring an ended session (or a
// used handover token) back to life there. A day covers any jump short of
// a wrong date, and costs a few bytes per record.
const sweepGrace = 24 * time.Hour

func expiryValue(t time.Time) []byte { return strconv.AppendInt(nil, t.Unix(), 10) }

// expiredOps returns deletions of records in bucket whose expiry passed.
func expiredOps(st Reader, bucket []byte, now time.Time) []storage.Command {
	var ops []storage.Command
	_ = st.Scan(bucket, nil, func(key []byte, rec storage.Record) bool {
		exp, err := strconv.ParseInt(string(rec.Value), 10, 64)
		if err == nil && now.Unix() > exp+int64(sweepGrace/time.Second) {
			del := storage.Delete(bucket, key)
			del.Expect = int64(rec.Version)
			ops = append(ops, del)
		}
		return len(ops) < sweepLimit
	})
	return ops
}
