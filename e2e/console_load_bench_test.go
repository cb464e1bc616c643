package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The console API under load, against real `sovereign serve` processes and
// real HTTP clients: distinct-record writes from one writer and from 32
// side by side (one node, then three with the writes spread over all of
// them), and a node's resident memory through sign-ins, read from /proc.
// Run with -benchtime 1x: each benchmark sets its own amount of work and
// reports what it measured as metrics; scripts/bench-console.sh turns them
// into docs/BENCHMARKS.md.

// writeRunTime is how long each writer count writes, per round.
const writeRunTime = 4 * time.Second

// writeRounds alternate one writer and 32, so a noisy moment of the
// machine hits both alike; the medians are reported.
const writeRounds = 3

// loadClient is an HTTP client whose connections leave from the loopback
// address ip (127.0.0.0/8 is all this host's), so the sign-in budget per
// address applies to each client separately.
func loadClient(ip string, conns int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext: d.DialContext, MaxIdleConns: conns, MaxIdleConnsPerHost: conns, Proxy: nil,
	}}
}

// post sends one JSON request and returns the status (0 when the node did
// not answer) and the body.
func post(c *http.Client, method, url, token string, body any) (int, []byte) {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// statusCounts counts answers by status code (0: no answer).
type statusCounts struct {
	mu sync.Mutex
	n  map[int]int
}

func (s *statusCounts) add(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[int]int{}
	}
	s.n[code]++
}

func (s *statusCounts) get(code int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[code]
}

// others is the number of answers that are neither of codes.
func (s *statusCounts) others(codes ...int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c, k := range s.n {
		if !containsInt(codes, c) {
			n += k
		}
	}
	return n
}

func (s *statusCounts) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for c, k := range s.n {
		parts = append(parts, fmt.Sprintf("%d×%d", k, c))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

var regionSeq atomic.Int64

// writeLoad creates distinct regions from writers concurrent clients for
// d, writer w sending its i-th request to nodes[(w+i) % len(nodes)], and
// returns the created rate and the answers by status.
func writeLoad(nodes []string, token string, writers int, d time.Duration) (float64, *statusCounts) {
	client := loadClient("127.0.0.1", writers)
	defer client.CloseIdleConnections()
	counts := &statusCounts{}
	var created atomic.Int64
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				id := fmt.Sprintf("r%d", regionSeq.Add(1))
				url := "http://" + nodes[(w+i)%len(nodes)] + "/api/v1/sovereign/topology/regions"
				code, _ := post(client, http.MethodPost, url, token, map[string]any{
					"id": id, "name": id, "provider": "hetzner", "providerRegion": "fsn1", "workerCount": 1, "status": "healthy",
				})
				counts.add(code)
				if code == http.StatusCreated {
					created.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	return float64(created.Load()) / time.Since(start).Seconds(), counts
}

// measureWrites runs writeLoad with one writer and with 32, alternating,
// and reports the medians, the ratio of the two runs of each round (its
// median and its worst), and the answers by status.
func measureWrites(b *testing.B, nodes []string, token string) {
	var one, many, ratios []float64
	all := &statusCounts{}
	for round := 0; round < writeRounds; round++ {
		for _, writers := range []int{1, 32} {
			rate, counts := writeLoad(nodes, token, writers, writeRunTime)
			b.Logf("round %d, %d writers: %.0f created/s; answers %s", round+1, writers, rate, counts)
			if writers == 1 {
				one = append(one, rate)
			} else {
				many = append(many, rate)
				ratios = append(ratios, rate/one[len(one)-1])
			}
			for code, k := range counts.n {
				for ; k > 0; k-- {
					all.add(code)
				}
			}
		}
	}
	b.ReportMetric(median(one), "w1-writes/s")
	b.ReportMetric(median(many), "w32-writes/s")
	b.ReportMetric(median(ratios), "w32/w1")
	sort.Float64s(ratios)
	b.ReportMetric(ratios[0], "worst-w32/w1")
	b.ReportMetric(float64(all.get(http.StatusCreated)), "answers-201")
	b.ReportMetric(float64(all.get(http.StatusConflict)), "answers-409")
	b.ReportMetric(float64(all.others(http.StatusCreated, http.StatusConflict)), "answers-other")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[(len(s)-1)/2]
}

// signInToken signs in as the administrator and returns the session token.
func signInToken(b testing.TB, c *http.Client, addr, password string) string {
	b.Helper()
	code, body := post(c, http.MethodPost, "http://"+addr+"/api/v1/auth/login", "", map[string]string{"email": "admin@sovereign.local", "password": password})
	if code != http.StatusOK {
		b.Fatalf("sign in on %s: %d %s", addr, code, body)
	}
	var out struct {
		Token string `json:"token"`
	}
	json.Unmarshal(body, &out)
	return out.Token
}

func adminPassword(b testing.TB, dataDir string) string {
	b.Helper()
	pw, err := os.ReadFile(filepath.Join(dataDir, "admin-password"))
	if err != nil {
		b.Fatal(err)
	}
	return strings.TrimSpace(string(pw))
}

// BenchmarkConsoleWrites: POST /api/v1/sovereign/topology/regions with a
// new id each time, one writer beside 32.
func BenchmarkConsoleWrites(b *testing.B) {
	b.Run("one-node", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "data")
		p := startServe(b, dir)
		p.waitReady(b)
		token := signInToken(b, loadClient("127.0.0.1", 1), p.http, adminPassword(b, dir))
		measureWrites(b, []string{p.http}, token)
	})
	b.Run("three-nodes", func(b *testing.B) {
		nodes, a, _ := threeNodes(b, "hz-fsn")
		var addrs []string
		for _, n := range nodes {
			addrs = append(addrs, n.http)
		}
		measureWrites(b, addrs, a.token)
	})
}

// procKB reads a size field (VmRSS, VmHWM) of /proc/<pid>/status, in KiB.
func procKB(b testing.TB, pid int, field string) int64 {
	b.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// BenchmarkConsoleMemory reads a `sovereign serve --dev` node's resident
// memory right after its first start, after 100 sign-ins one after
// another and 5 s idle, and at its peak during 50 simultaneous sign-ins.
// Sign-ins come as from several people on several addresses, within the
// sign-in limits (30 attempts a minute per address, 5 guesses at a time
// per account and address): the simultaneous ones are ten users on five
// addresses.
func BenchmarkConsoleMemory(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "data")
	p := startServe(b, dir)
	p.waitReady(b)
	pid := p.cmd.Process.Pid
	time.Sleep(time.Second)
	firstStart := procKB(b, pid, "VmRSS")
	password := adminPassword(b, dir)
	body := map[string]string{"email": "admin@sovereign.local", "password": password}
	url := "http://" + p.http + "/api/v1/auth/login"

	admin := signInToken(b, loadClient("127.0.0.1", 1), p.http, password)
	const people = 10
	for i := 0; i < people; i++ {
		code, out := post(loadClient("127.0.0.1", 1), http.MethodPost, "http://"+p.http+"/api/v1/sovereign/users", admin,
			map[string]string{"email": fmt.Sprintf("user%d@sovereign.local", i), "role": "org-viewer", "password": password})
		if code != http.StatusCreated {
			b.Fatalf("create user %d: %d %s", i, code, out)
		}
	}

	sequential := &statusCounts{}
	var clients []*http.Client
	for i := 0; i < 4; i++ {
		clients = append(clients, loadClient(fmt.Sprintf("127.0.0.%d", 2+i), 1))
	}
	for i := 0; i < 100; i++ {
		code, _ := post(clients[i%len(clients)], http.MethodPost, url, "", body)
		sequential.add(code)
	}
	time.Sleep(5 * time.Second)
	afterIdle := procKB(b, pid, "VmRSS")

	// Reset the peak to the present (Linux: clear_refs 5), then 50 at once.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak (%v); VmHWM covers the whole run", err)
	}
	burst := &statusCounts{}
	var ready, done sync.WaitGroup
	startBurst := make(chan struct{})
	for i := 0; i < 50; i++ {
		c := loadClient(fmt.Sprintf("127.0.0.%d", 10+i/people), 1)
		who := map[string]string{"email": fmt.Sprintf("user%d@sovereign.local", i%people), "password": password}
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-startBurst
			code, _ := post(c, http.MethodPost, url, "", who)
			burst.add(code)
		}()
	}
	ready.Wait()
	close(startBurst)
	done.Wait()
	peak := procKB(b, pid, "VmHWM")
	b.Logf("sequential sign-ins: %s; simultaneous: %s", sequential, burst)

	b.ReportMetric(float64(firstStart)/1024, "first-start-RSS-MB")
	b.ReportMetric(float64(afterIdle)/1024, "after-100-sign-ins-idle-RSS-MB")
	b.ReportMetric(float64(peak)/1024, "burst-peak-MB")
	b.ReportMetric(float64(sequential.get(http.StatusOK)), "sequential-200")
	b.ReportMetric(float64(sequential.others(http.StatusOK)), "sequential-other")
	b.ReportMetric(float64(burst.get(http.StatusOK)), "burst-200")
	b.ReportMetric(float64(burst.get(http.StatusServiceUnavailable)), "burst-503")
	b.ReportMetric(float64(burst.others(http.StatusOK, http.StatusServiceUnavailable)), "burst-other")
}
