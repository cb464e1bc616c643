package app

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	durationSeries = regexp.MustCompile(`(?m)^sovereign_http_request_duration_seconds_count\{([^}]*)\} `)
	metricLabel    = regexp.MustCompile(`(\w+)="((?:[^"\\]|\\.)*)"`)
)

// TestMetricsSurviveParallelOddRequests: requests nobody signed in for,
// with odd methods to unknown paths, sent in parallel on kept-alive
// connections (so fasthttp reuses their buffers), must neither break
// /metrics nor leave a label outside the fixed sets: the methods Sovereign
// knows, the patterns of registered routes, status codes.
func TestMetricsSurviveParallelOddRequests(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	methods := []string{"PATCH", "PROPFIND", "GARBAGE", "PUT", "DELETE", "OPTIONS", "TRACE", "MKCOL", "GETCH", "HEAD"}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				m := methods[(w+i)%len(methods)]
				path := fmt.Sprintf("/no/such/%d/%d-%s", w, i, strings.Repeat("x", i%7))
				if i%3 == 0 {
					path = fmt.Sprintf("/api/v1/sovereign/users/%d-%d", w, i) // a real pattern
				}
				r, err := http.NewRequest(m, tn.url+path, nil)
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := client.Do(r)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	// Bytes that are no HTTP method at all, straight onto a socket.
	for _, raw := range []string{"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", "PATCH /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n"} {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(tn.url, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write([]byte(raw))
		// Done sending: the server answers what it has and closes, rather
		// than keeping the connection alive until the deadline.
		conn.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, conn)
		conn.Close()
	}
	wg.Wait()
	client.CloseIdleConnections()

	r := tn.get("/metrics", "")
	expectStatus(t, r, http.StatusOK)
	allowedMethods := map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true, "other": true}
	allowedRoutes := map[string]bool{unmatchedRoute: true}
	for _, rt := range tn.srv.fiber.GetRoutes() {
		allowedRoutes[rt.Path] = true
	}
	series := durationSeries.FindAllStringSubmatch(string(r.body), -1)
	if len(series) == 0 {
		t.Fatalf("no request series in /metrics:\n%s", r.body)
	}
	sawUnmatched, sawPattern := false, false
	for _, s := range series {
		labels := map[string]string{}
		for _, l := range metricLabel.FindAllStringSubmatch(s[1], -1) {
			labels[l[1]] = l[2]
		}
		if !allowedMethods[labels["method"]] {
			t.Errorf("method label %q outside the fixed set: %s", labels["method"], s[0])
		}
		if !allowedRoutes[labels["route"]] {
			t.Errorf("route label %q is not a registered pattern: %s", labels["route"], s[0])
		}
		if !regexp.MustCompile(`^[1-5][0-9][0-9]$|^other$`).MatchString(labels["status"]) {
			t.Errorf("status label %q: %s", labels["status"], s[0])
		}
		sawUnmatched = sawUnmatched || labels["route"] == unmatchedRoute
		sawPattern = sawPattern || labels["route"] == "/api/v1/sovereign/users/:id"
	}
	if !sawUnmatched || !sawPattern {
		t.Fatalf("expected both unmatched requests and the users/:id pattern among %d series", len(series))
	}
	// And it keeps answering.
	expectStatus(t, tn.get("/metrics", ""), http.StatusOK)
}

func TestMethodLabelIsAFixedSet(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "GETCH": "other", "get": "other", "": "other", "PROPFIND": "other", "CONNECT": "other"} {
		if got := methodLabel(in); got != want {
			t.Errorf("methodLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
