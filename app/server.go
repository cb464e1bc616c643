package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus"
)

// Options are what the server is given by main.
type Options struct {
	// Node is this process's member of the region's cluster
	// (a *raftnode.Node, or raftnode's in-memory twin in tests).
	Node Member
	// Store is the node's local copy of the replicated state
	// (a *storage.Store); the server only reads it.
	Store    State
	Logger   *slog.Logger
	Registry *prometheus.Registry
	Version  string
	// Console configures the Sovereign Console API (app/console.go).
	Console ConsoleOptions
}

// Server is the HTTP side of a node.
type Server struct {
	opts    Options
	logger  *slog.Logger
	fiber   *fiber.App
	metrics *httpMetrics
	// console is the state of the console API (app/console.go).
	console *console
	// started is set by main once start-up work (the bootstrap
	// administrator on a new cluster) is done; until then /readyz says so.
	started atomic.Bool
}

// MarkStarted tells the server that start-up is complete.
func (s *Server) MarkStarted() { s.started.Store(true) }

// New builds the server and its routes.
func New(opts Options) *Server {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, logger: logger}
	s.fiber = fiber.New(fiber.Config{
		AppName:               "sovereign",
		DisableStartupMessage: true,
		BodyLimit:             1 << 20,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		ErrorHandler:          s.errorHandler,
	})
	s.metrics = newHTTPMetrics(opts.Registry)
	s.fiber.Use(recover.New(), requestid.New(), s.metrics.middleware)
	s.routes()
	return s
}

func (s *Server) routes() {
	s.fiber.Get("/healthz", s.healthz)
	s.fiber.Get("/readyz", s.readyz)
	s.fiber.Get("/metrics", s.metrics.handler(s.opts.Registry))
	s.consoleRoutes()
	s.clusterRoutes()
	s.webUIRoutes() // last: the console answers the GETs no API route did
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.fiber.Listener(ln)
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for requests in flight,
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.fiber.ShutdownWithContext(ctx)
}

// errorHandler answers every error as JSON {"error": ...}.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	if code >= 500 {
		s.logger.Error("request failed", "path", c.Path(), "error", err, "request_id", c.Locals("requestid"))
		return c.Status(code).JSON(fiber.Map{"error": "internal error", "requestId": c.Locals("requestid")})
	}
	return c.Status(code).JSON(fiber.Map{"error": err.Error()})
}
