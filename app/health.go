package app

import "github.com/gofiber/fiber/v2"

// healthz says the process is alive and answering; nothing more.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether this node can serve current state: a leader is
// known and everything committed has been applied locally.
func (s *Server) readyz(c *fiber.Ctx) error {
	ready, reason := s.opts.Node.Ready()
	if ready && !s.started.Load() {
		ready, reason = false, "starting: finishing start-up work"
	}
	if !ready {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "not-ready", "reason": reason})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
