package app

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// handoverClaims are the claims of a good handover token for the test
// Sovereign.
func handoverClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss":            DefaultHandoverIssuer,
		"aud":            []string{"https://console." + testFQDN},
		"sub":            "openova-user-1",
		"email":          "owner@customer.example",
		"email_verified": true,
		"role":           "sovereign-admin",
		"iat":            now.Unix(),
		"exp":            now.Add(5 * time.Minute).Unix(),
		"jti":            uuid.NewString(),
	}
}

func signRS256(t testing.TB, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (tn *testNode) handover(token string) response {
	tn.t.Helper()
	return tn.get("/auth/handover?token="+url.QueryEscape(token), "")
}

func TestHandoverSignsInTheOwner(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	sk, _ := testKeys(t)
	claims := handoverClaims()
	r := tn.handover(signRS256(t, sk, claims))
	expectStatus(t, r, http.StatusFound)
	if loc := r.header.Get("Location"); loc != "/dashboard" {
		t.Fatalf("Location %q, want /dashboard", loc)
	}
	var session, refresh *http.Cookie
	for _, c := range r.resp.Cookies() {
		switch c.Name {
		case SessionCookie:
			session = c
		case refreshCookie:
			refresh = c
		}
	}
	if session == nil || session.Value == "" || !session.HttpOnly || session.MaxAge != 28800 || session.Path != "/" || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", session)
	}
	if refresh == nil || refresh.Value != "" || !refresh.Expires.Before(time.Now()) {
		t.Fatalf("catalyst_refresh not cleared: %+v", refresh)
	}
	me := tn.get("/api/v1/auth/me", "cookie:"+session.Value).json(t)
	if me["email"] != "owner@customer.example" || me["role"] != "sovereign-admin" {
		t.Fatalf("me after handover: %v", me)
	}
	st := tn.get("/api/v1/sovereign/settings", session.Value).json(t)
	if iso, _ := st["handoverISO"].(string); iso == "" {
		t.Fatalf("handover time not recorded: %v", st)
	}

	// The session's claims are exactly those DESIGN.md lists.
	parts := strings.Split(session.Value, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var got map[string]any
	json.Unmarshal(payload, &got)
	for _, k := range []string{"iss", "sub", "email", "email_verified", "role", "sovereign_fqdn", "deployment_id", "iat", "exp", "jti", "typ"} {
		if _, ok := got[k]; !ok {
			t.Errorf("session lacks claim %s: %v", k, got)
		}
	}
	if got["typ"] != "session" || got["sovereign_fqdn"] != testFQDN || got["deployment_id"] != testDeployment {
		t.Errorf("session claims: %v", got)
	}
	if exp, iat := got["exp"].(float64), got["iat"].(float64); exp-iat != 8*3600 {
		t.Errorf("session lives %v s, want 8 h", exp-iat)
	}

	// The same token a second time is refused, by its jti.
	r = tn.handover(signRS256(t, sk, claims))
	expectStatus(t, r, 401)
	if e := r.json(t)["error"]; e != reasonReplayed {
		t.Fatalf("replay: %v", e)
	}
}

func TestHandoverTokenAttacks(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	sk, other := testKeys(t)
	pubDER := x509.MarshalPKCS1PublicKey(&sk.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&sk.PublicKey))})
	with := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := handoverClaims()
		f(c)
		return c
	}
	used := handoverClaims()
	expectStatus(t, tn.handover(signRS256(t, sk, used)), http.StatusFound)

	cases := []struct {
		name  string
		token string
		want  string
	}{
		{"no token", "", reasonMissingToken},
		{"alg none", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, handoverClaims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}(), reasonInvalidToken},
		{"HS256 with the RSA public key (PEM) as secret", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, handoverClaims()).SignedString(pubPEM)
			return s
		}(), reasonInvalidToken},
		{"HS256 with the RSA public key (DER) as secret", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, handoverClaims()).SignedString(pubDER)
			return s
		}(), reasonInvalidToken},
		{"RS512 instead of RS256", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodRS512, handoverClaims()).SignedString(sk)
			return s
		}(), reasonInvalidToken},
		{"wrong key", signRS256(t, other, handoverClaims()), reasonInvalidToken},
		{"tampered payload", func() string {
			parts := strings.Split(signRS256(t, sk, with(func(c jwt.MapClaims) { c["role"] = "org-viewer" })), ".")
			good := strings.Split(signRS256(t, sk, handoverClaims()), ".")
			return good[0] + "." + parts[1] + "." + good[2]
		}(), reasonInvalidToken},
		{"garbage", "not.a.token", reasonInvalidToken},
		{"expired", signRS256(t, sk, with(func(c jwt.MapClaims) {
			c["iat"] = time.Now().Add(-10 * time.Minute).Unix()
			c["exp"] = time.Now().Add(-5 * time.Minute).Unix()
		})), reasonExpired},
		{"no exp", signRS256(t, sk, with(func(c jwt.MapClaims) { delete(c, "exp") })), reasonInvalidToken},
		{"not yet valid", signRS256(t, sk, with(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(5 * time.Minute).Unix() })), reasonNotYetValid},
		{"issued in the future", signRS256(t, sk, with(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(5 * time.Minute).Unix() })), reasonNotYetValid},
		{"wrong issuer", signRS256(t, sk, with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), reasonInvalidIssuer},
		{"no issuer", signRS256(t, sk, with(func(c jwt.MapClaims) { delete(c, "iss") })), reasonInvalidIssuer},
		{"wrong audience", signRS256(t, sk, with(func(c jwt.MapClaims) { c["aud"] = "https://console.other.example" })), reasonInvalidAudience},
		{"no audience", signRS256(t, sk, with(func(c jwt.MapClaims) { delete(c, "aud") })), reasonInvalidAudience},
		{"wrong role", signRS256(t, sk, with(func(c jwt.MapClaims) { c["role"] = "org-admin" })), reasonRole},
		{"unverified email", signRS256(t, sk, with(func(c jwt.MapClaims) { c["email_verified"] = false })), reasonEmailUnverified},
		{"email_verified as a string", signRS256(t, sk, with(func(c jwt.MapClaims) { c["email_verified"] = "true" })), reasonInvalidToken},
		{"no email", signRS256(t, sk, with(func(c jwt.MapClaims) { delete(c, "email") })), reasonMissingEmail},
		{"missing jti", signRS256(t, sk, with(func(c jwt.MapClaims) { delete(c, "jti") })), reasonMissingJTI},
		{"replayed jti", signRS256(t, sk, used), reasonReplayed},
	}
	before := auditLen(t, tn)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tn.handover(c.token)
			expectStatus(t, r, http.StatusUnauthorized)
			if got := r.json(t)["error"]; got != c.want {
				t.Fatalf("reason %q, want %q", got, c.want)
			}
			if sc := r.header.Get("Set-Cookie"); sc != "" {
				t.Fatalf("a refused handover set a cookie: %s", sc)
			}
		})
	}
	if after := auditLen(t, tn); after != before {
		t.Fatalf("refused handovers wrote %d audit entries", after-before)
	}
}

func auditLen(t testing.TB, tn *testNode) uint64 {
	h, _, err := readAuditHead(tn.store)
	if err != nil {
		t.Fatal(err)
	}
	return h.Seq
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestHandoverWithoutKeyIsRefused(t *testing.T) {
	t.Parallel()
	tn := startNode(t, withConsole(func(o *ConsoleOptions) { o.HandoverKeys = nil }))
	sk, _ := testKeys(t)
	r := tn.handover(signRS256(t, sk, handoverClaims()))
	expectStatus(t, r, 401)
	if r.json(t)["error"] != reasonNotConfigured {
		t.Fatalf("%s", r.body)
	}
}

func TestReadHandoverKeyForms(t *testing.T) {
	t.Parallel()
	sk, other := testKeys(t)
	pub := &sk.PublicKey
	dir := t.TempDir()
	oneJWK, _ := json.Marshal(jwkOf(pub, "", "RS256"))
	set, _ := json.Marshal(map[string]any{"keys": []any{jwkOf(pub, "", "RS256")}})
	two, _ := json.Marshal(map[string]any{"keys": []any{jwkOf(&other.PublicKey, "old", "RS256"), jwkOf(pub, "new", "")}})
	withEnc, _ := json.Marshal(map[string]any{"keys": []any{
		map[string]string{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "ec"},
		map[string]any{"kty": "RSA", "use": "enc", "kid": "enc", "n": "AQAB", "e": "AQAB"},
		jwkOf(pub, "sig", "RS256"),
	}})
	sameKid, _ := json.Marshal(map[string]any{"keys": []any{jwkOf(pub, "a", ""), jwkOf(&other.PublicKey, "a", "")}})
	onlyEC, _ := json.Marshal(map[string]any{"keys": []any{map[string]string{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}}})
	ec, _ := json.Marshal(map[string]string{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"})
	good := map[string]struct {
		data []byte
		keys int
	}{
		"pkix.pem":      {pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(pub))}), 1},
		"pkcs1.pem":     {pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)}), 1},
		"key.jwk":       {oneJWK, 1},
		"set.jwks":      {set, 1},
		"rotating.jwks": {two, 2},
		"mixed.jwks":    {withEnc, 1},
	}
	for name, g := range good {
		path := filepath.Join(dir, name)
		os.WriteFile(path, g.data, 0o600)
		ks, err := ReadHandoverKeys(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		keys := ks.Keys()
		if len(keys) != g.keys || !keys[len(keys)-1].Key.Equal(pub) {
			t.Fatalf("%s: %d keys, or another key", name, len(keys))
		}
	}
	bad := map[string][]byte{
		"private.pem":   pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(sk)}),
		"same-kid.jwks": sameKid,
		"only-ec.jwks":  onlyEC,
		"empty-set":     []byte(`{"keys":[]}`),
		"ec.jwk":        ec,
		"empty":         nil,
		"text":          []byte("hello"),
	}
	for name, data := range bad {
		path := filepath.Join(dir, name)
		os.WriteFile(path, data, 0o600)
		if _, err := ReadHandoverKeys(path); err == nil {
			t.Fatalf("%s accepted", name)
		}
	}
	if _, err := ReadHandoverKeys(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing file was accepted")
	}
}

// jwkOf is pub as a JWK, with kid and alg when they are not empty.
func jwkOf(pub *rsa.PublicKey, kid, alg string) map[string]string {
	m := map[string]string{"kty": "RSA", "n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
	if kid != "" {
		m["kid"] = kid
	}
	if alg != "" {
		m["alg"] = alg
	}
	return m
}
