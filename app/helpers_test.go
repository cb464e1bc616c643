package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/embed/catalog"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// testFQDN and testDeployment are the Sovereign the tests run as.
const (
	testFQDN       = "acme.sovereign.example"
	testDeployment = "dep-1234"
	testPassword   = "correct horse battery staple"
)

var (
	keyOnce    sync.Once
	handoverSK *rsa.PrivateKey
	otherSK    *rsa.PrivateKey
	catOnce    sync.Once
	defaultCat *catalog.Catalog
)

func testKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		var err error
		if handoverSK, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if otherSK, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return handoverSK, otherSK
}

func testCatalog(t testing.TB) *catalog.Catalog {
	catOnce.Do(func() {
		var err error
		if defaultCat, err = catalog.Default(); err != nil {
			panic(err)
		}
	})
	return defaultCat
}

// The server's seams are satisfied by the real member and store.
var (
	_ Member = (*raftnode.Node)(nil)
	_ State  = (*storage.Store)(nil)
)

// TestMain makes password hashing cheap for every test of the package: a
// hash carries its own cost, so signing in checks it just as cheaply, and
// the cost itself is identity's to test.
func TestMain(m *testing.M) {
	identity.DefaultParams = identity.Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

// testNode is one Sovereign node: a real store, a real single-voter Raft
// member (raftnode's in-memory twin) and the server on a loopback listener.
type testNode struct {
	t     testing.TB
	store *storage.Store
	node  *raftnode.Node
	srv   *Server
	url   string
	reg   *prometheus.Registry
	admin identity.User
}

type nodeOption func(*Options)

func withConsole(f func(*ConsoleOptions)) nodeOption {
	return func(o *Options) { f(&o.Console) }
}

func startNode(t testing.TB, opts ...nodeOption) *testNode {
	t.Helper()
	tn := openNode(t, raftnode.NewInmemNetwork(), "n1", false, opts...)
	tn.waitReady()
	tn.admin = tn.addUser("admin@sovereign.local", identity.RoleSovereignAdmin, testPassword)
	return tn
}

// openNode starts a node on the in-memory network nw; join marks one that
// waits to be added to a cluster instead of bootstrapping its own.
func openNode(t testing.TB, nw *raftnode.InmemNetwork, name string, join bool, opts ...nodeOption) *testNode {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	node, err := nw.Open(raftnode.Config{NodeID: name, Join: join}, st)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	sk, _ := testKeys(t)
	reg := prometheus.NewRegistry()
	o := Options{Node: node, Store: st, Registry: reg, Version: "test", Console: ConsoleOptions{
		FQDN: testFQDN, DeploymentID: testDeployment, Region: "hz-fsn", Provider: "hetzner",
		Catalog: testCatalog(t), HandoverKeys: must(NewHandoverKeys(HandoverKey{Key: &sk.PublicKey})),
	}}
	for _, f := range opts {
		f(&o)
	}
	srv := New(o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	tn := &testNode{t: t, store: st, node: node, srv: srv, url: "http://" + ln.Addr().String(), reg: reg}
	t.Cleanup(func() {
		// A client may hold a connection it dialed but never sent a request
		// on (Go's transport dials ahead under concurrency), and the
		// server's shutdown gives such a connection 5 s to send one, as
		// net/http does: close the clients' idle connections first.
		noRedirect.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		node.Close()
		st.Close()
	})
	srv.MarkStarted()
	return tn
}

func (tn *testNode) waitReady() {
	tn.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if ok, _ := tn.node.Ready(); ok {
			return
		}
		if time.Now().After(deadline) {
			tn.t.Fatal("node not ready")
		}
		time.Sleep(time.Millisecond)
	}
}

// addUser creates a user straight through the directory.
func (tn *testNode) addUser(email, role, password string) identity.User {
	tn.t.Helper()
	hash, err := identity.HashPassword(password)
	if err != nil {
		tn.t.Fatal(err)
	}
	u, err := identity.NewDirectory(tn.node, tn.store).Create(context.Background(), identity.User{Email: email, Name: role, Role: role, PasswordHash: hash})
	if err != nil {
		tn.t.Fatal(err)
	}
	return u
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
	resp   *http.Response
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// req is one request: auth is a bearer token, or "cookie:<token>".
type req struct {
	method, path string
	body         any
	auth         string
	header       map[string]string
}

var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (tn *testNode) do(r req) response {
	tn.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		body = bytes.NewReader(data)
	}
	hr, err := http.NewRequest(r.method, tn.url+r.path, body)
	if err != nil {
		tn.t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if tok, ok := strings.CutPrefix(r.auth, "cookie:"); ok {
		hr.AddCookie(&http.Cookie{Name: SessionCookie, Value: tok})
		if r.method != http.MethodGet {
			hr.Header.Set("Origin", tn.url)
		}
	} else if r.auth != "" {
		hr.Header.Set("Authorization", "Bearer "+r.auth)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	resp, err := noRedirect.Do(hr)
	if err != nil {
		tn.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: data, resp: resp}
}

func (tn *testNode) get(path, auth string) response {
	tn.t.Helper()
	return tn.do(req{method: http.MethodGet, path: path, auth: auth})
}

// login signs in and returns the session token.
func (tn *testNode) login(email, password string) string {
	tn.t.Helper()
	r := tn.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": password}})
	if r.status != http.StatusOK {
		tn.t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
	tok, _ := r.json(tn.t)["token"].(string)
	if tok == "" {
		tn.t.Fatalf("login %s: no token: %s", email, r.body)
	}
	return tok
}

func (tn *testNode) adminToken() string {
	tn.t.Helper()
	return tn.login("admin@sovereign.local", testPassword)
}

func expectStatus(t testing.TB, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
}

func parseUnverifiedHeader(token string) (string, error) {
	parts := strings.Split(token, ".")
	data, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return "", err
	}
	var h struct {
		Kid string `json:"kid"`
	}
	err = json.Unmarshal(data, &h)
	return h.Kid, err
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
