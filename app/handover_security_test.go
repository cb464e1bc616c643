package app

import (
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func signRS256Kid(t testing.TB, key *rsa.PrivateKey, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHandoverKeySetSelectsByKid: with a set of keys (OpenOva rotating
// with an overlap), a token naming a kid is checked against that key only;
// a token without one against each key; a kid no key has is refused.
func TestHandoverKeySetSelectsByKid(t *testing.T) {
	t.Parallel()
	oldSK, newSK := testKeys(t)
	ks := must(NewHandoverKeys(HandoverKey{Kid: "old", Key: &oldSK.PublicKey}, HandoverKey{Kid: "new", Key: &newSK.PublicKey}))
	chk := handoverCheck{Keys: ks, Issuers: []string{DefaultHandoverIssuer}, Audience: "https://console." + testFQDN}
	cases := []struct {
		name string
		key  *rsa.PrivateKey
		kid  string
		ok   bool
	}{
		{"new key, its kid", newSK, "new", true},
		{"old key, its kid", oldSK, "old", true},
		{"new key, no kid", newSK, "", true},
		{"old key, no kid", oldSK, "", true},
		{"old key claiming the new kid", oldSK, "new", false},
		{"new key claiming the old kid", newSK, "old", false},
		{"unknown kid", newSK, "other", false},
	}
	for _, c := range cases {
		_, err := verifyHandoverToken(signRS256Kid(t, c.key, c.kid, handoverClaims()), chk)
		if c.ok != (err == nil) {
			t.Errorf("%s: err %v", c.name, err)
		}
		if err != nil && err.Error() != reasonInvalidToken {
			t.Errorf("%s: reason %q", c.name, err)
		}
	}
	// A kid that is not a string is refused.
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, handoverClaims())
	tok.Header["kid"] = 7
	s, _ := tok.SignedString(newSK)
	if _, err := verifyHandoverToken(s, chk); err == nil {
		t.Error("a numeric kid was accepted")
	}
	// A single key without a kid accepts a token whatever kid it names,
	// as before sets existed.
	single := handoverCheck{Keys: must(NewHandoverKeys(HandoverKey{Key: &newSK.PublicKey})), Issuers: chk.Issuers, Audience: chk.Audience}
	if _, err := verifyHandoverToken(signRS256Kid(t, newSK, "anything", handoverClaims()), single); err != nil {
		t.Errorf("single key, token with a kid: %v", err)
	}
}

// TestHandoverAcceptsBothKeysOfAJWKSFileDuringRotation runs the overlap
// through a node that read its keys from a JWK set file.
func TestHandoverAcceptsBothKeysOfAJWKSFileDuringRotation(t *testing.T) {
	t.Parallel()
	oldSK, newSK := testKeys(t)
	data, _ := json.Marshal(map[string]any{"keys": []any{jwkOf(&oldSK.PublicKey, "2026-01", "RS256"), jwkOf(&newSK.PublicKey, "2026-06", "RS256")}})
	path := filepath.Join(t.TempDir(), "openova.jwks")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ks, err := ReadHandoverKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	tn := startNode(t, withConsole(func(o *ConsoleOptions) { o.HandoverKeys = ks }))
	expectStatus(t, tn.handover(signRS256Kid(t, oldSK, "2026-01", handoverClaims())), http.StatusFound)
	expectStatus(t, tn.handover(signRS256Kid(t, newSK, "2026-06", handoverClaims())), http.StatusFound)
	expectStatus(t, tn.handover(signRS256Kid(t, newSK, "", handoverClaims())), http.StatusFound)
	r := tn.handover(signRS256Kid(t, oldSK, "2026-06", handoverClaims()))
	expectStatus(t, r, http.StatusUnauthorized)
}

// TestHandoverKeyFileIsReadAgainWhenItChanges rotates OpenOva's key on a
// running node by editing its key file: the new key is accepted and the old
// refused once the file says so, and a broken file keeps the keys before.
func TestHandoverKeyFileIsReadAgainWhenItChanges(t *testing.T) {
	t.Parallel()
	oldSK, newSK := testKeys(t)
	path := filepath.Join(t.TempDir(), "openova.jwks")
	write := func(keys ...any) {
		data, _ := json.Marshal(map[string]any{"keys": keys})
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(jwkOf(&oldSK.PublicKey, "2026-01", "RS256"))
	kf, err := OpenHandoverKeyFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	kf.every = 0
	tn := startNode(t, withConsole(func(o *ConsoleOptions) { o.HandoverKeys = kf }))
	withOld := func() string { return signRS256Kid(t, oldSK, "2026-01", handoverClaims()) }
	withNew := func() string { return signRS256Kid(t, newSK, "2026-06", handoverClaims()) }
	expectStatus(t, tn.handover(withOld()), http.StatusFound)
	expectStatus(t, tn.handover(withNew()), http.StatusUnauthorized)

	write(jwkOf(&oldSK.PublicKey, "2026-01", "RS256"), jwkOf(&newSK.PublicKey, "2026-06", "RS256"))
	expectStatus(t, tn.handover(withOld()), http.StatusFound)
	expectStatus(t, tn.handover(withNew()), http.StatusFound)

	write(jwkOf(&newSK.PublicKey, "2026-06", "RS256"))
	expectStatus(t, tn.handover(withOld()), http.StatusUnauthorized)
	expectStatus(t, tn.handover(withNew()), http.StatusFound)

	for _, broken := range [][]byte{[]byte("{not json"), nil} {
		if err := os.WriteFile(path, broken, 0o600); err != nil {
			t.Fatal(err)
		}
		expectStatus(t, tn.handover(withNew()), http.StatusFound)
	}
	os.Remove(path)
	expectStatus(t, tn.handover(withNew()), http.StatusFound)
	if _, err := OpenHandoverKeyFile(path, nil); err == nil {
		t.Error("a missing key file was opened")
	}
}

// handoverTo sends a handover with Host set to host.
func (tn *testNode) handoverTo(host, token string) response {
	tn.t.Helper()
	hr, _ := http.NewRequest(http.MethodGet, tn.url+"/auth/handover?token="+url.QueryEscape(token), nil)
	hr.Host = host
	resp, err := noRedirect.Do(hr)
	if err != nil {
		tn.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: data, resp: resp}
}

// TestHandoverOnANodeWithoutFQDNNamesTheHostItWasSentTo: a node that does
// not know its FQDN accepts a handover whose audience names the host the
// request was sent to, and only then learns its FQDN from it. Before, the
// audience was compared with an empty FQDN and every handover failed.
func TestHandoverOnANodeWithoutFQDNNamesTheHostItWasSentTo(t *testing.T) {
	t.Parallel()
	tn := startNode(t, withConsole(func(o *ConsoleOptions) { o.FQDN = ""; o.DeploymentID = "" }))
	sk, _ := testKeys(t)
	const fqdn = "fresh.sovereign.example"
	claims := func(aud, stamped string) jwt.MapClaims {
		c := handoverClaims()
		c["aud"] = []string{aud}
		if stamped != "" {
			c["sovereign_fqdn"] = stamped
		}
		c["deployment_id"] = "dep-fresh-1"
		return c
	}
	refusals := []struct {
		name, host, aud, stamped string
	}{
		{"audience of another host", "console." + fqdn, "https://console.other.example", ""},
		{"host that is not console.<fqdn>", fqdn, "https://" + fqdn, ""},
		{"host that is an address", "127.0.0.1", "https://console.127.0.0.1", ""},
		{"audience right, but the token stamps another FQDN", "console." + fqdn, "https://console." + fqdn, "other.example"},
		{"no Host worth the name", "console.", "https://console.", ""},
	}
	for _, c := range refusals {
		r := tn.handoverTo(c.host, signRS256(t, sk, claims(c.aud, c.stamped)))
		expectStatus(t, r, http.StatusUnauthorized)
		if got := r.json(t)["error"]; got != reasonInvalidAudience {
			t.Fatalf("%s: reason %v", c.name, got)
		}
	}
	st := tn.get("/api/v1/sovereign/self", "")
	expectStatus(t, st, http.StatusNotFound) // still nothing known

	r := tn.handoverTo("console."+fqdn+":8443", signRS256(t, sk, claims("https://console."+fqdn, fqdn)))
	expectStatus(t, r, http.StatusFound)
	self := tn.get("/api/v1/sovereign/self", "")
	expectStatus(t, self, http.StatusOK)
	if m := self.json(t); m["sovereignFQDN"] != fqdn || m["deploymentId"] != "dep-fresh-1" {
		t.Fatalf("self after the first handover: %s", self.body)
	}
	// From now on the FQDN is known: the audience must name it, whatever
	// the Host says.
	r = tn.handoverTo("console.other.example", signRS256(t, sk, claims("https://console.other.example", "")))
	expectStatus(t, r, http.StatusUnauthorized)
	expectStatus(t, tn.handoverTo("anything", signRS256(t, sk, claims("https://console."+fqdn, ""))), http.StatusFound)
}

// TestHandoverDoesNotReEnableADisabledAccount: an account an administrator
// disabled stays disabled; the handover is refused with its reason, the
// refusal is in the audit trail, and a replay of the token adds nothing.
func TestHandoverDoesNotReEnableADisabledAccount(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	sk, _ := testKeys(t)
	admin := tn.adminToken()
	owner := tn.addUser("owner@customer.example", "sovereign-admin", testPassword)
	tn.patchUser(admin, owner.ID, map[string]any{"status": "disabled"})

	tok := signRS256(t, sk, handoverClaims())
	r := tn.handover(tok)
	expectStatus(t, r, http.StatusUnauthorized)
	if got := r.json(t)["error"]; got != reasonDisabled {
		t.Fatalf("reason %v, want %q", got, reasonDisabled)
	}
	if sc := r.header.Get("Set-Cookie"); strings.Contains(sc, SessionCookie+"=e") {
		t.Fatalf("a refused handover set a session: %s", sc)
	}
	users := tn.get("/api/v1/sovereign/users", admin)
	if !strings.Contains(string(users.body), `"email":"owner@customer.example","name":"sovereign-admin","role":"sovereign-admin","status":"disabled"`) {
		t.Fatalf("the account changed: %s", users.body)
	}
	entries := auditEntries(t, tn, admin)
	last := entries[len(entries)-1]
	if last.Action != "session.handover.refused" || !strings.Contains(last.Target, owner.ID) || !strings.Contains(last.Target, reasonDisabled) {
		t.Fatalf("last audit entry %+v", last)
	}
	// The token was used up: a replay is refused without another entry.
	r = tn.handover(tok)
	expectStatus(t, r, http.StatusUnauthorized)
	if got := r.json(t)["error"]; got != reasonReplayed {
		t.Fatalf("replay: %v", got)
	}
	if again := auditEntries(t, tn, admin); len(again) != len(entries) {
		t.Fatalf("the replay added %d audit entries", len(again)-len(entries))
	}
	// Re-enabled by an administrator, the owner is handed over again.
	tn.patchUser(admin, owner.ID, map[string]any{"status": "active"})
	expectStatus(t, tn.handover(signRS256(t, sk, handoverClaims())), http.StatusFound)
}

func auditEntries(t testing.TB, tn *testNode, auth string) []AuditEntry {
	t.Helper()
	r := tn.get("/api/v1/sovereign/audit", auth)
	expectStatus(t, r, 200)
	var out struct {
		Entries []AuditEntry `json:"entries"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Entries) == 0 {
		t.Fatalf("audit: %v %s", err, r.body)
	}
	return out.Entries
}

// FuzzHandoverKeys feeds anything to the key file reader: it never
// panics, and a set it accepts holds usable keys with distinct kids.
func FuzzHandoverKeys(f *testing.F) {
	sk, _ := testKeys(f)
	one, _ := json.Marshal(jwkOf(&sk.PublicKey, "k1", "RS256"))
	set, _ := json.Marshal(map[string]any{"keys": []any{jwkOf(&sk.PublicKey, "a", ""), map[string]string{"kty": "EC"}}})
	for _, s := range [][]byte{one, set, []byte(`{"keys":[]}`), []byte(`{"keys":null}`), []byte(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`), []byte("-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n"), nil} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := parseHandoverKeys(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, k := range ks.Keys() {
			if k.Key == nil || k.Key.N.BitLen() < minHandoverKeyBits {
				t.Fatalf("accepted an unusable key: %+v", k)
			}
			if k.Kid != "" && seen[k.Kid] {
				t.Fatalf("two keys with kid %q", k.Kid)
			}
			seen[k.Kid] = true
		}
	})
}
