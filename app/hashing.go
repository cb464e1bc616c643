package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/app/identity"
	"github.com/prometheus/client_golang/prometheus"
)

// Password hashing's share of a node's memory. Each argon2id hash holds
// identity.DefaultParams.Memory (19 MiB) while it runs: one hash a core, at
// most four, bounds it at 76 MiB on any machine (38 MiB on two cores). A
// hash takes about 30 ms, so a queue of 16 a slot is served within about
// half a second; a caller beyond it is answered 503 with Retry-After
// before anything is hashed, and no caller waits more than a few seconds.
const (
	maxHashesAtOnce  = 4
	hashQueuePerSlot = 16
)

// hashSlots is how many hashes of perHash bytes run at once on cpus cores
// under the process's memory limit (GOMEMLIMIT; math.MaxInt64 when none):
// one a core, at most maxHashesAtOnce, and at most half the limit, but one
// always.
func hashSlots(cpus int, memoryLimit, perHash int64) int {
	slots := min(max(1, cpus), maxHashesAtOnce)
	if memoryLimit < math.MaxInt64 {
		slots = max(1, min(slots, int(memoryLimit/2/perHash)))
	}
	return slots
}

// newHasher returns the console's hasher and registers its gauge.
func newHasher(reg *prometheus.Registry) *identity.Hasher {
	slots := hashSlots(runtime.NumCPU(), debug.SetMemoryLimit(-1), int64(identity.DefaultParams.Memory)<<10)
	h := identity.NewHasher(slots, slots*hashQueuePerSlot)
	if reg != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sovereign_password_hashes_in_flight",
			Help: fmt.Sprintf("Password hashes running or queued (at most %d run at once, %d wait; beyond that sign-ins are answered 503).", slots, slots*hashQueuePerSlot),
		}, func() float64 { return float64(h.InFlight()) }))
	}
	return h
}

// hashingFailed answers a password hash that could not run now: 503 with
// Retry-After when the hasher is full or the request gave up waiting.
func hashingFailed(c *fiber.Ctx, err error) error {
	if errors.Is(err, identity.ErrBusy) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		c.Set(fiber.HeaderRetryAfter, "1")
		return fiber.NewError(fiber.StatusServiceUnavailable, "too many sign-ins and password changes at once; retry in a second")
	}
	return err
}
