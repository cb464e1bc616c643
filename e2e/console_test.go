package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestServeConsoleWiring starts the binary with the handover key given by
// CATALYST_HANDOVER_JWT_PUBLIC_KEY_PATH and checks the console API end to
// end: /self from the configuration, the handover, and the catalog.
func TestServeConsoleWiring(t *testing.T) {
	sk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&sk.PublicKey)
	keyFile := filepath.Join(t.TempDir(), "openova.pub")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)
	t.Setenv("CATALYST_HANDOVER_JWT_PUBLIC_KEY_PATH", keyFile)
	t.Setenv("CATALYST_SELF_DEPLOYMENT_ID", "dep-42")

	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir, "--fqdn", "acme.example.org")
	p.waitReady(t)
	defer p.stop(t)
	base := "http://" + p.http

	resp, err := http.Get(base + "/api/v1/sovereign/self")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"deploymentId":"dep-42","sovereignFQDN":"acme.example.org"}` {
		t.Fatalf("self: %d %s", resp.StatusCode, body)
	}

	now := time.Now()
	token, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": "https://console.openova.io", "aud": "https://console.acme.example.org", "email": "owner@example.org",
		"email_verified": true, "role": "sovereign-admin", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "handover-1",
	}).SignedString(sk)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.Get(base + "/auth/handover?token=" + url.QueryEscape(token))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/dashboard" {
		t.Fatalf("handover: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == "catalyst_session" {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie")
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/sovereign/settings", nil)
	req.AddCookie(&http.Cookie{Name: "catalyst_session", Value: session})
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	json.NewDecoder(resp.Body).Decode(&settings)
	resp.Body.Close()
	features, _ := settings["features"].(map[string]any)
	if digest, _ := features["catalogDigest"].(string); !strings.HasPrefix(digest, "sha256:") || settings["handoverISO"] == "" {
		t.Fatalf("settings: %v", settings)
	}

	// A key file that is not a key stops the start, naming the flag.
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a key"), 0o600)
	code, _, stderr := run(t, nil, "serve", "--dev", "--data-dir", filepath.Join(t.TempDir(), "d2"), "--http", freePort(t), "--raft", freePort(t), "--handover-public-key", bad)
	if code == 0 || !strings.Contains(stderr, "--handover-public-key") {
		t.Fatalf("bad key: exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, nil, "serve", "--dev", "--data-dir", filepath.Join(t.TempDir(), "d3"), "--http", freePort(t), "--raft", freePort(t), "--handover-issuers", "http://plain.example")
	if code == 0 || !strings.Contains(stderr, "--handover-issuers") {
		t.Fatalf("bad issuer: exit %d: %s", code, stderr)
	}
}
