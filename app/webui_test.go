package app

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	sovembed "github.com/openova-io/sovereign/embed"
)

func consoleAssets(t *testing.T) []string {
	t.Helper()
	data, err := fs.ReadFile(sovembed.Console(), "build.json")
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Assets []string `json:"assets"`
	}
	if err := json.Unmarshal(data, &b); err != nil || len(b.Assets) == 0 {
		t.Fatalf("build.json: %v, %d assets", err, len(b.Assets))
	}
	return b.Assets
}

func expectConsoleHeaders(t *testing.T, r response) {
	t.Helper()
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy allows inline code: %q", csp)
	}
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	if got := r.header.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("Referrer-Policy = %q", got)
	}
}

func TestConsoleDeepLinksServeTheIndexUncached(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	index, err := fs.ReadFile(sovembed.Console(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"/", "/login", "/dashboard", "/apps", "/app/cilium", "/app/bp-cilium", "/users", "/settings",
		"/cloud", "/cluster", "/audit", "/provision/dep-1234/dashboard", "/provision/dep-1234/app/bp-cilium",
		"/no/such/page", "/dashboard?x=1", "/index.html",
	} {
		r := tn.get(p, "")
		if r.status != http.StatusOK || !bytes.Equal(r.body, index) {
			t.Errorf("GET %s: %d %.60q, want index.html", p, r.status, r.body)
			continue
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", p, cc)
		}
		expectConsoleHeaders(t, r)
	}
}

func TestAPIPathsKeepTheirJSON404(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	for _, p := range []string{
		"/api", "/api/", "/api/v1/sovereign/nope", "/API/v1/nope", "/auth", "/auth/nope", "/metrics/x",
		"/healthz/x", "/readyz/x", "/v1", "/v1/kv/range", "/assets/missing-0000.js", "/robots.txt",
	} {
		r := tn.get(p, "")
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d %.60q, want 404", p, r.status, r.body)
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(r.body, &body); err != nil || body["error"] == nil {
			t.Errorf("GET %s: not a JSON error: %.80q", p, r.body)
		}
		if r.header.Get("Content-Security-Policy") != "" && strings.Contains(string(r.body), "<html") {
			t.Errorf("GET %s answered the console", p)
		}
	}
	// The API itself still answers in front of the console.
	if r := tn.get("/healthz", ""); r.status != http.StatusOK || !strings.Contains(string(r.body), "ok") {
		t.Errorf("/healthz: %d %s", r.status, r.body)
	}
	if r := tn.get("/api/v1/auth/me", ""); r.status != http.StatusUnauthorized {
		t.Errorf("/api/v1/auth/me without a session: %d, want 401", r.status)
	}
}

func TestHashedAssetsAreImmutableAndPrecompressed(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	build := sovembed.Console()
	for _, name := range consoleAssets(t) {
		raw, _ := fs.ReadFile(build, "assets/"+name)
		br, _ := fs.ReadFile(build, "assets/"+name+".br")
		gz, _ := fs.ReadFile(build, "assets/"+name+".gz")
		for _, tc := range []struct {
			accept, encoding string
			body             []byte
		}{
			{"gzip, deflate, br, zstd", "br", br},
			{"br;q=1.0, gzip;q=0.8", "br", br},
			{"gzip", "gzip", gz},
			{"br;q=0, gzip", "gzip", gz},
			{"*", "br", br},
			{"identity", "", raw},
			{"br;q=0, gzip;q=0", "", raw},
		} {
			r := tn.do(req{method: http.MethodGet, path: "/assets/" + name, header: map[string]string{"Accept-Encoding": tc.accept}})
			if r.status != http.StatusOK {
				t.Fatalf("GET /assets/%s (%s): %d", name, tc.accept, r.status)
			}
			if got := r.header.Get("Content-Encoding"); got != tc.encoding {
				t.Errorf("/assets/%s with Accept-Encoding %q: Content-Encoding %q, want %q", name, tc.accept, got, tc.encoding)
			}
			if !bytes.Equal(r.body, tc.body) {
				t.Errorf("/assets/%s with Accept-Encoding %q: body is not the %q file", name, tc.accept, tc.encoding)
			}
			if got := r.header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("/assets/%s: Cache-Control %q", name, got)
			}
			if got := r.header.Get("Vary"); !strings.Contains(got, "Accept-Encoding") {
				t.Errorf("/assets/%s: Vary %q", name, got)
			}
			expectConsoleHeaders(t, r)
		}
		want := "text/javascript"
		if strings.HasSuffix(name, ".css") {
			want = "text/css"
		}
		if r := tn.get("/assets/"+name, ""); !strings.HasPrefix(r.header.Get("Content-Type"), want) {
			t.Errorf("/assets/%s: Content-Type %q, want %s", name, r.header.Get("Content-Type"), want)
		}
	}
}

func TestAcceptEncodingIsRead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"", "br", false},
		{"br", "br", true},
		{"BR", "br", true},
		{"gzip, br;q=0", "br", false},
		{"gzip, br;q=0.001", "br", true},
		{"gzip;q=x", "gzip", false},
		{"*;q=0", "gzip", false},
		{"*", "gzip", true},
		{"*, gzip;q=0", "gzip", false},
		{"deflate", "gzip", false},
	} {
		if got := accepts(tc.header, tc.coding); got != tc.want {
			t.Errorf("accepts(%q, %q) = %v, want %v", tc.header, tc.coding, got, tc.want)
		}
	}
}

// FuzzAcceptEncoding: any header is read without a panic, and a coding is
// never chosen that the header neither names nor allows with "*".
func FuzzAcceptEncoding(f *testing.F) {
	for _, seed := range []string{"", "br", "gzip, deflate, br, zstd", "br;q=0, gzip", "*;q=0.5", "gzip;q=x", ";;,,", "BR ; Q = 1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		for _, coding := range []string{"br", "gzip"} {
			lower := strings.ToLower(header)
			if accepts(header, coding) && !strings.Contains(lower, coding) && !strings.Contains(lower, "*") {
				t.Fatalf("accepts(%q, %q) without naming it", header, coding)
			}
		}
	})
}
