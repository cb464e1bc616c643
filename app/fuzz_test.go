package app

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fuzzNow is the clock of the handover fuzz target, so that the committed
// corpus's tokens are judged the same way on every run.
var fuzzNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// fuzzKey is a key for tests only, committed so the corpus holds tokens
// that verify.
func fuzzKey(t testing.TB) *rsa.PrivateKey {
	data, err := os.ReadFile("testdata/handover-test-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		k2, err2 := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err2 != nil {
			t.Fatal(err)
		}
		return k2
	}
	return k.(*rsa.PrivateKey)
}

// FuzzHandoverToken feeds anything to the handover token reader: it never
// panics, and whatever it accepts carries every claim the handover needs.
func FuzzHandoverToken(f *testing.F) {
	key := fuzzKey(f)
	claims := jwt.MapClaims{
		"iss": DefaultHandoverIssuer, "aud": "https://console." + testFQDN, "email": "o@example.org", "email_verified": true,
		"role": "sovereign-admin", "iat": fuzzNow.Unix(), "exp": fuzzNow.Add(5 * time.Minute).Unix(), "jti": "j-1",
	}
	good, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	for _, s := range []string{good, none, hs, "", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", strings.Repeat("A", 9000)} {
		f.Add(s)
	}
	chk := handoverCheck{Keys: must(NewHandoverKeys(HandoverKey{Key: &key.PublicKey})), Issuers: []string{DefaultHandoverIssuer}, Audience: "https://console." + testFQDN, Now: func() time.Time { return fuzzNow }}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := verifyHandoverToken(token, chk)
		if err != nil {
			if _, ok := err.(*handoverError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if c.Role != "sovereign-admin" || !c.EmailVerified || c.Email == "" || c.ID == "" || c.Issuer != DefaultHandoverIssuer || c.ExpiresAt == nil {
			t.Fatalf("accepted a token without what a handover needs: %+v", c)
		}
	})
}

// fuzzTarget is a running node and an administrator's session, made once
// per fuzzing process.
type fuzzTarget struct {
	tn    *testNode
	token string
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	tn := startNode(f)
	return &fuzzTarget{tn: tn, token: tn.adminToken()}
}

// send posts body as is and checks what every write endpoint promises:
// no 5xx, a JSON answer (or none), and a 400 that names its field.
func (ft *fuzzTarget) send(t *testing.T, method, path string, body []byte, allowed ...int) {
	hr, err := http.NewRequest(method, ft.tn.url+path, bytes.NewReader(body))
	if err != nil {
		return // a path the fuzzer made unparseable never reaches the server
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+ft.token)
	resp, err := noRedirect.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ok := false
	for _, a := range allowed {
		ok = ok || resp.StatusCode == a
	}
	if !ok {
		t.Fatalf("%s %s %q: status %d: %s", method, path, body, resp.StatusCode, data)
	}
	if len(data) > 0 && !json.Valid(data) {
		t.Fatalf("%s %s: answer is not JSON: %s", method, path, data)
	}
	if resp.StatusCode == http.StatusBadRequest {
		var m map[string]any
		json.Unmarshal(data, &m)
		if f, _ := m["field"].(string); f == "" {
			t.Fatalf("%s %s: a 400 that names no field: %s", method, path, data)
		}
	}
}

var writeOutcomes = []int{200, 201, 204, 400, 404, 409, 413}

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
}

func FuzzUserCreateBody(f *testing.F) {
	addSeeds(f, `{"email":"a@example.org","name":"A","role":"org-admin","password":"long enough password"}`,
		`{"email":"b@example.org"}`, `{"email":42}`, `{"email":"x","role":"root"}`, `[]`, `null`, `{}`, `{"email":"c@example.org","password":"short"}`)
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.send(t, "POST", "/api/v1/sovereign/users", body, writeOutcomes...)
	})
}

func FuzzUserPatchBody(f *testing.F) {
	addSeeds(f, `{"name":"New"}`, `{"role":"org-viewer"}`, `{"status":"disabled"}`, `{"password":"a brand new password"}`, `{"status":1}`, `{"name":null}`)
	ft := newFuzzTarget(f)
	victim := ft.tn.addUser("victim@sovereign.local", "org-viewer", testPassword)
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.send(t, "PATCH", "/api/v1/sovereign/users/"+victim.ID, body, writeOutcomes...)
	})
}

func FuzzSettingsBody(f *testing.F) {
	addSeeds(f, `{"marketplaceEnabled":true}`, `{"features":{"a":true,"b":"x","c":1}}`, `{"region":"other"}`,
		`{"sovereignFQDN":"acme.sovereign.example","deploymentId":"dep-1234"}`, `{"features":{"a":[1]}}`, `{"provider":"Bad Name"}`)
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.send(t, "PUT", "/api/v1/sovereign/settings", body, writeOutcomes...)
	})
}

// FuzzTopologyBody writes a fuzzed body as every kind of entity, and
// checks that the topology stays readable whatever was accepted.
func FuzzTopologyBody(f *testing.F) {
	addSeeds(f, `{"id":"r1","name":"R","provider":"hetzner","workerCount":3}`, `{"regionId":"hz-fsn","name":"c"}`,
		`{"clusterId":"sovereign-hz-fsn","sku":"cx32","replicas":2}`, `{"clusterId":"sovereign-hz-fsn","ip":"10.0.0.1"}`,
		`{"regionId":"hz-fsn","cidr":"10.0.0.0/16","peerings":[{"id":"p","subnets":["10.1.0.0/16"]}],"firewalls":[{"rules":[{"action":"allow"}]}]}`,
		`{"clusterId":"sovereign-hz-fsn","listeners":[{"port":443,"protocol":"https"}],"targets":[{"ip":"10.0.0.2"}]}`,
		`{"pattern":"solo"}`, `{"status":"fine"}`)
	ft := newFuzzTarget(f)
	kinds := []string{kindRegions, kindClusters, kindNodePools, kindNodes, kindVClusters, kindNetworks, kindLoadBalancers}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, k := range kinds {
			ft.send(t, "POST", "/api/v1/sovereign/topology/"+k, body, writeOutcomes...)
		}
		ft.send(t, "PUT", "/api/v1/sovereign/topology/pattern", body, writeOutcomes...)
		hr, _ := http.NewRequest("GET", ft.tn.url+"/api/v1/sovereign/topology", nil)
		hr.Header.Set("Authorization", "Bearer "+ft.token)
		resp, err := noRedirect.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get(DegradedHeader) != "" || bytes.Contains(data, []byte("null")) {
			t.Fatalf("topology after %q: %d %s %s", body, resp.StatusCode, resp.Header.Get(DegradedHeader), data)
		}
	})
}

func FuzzLoginBody(f *testing.F) {
	addSeeds(f, `{"email":"admin@sovereign.local","password":"wrong"}`, `{"email":"","password":""}`, `{"email":[],"password":{}}`, `{`)
	ft := newFuzzTarget(f)
	ft.tn.srv.console.limits = newSignInLimits(signInPolicy{PerClient: 1 << 30, ClientWindow: time.Minute, PerPair: 1 << 30, PairWindow: time.Minute, PerAccount: 1 << 30, AccountWindow: time.Minute})
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.send(t, "POST", "/api/v1/auth/login", body, 200, 400, 401, 413, 429)
	})
}
