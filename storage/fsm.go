package storage

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"
)

var _ raft.BatchingFSM = (*Store)(nil)

// Result is what applying one log entry returns to the node that proposed it.
type Result struct {
	// Index is the entry's Raft index, which becomes the ModIndex of every
	// record it wrote.
	Index uint64
	// Err is set when the command was refused; the state is then unchanged.
	Err error
	// Data is what a key-space command returns (DecodeKVResult).
	Data []byte
}

// MaxValueSize bounds a stored value; Raft entries should stay small.
const MaxValueSize = 4 << 20

// ErrStoreFailed wraps the write error that stopped the apply loop.
var ErrStoreFailed = errors.New("state file write failed")

// Apply applies a single entry. Raft calls ApplyBatch instead; Apply exists
// to satisfy raft.FSM.
func (s *Store) Apply(l *raft.Log) any {
	return s.ApplyBatch([]*raft.Log{l})[0]
}

// ApplyBatch applies committed entries in one bbolt transaction that also
// records the last applied index and term. Entries at or below the recorded
// index were applied before a crash or restart and are skipped, so each
// command changes the state exactly once.
//
// A command that is refused (bad encoding, version conflict) changes
// nothing and reports its error in its Result; the batch goes on. A write
// to the file that fails rolls the transaction back and leaves the recorded
// index where it was. When the disk is full, the batch is tried again, with
// a growing pause, until it applies (the node catches up by itself once
// space returns) or the node stops (Interrupt); any other failure stops
// the loop for good, and after a restart the same entries are applied again
// from the log.
func (s *Store) ApplyBatch(logs []*raft.Log) []any {
	for attempt := 0; ; attempt++ {
		if err := s.Failed(); err != nil {
			return failedResults(logs, err)
		}
		results, err := s.applyOnce(logs)
		if err == nil {
			if attempt > 0 {
				s.stalled.Store(false)
				s.logger.Info("the state file has room again; applying goes on",
					"first_index", logs[0].Index, "last_index", logs[len(logs)-1].Index, "attempts", attempt+1)
			}
			return results
		}
		if !outOfSpace(err) {
			s.fail(err)
			s.logger.Error("applying committed entries failed; this node stops applying until it is restarted",
				"error", err, "first_index", logs[0].Index, "last_index", logs[len(logs)-1].Index)
			return failedResults(logs, err)
		}
		if attempt == 0 {
			s.stalled.Store(true)
			s.logger.Error("the state file's disk is full; applying waits and tries again until there is space (writes through this node wait too; reads answer from the state as it is)",
				"error", err, "first_index", logs[0].Index, "last_index", logs[len(logs)-1].Index)
		}
		if !s.pauseBeforeRetry(attempt) {
			s.fail(err)
			return failedResults(logs, err)
		}
	}
}

// outOfSpace reports whether err is a full disk or an exhausted quota:
// failures that go away by themselves when space returns.
func outOfSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// pauseBeforeRetry waits before the next attempt of a batch: 50 ms, then
// twice as long each time, at most 2 s. It returns false when the node is
// stopping (Interrupt) instead.
func (s *Store) pauseBeforeRetry(attempt int) bool {
	wait := min(50*time.Millisecond<<min(attempt, 6), 2*time.Second)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.interrupt:
		return false
	}
}

// Interrupt ends a wait for disk space in the apply loop (ApplyBatch), so
// that Raft can stop; the batch then fails as any failed write does. Call
// it before stopping Raft. It is safe to call more than once.
func (s *Store) Interrupt() {
	s.interruptOnce.Do(func() { close(s.interrupt) })
}

// Stalled reports whether the apply loop is waiting for disk space.
func (s *Store) Stalled() bool { return s.stalled.Load() }

func failedResults(logs []*raft.Log, err error) []any {
	results := make([]any, len(logs))
	for i := range results {
		results[i] = Result{Index: logs[i].Index, Err: fmt.Errorf("%w: %v", ErrStoreFailed, err)}
	}
	return results
}

// applyOnce runs one attempt of ApplyBatch's transaction.
func (s *Store) applyOnce(logs []*raft.Log) ([]any, error) {
	results := make([]any, len(logs))
	s.mu.RLock()
	defer s.mu.RUnlock()
	var last uint64
	var events []KVEvent
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		applied := getUint(meta, metaAppliedIndex)
		last = applied
		var lastLog *raft.Log
		for i, l := range logs {
			if l.Index <= applied {
				results[i] = Result{Index: l.Index}
				continue
			}
			switch l.Type {
			case raft.LogCommand:
				res, err := applyEntry(tx, l, &events)
				if err != nil {
					return err
				}
				results[i] = res
			case raft.LogConfiguration:
				if err := meta.Put(metaConfig, l.Data); err != nil {
					return err
				}
				if err := putUint(meta, metaConfigIndex, l.Index); err != nil {
					return err
				}
				results[i] = Result{Index: l.Index}
			default:
				results[i] = Result{Index: l.Index}
			}
			lastLog = l
		}
		if lastLog == nil {
			return nil
		}
		last = lastLog.Index
		if err := putUint(meta, metaAppliedIndex, lastLog.Index); err != nil {
			return err
		}
		return putUint(meta, metaAppliedTerm, lastLog.Term)
	})
	if err == nil {
		s.applied.Store(last)
		s.publishKV(events)
	}
	return results, err
}

// applyEntry decodes one command and applies it. A refused command returns
// its reason and has written nothing; err is a failure of the file itself,
// which aborts the whole transaction.
func applyEntry(tx *bolt.Tx, l *raft.Log, events *[]KVEvent) (Result, error) {
	cmd, refused := DecodeCommand(l.Data)
	if refused != nil {
		return Result{Index: l.Index, Err: refused}, nil
	}
	if cmd.Op.isKV() {
		return applyKV(tx, cmd, l, events)
	}
	ops := []Command{cmd}
	if cmd.Op == OpBatch {
		ops = cmd.Ops
	}
	for i := range ops {
		ops[i] = legacyOp(ops[i]) // an entry proposed under schema 1 (migrate.go)
	}
	if refused := checkOps(tx, ops); refused != nil {
		return Result{Index: l.Index, Err: refused}, nil
	}
	for _, op := range ops {
		if err := writeOp(tx, op, l.Index); err != nil {
			return Result{}, err
		}
	}
	return Result{Index: l.Index}, nil
}

// checkOps verifies every op of a command against the state as the ops
// before it would leave it, so that a refused command writes nothing.
func checkOps(tx *bolt.Tx, ops []Command) error {
	versions := map[string]uint64{} // bucket\x00key -> version after earlier ops
	for i, op := range ops {
		if op.Op == OpAuditAppend {
			if err := checkAuditAppend(op); err != nil {
				return fmt.Errorf("%w (op %d)", err, i)
			}
			// It moves the audit head, whatever its version.
			op = Command{Op: OpPut, Bucket: BucketAudit, Key: AuditHeadKey, Expect: AnyVersion}
		}
		if !isDataBucket(op.Bucket) {
			return fmt.Errorf("%w %q (op %d)", ErrUnknownBucket, op.Bucket, i)
		}
		if len(op.Key) == 0 || len(op.Key) > bolt.MaxKeySize {
			return fmt.Errorf("%w: key of %d bytes (op %d); keys are 1 to %d bytes", ErrBadCommand, len(op.Key), i, bolt.MaxKeySize)
		}
		if len(op.Value) > MaxValueSize {
			return fmt.Errorf("%w: value of %d bytes (op %d); values are at most %d bytes", ErrBadCommand, len(op.Value), i, MaxValueSize)
		}
		id := string(op.Bucket) + "\x00" + string(op.Key)
		cur, seen := versions[id]
		if !seen {
			if v := tx.Bucket(op.Bucket).Get(op.Key); v != nil {
				rec, err := decodeRecord(v)
				if err != nil {
					return err
				}
				cur = rec.Version
			}
		}
		if op.Expect != AnyVersion && uint64(op.Expect) != cur {
			return fmt.Errorf("%w: %s/%s is at version %d, expected %d", ErrVersionConflict, op.Bucket, op.Key, cur, op.Expect)
		}
		switch op.Op {
		case OpPut:
			versions[id] = cur + 1
		case OpDelete:
			versions[id] = 0
		default:
			return fmt.Errorf("%w: %s inside a batch", ErrBadCommand, op.Op)
		}
	}
	return nil
}

func writeOp(tx *bolt.Tx, op Command, index uint64) error {
	b := tx.Bucket(op.Bucket)
	switch op.Op {
	case OpAuditAppend:
		return applyAuditAppend(tx, op, index)
	case OpDelete:
		return b.Delete(op.Key)
	case OpPut:
		rec := Record{Value: op.Value, CreateIndex: index, ModIndex: index, Version: 1}
		if v := b.Get(op.Key); v != nil {
			old, err := decodeRecord(v)
			if err != nil {
				return err
			}
			rec.CreateIndex, rec.Version = old.CreateIndex, old.Version+1
		}
		return b.Put(op.Key, rec.encode())
	}
	return fmt.Errorf("%w: %s", ErrBadCommand, op.Op)
}
