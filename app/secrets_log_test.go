package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/openova-io/sovereign/raftnode"
)

// lockedBuffer is a log destination many requests write to at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoSecretInAnyLogLine drives every path that handles a secret (sign-in
// right and wrong, handover good and refused, a user created with a
// generated password, a password change, a join token, a key rotation,
// logout) with the most verbose JSON logger, then looks for each secret in
// every form it travels in.
func TestNoSecretInAnyLogLine(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tn := startNode(t, func(o *Options) { o.Logger = logger })
	sk, other := testKeys(t)

	secrets := map[string]string{"bootstrap password": testPassword}
	admin := tn.adminToken()
	secrets["admin session"] = admin
	expectStatus(t, tn.tryLogin("admin@sovereign.local", "a wrong password tried here", nil), 401)
	secrets["wrong password"] = "a wrong password tried here"

	good := signRS256(t, sk, handoverClaims())
	expectStatus(t, tn.handover(good), http.StatusFound)
	secrets["handover token"] = good
	forged := signRS256(t, other, handoverClaims())
	expectStatus(t, tn.handover(forged), 401)
	secrets["forged handover token"] = forged

	r := tn.do(req{method: http.MethodPost, path: "/api/v1/sovereign/users", auth: admin, body: map[string]any{"email": "dev@sovereign.local", "role": "org-developer"}})
	expectStatus(t, r, http.StatusCreated)
	generated, _ := r.json(t)["password"].(string)
	if generated == "" {
		t.Fatalf("no generated password: %s", r.body)
	}
	secrets["generated password"] = generated
	id := r.json(t)["user"].(map[string]any)["id"].(string)
	tn.patchUser(admin, id, map[string]any{"password": "the changed password, long"})
	secrets["changed password"] = "the changed password, long"
	dev := tn.login("dev@sovereign.local", "the changed password, long")
	secrets["dev session"] = dev

	ca, err := raftnode.NewTestCA("hz-fsn")
	if err != nil {
		t.Fatal(err)
	}
	caKey := ca.KeyPEM
	if _, err := tn.node.EnsureCluster(context.Background(), "hz-fsn", ca.CertPEM, caKey); err != nil {
		t.Fatal(err)
	}
	secrets["cluster CA key"] = strings.Split(string(caKey), "\n")[1] // a line of its body
	r = tn.do(req{method: http.MethodPost, path: "/api/v1/cluster/tokens", auth: admin, body: map[string]any{"ttl": "1h"}})
	if r.status != http.StatusCreated {
		t.Fatalf("join token: %d %s\n%s", r.status, r.body, logs)
	}
	join, _ := r.json(t)["token"].(string)
	secrets["join token"] = join
	if _, secret, ok := strings.Cut(join, "::"); ok {
		secrets["join token secret"] = secret
	}
	expectStatus(t, tn.do(req{method: http.MethodPost, path: "/api/v1/sovereign/keys/rotate", auth: admin}), 200)
	set, _, err := tn.srv.console.keys.load()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		secrets["signing key "+k.Kid+" (base64)"] = base64.StdEncoding.EncodeToString(k.Secret)
		secrets["signing key "+k.Kid+" (hex)"] = hex.EncodeToString(k.Secret)
	}
	expectStatus(t, tn.do(req{method: http.MethodDelete, path: "/api/v1/auth/session", auth: "cookie:" + dev}), 204)
	// A request that fails on the server side logs its path.
	tn.get("/auth/handover?token="+good+"&x=%ff", "")

	out := logs.String()
	if out == "" {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	for name, s := range secrets {
		forms := []string{s}
		if parts := strings.Split(s, "."); len(parts) == 3 {
			forms = append(forms, parts[2]) // a JWT's signature
		}
		for _, f := range forms {
			if f != "" && strings.Contains(out, f) {
				t.Errorf("the %s is in the log:\n%s", name, out)
			}
		}
	}
}
