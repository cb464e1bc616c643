package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/storage"
)

// logout is DELETE /api/v1/auth/session: the session is recorded as ended
// in the replicated store (so every node refuses it) and the cookie
// cleared. A session that has already ended (logged out, its user gone,
// disabled or changed, its key revoked, expired) has nothing left to end:
// its logout writes nothing, neither to the store nor to the audit trail,
// however often it is replayed. The cookie is cleared all the same.
func (cs *console) logout(c *fiber.Ctx) error {
	token, viaCookie := tokenOf(c)
	if token != "" {
		if viaCookie || c.Get(fiber.HeaderOrigin) != "" {
			if err := cs.checkOrigin(c); err != nil {
				return err
			}
		}
		if s, err := cs.authenticate(c); err == nil {
			claims := s.Claims
			err := cs.commit(c, claims.Email, func() (change, error) {
				// Read again after the barrier: a logout of the same
				// session on another node may have got in first.
				if ended, err := cs.revoked(claims.ID); err != nil || ended {
					return change{}, err
				}
				now := cs.now()
				ops := []storage.Command{storage.Put(storage.BucketRevokedSessions, []byte(claims.ID), expiryValue(claims.ExpiresAt.Time))}
				ops = append(ops, expiredOps(cs.s.opts.Store, storage.BucketRevokedSessions, now)...)
				ops = append(ops, expiredOps(cs.s.opts.Store, storage.BucketHandoverReplay, now)...)
				return change{ops: ops, action: "session.logout", target: "user/" + claims.Subject}, nil
			})
			if err != nil {
				return err
			}
		}
	}
	clearCookie(c, SessionCookie)
	return c.SendStatus(fiber.StatusNoContent)
}
