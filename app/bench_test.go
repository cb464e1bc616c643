package app

import (
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/app/identity"
)

// The console API's busiest reads under concurrent load over real sockets,
// each beside a bare Fiber handler that returns a constant body of the
// same size: the ratio of the two is what the console's sessions, store
// reads and middleware cost. Run with -benchtime Nx for a fixed number of
// requests; each sub-benchmark reports requests/s and the p99 latency.

// loadConcurrency is the number of clients sending at once.
const loadConcurrency = 64

// load sends b.N GETs to url from loadConcurrency clients and reports
// throughput and latency.
func load(b *testing.B, url, token string) {
	transport := &http.Transport{MaxIdleConns: loadConcurrency, MaxIdleConnsPerHost: loadConcurrency, Proxy: nil}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	defer transport.CloseIdleConnections()
	// Warm the connections and the caches.
	for i := 0; i < loadConcurrency; i++ {
		get(b, client, url, token)
	}
	var next atomic.Int64
	lat := make([][]time.Duration, loadConcurrency)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < loadConcurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				get(b, client, url, token)
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(percentile(all, 0.99))/1e6, "p99-ms")
	b.ReportMetric(float64(percentile(all, 0.50))/1e6, "p50-ms")
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func get(b *testing.B, client *http.Client, url, token string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("%s: %d", url, resp.StatusCode)
	}
}

// bareServer serves body from a bare Fiber handler on a loopback socket.
func bareServer(b *testing.B, body []byte) string {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go app.Listener(ln)
	b.Cleanup(func() { app.Shutdown() })
	return "http://" + ln.Addr().String() + "/"
}

func BenchmarkConsoleRead(b *testing.B) {
	tn := startNode(b)
	token := tn.adminToken()
	for _, ep := range []struct {
		name, path, token string
	}{
		{"catalog", "/api/v1/sovereign/catalog", token},
		{"self", "/api/v1/sovereign/self", ""},
	} {
		body := tn.get(ep.path, ep.token).body
		bare := bareServer(b, body)
		b.Run(ep.name+"/bare-fiber", func(b *testing.B) {
			load(b, bare, "")
			b.ReportMetric(float64(len(body)), "body-bytes")
		})
		b.Run(ep.name+"/console", func(b *testing.B) {
			load(b, tn.url+ep.path, ep.token)
			b.ReportMetric(float64(len(body)), "body-bytes")
		})
	}
}

// BenchmarkLogin signs in one after another: argon2id (19 MiB, two passes,
// one lane) plus the Raft write that records the sign-in and its audit
// entry. It reports p50 and p99.
func BenchmarkLogin(b *testing.B) {
	// The real cost, not the cheap one TestMain sets for the tests.
	cheap := identity.DefaultParams
	identity.DefaultParams = identity.RecommendedParams
	defer func() { identity.DefaultParams = cheap }()
	tn := startNode(b)
	tn.srv.console.limits.clients = newThrottle(1<<30, time.Minute)
	tn.adminToken() // the first sign-in also creates the signing key
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		r := tn.tryLogin("admin@sovereign.local", testPassword, nil)
		lat = append(lat, time.Since(t0))
		if r.status != 200 {
			b.Fatalf("login: %d %s", r.status, r.body)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(percentile(lat, 0.50))/1e6, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99))/1e6, "p99-ms")
}
