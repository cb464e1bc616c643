package app

// clusterRoutes registers the cluster's endpoints: join, tokens,
// membership and snapshots.
func (s *Server) clusterRoutes() {}
