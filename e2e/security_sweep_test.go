package e2e

import (
	"crypto/tls"
	"encoding/json"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartedNodeKeepsItsFilesAndListenersClosed runs a real node with
// plain HTTP, HTTPS and the registry, and checks from outside what the
// security sweep asks: its TLS listeners speak TLS 1.2 or newer only, and
// the data directory it made is its owner's only, with every key, the
// state and the first administrator's password in 0600 files.
func TestStartedNodeKeepsItsFilesAndListenersClosed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	httpsAddr, registryAddr := freePort(t), freePort(t)
	p := startServe(t, dir, "--https", httpsAddr, "--registry", registryAddr)
	p.waitReady(t)
	defer p.stop(t)

	checkTLSVersions(t, "--https", httpsAddr)
	checkTLSVersions(t, "--registry", registryAddr)

	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o700 {
		t.Errorf("data directory is %o, want 700", m)
	}
	secretFiles := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		name := d.Name()
		secret := strings.HasSuffix(name, ".key") || strings.HasSuffix(name, ".db") || name == "admin-password"
		if secret && !d.IsDir() {
			secretFiles++
			if m := info.Mode().Perm(); m != 0o600 {
				t.Errorf("%s is %o, want 600", rel, m)
			}
		}
		return nil
	})
	if secretFiles < 3 {
		t.Fatalf("found %d key, state or password files in %s; the check saw too little", secretFiles, dir)
	}
}

// checkTLSVersions checks that the listener of flag at addr completes a
// handshake at TLS 1.2 and 1.3 and refuses 1.0 and 1.1.
func checkTLSVersions(t *testing.T, flag, addr string) {
	t.Helper()
	for _, v := range []struct {
		name string
		ver  uint16
		ok   bool
	}{{"TLS 1.0", tls.VersionTLS10, false}, {"TLS 1.1", tls.VersionTLS11, false}, {"TLS 1.2", tls.VersionTLS12, true}, {"TLS 1.3", tls.VersionTLS13, true}} {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
			&tls.Config{InsecureSkipVerify: true, MinVersion: v.ver, MaxVersion: v.ver})
		if err == nil {
			conn.Close()
		}
		if v.ok != (err == nil) {
			t.Errorf("%s with %s: %v", flag, v.name, err)
		}
	}
}

// TestRunningNodeLogsNoSecret runs a node at --log-level debug, drives
// every command that carries a secret (sign-in right and wrong, a user
// added with a generated password, a password change, a join token, a key
// rotation) and looks for each secret in everything the process logged.
func TestRunningNodeLogsNoSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir, "--log-level", "debug")
	p.waitReady(t)
	defer p.stop(t)
	pwData, err := os.ReadFile(filepath.Join(dir, "admin-password"))
	if err != nil {
		t.Fatal(err)
	}
	adminPW := strings.TrimSpace(string(pwData))
	env := []string{"SOVEREIGN_URL=http://" + p.http, "SOVEREIGN_PASSWORD=" + adminPW, "SOVEREIGN_TOKEN=", "SOVEREIGN_EMAIL="}
	ok := func(args ...string) string {
		t.Helper()
		code, out, stderr := run(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	secrets := map[string]string{"bootstrap password": adminPW}
	secrets["session"] = signIn(t, p.http, "admin@sovereign.local", adminPW)
	const wrong = "not the password, but long"
	if code, _, _ := run(t, []string{"SOVEREIGN_URL=http://" + p.http, "SOVEREIGN_PASSWORD=" + wrong, "SOVEREIGN_TOKEN=", "SOVEREIGN_EMAIL="}, "user", "list"); code == 0 {
		t.Fatal("a wrong password signed in")
	}
	secrets["wrong password"] = wrong

	var added struct{ Password string }
	if err := json.Unmarshal([]byte(ok("user", "add", "dev@example.org", "--role", "org-developer", "-o", "json")), &added); err != nil || added.Password == "" {
		t.Fatalf("user add: %v %+v", err, added)
	}
	secrets["generated password"] = added.Password
	const changed = "a changed password for dev"
	ok("user", "passwd", "dev@example.org", "--new-password", changed)
	secrets["changed password"] = changed
	secrets["dev session"] = signIn(t, p.http, "dev@example.org", changed)
	join := strings.TrimSpace(ok("token", "create", "--ttl", "1h"))
	secrets["join token"] = join
	if _, secret, found := strings.Cut(join, "::"); found {
		secrets["join token secret"] = secret
	}
	ok("keys", "rotate")

	logs := p.stderr.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) && !strings.Contains(logs, "level=DEBUG") {
		t.Fatalf("no debug line was logged; the check would prove nothing:\n%s", logs)
	}
	for name, s := range secrets {
		forms := []string{s}
		if parts := strings.Split(s, "."); len(parts) == 3 {
			forms = append(forms, parts[2]) // a JWT's signature
		}
		for _, f := range forms {
			if strings.Contains(logs, f) {
				t.Errorf("the %s is in the node's log", name)
			}
		}
	}
}
