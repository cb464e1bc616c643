package app

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type httpMetrics struct {
	duration *prometheus.HistogramVec
	// routes are the patterns of the registered routes, read once at the
	// first request (every route is registered before serving starts).
	routesOnce sync.Once
	routes     map[string]string
}

// unmatchedRoute labels a request that matched no route, whatever its path.
const unmatchedRoute = "unmatched"

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sovereign_http_request_duration_seconds",
			Help:    "HTTP request duration by method, route and status.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"method", "route", "status"}),
	}
	if reg != nil {
		reg.MustRegister(m.duration)
	}
	return m
}

// middleware times every request under its route pattern, never its raw
// path (ids in paths would explode the series; an attacker's paths would
// too). Every label is one of a fixed set of constant strings: fasthttp
// reuses a request's buffers, and Fiber's method and path alias them, so a
// label kept from them would change under the metric and break /metrics.
func (m *httpMetrics) middleware(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		} else {
			status = fiber.StatusInternalServerError
		}
	}
	m.duration.WithLabelValues(methodLabel(c.Method()), m.routeLabel(c, status), statusLabel(status)).Observe(time.Since(start).Seconds())
	return err
}

// labelledMethods are the methods that get a label of their own.
var labelledMethods = []string{
	fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut,
	fiber.MethodPatch, fiber.MethodDelete, fiber.MethodOptions,
}

// methodLabel maps a request method onto a fixed set. It returns one of
// labelledMethods' constants, never method itself: Fiber reuses the
// request's buffer, so a label made of it would change under the metric.
func methodLabel(method string) string {
	for _, m := range labelledMethods {
		if method == m {
			return m
		}
	}
	return "other"
}

// routeLabel is the pattern of the route that answered, as registered, or
// unmatchedRoute. Fiber leaves the last middleware's route ("/") in place
// when nothing matched, and falls back to the raw path when there is no
// route at all; neither may become a label.
func (m *httpMetrics) routeLabel(c *fiber.Ctx, status int) string {
	m.routesOnce.Do(func() {
		m.routes = map[string]string{}
		for _, r := range c.App().GetRoutes() {
			m.routes[r.Path] = strings.Clone(r.Path)
		}
	})
	path := c.Route().Path
	if path == "/" && (status == fiber.StatusNotFound || status == fiber.StatusMethodNotAllowed) {
		return unmatchedRoute
	}
	if label, ok := m.routes[path]; ok {
		return label
	}
	return unmatchedRoute
}

// statusLabel is the status code as text; codes outside 100-599 are one
// label.
func statusLabel(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
}

func (m *httpMetrics) handler(reg *prometheus.Registry) fiber.Handler {
	if reg == nil {
		return func(c *fiber.Ctx) error { return fiber.ErrNotFound }
	}
	return adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
}
