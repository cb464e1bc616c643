package app

// consoleRoutes registers the Sovereign Console API: sessions, handover and
// the /api/v1/sovereign endpoints.
func (s *Server) consoleRoutes() {}
