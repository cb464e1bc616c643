package e2e

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestClusterJoinAndCertificateDefences runs, against real processes, the
// defences of the join and of the cluster's certificates: a joiner that
// meets a CA bundle stops before it sends anything, every certificate a
// join issues is audited, tokens from the API expire, and a certificate
// can be listed and revoked from the command line.
func TestClusterJoinAndCertificateDefences(t *testing.T) {
	t.Parallel()
	nodes, a, password := threeNodes(t, "hz-fsn")
	n1 := nodes[0]

	t.Run("every join's certificate is audited", func(t *testing.T) {
		targets := a.auditTargets(n1)
		for _, name := range []string{"n2", "n3"} {
			found := false
			for target := range targets {
				found = found || strings.HasPrefix(target, "node/"+name+"/cert/")
			}
			if !found {
				t.Fatalf("no audit entry of %s's certificate: %v", name, targets)
			}
		}
	})

	t.Run("tokens from the API expire", func(t *testing.T) {
		var tk struct {
			Created, Expires time.Time
		}
		if code := a.call(n1, "POST", "/api/v1/cluster/tokens", map[string]string{}, &tk); code != 201 {
			t.Fatalf("token without a ttl: %d", code)
		}
		if got := tk.Expires.Sub(tk.Created); got != 24*time.Hour {
			t.Fatalf("a token without a ttl lives %v", got)
		}
		if code := a.call(n1, "POST", "/api/v1/cluster/tokens", map[string]string{"ttl": "169h"}, nil); code != 400 {
			t.Fatalf("a token of 169h: %d", code)
		}
	})

	t.Run("a CA bundle in the middle gets nothing", func(t *testing.T) {
		insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := insecure.Get("https://" + n1.https + "/api/v1/cluster/ca")
		if err != nil {
			t.Fatal(err)
		}
		realCA, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var mu sync.Mutex
		var calls []string
		mitm := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/cluster/ca" {
				w.Write(append(append([]byte{}, realCA...), selfSignedPEM(t)...))
				return
			}
			mu.Lock()
			calls = append(calls, r.URL.Path)
			mu.Unlock()
			w.WriteHeader(500)
		}))
		defer mitm.Close()
		tk := a.createToken(n1, "10m")
		dir := filepath.Join(t.TempDir(), "n4")
		code, _, stderr := run(t, nil, "serve", "--data-dir", dir, "--node-name", "n4", "--region", "hz-fsn",
			"--http", freePort(t), "--https", freePort(t), "--raft", freePort(t), "--join", mitm.URL, "--token", tk.Token)
		if code == 0 || !strings.Contains(stderr, "exactly one certificate") {
			t.Fatalf("joined through a CA bundle: %d %s", code, stderr)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(calls) != 0 {
			t.Fatalf("the joiner went on past the CA: %v", calls)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("a refused join left files: %v", entries)
		}
	})

	t.Run("revoke-cert from the command line", func(t *testing.T) {
		env := []string{"SOVEREIGN_URL=http://" + n1.http, "SOVEREIGN_PASSWORD=" + password, "SOVEREIGN_TOKEN=", "SOVEREIGN_EMAIL="}
		type cert struct {
			Serial, Name, Kind string
			Revoked            bool
		}
		list := func() []cert {
			t.Helper()
			code, out, stderr := run(t, env, "cluster", "certs", "-o", "json")
			if code != 0 {
				t.Fatalf("cluster certs: %d %s", code, stderr)
			}
			var got struct{ Certificates []cert }
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("cluster certs -o json: %v: %s", err, out)
			}
			return got.Certificates
		}
		var member cert
		for _, c := range list() {
			if c.Kind == "node" && c.Name == "n2" && !c.Revoked {
				member = c
			}
		}
		if member.Serial == "" {
			t.Fatalf("certificates listed: %+v", list())
		}
		// A serial the cluster did not record (one signed with the CA's
		// key elsewhere), as openssl prints it.
		const spare = "5E:ED:12:34:AB:CD"
		for i := 0; i < 2; i++ { // the second time writes nothing
			if code, out, stderr := run(t, env, "cluster", "revoke-cert", spare); code != 0 || !strings.Contains(out, "revoked certificate "+spare) {
				t.Fatalf("revoke-cert %s: %d %s %s", spare, code, out, stderr)
			}
		}
		if got := a.auditTargets(n1)["cert/5eed1234abcd"]; got != 1 {
			t.Fatalf("the revocation is audited %d times", got)
		}
		if code, _, stderr := run(t, env, "cluster", "revoke-cert", member.Serial); code == 0 || !strings.Contains(stderr, "sovereign cluster remove n2") {
			t.Fatalf("revoke-cert of a member's certificate: %d %s", code, stderr)
		}
		if code, _, stderr := run(t, env, "cluster", "revoke-cert", "not-a-serial"); code == 0 || !strings.Contains(stderr, "serial") {
			t.Fatalf("revoke-cert of a bad serial: %d %s", code, stderr)
		}
	})
}
