package raftnode

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/openova-io/sovereign/storage"
)

// joinMember is the first node of a region's cluster, made as a first
// start makes it (Bootstrap, then its cluster record), serving the join
// endpoints over HTTPS with its node certificate, as the console does.
type joinMember struct {
	*testNode
	pki *PKI
	url string
	t   *testing.T
}

func startJoinMember(t *testing.T) *joinMember {
	t.Helper()
	dir, addr := t.TempDir(), freeAddr(t)
	pki, err := Bootstrap(filepath.Join(dir, "tls"), Member{Name: "a", Region: "hz-fsn", RaftAddr: addr})
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(dir, "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := Open(Config{NodeID: "a", Dir: filepath.Join(dir, "raft"), Bind: addr, PKI: pki}, st)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	m := &joinMember{testNode: &testNode{Node: n, store: st}, pki: pki, t: t}
	t.Cleanup(func() { m.close(t) })
	waitReady(t, n)
	if _, err := n.EnsureCluster(context.Background(), "hz-fsn", pki.CAPEM, pki.CAKey()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, ok, _ := st.Get(storage.BucketMemberCerts, []byte("a")); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first node never recorded its own certificate")
		}
	}
	srv := httptest.NewUnstartedServer(joinEndpoints(n))
	srv.TLS = pki.HTTPSConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	m.url = srv.URL
	return m
}

// joinEndpoints serves a member's side of the join, as the console's
// cluster routes do (without their audit entry).
func joinEndpoints(n *Node) http.Handler {
	answer := func(w http.ResponseWriter, v any, err error) {
		var je *JoinError
		switch {
		case errors.As(err, &je):
			writeJSON(w, je.Status, je)
		case err != nil:
			writeJSON(w, http.StatusServiceUnavailable, rpcError{Error: "unavailable", Detail: err.Error()})
		default:
			writeJSON(w, http.StatusOK, v)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+JoinCAPath, func(w http.ResponseWriter, r *http.Request) { w.Write(n.CACert()) })
	mux.HandleFunc("POST "+JoinChallengePath, func(w http.ResponseWriter, r *http.Request) {
		var ch JoinChallenge
		if err := json.NewDecoder(r.Body).Decode(&ch); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a, err := n.AnswerJoinChallenge(r.Context(), ch)
		answer(w, a, err)
	})
	mux.HandleFunc("POST "+JoinPath, func(w http.ResponseWriter, r *http.Request) {
		var req JoinRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := n.HandleJoin(r.Context(), req, nil)
		answer(w, resp, err)
	})
	return mux
}

// token creates a join token on the member.
func (m *joinMember) token() string {
	m.t.Helper()
	tok, _, cmd, err := m.NewToken(time.Hour, "test")
	if err != nil {
		m.t.Fatal(err)
	}
	if res, err := m.Apply(context.Background(), cmd); err != nil || res.Err != nil {
		m.t.Fatal(err, res.Err)
	}
	return tok
}

// issued counts the certificates the cluster recorded.
func (m *joinMember) issued() int {
	n, err := m.store.Count(storage.BucketIssuedCerts)
	if err != nil {
		m.t.Fatal(err)
	}
	return n
}

// joiner is a node that asks to join; dir is where its identity goes.
type joiner struct {
	name, dir, raftAddr string
}

func newJoiner(t *testing.T, name string) joiner {
	return joiner{name: name, dir: filepath.Join(t.TempDir(), "tls"), raftAddr: freeAddr(t)}
}

func (j joiner) join(url, token string) (*PKI, error) {
	return Join(context.Background(), j.dir, url, token, Member{Name: j.name, Region: "hz-fsn", RaftAddr: j.raftAddr})
}

// joinAndStart joins j through the member and starts it, as a voter.
func (m *joinMember) joinAndStart(j joiner) *testNode {
	m.t.Helper()
	pki, err := j.join(m.url, m.token())
	if err != nil {
		m.t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(filepath.Dir(j.dir), "state.db"), storage.Options{})
	if err != nil {
		m.t.Fatal(err)
	}
	n, err := Open(Config{NodeID: j.name, Dir: filepath.Join(filepath.Dir(j.dir), "raft"), Bind: j.raftAddr, PKI: pki, Join: true}, st)
	if err != nil {
		st.Close()
		m.t.Fatal(err)
	}
	tn := &testNode{Node: n, store: st}
	m.t.Cleanup(func() { tn.Close(); st.Close() })
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if s, ok, _ := m.server(j.name); ok && s.Suffrage == raft.Voter {
			if ready, _ := n.Ready(); ready {
				return tn
			}
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("%s never became a ready voter", j.name)
		}
	}
}

// intruder is a TLS server that stands between a joiner and a member. It
// shows cert (its own, or one the cluster CA signed), records what reaches
// it, and lets handle answer each call.
type intruder struct {
	url  string
	mu   sync.Mutex
	seen map[string][]string // path → bodies received
}

func startIntruder(t *testing.T, cert tls.Certificate, handle func(w http.ResponseWriter, r *http.Request, body []byte)) *intruder {
	t.Helper()
	in := &intruder{seen: map[string][]string{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		in.mu.Lock()
		in.seen[r.URL.Path] = append(in.seen[r.URL.Path], string(body))
		in.mu.Unlock()
		handle(w, r, body)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	in.url = srv.URL
	return in
}

// received says whether any call that reached the intruder carried s.
func (in *intruder) received(s string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, bodies := range in.seen {
		for _, b := range bodies {
			if strings.Contains(b, s) {
				return true
			}
		}
	}
	return false
}

func (in *intruder) calls(path string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.seen[path])
}

// relay forwards a call to the member, as a man in the middle does.
func relay(t *testing.T, memberURL string, r *http.Request, body []byte) (int, []byte) {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	req, _ := http.NewRequest(r.Method, memberURL+r.URL.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return http.StatusBadGateway, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// foreignCA is another CA than the cluster's, and a server certificate
// it signed.
func foreignCA(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	ca := newTestCA(t)
	p := ca.pki(t, "mallory")
	return ca.cert, p.Cert
}

// clusterSignedCert is a node certificate the cluster CA signed for
// someone that is not the member the joiner asked for: a removed member's,
// or one issued before the fixes.
func (m *joinMember) clusterSignedCert(name string) tls.Certificate {
	m.t.Helper()
	p := (&testCA{cert: m.pki.CAPEM, key: m.pki.CAKey()}).pki(m.t, name)
	return p.Cert
}

func secretOf(token string) string {
	_, s, _ := strings.Cut(token, ".")
	return s
}

func noFiles(t *testing.T, dir string) {
	t.Helper()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused join left files in %s: %v", dir, entries)
	}
}

func TestJoinRefusesACABundleFromAManInTheMiddle(t *testing.T) {
	m := startJoinMember(t)
	token := m.token()
	evilCA, evilCert := foreignCA(t)
	for _, shown := range []struct {
		name string
		pem  []byte
	}{
		{"the real CA followed by its own", append(append([]byte{}, m.pki.CAPEM...), evilCA...)},
		{"the real CA followed by other data", append(append([]byte{}, m.pki.CAPEM...), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")...)},
	} {
		t.Run(shown.name, func(t *testing.T) {
			in := startIntruder(t, evilCert, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if r.URL.Path == JoinCAPath {
					w.Write(shown.pem)
					return
				}
				// It would answer anything that follows.
				code, data := relay(t, m.url, r, body)
				w.WriteHeader(code)
				w.Write(data)
			})
			j := newJoiner(t, "b")
			_, err := j.join(in.url, token)
			if err == nil || !strings.Contains(err.Error(), "exactly one certificate") {
				t.Fatalf("join through a CA bundle: %v", err)
			}
			if in.calls(JoinChallengePath) != 0 || in.calls(JoinPath) != 0 || in.received(secretOf(token)) {
				t.Fatalf("the joiner went on past the CA: %v", in.seen)
			}
			noFiles(t, j.dir)
		})
	}
	if m.issued() != 1 { // the member's own
		t.Fatalf("certificates issued: %d", m.issued())
	}
}

func TestJoinThroughARelayWithItsOwnCertificateSendsNothing(t *testing.T) {
	m := startJoinMember(t)
	token := m.token()
	_, evilCert := foreignCA(t)
	// It shows the real CA (public) and relays every call to the member,
	// but its TLS certificate is not the cluster CA's.
	in := startIntruder(t, evilCert, func(w http.ResponseWriter, r *http.Request, body []byte) {
		code, data := relay(t, m.url, r, body)
		w.WriteHeader(code)
		w.Write(data)
	})
	j := newJoiner(t, "b")
	_, err := j.join(in.url, token)
	if err == nil || !strings.Contains(err.Error(), "not the cluster CA's") {
		t.Fatalf("join through a relay with a foreign certificate: %v", err)
	}
	if in.calls(JoinChallengePath) != 0 || in.calls(JoinPath) != 0 || in.received(secretOf(token)) {
		t.Fatalf("a call reached the relay past the CA: %v", in.seen)
	}
	noFiles(t, j.dir)
}

func TestJoinSendsNoSecretToAMemberThatCannotProveTheToken(t *testing.T) {
	m := startJoinMember(t)
	token := m.token()
	// Someone holding a certificate the cluster CA signed (a removed
	// member, say) but not the token: it relays the challenge to the real
	// member, whose proof binds the member's own certificate, not this one.
	cases := []struct {
		name      string
		challenge func(w http.ResponseWriter, r *http.Request, body []byte)
	}{
		{"relayed proof", func(w http.ResponseWriter, r *http.Request, body []byte) {
			code, data := relay(t, m.url, r, body)
			w.WriteHeader(code)
			w.Write(data)
		}},
		{"made-up proof", func(w http.ResponseWriter, r *http.Request, body []byte) {
			writeJSON(w, http.StatusOK, JoinChallengeAnswer{Proof: strings.Repeat("ab", 32)})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := startIntruder(t, m.clusterSignedCert("removed"), func(w http.ResponseWriter, r *http.Request, body []byte) {
				switch r.URL.Path {
				case JoinCAPath:
					w.Write(m.pki.CAPEM)
				case JoinChallengePath:
					c.challenge(w, r, body)
				default:
					code, data := relay(t, m.url, r, body)
					w.WriteHeader(code)
					w.Write(data)
				}
			})
			j := newJoiner(t, "b")
			_, err := j.join(in.url, token)
			if err == nil || !strings.Contains(err.Error(), "could not prove that it knows the join token") {
				t.Fatalf("join through a member that cannot prove the token: %v", err)
			}
			if in.calls(JoinChallengePath) != 1 {
				t.Fatalf("the challenge did not reach it: %v", in.seen)
			}
			if in.calls(JoinPath) != 0 || in.received(secretOf(token)) {
				t.Fatal("the joiner sent its secret to a member that did not prove the token")
			}
			noFiles(t, j.dir)
		})
	}
	// The real member, for a token whose secret the joiner has wrong,
	// cannot prove it either: the joiner stops the same way.
	wrong := token[:len(token)-4] + "0000"
	if wrong == token {
		wrong = token[:len(token)-4] + "1111"
	}
	j := newJoiner(t, "b")
	if _, err := j.join(m.url, wrong); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Fatalf("join with a wrong secret: %v", err)
	}
	if m.issued() != 1 {
		t.Fatalf("certificates issued: %d", m.issued())
	}
}

func TestJoinKeepsOnlyTheCAItCheckedAgainstTheToken(t *testing.T) {
	m := startJoinMember(t)
	token := m.token()
	tok, _ := parseToken(token)
	evilCA, _ := foreignCA(t)
	// The worst case: it holds a certificate the cluster CA signed and
	// the token's stored hash (a member removed after the token was
	// made), so it passes the challenge; it relays the join and adds its
	// own CA to the answer.
	mitmCert := m.clusterSignedCert("removed")
	rec, _, _ := m.store.Get(storage.BucketJoinTokens, []byte(tok.ID))
	var stored Token
	json.Unmarshal(rec.Value, &stored)
	for i, rewrite := range []struct {
		name string
		ca   func(string) string
	}{
		{"its CA appended", func(ca string) string { return ca + string(evilCA) }},
		{"its CA instead", func(string) string { return string(evilCA) }},
	} {
		t.Run(rewrite.name, func(t *testing.T) {
			in := startIntruder(t, mitmCert, func(w http.ResponseWriter, r *http.Request, body []byte) {
				switch r.URL.Path {
				case JoinCAPath:
					w.Write(m.pki.CAPEM)
				case JoinChallengePath:
					var ch JoinChallenge
					json.Unmarshal(body, &ch)
					key, _ := hexDecode(stored.SecretHash)
					info, _, _ := m.Cluster()
					writeJSON(w, http.StatusOK, JoinChallengeAnswer{Proof: hexEncode(joinProof(key, ch.Nonce, info.CAHash, fingerprint(mitmCert.Certificate[0])))})
				case JoinPath:
					code, data := relay(t, m.url, r, body)
					var resp JoinResponse
					if code == http.StatusOK && json.Unmarshal(data, &resp) == nil {
						resp.CA = rewrite.ca(resp.CA)
						data, _ = json.Marshal(resp)
					}
					w.WriteHeader(code)
					w.Write(data)
				}
			})
			j := newJoiner(t, fmt.Sprintf("b%d", i))
			_, err := j.join(in.url, token)
			if err == nil || !strings.Contains(err.Error(), "a CA other than the one the token names") {
				t.Fatalf("join with a rewritten CA: %v", err)
			}
			if in.calls(JoinPath) != 1 {
				t.Fatalf("the join did not pass through: %v", in.seen)
			}
			noFiles(t, j.dir)
		})
	}
}

func TestJoinedNodeNeverKeepsACABundle(t *testing.T) {
	m := startJoinMember(t)
	j := newJoiner(t, "b")
	if _, err := j.join(m.url, m.token()); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(filepath.Join(j.dir, caCertFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(saved, m.pki.CAPEM) {
		t.Fatalf("the joined node saved another CA than the cluster's:\n%s", saved)
	}
	// A bundle is refused wherever a CA is read or written.
	evilCA, _ := foreignCA(t)
	bundle := append(append([]byte{}, m.pki.CAPEM...), evilCA...)
	if err := os.WriteFile(filepath.Join(j.dir, caCertFile), bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadPKI(j.dir); err == nil || !strings.Contains(err.Error(), "exactly one certificate") {
		t.Fatalf("a node started with a CA bundle as ca.crt: %v", err)
	}
	if err := savePKI(t.TempDir(), bundle, nil, nil); err == nil {
		t.Fatal("a CA bundle was saved")
	}
	if _, err := caHash(bundle); err == nil {
		t.Fatal("a CA bundle has a hash")
	}
}

func TestJoinNeverIssuesACertificateForAMembersNameOrAddress(t *testing.T) {
	m := startJoinMember(t)
	jb := newJoiner(t, "b")
	m.joinAndStart(jb)
	bSerial, _, _ := m.store.Get(storage.BucketMemberCerts, []byte("b"))
	before := m.issued()
	if before != 2 {
		t.Fatalf("issued certificates recorded: %d, want the member's and b's", before)
	}
	for _, c := range []struct {
		name, addr, code string
	}{
		{"b", freeAddr(t), "name-taken"},    // a member's name, another address
		{"b", jb.raftAddr, "name-taken"},    // a member's name and address
		{"a", freeAddr(t), "name-taken"},    // the member answering
		{"c", jb.raftAddr, "address-taken"}, // a member's address under a new name
	} {
		j := newJoiner(t, c.name)
		j.raftAddr = c.addr
		_, err := j.join(m.url, m.token())
		var je *JoinError
		if !errors.As(err, &je) || je.Code != c.code || !strings.Contains(je.Detail, "sovereign cluster remove") {
			t.Fatalf("join as %s at %s: %v", c.name, c.addr, err)
		}
		noFiles(t, j.dir)
	}
	if got := m.issued(); got != before {
		t.Fatalf("refused joins issued certificates: %d, then %d", before, got)
	}
	if now, _, _ := m.store.Get(storage.BucketMemberCerts, []byte("b")); !bytes.Equal(now.Value, bSerial.Value) {
		t.Fatalf("b's certificate record changed: %s, then %s", bSerial.Value, now.Value)
	}
	certs, err := m.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		if c.Name == "b" && (!strings.HasPrefix(c.Via, "join token ") || c.Fingerprint == "" || c.RaftAddr != jb.raftAddr || c.Serial != string(bSerial.Value)) {
			t.Fatalf("b's certificate record: %+v", c)
		}
	}
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }
func hexEncode(b []byte) string          { return hex.EncodeToString(b) }
