package app

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/raftnode"
)

// DegradedHeader marks an answer served without the current state: its
// value says why ("stale-read": the read barrier failed and this node's
// local state was served; "store-unreadable": the state could not be read
// and the empty shape was served).
const DegradedHeader = "X-Sovereign-Degraded"

// Degradation reasons, the values of DegradedHeader and of the metric's
// reason label.
const (
	degradedStale      = "stale-read"
	degradedUnreadable = "store-unreadable"
)

const barrierTimeout = 2 * time.Second

// StaleQuery is the query parameter by which a caller asks for a stale
// read: this node's state as it is, without asking the leader, which is
// cheaper and works while the cluster has no leader.
const StaleQuery = "stale"

// wantsStale reports whether the request asked for a stale read.
func wantsStale(c *fiber.Ctx) bool {
	v, ok := c.Queries()[StaleQuery]
	return ok && v != "false" && v != "0"
}

// readBarrier makes the reads that follow linearizable, unless the caller
// asked for a stale read. When the cluster cannot confirm them (no leader,
// a timeout), the console is better served by this node's state than by
// an error: the answer is marked stale.
func (cs *console) readBarrier(c *fiber.Ctx) {
	if wantsStale(c) {
		return
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), barrierTimeout)
	defer cancel()
	if err := cs.s.opts.Node.ReadBarrier(ctx); err != nil {
		cs.markDegraded(c, degradedStale, err)
	}
}

// markDegraded says so in the answer's header, the log and the metric.
func (cs *console) markDegraded(c *fiber.Ctx, reason string, err error) {
	c.Set(DegradedHeader, reason)
	route := c.Route().Path
	cs.s.logger.Warn("console answer degraded", "route", route, "reason", reason, "error", err, "request_id", c.Locals("requestid"))
	cs.degraded.WithLabelValues(route, reason).Inc()
}

// unavailable answers 503 with Retry-After when the cluster cannot take a
// write or confirm a read now; other errors pass through.
func unavailable(c *fiber.Ctx, err error) error {
	switch {
	case errors.Is(err, raftnode.ErrNoLeader), errors.Is(err, raftnode.ErrTimeout),
		errors.Is(err, raftnode.ErrNotLeader), errors.Is(err, raftnode.ErrShutdown),
		errors.Is(err, raftnode.ErrUnknownOutcome),
		errors.Is(err, context.DeadlineExceeded):
		c.Set(fiber.HeaderRetryAfter, "1")
		return fiber.NewError(fiber.StatusServiceUnavailable, err.Error())
	case errors.Is(err, raftnode.ErrDiskFull):
		return fiber.NewError(fiber.StatusInsufficientStorage, err.Error())
	}
	return err
}

// hardReadBarrier is a read barrier no request can skip (there is no
// stale variant): it runs before a write's preconditions are checked, and
// the write cannot go on without it.
func (cs *console) hardReadBarrier(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), barrierTimeout)
	defer cancel()
	if err := cs.s.opts.Node.ReadBarrier(ctx); err != nil {
		return unavailable(c, err)
	}
	return nil
}
