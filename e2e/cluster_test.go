package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// The cluster tests run real sovereign processes on loopback, joined over
// HTTPS with join tokens, talking Raft over mutual TLS.

type node struct {
	*proc
	name, dir, https, raft string
}

// startNode starts `sovereign serve` as node name of region, with its data
// in dir; extra flags follow (--join, --token).
func startNode(t testing.TB, name, region, dir string, extra ...string) *node {
	t.Helper()
	n := &node{name: name, dir: dir, https: freePort(t), raft: freePort(t)}
	n.start(t, freePort(t), region, extra...)
	return n
}

// restart starts the node again on the same data directory and ports.
func (n *node) restart(t testing.TB, region string) {
	t.Helper()
	n.start(t, n.http, region)
}

func (n *node) start(t testing.TB, httpAddr, region string, extra ...string) {
	args := append([]string{"serve", "--data-dir", n.dir, "--node-name", n.name, "--region", region,
		"--http", httpAddr, "--https", n.https, "--raft", n.raft}, extra...)
	n.proc = launch(t, httpAddr, args...)
}

func (n *node) kill(t testing.TB) {
	t.Helper()
	n.cmd.Process.Kill()
	<-n.done
}

// api is an administrator's session with the nodes' plain HTTP listeners.
type api struct {
	t     testing.TB
	token string
	http  *http.Client
}

func login(t testing.TB, n *node, password string) *api {
	t.Helper()
	a := &api{t: t, http: &http.Client{Timeout: 30 * time.Second}}
	var out struct {
		Token string `json:"token"`
	}
	if code := a.call(n, "POST", "/api/v1/auth/login", map[string]string{"email": "admin@sovereign.local", "password": password}, &out); code != 200 {
		t.Fatalf("login: %d", code)
	}
	a.token = out.Token
	return a
}

// call sends a JSON request and decodes a 2xx answer into out; it returns
// the status (0 when the node could not be reached).
func (a *api) call(n *node, method, path string, body, out any) int {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+n.http+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Errorf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

type token struct {
	Token, ID string
}

func (a *api) createToken(n *node, ttl string) token {
	a.t.Helper()
	var tk token
	if code := a.call(n, "POST", "/api/v1/cluster/tokens", map[string]string{"ttl": ttl}, &tk); code != 201 {
		a.t.Fatalf("create token on %s: %d", n.name, code)
	}
	return tk
}

type statusAnswer struct {
	Region  string `json:"region"`
	Leader  string `json:"leader"`
	Members []struct {
		ID        string `json:"id"`
		Suffrage  string `json:"suffrage"`
		Reachable bool   `json:"reachable"`
	} `json:"members"`
}

func (a *api) status(n *node) (statusAnswer, int) {
	var st statusAnswer
	code := a.call(n, "GET", "/api/v1/cluster/status", nil, &st)
	return st, code
}

// waitVoters waits until n reports exactly the voters named.
func (a *api) waitVoters(n *node, names ...string) {
	a.t.Helper()
	want := strings.Join(names, ",")
	var got string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		st, code := a.status(n)
		if code != 200 {
			continue
		}
		var voters []string
		for _, m := range st.Members {
			if m.Suffrage == "Voter" {
				voters = append(voters, m.ID)
			}
		}
		if got = strings.Join(voters, ","); got == want && st.Leader != "" {
			return
		}
	}
	a.t.Fatalf("voters on %s: %q, want %q", n.name, got, want)
}

// threeNodes starts a region's cluster of three and returns its nodes and
// an administrator's session.
func threeNodes(t testing.TB, region string) ([]*node, *api, string) {
	t.Helper()
	base := t.TempDir()
	n1 := startNode(t, "n1", region, filepath.Join(base, "n1"))
	n1.waitReady(t)
	pw, err := os.ReadFile(filepath.Join(n1.dir, "admin-password"))
	if err != nil {
		t.Fatal(err)
	}
	password := strings.TrimSpace(string(pw))
	a := login(t, n1, password)
	nodes := []*node{n1}
	for _, name := range []string{"n2", "n3"} {
		tk := a.createToken(n1, "10m")
		n := startNode(t, name, region, filepath.Join(base, name), "--join", "https://"+n1.https, "--token", tk.Token)
		n.waitReady(t)
		nodes = append(nodes, n)
	}
	a.waitVoters(n1, "n1", "n2", "n3")
	return nodes, a, password
}

func TestClusterJoinRemoveRejoin(t *testing.T) {
	t.Parallel()
	nodes, a, _ := threeNodes(t, "hz-fsn")
	n1, n3 := nodes[0], nodes[2]
	for _, n := range nodes {
		st, code := a.status(n)
		if code != 200 || st.Region != "hz-fsn" || len(st.Members) != 3 {
			t.Fatalf("status on %s: %d %+v", n.name, code, st)
		}
	}
	if code := a.call(nodes[1], "DELETE", "/api/v1/cluster/members/n3", nil, nil); code != 204 {
		t.Fatalf("remove n3 through a follower: %d\n%s", code, grepLines(nodes[0].stderr.String()+nodes[1].stderr.String()+nodes[2].stderr.String(), "WARN"))
	}
	a.waitVoters(n1, "n1", "n2")
	// The removed node stops taking part: not ready, and it refuses to start again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + n3.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 503 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("removed node still says it is ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	n3.stop(t)
	code, _, stderr := run(t, nil, "serve", "--data-dir", n3.dir, "--node-name", "n3", "--region", "hz-fsn",
		"--http", freePort(t), "--https", freePort(t), "--raft", freePort(t))
	if code == 0 || !strings.Contains(stderr, "removed from its cluster") {
		t.Fatalf("removed node restarted: %d %s", code, stderr)
	}
	// Rejoin under the same name, from a fresh data directory.
	tk := a.createToken(n1, "10m")
	back := startNode(t, "n3", "hz-fsn", filepath.Join(t.TempDir(), "n3"), "--join", "https://"+n1.https, "--token", tk.Token)
	back.waitReady(t)
	a.waitVoters(n1, "n1", "n2", "n3")
}

func TestClusterRefusesBadJoins(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	n1 := startNode(t, "n1", "hz-fsn", filepath.Join(base, "n1"))
	n1.waitReady(t)
	pw, _ := os.ReadFile(filepath.Join(n1.dir, "admin-password"))
	a := login(t, n1, strings.TrimSpace(string(pw)))
	good := a.createToken(n1, "10m")
	revoked := a.createToken(n1, "10m")
	if code := a.call(n1, "DELETE", "/api/v1/cluster/tokens/"+revoked.ID, nil, nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	expired := a.createToken(n1, "1s")
	time.Sleep(1500 * time.Millisecond)
	wrongSecret := good.Token[:len(good.Token)-4] + "0000"
	if wrongSecret == good.Token {
		wrongSecret = good.Token[:len(good.Token)-4] + "1111"
	}

	cases := []struct {
		name, region, token, want string
	}{
		{"another region", "hz-nbg", good.Token, `region "hz-fsn"`},
		{"wrong secret", "hz-fsn", wrongSecret, "not valid"},
		{"revoked token", "hz-fsn", revoked.Token, "not valid"},
		{"expired token", "hz-fsn", expired.Token, "expired"},
		{"malformed token", "hz-fsn", "K10abc::def", "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "n2")
			code, _, stderr := run(t, nil, "serve", "--data-dir", dir, "--node-name", "n2", "--region", c.region,
				"--http", freePort(t), "--https", freePort(t), "--raft", freePort(t), "--join", "https://"+n1.https, "--token", c.token)
			if code == 0 {
				t.Fatal("joined")
			}
			if !strings.Contains(stderr, c.want) {
				t.Fatalf("error does not say %q: %s", c.want, stderr)
			}
			if c.name == "another region" && !strings.Contains(stderr, `"hz-nbg"`) {
				t.Fatalf("error does not name both regions: %s", stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("a refused join left files: %v", entries)
			}
		})
	}
	st, _ := a.status(n1)
	if len(st.Members) != 1 {
		t.Fatalf("refused joins changed the membership: %+v", st)
	}

	t.Run("token for another CA", func(t *testing.T) {
		// A member that shows another CA: the joiner must stop before it
		// sends the secret.
		var joinCalled sync.Once
		called := false
		fake := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/cluster/ca" {
				w.Write(selfSignedPEM(t))
				return
			}
			joinCalled.Do(func() { called = true })
			w.WriteHeader(500)
		}))
		defer fake.Close()
		dir := filepath.Join(t.TempDir(), "n2")
		code, _, stderr := run(t, nil, "serve", "--data-dir", dir, "--node-name", "n2", "--region", "hz-fsn",
			"--http", freePort(t), "--https", freePort(t), "--raft", freePort(t), "--join", fake.URL, "--token", good.Token)
		if code == 0 || !strings.Contains(stderr, "nothing was sent") {
			t.Fatalf("joined a cluster with another CA: %d %s", code, stderr)
		}
		if called {
			t.Fatal("the secret was sent to a member whose CA did not match the token")
		}
	})

	t.Run("peer with a self-made certificate", func(t *testing.T) {
		cert := selfSignedCert(t)
		conn, err := tls.Dial("tcp", n1.raft, &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true})
		if err == nil {
			conn.Write([]byte{'R'})
			_, err = conn.Read(make([]byte, 1))
			conn.Close()
		}
		if err == nil {
			t.Fatal("a peer with a self-made certificate reached the Raft port")
		}
	})
}

func selfSignedCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mallory"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func selfSignedPEM(t *testing.T) []byte {
	c := selfSignedCert(t)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
}

// auditTargets counts, on n, the audit entries of each target.
func (a *api) auditTargets(n *node) map[string]int {
	a.t.Helper()
	out := map[string]int{}
	after := uint64(0)
	for {
		var page struct {
			Entries []struct {
				Seq    uint64 `json:"seq"`
				Target string `json:"target"`
			} `json:"entries"`
		}
		if code := a.call(n, "GET", fmt.Sprintf("/api/v1/sovereign/audit?after=%d", after), nil, &page); code != 200 {
			a.t.Fatalf("audit on %s: %d", n.name, code)
		}
		if len(page.Entries) == 0 {
			return out
		}
		for _, e := range page.Entries {
			out[e.Target]++
			after = e.Seq
		}
	}
}

func (a *api) tokenIDs(n *node) map[string]bool {
	a.t.Helper()
	var out struct {
		Tokens []struct {
			ID string `json:"id"`
		} `json:"tokens"`
	}
	if code := a.call(n, "GET", "/api/v1/cluster/tokens", nil, &out); code != 200 {
		a.t.Fatalf("tokens on %s: %d", n.name, code)
	}
	ids := map[string]bool{}
	for _, tk := range out.Tokens {
		ids[tk.ID] = true
	}
	return ids
}

func TestClusterLeaderKilledDuringWrites(t *testing.T) {
	t.Parallel()
	nodes, a, _ := threeNodes(t, "hz-fsn")
	byName := map[string]*node{}
	for _, n := range nodes {
		byName[n.name] = n
	}
	st, _ := a.status(nodes[0])
	leader := byName[st.Leader]

	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, n := range nodes {
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func(n *node) {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					var tk token
					if code := a.call(n, "POST", "/api/v1/cluster/tokens", map[string]string{"ttl": "1h"}, &tk); code == 201 {
						mu.Lock()
						acked[tk.ID] = true
						mu.Unlock()
					} else if code == 0 {
						time.Sleep(20 * time.Millisecond) // the killed node
					}
				}
			}(n)
		}
	}
	time.Sleep(time.Second)
	killed := time.Now()
	leader.kill(t)
	var survivor *node
	for _, n := range nodes {
		if n != leader {
			survivor = n
		}
	}
	var elected time.Duration
	for {
		st, code := a.status(survivor)
		if code == 200 && st.Leader != "" && st.Leader != leader.name {
			elected = time.Since(killed)
			break
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatal("no new leader within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("leader %s killed; a new leader after %v", leader.name, elected)
	if elected > 3*time.Second {
		t.Fatalf("new leader after %v, want within 3s", elected)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	leader.restart(t, "hz-fsn")
	leader.waitReady(t)
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 20 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	t.Logf("%d writes acknowledged", len(acked))
	for _, n := range nodes {
		ids := a.tokenIDs(n)
		audit := a.auditTargets(n)
		for id := range acked {
			if !ids[id] {
				t.Fatalf("%s lacks acknowledged token %s", n.name, id)
			}
			if c := audit["token/"+id]; c != 1 {
				t.Fatalf("%s: token %s recorded %d times in the audit trail", n.name, id, c)
			}
		}
	}
}

func TestClusterFollowerReadsAreLinearizable(t *testing.T) {
	t.Parallel()
	nodes, a, _ := threeNodes(t, "hz-fsn")
	for i := 0; i < 60; i++ {
		w, r := nodes[i%3], nodes[(i+1)%3]
		tk := a.createToken(w, "1h")
		if !a.tokenIDs(r)[tk.ID] {
			t.Fatalf("write %d acknowledged by %s not seen by %s", i, w.name, r.name)
		}
	}
}

func grepLines(s, word string) string {
	var out []string
	for _, l := range readLines(s) {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// dumpState returns the logical content of the state file in a stopped
// node's data directory.
func dumpState(t *testing.T, dir string) []byte {
	t.Helper()
	st, err := storage.Open(filepath.Join(dir, "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b bytes.Buffer
	if err := st.Dump(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestClusterSnapshotSaveAndRestore(t *testing.T) {
	t.Parallel()
	nodes, a, password := threeNodes(t, "hz-fsn")
	var before []string
	for i := 0; i < 5; i++ {
		before = append(before, a.createToken(nodes[i%3], "1h").ID)
	}
	st, _ := a.status(nodes[0])
	var follower *node
	for _, n := range nodes {
		if n.name != st.Leader {
			follower = n
		}
	}
	file := filepath.Join(t.TempDir(), "region.snapshot")
	env := []string{"SOVEREIGN_URL=http://" + follower.http, "SOVEREIGN_PASSWORD=" + password}
	code, out, stderr := run(t, env, "snapshot", "save", file)
	if code != 0 {
		t.Fatalf("snapshot save on follower %s: %s", follower.name, stderr)
	}
	t.Log(strings.TrimSpace(out))
	for _, n := range nodes {
		n.stop(t)
	}
	want := dumpState(t, follower.dir)

	// A damaged file is refused and leaves the directory empty.
	data, _ := os.ReadFile(file)
	data[len(data)/2] ^= 0x40
	bad := filepath.Join(t.TempDir(), "bad.snapshot")
	os.WriteFile(bad, data, 0o600)
	badDir := filepath.Join(t.TempDir(), "r0")
	if code, _, stderr := run(t, nil, "snapshot", "restore", bad, "--data-dir", badDir, "--node-name", "r0", "--raft", freePort(t)); code == 0 || !strings.Contains(stderr, "checksum") {
		t.Fatalf("damaged snapshot: %d %s", code, stderr)
	}
	if entries, _ := os.ReadDir(badDir); len(entries) != 0 {
		t.Fatalf("a refused restore left %v", entries)
	}

	// Restore into a fresh node: the same content.
	r1 := &node{name: "r1", dir: filepath.Join(t.TempDir(), "r1"), https: freePort(t), raft: freePort(t)}
	code, _, stderr = run(t, nil, "snapshot", "restore", file, "--data-dir", r1.dir, "--node-name", "r1", "--raft", r1.raft, "--https", r1.https)
	if code != 0 {
		t.Fatalf("restore: %s", stderr)
	}
	if got := dumpState(t, r1.dir); !bytes.Equal(got, want) {
		t.Fatalf("restored state differs from the follower's (%d vs %d bytes)", len(got), len(want))
	}
	r1.start(t, freePort(t), "hz-fsn")
	r1.waitReady(t)

	// The others rejoin with fresh data directories.
	b := login(t, r1, password)
	restored := []*node{r1}
	for _, name := range []string{"r2", "r3"} {
		tk := b.createToken(r1, "10m")
		n := startNode(t, name, "hz-fsn", filepath.Join(t.TempDir(), name), "--join", "https://"+r1.https, "--token", tk.Token)
		n.waitReady(t)
		restored = append(restored, n)
	}
	b.waitVoters(r1, "r1", "r2", "r3")
	for _, n := range restored {
		ids := b.tokenIDs(n)
		for _, id := range before {
			if !ids[id] {
				t.Fatalf("%s lacks token %s from before the snapshot", n.name, id)
			}
		}
	}
	for _, n := range restored {
		n.stop(t)
	}
	first := dumpState(t, r1.dir)
	for _, n := range restored[1:] {
		if got := dumpState(t, n.dir); !bytes.Equal(got, first) {
			t.Fatalf("%s holds other content than r1", n.name)
		}
	}
}

func TestClusterStaleReadWithoutLeader(t *testing.T) {
	t.Parallel()
	nodes, a, _ := threeNodes(t, "hz-fsn")
	// Written through the survivor-to-be, so its own state holds it.
	tk := a.createToken(nodes[2], "1h")
	// Two of three down: no quorum, no leader.
	nodes[0].kill(t)
	nodes[1].kill(t)
	survivor := nodes[2]
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out struct {
			Tokens []struct{ ID string } `json:"tokens"`
		}
		code := a.call(survivor, "GET", "/api/v1/cluster/tokens?stale=true", nil, &out)
		if code == 200 {
			found := false
			for _, x := range out.Tokens {
				found = found || x.ID == tk.ID
			}
			if !found {
				t.Fatal("stale read lacks a committed token")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stale read without a leader: %d", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A linearizable read cannot be confirmed: 503 with Retry-After.
	req, _ := http.NewRequest("GET", "http://"+survivor.http+"/api/v1/cluster/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("linearizable read without a leader: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// And a write waits a bounded time, then 503 with Retry-After.
	start := time.Now()
	code := a.call(survivor, "POST", "/api/v1/cluster/tokens", map[string]string{"ttl": "1h"}, nil)
	if code != 503 || time.Since(start) > 15*time.Second {
		t.Fatalf("write without a leader: %d after %v", code, time.Since(start))
	}
}

// TestClusterScript runs scripts/cluster.sh as an operator would: start
// three nodes, print their status, stop them.
func TestClusterScript(t *testing.T) {
	for _, port := range []string{"8441", "8442", "8443", "8081", "8082", "8083", "8301", "8302", "8303"} {
		if l, err := net.Listen("tcp", "127.0.0.1:"+port); err != nil {
			t.Skipf("port %s is taken; scripts/cluster.sh uses fixed ports", port)
		} else {
			l.Close()
		}
	}
	dir := t.TempDir()
	script := func(arg string) string {
		cmd := exec.Command("bash", "../scripts/cluster.sh", arg)
		cmd.Env = append(os.Environ(), "SOVEREIGN_BIN="+binary, "CLUSTER_DIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cluster.sh %s: %v\n%s", arg, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		cmd := exec.Command("bash", "../scripts/cluster.sh", "stop")
		cmd.Env = append(os.Environ(), "CLUSTER_DIR="+dir)
		cmd.Run()
	})
	out := script("start")
	for _, want := range []string{"region local, leader n", "n1 ", "n2 ", "n3 "} {
		if !strings.Contains(out, want) {
			t.Fatalf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "unreachable") > 0 || strings.Count(out, "non-voter") > 0 {
		t.Logf("not every member settled yet:\n%s", out)
	}
	script("stop")
	for i := 1; i <= 3; i++ {
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("n%d.pid", i))); !os.IsNotExist(err) {
			t.Fatalf("n%d still has a pid file after stop", i)
		}
	}
}
