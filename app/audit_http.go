package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// maxAuditPage bounds the entries one GET returns.
const maxAuditPage = 1000

// listAudit is GET /api/v1/sovereign/audit?after=<seq>&limit=<n>: entries
// after seq (0: from the first), oldest first, and the head, so a reader
// can page through the whole trail and verify it (VerifyAudit).
func (cs *console) listAudit(c *fiber.Ctx) error {
	after, err := strconv.ParseUint(c.Query("after", "0"), 10, 64)
	if err != nil {
		return badField("after", "a number: the seq of the last entry already read")
	}
	limit, err := strconv.Atoi(c.Query("limit", strconv.Itoa(maxAuditPage)))
	if err != nil || limit < 1 || limit > maxAuditPage {
		return badField("limit", "a number from 1 to %d", maxAuditPage)
	}
	cs.readBarrier(c)
	entries, head, err := readAudit(cs.s.opts.Store, after, limit)
	if err != nil {
		return unavailableRead(c, err)
	}
	return c.JSON(fiber.Map{"entries": entries, "head": head})
}
