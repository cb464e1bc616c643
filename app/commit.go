package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/storage"
)

// change is one write the console makes: its commands, and what the audit
// trail says of it.
type change struct {
	ops    []storage.Command
	action string
	target string
}

// commitAttempts bounds the retries of a write that lost a race.
const commitAttempts = 5

// commit proposes a write and its audit entry as one Raft batch. build
// reads the current state (after a read barrier), checks the write's
// preconditions and returns the change; the versions it read become the
// commands' expectations. If another write changed one of the same records
// in between, the batch is refused as a whole and commit builds it again
// from the new state. The audit entry takes no part in that race: the
// state machine numbers and chains it when it applies the batch, so writes
// of unrelated records never refuse each other.
//
// Nothing here is serialised: concurrent requests propose concurrently,
// and Raft carries them to the log and to the state machine in shared
// batches (group commit).
func (cs *console) commit(c *fiber.Ctx, actor string, build func() (change, error)) error {
	return cs.commitCtx(c.UserContext(), c, actor, build)
}

func (cs *console) commitCtx(ctx context.Context, c *fiber.Ctx, actor string, build func() (change, error)) error {
	ctx, cancel := context.WithTimeout(ctx, barrierTimeout*2)
	defer cancel()
	rid, _ := c.Locals("requestid").(string)
	for attempt := 0; attempt < commitAttempts; attempt++ {
		if err := cs.s.opts.Node.ReadBarrier(ctx); err != nil {
			return unavailable(c, err)
		}
		ch, err := build()
		if err != nil {
			return err
		}
		if len(ch.ops) == 0 {
			return nil // nothing to change
		}
		audit := storage.AuditAppend(AuditEntry{Time: cs.now(), Actor: actor, Action: ch.action, Target: ch.target, RequestID: rid})
		res, err := cs.s.opts.Node.Apply(ctx, storage.Batch(append(ch.ops, audit)...))
		if err != nil {
			return unavailable(c, err)
		}
		if errors.Is(res.Err, storage.ErrVersionConflict) {
			continue
		}
		if res.Err != nil {
			return fmt.Errorf("%s %s: %w", ch.action, ch.target, res.Err)
		}
		return nil
	}
	return fiber.NewError(fiber.StatusConflict, "the record changed while this request was applied; retry")
}
