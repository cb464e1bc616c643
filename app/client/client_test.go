package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/app/client"
	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
)

const password = "correct horse battery staple"

// node runs a node (an in-memory member over a real store) and serves its
// API over HTTPS with a cluster CA and over plain HTTP; it returns both URLs
// and the CA file.
func node(t *testing.T) (httpURL, httpsURL, caFile string) {
	t.Helper()
	dir := t.TempDir()
	ca, err := raftnode.NewTestCA("hz-fsn")
	if err != nil {
		t.Fatal(err)
	}
	pki, err := ca.NodePKI("n1")
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, "ca.crt")
	os.WriteFile(caFile, ca.CertPEM, 0o600)

	st, err := storage.Open(filepath.Join(dir, "state.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := raftnode.NewInmemNetwork().Open(raftnode.Config{NodeID: "n1", PKI: pki}, st)
	if err != nil {
		t.Fatal(err)
	}
	srvHTTP := app.New(app.Options{Node: n, Store: st, Console: app.ConsoleOptions{Region: "hz-fsn"}})
	srvHTTPS := app.New(app.Options{Node: n, Store: st, Console: app.ConsoleOptions{Region: "hz-fsn"}})
	ln1, _ := net.Listen("tcp", "127.0.0.1:0")
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	go srvHTTP.Serve(ln1)
	go srvHTTPS.Serve(tls.NewListener(ln2, pki.HTTPSConfig()))
	t.Cleanup(func() {
		srvHTTP.Shutdown(context.Background())
		srvHTTPS.Shutdown(context.Background())
		n.Close()
		st.Close()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ok, _ := n.Ready(); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready")
		}
		time.Sleep(time.Millisecond)
	}
	hash, _ := identity.HashPassword(password)
	if _, err := identity.NewDirectory(n, st).Create(context.Background(), identity.User{Email: client.DefaultEmail, Role: identity.RoleSovereignAdmin, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	return "http://" + ln1.Addr().String(), "https://" + ln2.Addr().String(), caFile
}

func TestClientSignsInAndCalls(t *testing.T) {
	plain, _, _ := node(t)
	ctx := context.Background()
	c, err := client.New(client.Options{Server: plain, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	var users struct{ Users []app.UserView }
	if err := c.Do(ctx, http.MethodGet, "/api/v1/sovereign/users", nil, &users); err != nil {
		t.Fatal(err)
	}
	if len(users.Users) != 1 {
		t.Fatalf("users: %+v", users)
	}
	tok, _ := c.Token(ctx)
	// The token alone is enough for another client.
	c2, _ := client.New(client.Options{Server: plain, Token: tok})
	if err := c2.Do(ctx, http.MethodGet, "/api/v1/auth/me", nil, nil); err != nil {
		t.Fatal(err)
	}
	// A 400 keeps its field; the message says what was wrong.
	err = c.Do(ctx, http.MethodPost, "/api/v1/sovereign/users", map[string]string{"email": "nope"}, nil)
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Field != "email" || !strings.Contains(err.Error(), "email") {
		t.Fatalf("400: %v", err)
	}
	// A stream hands the body over.
	resp, err := c.Stream(ctx, http.MethodGet, "/api/v1/sovereign/topology", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := c.Do(ctx, http.MethodDelete, "/api/v1/sovereign/users/none", nil, nil); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Fatalf("deleting a user that does not exist: %v", err)
	}
}

func TestClientErrorsSayWhatToDo(t *testing.T) {
	plain, _, _ := node(t)
	ctx := context.Background()
	cases := []struct {
		name string
		opts client.Options
		want string
	}{
		{"no credentials", client.Options{Server: plain}, "SOVEREIGN_PASSWORD"},
		{"wrong password", client.Options{Server: plain, Password: "wrong but long enough"}, "sign-in refused"},
		{"bad token", client.Options{Server: plain, Token: "garbage"}, "SOVEREIGN_TOKEN"},
		{"nothing listening", client.Options{Server: "http://127.0.0.1:1", Password: password}, "--server"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := client.New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Do(ctx, http.MethodGet, "/api/v1/sovereign/users", nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v does not mention %s", err, tc.want)
			}
		})
	}
	if _, err := client.New(client.Options{Server: "ftp://x"}); err == nil || !strings.Contains(err.Error(), "--server") {
		t.Fatalf("bad URL: %v", err)
	}
}

func TestClientPinsTheClusterCA(t *testing.T) {
	_, secure, caFile := node(t)
	ctx := context.Background()
	c, _ := client.New(client.Options{Server: secure, Password: password})
	err := c.Do(ctx, http.MethodGet, "/api/v1/sovereign/users", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "--ca") {
		t.Fatalf("an unpinned CA: %v", err)
	}
	c, err = client.New(client.Options{Server: secure, Password: password, CA: caFile})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, http.MethodGet, "/api/v1/sovereign/users", nil, nil); err != nil {
		t.Fatal(err)
	}
	// Over TLS the session cookie is Secure.
	pool := x509.NewCertPool()
	pemData, _ := os.ReadFile(caFile)
	pool.AppendCertsFromPEM(pemData)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Post(secure+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"`+client.DefaultEmail+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sc := resp.Header.Get("Set-Cookie"); resp.StatusCode != 200 || !strings.Contains(sc, "secure") && !strings.Contains(sc, "Secure") {
		t.Fatalf("login over HTTPS: %d %q", resp.StatusCode, sc)
	}
	if _, err := client.New(client.Options{Server: secure, CA: filepath.Join(t.TempDir(), "none")}); err == nil {
		t.Fatal("a missing CA file was accepted")
	}
}
