package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type httpMetrics struct {
	duration *prometheus.HistogramVec
}

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

// middleware times every request under its route pattern, not its path,
// so ids in paths do not explode the series.
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
	route := c.Route().Path
	if status == fiber.StatusNotFound && route == "/" {
		route = "unmatched"
	}
	m.duration.WithLabelValues(c.Method(), route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	return err
}

func (m *httpMetrics) handler(reg *prometheus.Registry) fiber.Handler {
	if reg == nil {
		return func(c *fiber.Ctx) error { return fiber.ErrNotFound }
	}
	return adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
}
